#!/bin/sh
# test-ca-card-renew.sh (renewals through the PKCS#11 module: RA-assisted and self-renewal, the
# counters and limits, the renewal window) with the CA's registry on a real PostgreSQL started
# for the run (tests/lib/pg.sh): the same assertions, the registry's SQL read through psql
# (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-ca-card-renew.sh long
