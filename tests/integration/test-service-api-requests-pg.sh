#!/bin/sh
# test-service-api-requests.sh (registration requests in the portal API, a
# sponsor scoped to their organisation) with the CA's registry on a real
# PostgreSQL started for the run (tests/lib/pg.sh): the same assertions
# against the same service, the registry's SQL read through psql.
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-api-requests.sh long
