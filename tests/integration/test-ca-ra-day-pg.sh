#!/bin/sh
# test-ca-ra-day.sh (the RA's working day: lookups, person and role changes, holds and releases
# with delta CRLs, passcode resets, refusals audited) with the CA's registry on a real
# PostgreSQL started for the run (tests/lib/pg.sh): the same assertions, the registry's SQL read
# through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-ca-ra-day.sh long
