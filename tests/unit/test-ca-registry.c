/*
 * Unit tests: the CA registry (migrations, records, constraints), on both
 * backends (tests/integration/test-ca-registry-pg.sh runs it on
 * PostgreSQL); the audit chain's are in test-ca-audit-chain.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "ca/core/error.h"
#include "ca/registry/registry-hold.h"
#include "ca/registry/registry-ocsp.h"
#include "ca/registry/registry.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-terms.h"
#include "common/log.h"
#include "tests/unit/reg-fixture.h"

static void
test_fresh_schema_is_latest_and_private(void **state)
{
	struct reg_fixture *fx = *state;
	struct stat st;
	int v = -1;

	assert_int_equal(ca_reg_schema_version(fx->reg, &v), CA_OK);
	assert_int_equal(v, ca_reg_schema_latest());
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_reopen_keeps_version(void **state)
{
	struct reg_fixture *fx = *state;
	int v = -1;

	ca_reg_close(fx->reg);
	fx->reg = NULL;
	assert_int_equal(reg_fx_open(fx, 0, &fx->reg), CA_OK);
	assert_int_equal(ca_reg_schema_version(fx->reg, &v), CA_OK);
	assert_int_equal(v, ca_reg_schema_latest());
}

static void
test_newer_schema_refused(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_reg *other = NULL;

	reg_fx_sql(fx, "INSERT INTO schema_version VALUES (999, 0)");
	assert_int_equal(reg_fx_open(fx, 0, &other), CA_ERR_STATE);
	assert_null(other);
}

static void
test_missing_db_not_created(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_reg *other = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/nope.db", fx->dir);
	assert_int_equal(ca_reg_open(p, 0, &other), CA_ERR_NOT_FOUND);
	assert_int_not_equal(access(p, F_OK), 0);
}

/* A failing migration must leave no trace of the ones before it. */
static void
test_failed_migration_applies_nothing(void **state)
{
	struct reg_fixture *fx = *state;
	static const char *const migs[] = {
		"CREATE TABLE a (x INTEGER);",
		"CREATE TABLE b (y INTEGER);",
		"THIS IS NOT SQL;",
	};
	struct ca_reg *reg = NULL;
	char p[128];
	int v = -1;

	snprintf(p, sizeof(p), "%s/m.db", fx->dir);
	assert_int_equal(ca_reg_open_unmigrated(p, 1, &reg), CA_OK);
	assert_int_equal(ca_reg_migrate(reg, migs, 3), CA_ERR_DB);
	assert_int_equal(ca_reg_schema_version(reg, &v), CA_ERR_DB);	/* no table */
	/* The first two, in order, apply cleanly on their own. */
	assert_int_equal(ca_reg_migrate(reg, migs, 2), CA_OK);
	assert_int_equal(ca_reg_schema_version(reg, &v), CA_OK);
	assert_int_equal(v, 2);
	assert_int_equal(ca_reg_migrate(reg, migs, 2), CA_OK);	/* idempotent */
	ca_reg_close(reg);
}

/*
 * Migration 5 rebuilds the certificates table (a CHECK allowing
 * 'pending'): an older registry keeps every row and index, and each row
 * gets the audit entry of its issuance from the log (issue-cert by
 * subject, a card operation by card and serial).
 */
static void
test_migration_5_keeps_certificates(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_reg *reg = NULL;

	ca_reg_close(fx->reg);
	fx->reg = NULL;
	unlink(fx->path);
	assert_int_equal(ca_reg_open_unmigrated(fx->path, 1, &reg), CA_OK);
	assert_int_equal(ca_reg_migrate(reg, ca_reg_schema_migrations(), 4), CA_OK);
	ca_reg_close(reg);
	reg_fx_sql(fx, "INSERT INTO people (uuid, name) VALUES ('123456789012', 'Ann');"
		"INSERT INTO cards (serial, state, holder) VALUES ('0400000001', 'issued',"
		" '123456789012');"
		"INSERT INTO audit (id, time, actor, action, subject, details, prev_hash, hash)"
		" VALUES (1, 't', 'a', 'ca-init', 'ca', '{}', 'p', 'h'),"
		" (2, 't', 'a', 'issue-cert', 'AA01', '{}', 'p', 'h'),"
		" (3, 't', 'a', 'issue-card', '0400000001',"
		" '{\"authentication\":\"CC01\",\"signing\":\"CC02\"}', 'p', 'h'),"
		" (4, 't', 'a', 'revoke', 'AA01', '{}', 'p', 'h');"
		"INSERT INTO certificates (serial, card, holder, profile, issuer, not_before,"
		" not_after, status, revocation_reason, revocation_time, der) VALUES"
		" ('AA01', NULL, '123456789012', 'signing', 'signing', 1, 2, 'revoked', 1, 5,"
		" x'3000'),"
		" ('CC01', '0400000001', '123456789012', 'authentication', 'authentication', 1, 2,"
		" 'valid', NULL, NULL, x'3000'),"
		" ('CC02', '0400000001', '123456789012', 'signing', 'signing', 1, 2, 'valid',"
		" NULL, NULL, x'3000'),"
		" ('DD01', NULL, '123456789012', 'signing', 'signing', 1, 2, 'valid', NULL, NULL,"
		" x'3000');");
	assert_int_equal(ca_reg_open(fx->path, 0, &fx->reg), CA_OK);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM certificates"), 4);
	assert_int_equal(reg_fx_int(fx, "SELECT audit_seq FROM certificates WHERE serial = 'AA01'"), 2);
	assert_int_equal(reg_fx_int(fx, "SELECT audit_seq FROM certificates WHERE serial = 'CC01'"), 3);
	assert_int_equal(reg_fx_int(fx, "SELECT audit_seq FROM certificates WHERE serial = 'CC02'"), 3);
	/* No issuance entry: left empty, for audit verify to report. */
	assert_int_equal(reg_fx_int(fx, "SELECT audit_seq IS NULL FROM certificates"
			 " WHERE serial = 'DD01'"), 1);
	assert_int_equal(reg_fx_int(fx, "SELECT revocation_time FROM certificates"
			 " WHERE serial = 'AA01'"), 5);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
			 " AND name IN ('certificates_revoked', 'certificates_holder',"
			 " 'certificates_pending')"), 3);
	/* Its look-up index and the rebuilt table's old name are gone (migration
	 * 7 indexes the log by subject for good, under its own name). */
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM sqlite_master WHERE name IN"
			 " ('audit_subject_v5', 'certificates_v5')"), 0);
}

/*
 * Pending rows: never valid (status, no DER), revocable, made valid only
 * once, selected by operation, card and age; the table's CHECKs refuse a
 * pending row with a DER and a valid one without.
 */
static void
test_pending_rows(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };
	struct ca_cert_pending pc = { "AA01", NULL, "123456789012", "signing", "signing",
				      1000, 2000, 0, 500, 7 };
	struct ca_pending_sel sel = { 0 };
	struct ca_cert_rec got = { 0 };
	unsigned char der[2] = { 0x30, 0x00 };
	char **serials = NULL;
	size_t n = 0;
	bool any = true;

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0400000001", 0, NULL), CA_OK);
	assert_int_equal(ca_reg_cert_pending_add(fx->reg, &pc), CA_OK);
	assert_int_equal(ca_reg_cert_pending_add(fx->reg, &pc), CA_ERR_EXISTS);
	pc.serial = "AA02";
	pc.card = "0400000001";
	pc.since = 900;
	assert_int_equal(ca_reg_cert_pending_add(fx->reg, &pc), CA_OK);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_PENDING);
	assert_null(got.der);
	assert_int_equal(got.pending_since, 500);
	assert_int_equal(got.audit_seq, 7);
	ca_cert_rec_clear(&got);
	/* A pending certificate on a card is not an issued card. */
	assert_int_equal(ca_reg_cards_any_issued(fx->reg, &any), CA_OK);
	assert_false(any);

	assert_int_equal(ca_reg_cert_pending_list(fx->reg, &sel, &serials, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(serials[0], "AA01");	/* oldest first */
	ca_reg_serials_free(serials, n);
	sel.before = 600;
	assert_int_equal(ca_reg_cert_pending_list(fx->reg, &sel, &serials, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(serials[0], "AA01");
	ca_reg_serials_free(serials, n);
	memset(&sel, 0, sizeof(sel));
	sel.card = "0400000001";
	assert_int_equal(ca_reg_cert_pending_list(fx->reg, &sel, &serials, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(serials[0], "AA02");
	ca_reg_serials_free(serials, n);

	assert_int_equal(ca_reg_cert_activate(fx->reg, "AA01", der, sizeof(der), 1, 0, 9), CA_OK);
	assert_int_equal(ca_reg_cert_activate(fx->reg, "AA01", der, sizeof(der), 1, 0, 9),
			 CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_activate(fx->reg, "FFFF", der, sizeof(der), 1, 0, 9),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_VALID);
	assert_int_equal(got.derlen, 2);
	assert_int_equal(got.renewal_count, 1);
	assert_int_equal(got.audit_seq, 9);
	ca_cert_rec_clear(&got);
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "AA02", 5, 1500), CA_OK);
	assert_int_equal(ca_reg_cert_activate(fx->reg, "AA02", der, sizeof(der), 0, 0, 9),
			 CA_ERR_STATE);
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(ca_reg_cert_pending_list(fx->reg, &sel, &serials, &n), CA_OK);
	assert_int_equal(n, 0);
	ca_reg_serials_free(serials, n);

	/* The schema itself. */
	reg_fx_sql(fx, "INSERT INTO certificates (serial, holder, profile, issuer, not_before,"
		" not_after, status, pending_since) VALUES ('BB01', '123456789012', 'signing',"
		" 'signing', 1, 2, 'pending', 1)");
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM certificates WHERE serial = 'BB01'"), 1);
	if (fx->pg == NULL) {	/* SQLite's constraint codes */
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "INSERT INTO certificates (serial, holder,"
					      " profile, issuer, not_before, not_after, status,"
					      " pending_since, der) VALUES ('BB02', '123456789012',"
					      " 'signing', 'signing', 1, 2, 'pending', 1, x'30')",
					      NULL, NULL, NULL), SQLITE_CONSTRAINT);
		assert_int_equal(sqlite3_exec(db, "INSERT INTO certificates (serial, holder,"
					      " profile, issuer, not_before, not_after, status)"
					      " VALUES ('BB03', '123456789012', 'signing', 'signing',"
					      " 1, 2, 'valid')", NULL, NULL, NULL), SQLITE_CONSTRAINT);
		sqlite3_close(db);
	}
}

static void
test_config_roundtrip(void **state)
{
	struct reg_fixture *fx = *state;
	char *v = NULL;

	assert_int_equal(ca_reg_config_get(fx->reg, "k", &v), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_config_set(fx->reg, "k", "one"), CA_OK);
	assert_int_equal(ca_reg_config_set(fx->reg, "k", "two"), CA_OK);
	assert_int_equal(ca_reg_config_get(fx->reg, "k", &v), CA_OK);
	assert_string_equal(v, "two");
	free(v);
}

/* What another connection sees: committed rows only. */
static bool
committed(const struct reg_fixture *fx, const char *key)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char sql[128];
	int64_t n;
	bool found;

	if (fx->pg != NULL) {	/* another connection, as on SQLite */
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM config WHERE key = '%s'", key);
		reg_fx_pg_raw(fx->pg, sql, &n);
		return n > 0;
	}
	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM config WHERE key = ?", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/*
 * Group commit (the service's requests): each operation's begin/commit is a
 * savepoint — its rollback undoes it alone, a stray rollback undoes nothing —
 * and nothing is committed until the group is.
 */
static void
test_group_commit(void **state)
{
	struct reg_fixture *fx = *state;
	char *v = NULL;

	assert_int_equal(ca_reg_group(fx->reg, true), CA_ERR_INTERNAL);	/* no transaction */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_group(fx->reg, true), CA_OK);
	/* one operation commits */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_config_set(fx->reg, "a", "1"), CA_OK);
	assert_int_equal(ca_reg_end(fx->reg, CA_OK), CA_OK);
	/* the next fails and is undone alone */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_config_set(fx->reg, "b", "2"), CA_OK);
	assert_int_equal(ca_reg_end(fx->reg, CA_ERR_DENIED), CA_ERR_DENIED);
	ca_reg_rollback(fx->reg);	/* none open: leaves the group alone */
	assert_int_equal(ca_reg_commit(fx->reg), CA_ERR_INTERNAL);
	assert_int_equal(ca_reg_config_get(fx->reg, "a", &v), CA_OK);
	free(v);
	assert_int_equal(ca_reg_config_get(fx->reg, "b", &v), CA_ERR_NOT_FOUND);
	assert_false(committed(fx, "a"));	/* not yet: the group is open */
	assert_int_equal(ca_reg_group(fx->reg, false), CA_OK);
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	assert_true(committed(fx, "a"));
	assert_false(committed(fx, "b"));

	/* an operation left open when the group ends: refused, all rolled back */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_group(fx->reg, true), CA_OK);
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_config_set(fx->reg, "c", "3"), CA_OK);
	assert_int_equal(ca_reg_group(fx->reg, false), CA_ERR_INTERNAL);
	ca_reg_rollback(fx->reg);
	assert_int_equal(ca_reg_config_get(fx->reg, "c", &v), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);	/* a plain transaction again */
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
}

static void
test_people_constraints(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, "07700900000" };
	struct ca_person bad = { "12345", "Short", NULL, NULL };
	struct ca_person alpha = { "12345678901x", "Alpha", NULL, NULL };
	struct ca_person got = { 0 };

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_person_add(fx->reg, &bad), CA_ERR_USAGE);
	assert_int_equal(ca_reg_person_add(fx->reg, &alpha), CA_ERR_USAGE);
	assert_int_equal(ca_reg_person_get(fx->reg, "123456789012", &got), CA_OK);
	assert_string_equal(got.name, "Ann");
	assert_null(got.email);
	assert_string_equal(got.mobile, "07700900000");
	ca_person_clear(&got);
	assert_int_equal(ca_reg_person_get(fx->reg, "999999999999", &got), CA_ERR_NOT_FOUND);
	/* Roles: the CHECK list and the foreign key to people. */
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "123456789012", "sponsor"), CA_OK);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "123456789012", "king"), CA_ERR_USAGE);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "999999999999", "lsa"), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_ra_role_has(fx->reg, "123456789012", "sponsor"), CA_OK);
	assert_int_equal(ca_reg_ra_role_has(fx->reg, "123456789012", "lsa"), CA_ERR_NOT_FOUND);
}

/* A constraint is said as a sentence for a person, never in SQLite's words
 * (those stay in the log). */
static void
test_constraints_as_sentences(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	util_log_error_clear();
	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_ERR_EXISTS);
	assert_string_equal(util_log_last_error(), "the registry refused it: a person with that "
			    "UUID is registered already: see person show UUID");
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "999999999999", "lsa"), CA_ERR_NOT_FOUND);
	assert_non_null(strstr(util_log_last_error(), "names a person, organisation, card or "
			       "certificate the registry does not have"));
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "123456789012", "king"), CA_ERR_USAGE);
	assert_string_equal(util_log_last_error(), "the registry refused it: an RA role is "
			    "ra-manager, ra-agent, sponsor or lsa");
	assert_null(strstr(util_log_last_error(), "constraint"));
}

static void
test_cards(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0312345678", 0, "123456789012"), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0912345678", 1, NULL), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0312345678", 0, NULL), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_card_add(fx->reg, "0512345678", 0, "999999999999"),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_card_add(fx->reg, "0", 0, NULL), CA_ERR_USAGE);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM cards WHERE serial = '0312345678'"
				 " AND series = '03' AND state = 'issued' AND is_tac = 0"), 1);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM cards WHERE serial = '0912345678'"
				 " AND series = '09' AND state = 'blank' AND is_tac = 1"), 1);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM cards"), 2);
}

static void
add_cert(struct reg_fixture *fx, const char *serial, const char *issuer)
{
	unsigned char der[3] = { 0x30, 0x01, 0x00 };
	struct ca_cert_rec c = { 0 };

	c.serial = (char *)serial;
	c.holder = "123456789012";
	c.profile = (char *)issuer;
	c.issuer = (char *)issuer;
	c.not_before = 1000;
	c.not_after = 2000;
	c.der = der;
	c.derlen = sizeof(der);
	assert_int_equal(ca_reg_cert_add(fx->reg, &c), CA_OK);
}

static int
count_cb(void *arg, const char *serial, int64_t at, int reason)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_certificates_and_revocation(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };
	struct ca_cert_rec got = { 0 };
	int n = 0;

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	add_cert(fx, "AA01", "authentication");
	add_cert(fx, "AA02", "authentication");
	add_cert(fx, "BB01", "signing");
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_VALID);
	assert_int_equal(got.derlen, 3);
	assert_int_equal(got.der[0], 0x30);
	ca_cert_rec_clear(&got);

	assert_int_equal(ca_reg_cert_revoke(fx->reg, "AA01", 1, 1500), CA_OK);
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "AA01", 1, 1500), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "FFFF", 1, 1500), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "BB01", 3, 1600), CA_OK);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_REVOKED);
	assert_int_equal(got.reason, 1);
	assert_int_equal(got.revoked_at, 1500);
	ca_cert_rec_clear(&got);

	/* Per issuer, and "since" for delta CRLs. */
	assert_int_equal(ca_reg_revoked_foreach(fx->reg, "authentication", 0, count_cb, &n), CA_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(ca_reg_revoked_foreach(fx->reg, "authentication", 1501, count_cb, &n),
			 CA_OK);
	assert_int_equal(n, 0);
}

static int
entry_cb(void *arg, const char *serial, int64_t at, int reason)
{
	char *out = arg;

	snprintf(out + strlen(out), 64, "%s@%lld/%d ", serial, (long long)at, reason);
	return 0;
}

/* certificateHold: held is revoked with reason 6 and may be released; a
 * release after the base CRL is a removeFromCRL (8) entry of the delta. */
static void
test_hold_and_release(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };
	struct ca_cert_rec got = { 0 };
	char *held = NULL, list[256] = "";

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	add_cert(fx, "AA01", "authentication");
	add_cert(fx, "AA02", "authentication");
	assert_int_equal(ca_reg_cert_release(fx->reg, "AA01", 1100), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_hold(fx->reg, "AA01", 1100), CA_OK);
	assert_int_equal(ca_reg_cert_hold(fx->reg, "AA01", 1100), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_HELD);
	assert_int_equal(got.revoked_at, 1100);
	ca_cert_rec_clear(&got);
	/* CRLs list the hold like any revocation, with its reason. */
	assert_int_equal(ca_reg_revoked_foreach(fx->reg, "authentication", 0, entry_cb, list),
			 CA_OK);
	assert_string_equal(list, "AA01@1100/6 ");
	/* Released after a base CRL of 1200 that listed it. */
	assert_int_equal(ca_reg_cert_release(fx->reg, "AA01", 1300), CA_OK);
	assert_int_equal(ca_reg_cert_release(fx->reg, "AA01", 1300), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_VALID);
	ca_cert_rec_clear(&got);
	list[0] = '\0';
	assert_int_equal(ca_reg_revoked_foreach(fx->reg, "authentication", 0, entry_cb, list),
			 CA_OK);
	assert_string_equal(list, "");
	assert_int_equal(ca_reg_released_foreach(fx->reg, "authentication", 1200, entry_cb, list),
			 CA_OK);
	assert_string_equal(list, "AA01@1300/8 ");
	/* Not against a base made after the release, nor one before the hold. */
	list[0] = '\0';
	assert_int_equal(ca_reg_released_foreach(fx->reg, "authentication", 1400, entry_cb, list),
			 CA_OK);
	assert_int_equal(ca_reg_released_foreach(fx->reg, "authentication", 1000, entry_cb, list),
			 CA_OK);
	assert_int_equal(ca_reg_released_foreach(fx->reg, "signing", 1200, entry_cb, list), CA_OK);
	assert_string_equal(list, "");
	/* Held again: the delta lists the hold, not the earlier release. */
	assert_int_equal(ca_reg_cert_hold(fx->reg, "AA01", 1500), CA_OK);
	assert_int_equal(ca_reg_released_foreach(fx->reg, "authentication", 1200, entry_cb, list),
			 CA_OK);
	assert_string_equal(list, "");
	/* A hold ends for good in a revocation, with the new reason and time. */
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "AA01", 1, 1600), CA_OK);
	assert_int_equal(ca_reg_cert_get(fx->reg, "AA01", &got), CA_OK);
	assert_int_equal(got.status, CA_CERT_REVOKED);
	assert_int_equal(got.reason, 1);
	assert_int_equal(got.revoked_at, 1600);
	ca_cert_rec_clear(&got);
	assert_int_equal(ca_reg_cert_release(fx->reg, "AA01", 1700), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_release(fx->reg, "FFFF", 1700), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_card_held(fx->reg, "0401", &held), CA_ERR_NOT_FOUND);
	assert_null(held);
}

/*
 * The service's "jobs" lease (ca/service/sched.c) on both backends: one
 * holder at a time, renewed by it, free to others once it expired or was
 * released, and taken over from a named dead holder at once. (On
 * PostgreSQL the upsert's WHERE once named a column that "excluded" also
 * has: every take failed, and no instance ever ran the jobs.)
 */
static void
test_lease(void **state)
{
	struct reg_fixture *fx = *state;
	char *who = NULL;
	bool held = false;

	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "a", NULL, 1000, 15, &held, &who),
			 CA_OK);
	assert_true(held);
	assert_string_equal(who, "a");
	free(who);
	who = NULL;
	/* b waits while a's lease runs; a renews it */
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "b", NULL, 1010, 15, &held, &who),
			 CA_OK);
	assert_false(held);
	assert_string_equal(who, "a");
	free(who);
	who = NULL;
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "a", NULL, 1012, 15, &held, NULL),
			 CA_OK);
	assert_true(held);
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "b", NULL, 1026, 15, &held, NULL),
			 CA_OK);
	assert_false(held);	/* renewed at 1012: runs to 1027 */
	/* expired: b takes it */
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "b", NULL, 1027, 15, &held, NULL),
			 CA_OK);
	assert_true(held);
	/* c names b as dead: taken over at once */
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "c", "b", 1028, 15, &held, NULL),
			 CA_OK);
	assert_true(held);
	/* released: free for the next */
	assert_int_equal(ca_reg_lease_release(fx->reg, "jobs", "c"), CA_OK);
	assert_int_equal(ca_reg_lease_take(fx->reg, "jobs", "a", NULL, 1029, 15, &held, NULL),
			 CA_OK);
	assert_true(held);
}

static int
due_cb(void *arg, const struct ca_ocsp_cert *c)
{
	char *out = arg;

	strcat(out, c->serial);
	strcat(out, c->revoked ? "r " : " ");
	return 0;
}

/*
 * What the OCSP pre-signing job asks for (ca/core/ocsp-job.c), on both
 * backends: certificates without responses ("missing"), and those whose
 * responses are stale. (The "missing" statement once skipped a parameter
 * number, which PostgreSQL cannot type: the job failed there every pass.)
 */
static void
test_ocsp_due(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };
	char got[64] = "";

	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	add_cert(fx, "AA01", "authentication");
	add_cert(fx, "AA02", "authentication");
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "AA02", 1, 1500), CA_OK);
	assert_int_equal(ca_reg_ocsp_due_foreach(fx->reg, 1600, 0, true, 10, due_cb, got), CA_OK);
	assert_true(strcmp(got, "AA01 AA02r ") == 0 || strcmp(got, "AA02r AA01 ") == 0);
	got[0] = '\0';
	assert_int_equal(ca_reg_ocsp_due_foreach(fx->reg, 1600, 0, true, 1, due_cb, got), CA_OK);
	assert_int_equal(strlen(got) > 0 && strchr(got, ' ') == got + strlen(got) - 1, 1);
	got[0] = '\0';
	assert_int_equal(ca_reg_ocsp_due_foreach(fx->reg, 1600, 1500, false, 10, due_cb, got),
			 CA_OK);
	assert_string_equal(got, "");	/* nothing signed yet, so nothing stale */
	got[0] = '\0';
	assert_int_equal(ca_reg_ocsp_due_foreach(fx->reg, 2000, 0, true, 10, due_cb, got), CA_OK);
	assert_string_equal(got, "");	/* expired: not signed for */
}

/*
 * PostgreSQL restarted (here: every other backend terminated, as a restart
 * or fail-over does): the registry fails the statement that met the dropped
 * connection, then opens it again before the next one outside a
 * transaction; a transaction the drop cut short fails as a whole — nothing
 * of it is committed — and the next one works. (Before, the connection
 * stayed dead: every service instance failed until restarted.) On SQLite
 * there is no connection to lose.
 */
static void
test_pg_reconnect(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_person p = { "123456789012", "Ann", NULL, NULL };
	struct ca_person q = { "123456789013", "Bob", NULL, NULL };
	struct ca_person got = { 0 };
	const char *kill = "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
			   " WHERE pid <> pg_backend_pid() AND datname = current_database()";
	int64_t n = 0;

	if (fx->pg == NULL)
		return;
	assert_int_equal(ca_reg_person_add(fx->reg, &p), CA_OK);
	reg_fx_pg_raw(fx->pg, kill, &n);
	assert_true(n >= 1);
	/* the statement that finds the connection gone fails (the backend is
	 * gone: terminate waited for it), the next one works */
	assert_int_equal(ca_reg_person_get(fx->reg, p.uuid, &got), CA_ERR_DB);
	assert_int_equal(ca_reg_person_get(fx->reg, p.uuid, &got), CA_OK);
	assert_string_equal(got.name, "Ann");
	ca_person_clear(&got);

	/* cut inside a transaction: it fails, nothing of it stays */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_person_add(fx->reg, &q), CA_OK);
	reg_fx_pg_raw(fx->pg, kill, &n);
	assert_int_not_equal(ca_reg_commit(fx->reg), CA_OK);
	ca_reg_rollback(fx->reg);
	assert_int_equal(ca_reg_person_get(fx->reg, q.uuid, &got), CA_ERR_NOT_FOUND);
	/* and the next transaction commits */
	assert_int_equal(ca_reg_begin(fx->reg), CA_OK);
	assert_int_equal(ca_reg_person_add(fx->reg, &q), CA_OK);
	assert_int_equal(ca_reg_commit(fx->reg), CA_OK);
	assert_int_equal(ca_reg_person_get(fx->reg, q.uuid, &got), CA_OK);
	ca_person_clear(&got);
}

/* Unknown holders cannot get certificates (foreign key). */
static void
test_certificate_needs_holder(void **state)
{
	struct reg_fixture *fx = *state;
	unsigned char der[1] = { 0 };
	struct ca_cert_rec c = { 0 };

	c.serial = "01";
	c.holder = "111111111111";
	c.profile = c.issuer = "signing";
	c.der = der;
	c.derlen = 1;
	assert_int_equal(ca_reg_cert_add(fx->reg, &c), CA_ERR_NOT_FOUND);
}

/* Sponsor and RA agent of one request must differ (domain rule). */
static void
test_sponsor_is_not_ra_agent(void **state)
{
	struct reg_fixture *fx = *state;
	sqlite3 *db = NULL;
	PGconn *c;
	PGresult *res;

	reg_fx_sql(fx, "INSERT INTO people (uuid, name) VALUES ('111111111111', 'S')");
	if (fx->pg != NULL) {
		c = PQconnectdb(fx->pg);
		res = PQexec(c, "INSERT INTO requests (sponsor, ra_agent, kind, state, created)"
			     " VALUES ('111111111111', '111111111111', 'new-card', 'open', 0)");
		assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23514");
		PQclear(res);
		PQfinish(c);
		return;
	}
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO requests (sponsor, ra_agent, kind,"
					  " state, created) VALUES ('111111111111',"
					  " '111111111111', 'new-card', 'open', 0)",
					  NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * A person, their card and its authentication certificate, by raw SQL
 * (@der: the blob literal, which the two backends spell differently).
 */
#define TERMS_HOLDER_SQL(der) \
	"INSERT INTO people (uuid, name) VALUES ('123456789012', 'Ann');" \
	"INSERT INTO cards (serial, state, holder) VALUES ('0400000001', 'issued'," \
	" '123456789012');" \
	"INSERT INTO certificates (serial, card, holder, profile, issuer, not_before," \
	" not_after, der) VALUES ('CC01', '0400000001', '123456789012', 'authentication'," \
	" 'authentication', 1, 2, " der ");"
#define TERMS_HOLDER(fx) \
	((fx)->pg != NULL ? TERMS_HOLDER_SQL("'\\x3000'::bytea") : TERMS_HOLDER_SQL("x'3000'"))

/*
 * The terms migration (terms_acceptances, issue 17) on a registry made at
 * the one before: its people, cards and certificates stay, and acceptances
 * of them can be recorded.
 */
static void
test_migration_terms(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_terms_acceptance a = { "v1", 1000, "0400000001", "CC01" }, got;
	const char *const *m = ca_reg_schema_migrations();
	struct ca_reg *reg = NULL;
	int v = -1, before = 0;

	while (before < ca_reg_schema_latest() &&
	       strstr(m[before], "CREATE TABLE terms_acceptances") == NULL)
		before++;
	assert_true(before < ca_reg_schema_latest());	/* it is migration before + 1 */
	ca_reg_close(fx->reg);
	fx->reg = NULL;
	unlink(fx->path);
	assert_int_equal(ca_reg_open_unmigrated(fx->path, 1, &reg), CA_OK);
	assert_int_equal(ca_reg_migrate(reg, m, before), CA_OK);
	ca_reg_close(reg);
	reg_fx_sql(fx, TERMS_HOLDER(fx));
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM sqlite_master"
			 " WHERE name = 'terms_acceptances'"), 0);
	assert_int_equal(ca_reg_open(fx->path, 0, &fx->reg), CA_OK);
	assert_int_equal(ca_reg_schema_version(fx->reg, &v), CA_OK);
	assert_int_equal(v, ca_reg_schema_latest());
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM certificates WHERE card = '0400000001'"),
			 1);
	assert_int_equal(ca_reg_terms_add(fx->reg, "123456789012", &a), CA_OK);
	assert_int_equal(ca_reg_terms_get(fx->reg, "123456789012", "v1", &got), CA_OK);
	assert_string_equal(got.certificate, "CC01");
	assert_int_equal(reg_fx_int(fx, "SELECT accepted_at FROM terms_acceptances"
			 " WHERE person = '123456789012' AND version = 'v1'"), 1000);
}

/* Acceptances: one per person and version, of a registered card and
 * certificate; another version is another question. */
static void
test_terms_acceptances(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_terms_acceptance a = { "v1", 1000, "0400000001", "CC01" }, got;

	reg_fx_sql(fx, TERMS_HOLDER(fx));
	assert_int_equal(ca_reg_terms_get(fx->reg, "123456789012", "v1", &got), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_terms_add(fx->reg, "123456789012", &a), CA_OK);
	assert_int_equal(ca_reg_terms_get(fx->reg, "123456789012", "v1", &got), CA_OK);
	assert_string_equal(got.version, "v1");
	assert_int_equal(got.accepted_at, 1000);
	assert_string_equal(got.card, "0400000001");
	assert_string_equal(got.certificate, "CC01");
	a.accepted_at = 2000;
	assert_int_equal(ca_reg_terms_add(fx->reg, "123456789012", &a), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_terms_get(fx->reg, "123456789012", "v2", &got), CA_ERR_NOT_FOUND);
	/* A card or certificate the registry does not know is refused. */
	snprintf(a.version, sizeof(a.version), "v2");
	snprintf(a.card, sizeof(a.card), "0499999999");
	assert_int_not_equal(ca_reg_terms_add(fx->reg, "123456789012", &a), CA_OK);
	snprintf(a.card, sizeof(a.card), "0400000001");
	snprintf(a.certificate, sizeof(a.certificate), "FFFF");
	assert_int_not_equal(ca_reg_terms_add(fx->reg, "123456789012", &a), CA_OK);
	assert_int_equal(reg_fx_int(fx, "SELECT count(*) FROM terms_acceptances"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, reg_fx_setup, reg_fx_teardown)
		/* The SQLite file itself: not run on PostgreSQL. */
		T(test_fresh_schema_is_latest_and_private),
		T(test_missing_db_not_created),
		T(test_failed_migration_applies_nothing),
		T(test_migration_5_keeps_certificates),
		T(test_migration_terms),
		/* Both backends. */
		T(test_terms_acceptances),
		T(test_reopen_keeps_version),
		T(test_newer_schema_refused),
		T(test_pending_rows),
		T(test_config_roundtrip),
		T(test_group_commit),
		T(test_people_constraints),
		T(test_constraints_as_sentences),
		T(test_cards),
		T(test_certificates_and_revocation),
		T(test_hold_and_release),
		T(test_lease),
		T(test_ocsp_due),
		T(test_pg_reconnect),
		T(test_certificate_needs_holder),
		T(test_sponsor_is_not_ra_agent),
#undef T
	};

	size_t skip = getenv("CARECARD_TEST_PG_URI") != NULL ? 5 : 0;

	return _cmocka_run_group_tests("ca-registry", tests + skip,
				       sizeof(tests) / sizeof(tests[0]) - skip, NULL, NULL);
}
