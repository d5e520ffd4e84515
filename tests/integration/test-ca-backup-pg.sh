#!/bin/sh
# test-ca-backup.sh (backup, work on, restore; CRL numbers, revocations,
# audit verify, OCSP) with the CA's registry on a real PostgreSQL started
# for the run (tests/lib/pg.sh): the registry is backed up with pg_dump
# beside carecard-ca backup and put back with pg_restore before carecard-ca
# restore, as carecard-ca-restore(1) says.
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"

[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "long PostgreSQL variant: normal pass only"
trap pg_stop EXIT
pg_start || tap_skip_all "$PG_SKIP"
command -v psql >/dev/null || tap_skip_all "psql not installed"
[ -x "$PG_BIN/pg_dump" ] && [ -x "$PG_BIN/pg_restore" ] || tap_skip_all "no pg_dump/pg_restore in $PG_BIN"
PG_BIN=$PG_BIN CC_TEST_PG_URI=$PG_URI sh "$top_srcdir/tests/integration/test-ca-backup.sh"
