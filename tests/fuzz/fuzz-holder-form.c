/*
 * Fuzz the holder's unlock request bodies (ca/service/holder-form.c): any
 * Content-Type and any body must give one of the documented statuses, and
 * on 200 fields that fit (NUL-terminated card and code, a key of at most
 * SVC_HOLDER_KEY_MAX bytes) — never a crash, a leak or an OpenSSL error
 * left queued.
 *
 * The first input byte picks the Content-Type (right and wrong spellings);
 * the rest is the body as sent, and again wrapped as a well-formed form
 * whose key is the bytes base64-encoded (so the fuzzer reaches the key's
 * decoding without having to learn base64 first).
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-holder-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check" and "make memcheck"):
 * every seed of tests/fuzz/corpus-holder through the same entry point.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "ca/service/holder-form.h"
#include "fuzz-http-fixture.h"

static const char *const ctypes[] = {
	"application/x-www-form-urlencoded",
	"Application/X-WWW-Form-Urlencoded; charset=utf-8",
	"application/x-www-form-urlencodedx",
	"application/json",
	NULL,
};

static void
one(const char *ctype, const uint8_t *body, size_t len)
{
	struct svc_holder_form f;
	const char *why = NULL;
	int st = svc_holder_form_parse(ctype, body, len, &f, &why);

	if (st != 200 && st != 400 && st != 413 && st != 415 && st != 503)
		abort();
	if (st != 200 && why == NULL)
		abort();
	if (st == 200 && (memchr(f.card, '\0', sizeof(f.card)) == NULL ||
			  memchr(f.code, '\0', sizeof(f.code)) == NULL ||
			  f.keylen > SVC_HOLDER_KEY_MAX))
		abort();
	svc_holder_form_clear(&f);
	if (ERR_peek_error() != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ctype;
	char *form;
	size_t b64;
	int n;

	if (size == 0)
		return 0;
	ctype = ctypes[data[0] % (sizeof(ctypes) / sizeof(ctypes[0]))];
	one(ctype, data + 1, size - 1);
	/* the bytes as the key of a well-formed form (base64 '+', '/', '=' escaped) */
	b64 = 4 * ((size - 1) / 3 + 1);
	if ((form = malloc(sizeof("card=0412345678901234&code=123456&key=") + 3 * b64)) == NULL)
		abort();
	n = sprintf(form, "card=0412345678901234&code=123456&key=");
	{
		unsigned char *enc = malloc(b64 + 1);
		int k, i;

		if (enc == NULL)
			abort();
		k = EVP_EncodeBlock(enc, data + 1, (int)(size - 1));
		for (i = 0; i < k; i++)
			n += enc[i] == '+' ? sprintf(form + n, "%%2B") :
			     enc[i] == '/' ? sprintf(form + n, "%%2F") :
			     enc[i] == '=' ? sprintf(form + n, "%%3D") :
			     sprintf(form + n, "%c", enc[i]);
		free(enc);
	}
	one(ctypes[0], (const uint8_t *)form, (size_t)n);
	free(form);
#ifdef SVC_FUZZ_REPLAY
	fprintf(stderr, "# %zu bytes, content type %s\n", size - 1, ctype != NULL ? ctype : "none");
#endif
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-holder" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
