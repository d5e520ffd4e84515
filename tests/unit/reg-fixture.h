/*
 * The registry tests' fixture (test-ca-registry, test-ca-audit-chain,
 * test-ca-ra, test-ca-card-registry): a new registry per test, on SQLite in
 * a temporary directory or, with CARECARD_TEST_PG_URI (tests/lib/pg.sh's
 * server, run by the *-pg.sh scripts), on an emptied PostgreSQL database;
 * and raw SQL beside the registry code, as someone with access to the
 * database (or the card operations) would run it. Uses cmocka's
 * assertions.
 */
#ifndef CC_TESTS_UNIT_REG_FIXTURE_H
#define CC_TESTS_UNIT_REG_FIXTURE_H

#include <stdint.h>

#include "ca/registry/registry.h"

struct reg_fixture {
	char dir[64];
	char path[96];
	const char *pg;		/* CARECARD_TEST_PG_URI: run on PostgreSQL */
	struct ca_reg *reg;
};

/* cmocka set-up and tear-down: *state is a struct reg_fixture. */
int reg_fx_setup(void **state);
int reg_fx_teardown(void **state);

/* Open the fixture's registry again (@create as ca_reg_open). */
int reg_fx_open(struct reg_fixture *fx, int create, struct ca_reg **out);

/* Raw SQL on the registry, bypassing the registry code. */
void reg_fx_sql(struct reg_fixture *fx, const char *sql);

/* One integer (or boolean) value of a raw query; -1 if none. */
int64_t reg_fx_int(struct reg_fixture *fx, const char *sql);

/* Raw SQL on PostgreSQL at @uri; @v (may be NULL) gets the first value. */
void reg_fx_pg_raw(const char *uri, const char *sql, int64_t *v);

#endif
