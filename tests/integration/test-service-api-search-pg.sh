#!/bin/sh
# test-service-api-search.sh (the portal's directory search, a sponsor scoped to
# their organisation) with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions against the same service, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-api-search.sh long
