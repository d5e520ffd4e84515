#!/bin/sh
# test-service-api-reports.sh (reports as JSON and CSV, the TAC pool and
# ledger, a person's audit history) with the CA's registry on a real
# PostgreSQL started for the run (tests/lib/pg.sh): the same assertions
# against the same service, the registry's SQL read through psql
# (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-api-reports.sh long
