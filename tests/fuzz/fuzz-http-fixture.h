/*
 * tests/fuzz/fuzz-http-fixture: what the service's fuzz targets share — a
 * published snapshot and an OCSP store like a running service's (the
 * issuing CA is tests/fuzz/fuzz-ocsp-issuer.pem, a certificate without its
 * key: nothing is signed here), optionally a live worker on a loopback
 * port, and the replay driver "make check" runs over the seed corpora.
 *
 * Store: serial 01 good, 02 revoked, 03 issued but not signed yet,
 * 04 signed good and then revoked (blocked): only 01 may ever be "good".
 */
#ifndef CC_FUZZ_HTTP_FIXTURE_H
#define CC_FUZZ_HTTP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ca/service/svc.h"

struct fuzz_fixture {
	struct svc svc;
	struct svc_site *site;		/* also published in svc.site */
	struct svc_worker *worker;	/* with_worker only */
	unsigned port;
};

/* Set up once (aborts on failure: a broken fixture is no fuzzing). */
struct fuzz_fixture *fuzz_fixture_get(int with_worker);

/* Tear down (replay mode, so leak checkers see a clean exit). */
void fuzz_fixture_free(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The replay driver: every file of @dirs (relative to $top_srcdir) through
 * LLVMFuzzerTestOneInput, one TAP line each; or the files named in argv.
 */
int fuzz_replay_main(int argc, char **argv, const char *const *dirs, size_t ndirs);

#endif
