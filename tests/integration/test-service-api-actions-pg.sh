#!/bin/sh
# test-service-api-actions.sh (the person page's actions: positions, cancel,
# revoke, what the gate allows each viewer, the per-certificate rate limit)
# with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions against the same service, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-api-actions.sh long
