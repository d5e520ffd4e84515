#!/bin/sh
# test-ca-card-renew.sh (renewals through the PKCS#11 module: RA-assisted and self-renewal, the
# counters and limits, the renewal window) with the CA's registry on a real PostgreSQL started
# for the run (tests/lib/pg.sh): the same assertions, the registry's SQL read through psql
# (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"

# Long: the normal pass runs it; the sanitizer pass keeps the registry on
# PostgreSQL covered by test-ca-registry-pg and test-ca-pg, within CI's time.
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "long PostgreSQL variant: normal pass only"
trap pg_stop EXIT
pg_start || tap_skip_all "$PG_SKIP"
command -v psql >/dev/null || tap_skip_all "psql not installed"
CC_TEST_PG_URI=$PG_URI sh "$top_srcdir/tests/integration/test-ca-card-renew.sh"
