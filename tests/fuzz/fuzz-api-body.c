/*
 * Fuzz the portal API's request bodies (ca/service/api-body.c): any bytes
 * must give 200, 400 or 413 — 200 only for one JSON object of known string
 * members, each then a NUL-terminated string that fits its field, nothing
 * else set — with the reason filled in otherwise; never a crash or a leak.
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-api-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check" and "make memcheck"):
 * every seed of tests/fuzz/corpus-api through the same entry point, as TAP.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/service/api-body.h"
#include "fuzz-http-fixture.h"

/* A NUL within the field, nothing written past it. */
static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svc_holder_form f;
	char why[160];
	int st;

	why[0] = '\0';
	st = svc_api_body_parse((const char *)data, size, &f, why, sizeof(why));
	if (st != 200 && st != 400 && st != 413)
		abort();
	if (!terminated(f.email, sizeof(f.email)) || !terminated(f.mobile, sizeof(f.mobile)) ||
	    !terminated(f.code, sizeof(f.code)) || f.card[0] != '\0' || f.keylen != 0)
		abort();
	if (st != 200 && (why[0] == '\0' || f.email[0] != '\0' || f.mobile[0] != '\0' ||
			  f.code[0] != '\0'))
		abort();
	if (st == 413 && size <= SVC_API_BODY_MAX)
		abort();
	svc_holder_form_clear(&f);
#ifdef SVC_FUZZ_REPLAY
	fprintf(stderr, "# %zu bytes: %d %s\n", size, st, st == 200 ? "" : why);
#endif
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-api" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
