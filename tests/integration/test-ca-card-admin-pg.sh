#!/bin/sh
# test-ca-card-admin.sh (card administration end to end: issue, lock,
# unlock, repair, cancel with revocation) with the CA's registry on a real
# PostgreSQL started for the run (tests/lib/pg.sh): the same assertions,
# the registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-ca-card-admin.sh
