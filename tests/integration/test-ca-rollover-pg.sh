#!/bin/sh
# test-ca-rollover.sh (an issuing CA rolled over: both CAs' CRLs and OCSP,
# checked by openssl) with the CA's registry on a real PostgreSQL started for
# the run (tests/lib/pg.sh): migration 13 there, the same assertions, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-ca-rollover.sh long
