/*
 * Unit tests: the hash-chained audit log in the registry, on both backends
 * (tests/integration/test-ca-audit-chain-pg.sh runs it on PostgreSQL).
 * Tampering is done with raw SQL on the same database, as an attacker with
 * database access would.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/registry/registry.h"
#include "tests/unit/reg-fixture.h"

static void
append3(struct reg_fixture *fx)
{
	const char *kv[] = { "k", "v\"q\\\n", NULL };
	char *details = NULL;

	assert_int_equal(ca_json_object(&details, kv), CA_OK);
	assert_string_equal(details, "{\"k\":\"v\\\"q\\\\\\u000a\"}");
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 100, "100000000001", "a", "s1", details), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 101, "100000000001", "b", "s2", "{}"), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 102, "100000000001", "c", "s3", "{}"), CA_OK);
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	free(details);
}

static void
test_audit_chain_verifies(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_audit_report rep;

	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);	/* empty */
	assert_int_equal(rep.entries, 0);
	append3(fx);
	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);
	assert_int_equal(rep.entries, 3);
	assert_int_equal(rep.bad_id, 0);
}

static void
test_audit_rolled_back_entry_leaves_no_trace(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_audit_report rep;

	append3(fx);
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 103, "x", "d", "s4", "{}"), CA_OK);
	ca_reg_rollback(fx->reg);
	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);
	assert_int_equal(rep.entries, 3);
}

/* A clock stepped back: the entry keeps its predecessor's time. */
static void
test_audit_time_never_runs_backwards(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_audit_report rep;
	int64_t id = 0;
	char hash[65], time[32];

	append3(fx);
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 50, "100000000001", "d", "s4", "{}"), CA_OK);
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	assert_int_equal(ca_reg_audit_tail(fx->reg, &id, hash, time), CA_OK);
	assert_int_equal(id, 4);
	assert_string_equal(time, "1970-01-01T00:01:42Z");	/* entry 3's, not 50 s */
	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);
}

static void
expect_broken(struct reg_fixture *fx, const char *sql, int64_t bad_id, const char *word)
{
	struct ca_audit_report rep;

	append3(fx);
	reg_fx_sql(fx, sql);
	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_ERR_AUDIT);
	assert_int_equal(rep.bad_id, bad_id);
	assert_non_null(strstr(rep.what, word));
}

static void
test_audit_detects_altered(void **state)
{
	expect_broken(*state, "UPDATE audit SET actor = 'mallory' WHERE id = 2", 2, "altered");
}

static void
test_audit_detects_deleted(void **state)
{
	expect_broken(*state, "DELETE FROM audit WHERE id = 2", 3, "deleted");
}

static void
test_audit_detects_inserted(void **state)
{
	/* A copied row with a valid-looking hash, slotted in by renumbering. */
	expect_broken(*state, "UPDATE audit SET id = id + 10 WHERE id >= 2;"
		      "UPDATE audit SET id = id - 9 WHERE id >= 12;"
		      "INSERT INTO audit (id, time, actor, action, subject, details,"
		      " prev_hash, hash) SELECT 2, time, 'mallory', action, subject, details,"
		      " prev_hash, hash FROM audit WHERE id = 3", 2, "altered");
}

static void
test_audit_detects_truncated_tail(void **state)
{
	expect_broken(*state, "DELETE FROM audit WHERE id = 3", 3, "deleted from the end");
}

/* A rebuilt chain with its dates out of order is not a log that was written. */
static void
test_audit_detects_time_out_of_order(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_audit_report rep;

	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_audit_append(fx->reg, 200, "x", "a", "s1", "{}"), CA_OK);
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	/* Forge the next entry by hand, consistently hashed but dated earlier. */
	{
		struct ca_audit_row row = { 2, "1970-01-01T00:01:40Z", "x", "b", "s2", "{}",
					    NULL, NULL };
		char prev[65], hash[65];
		int64_t id;

		assert_int_equal(ca_reg_audit_last(fx->reg, &id, prev), CA_OK);
		row.prev_hash = prev;
		assert_int_equal(ca_audit_hash(prev, &row, hash), CA_OK);
		row.hash = hash;
		assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
		assert_int_equal(ca_reg_audit_insert(fx->reg, &row), CA_OK);
		assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	}
	assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_ERR_AUDIT);
	assert_int_equal(rep.bad_id, 2);
	assert_non_null(strstr(rep.what, "before its predecessor"));
}

static void
test_audit_detects_rewired_prev_hash(void **state)
{
	expect_broken(*state, "UPDATE audit SET prev_hash = hash WHERE id = 3", 3, "chain");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, reg_fx_setup, reg_fx_teardown)
		T(test_audit_chain_verifies),
		T(test_audit_rolled_back_entry_leaves_no_trace),
		T(test_audit_time_never_runs_backwards),
		T(test_audit_detects_time_out_of_order),
		T(test_audit_detects_altered),
		T(test_audit_detects_deleted),
		T(test_audit_detects_inserted),
		T(test_audit_detects_truncated_tail),
		T(test_audit_detects_rewired_prev_hash),
#undef T
	};

	return cmocka_run_group_tests_name("ca-audit-chain", tests, NULL, NULL);
}
