/*
 * Fuzz what the holder tools read from the CA's service
 * (pkcs11/card-tool-answer.c): the "key: value" lines of a status answer
 * and the base64 certs-only PKCS#7 of an EST answer. Any bytes must give a
 * NUL-terminated field that fits, or none, and a certificate or NULL —
 * never a crash, a leak or an OpenSSL error left queued.
 *
 * The first byte picks the output buffer's size for the fields (1..64, or
 * 0); the rest is the answer's body.
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-card-answer-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check" and "make memcheck"):
 * every seed of tests/fuzz/corpus-card-answer through the same entry point.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "pkcs11/card-tool-answer.h"
#include "fuzz-http-fixture.h"

static const char *const keys[] = {
	"state", "expires", "self-renewals-left", "self-renew-now", "reason", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, out[65];
	size_t len, i;
	X509 *x;

	if (size == 0)
		return 0;
	len = data[0] % 66;		/* 0: no room at all */
	if ((text = malloc(size)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (tool_answer_field(text, keys[i], out, len) && len > 0 &&
		    memchr(out, '\0', len) == NULL)
			abort();
		if (len < sizeof(out) && out[len] != 'x')
			abort();	/* written past the buffer given */
	}
	x = tool_answer_cert((const char *)data + 1, size - 1);
	X509_free(x);
	free(text);
	if (ERR_peek_error() != 0)
		abort();
#ifdef SVC_FUZZ_REPLAY
	fprintf(stderr, "# %zu bytes, field buffer %zu, %s\n", size - 1, len,
		x != NULL ? "a certificate" : "no certificate");
#endif
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-card-answer" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
