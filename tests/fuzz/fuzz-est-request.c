/*
 * Fuzz the EST request path of carecard-ca serve (ca/service/est-parse.c):
 * any Content-Type and any body of a simplereenroll must give one of the
 * documented statuses — 200 only for exactly one DER PKCS#10 request of at
 * most SVC_EST_DER_MAX bytes, which then parses again the way the CA
 * library reads it — never a crash, a leak or an OpenSSL error left queued.
 *
 * The first input byte picks the Content-Type (a few spellings, right and
 * wrong); the rest is the body as sent, and, base64-encoded here, as the
 * DER a client meant to send (so the fuzzer reaches d2i_X509_REQ without
 * having to learn base64 first).
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-est-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check" and "make memcheck"):
 * every seed of tests/fuzz/corpus-est through the same entry point, as TAP.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/service/est-parse.h"
#include "fuzz-http-fixture.h"

static const char *const ctypes[] = {
	"application/pkcs10",
	"Application/PKCS10; charset=binary",
	" application/pkcs10 ",
	"application/pkcs10x",
	"text/plain",
	NULL,
};

static void
one(const char *ctype, const uint8_t *body, size_t len)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	const char *why = NULL;
	size_t derlen = 0;
	X509_REQ *req;
	int st = svc_est_request_decode(ctype, body, len, &der, &derlen, &why);

	if (st != 200 && st != 400 && st != 413 && st != 415 && st != 503)
		abort();
	if (st != 200) {
		if (why == NULL || der != NULL)
			abort();
	} else {
		p = der;
		if (der == NULL || derlen == 0 || derlen > SVC_EST_DER_MAX ||
		    (req = d2i_X509_REQ(NULL, &p, (long)derlen)) == NULL || p != der + derlen)
			abort();
		/* what the library does next: the request's own signature */
		if (X509_REQ_get0_pubkey(req) != NULL)
			(void)X509_REQ_verify(req, X509_REQ_get0_pubkey(req));
		X509_REQ_free(req);
		ERR_clear_error();
	}
	free(der);
	if (ERR_peek_error() != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *b64;
	const char *ctype;
	int n;

	if (size == 0)
		return 0;
	ctype = ctypes[data[0] % (sizeof(ctypes) / sizeof(ctypes[0]))];
	one(ctype, data + 1, size - 1);
	/* the same bytes as the DER a client encodes */
	if ((b64 = malloc(4 * ((size - 1) / 3 + 1) + 1)) == NULL)
		abort();
	n = EVP_EncodeBlock(b64, data + 1, (int)(size - 1));
	one(ctype, b64, (size_t)n);
	free(b64);
#ifdef SVC_FUZZ_REPLAY
	fprintf(stderr, "# %zu bytes, content type %s\n", size - 1, ctype != NULL ? ctype : "none");
#endif
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-est" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
