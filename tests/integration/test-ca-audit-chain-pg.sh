#!/bin/sh
# The audit chain's unit tests (tests/unit/test-ca-audit-chain) again, on a
# real PostgreSQL started for the run (tests/lib/pg-unit.sh).
. "${top_srcdir:?run from make check}/tests/lib/pg-unit.sh"
pg_unit test-ca-audit-chain
