#!/bin/sh
# test-service-contact.sh (a holder's contact change confirmed by code, through the service)
# with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions against the same service, the
# registry's SQL read through psql (test-ca-card-lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-service-contact.sh long
