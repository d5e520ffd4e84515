# pg_unit PROGRAM: a registry unit test program (tests/unit/PROGRAM, on the
# reg-fixture) again, on a real PostgreSQL started for the run
# (tests/lib/pg.sh): every test on an emptied database, through the same
# registry interface as on SQLite. Skipped only where PostgreSQL is not
# installed. Sourced by the tests/integration/test-*-pg.sh scripts of those
# programs; its TAP is the program's.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"

pg_unit() {
	trap pg_stop EXIT
	pg_start || tap_skip_all "$PG_SKIP"
	CARECARD_TEST_PG_URI=$PG_URI "$top_builddir/tests/unit/$1"
}
