#!/bin/sh
# test-service-api-terms.sh (the terms and conditions through the portal's
# JSON API) with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions, the registry's SQL through psql.
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-api-terms.sh long
