#!/bin/sh
# test-service-kill.sh (the service killed at each step of a request, nothing lost or doubled)
# with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions against the same service, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-kill.sh long
