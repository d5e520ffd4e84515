#!/bin/sh
# test-service-unlock.sh (self-service unlock with the SMTP sink and the card)
# with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions against the same service, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-unlock.sh long
