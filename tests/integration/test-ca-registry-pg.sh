#!/bin/sh
# The registry's unit tests (tests/unit/test-ca-registry) again, on a real
# PostgreSQL started for the run (tests/lib/pg.sh): every test on an empty
# database, through the same registry interface as on SQLite. Skipped only
# where PostgreSQL is not installed.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"

trap pg_stop EXIT
pg_start || tap_skip_all "$PG_SKIP"
CARECARD_TEST_PG_URI=$PG_URI "$top_builddir/tests/unit/test-ca-registry"
