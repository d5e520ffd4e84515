/*
 * Fuzz the OCSP request path of carecard-ca serve: any bytes, as a POST
 * body and as the tail of a GET URL, must give an OCSP response to send —
 * never a crash, a leak, an OpenSSL error left queued, or "good" for any
 * certificate but the one the store holds good (serial 01; see
 * fuzz-http-fixture.h). The store's other entries (revoked, unsigned,
 * blocked after a revocation) are the cases a wrong branch would serve.
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-service-run FUZZ_SECONDS=300
 * Replay build (-DSVC_FUZZ_REPLAY, run by "make check"): every seed of
 * tests/fuzz/corpus-ocsp through the same entry point, as TAP.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ca/service/ocsp-answer.h"
#include "fuzz-http-fixture.h"

static void
check(const struct svc_ocsp_answer *a)
{
	if (a->blob == NULL || a->outcome >= SVC_OCSP_NOUTCOME)
		abort();
	/* the invariant: only the good entry is ever answered good */
	if (a->outcome == SVC_OCSP_GOOD && strcmp(a->serial, "01") != 0)
		abort();
	if (a->outcome == SVC_OCSP_REVOKED && strcmp(a->serial, "02") != 0)
		abort();
	if (ERR_peek_error() != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fixture *fx = fuzz_fixture_get(0);
	struct svc_ocsp_answer a;
	unsigned char der[4096];
	size_t len = 0;

	svc_ocsp_answer(fx->site, fx->svc.store, CA_ISSUER_AUTH, data, size, svc_now(), &a);
	check(&a);
#ifdef SVC_FUZZ_REPLAY
	fprintf(stderr, "# answered %s %s\n", svc_ocsp_outcome_name(a.outcome), a.serial);
#endif
	svc_blob_unref(a.blob);
	/* the same bytes as a GET URL's tail (RFC 6960 A.1) */
	if (svc_ocsp_get_decode((const char *)data, size, der, sizeof(der), &len)) {
		svc_ocsp_answer(fx->site, fx->svc.store, CA_ISSUER_AUTH, der, len, svc_now(), &a);
		check(&a);
		svc_blob_unref(a.blob);
	}
	/* an issuer this site does not answer for */
	svc_ocsp_answer(fx->site, fx->svc.store, CA_ISSUER_SIGN, data, size, svc_now(), &a);
	check(&a);
	if (a.outcome == SVC_OCSP_GOOD || a.outcome == SVC_OCSP_REVOKED)
		abort();
	svc_blob_unref(a.blob);
	return 0;
}

#ifdef SVC_FUZZ_REPLAY
int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "tests/fuzz/corpus-ocsp" };

	return fuzz_replay_main(argc, argv, dirs, 1);
}
#endif
