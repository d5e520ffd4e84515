#!/bin/sh
# test-ca-card-kill.sh (SIGKILL at every named step of issue-card, renew, repair and cancel-
# card, then the registry and the card consistent, re-runs and the recovery revoking what was
# left pending) with the CA's registry on a real PostgreSQL started for the run
# (tests/lib/pg.sh): the same assertions, the registry's SQL read through psql (test-ca-card-
# lib.sh's sql()).
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
pg_variant test-ca-card-kill.sh long
