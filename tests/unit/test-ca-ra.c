/*
 * Unit tests: the registration authority's registry records (identifiers,
 * requests and the sponsor <> RA agent constraint, positions, ODS change,
 * the TAC pool), the report queries and the report formats (table, CSV,
 * JSON), and the batch import (CSV reader, checks, all-or-nothing apply).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ca/core/audit.h"
#include "ca/ra/batch.h"
#include "ca/core/error.h"
#include "policy/policy.h"
#include "ca/core/ctx.h"
#include "ca/registry/registry-ra.h"
#include "ca/ra/report.h"
#include "tests/unit/reg-fixture.h"

static void
person(struct ca_reg *reg, const char *uuid, const char *name)
{
	struct ca_person p = { (char *)uuid, (char *)name, NULL, NULL };

	assert_int_equal(ca_reg_person_add(reg, &p), CA_OK);
}

/* A registry with two organisations and three people. */
static int
setup_people(void **state)
{
	struct reg_fixture *fx;

	if (reg_fx_setup(state) != 0)
		return -1;
	fx = *state;
	if (ca_reg_org_add(fx->reg, "FA123", "High St", 0) != CA_OK ||
	    ca_reg_org_add(fx->reg, "LOCUM1", "Locums", 1) != CA_OK)
		return -1;
	person(fx->reg, "100000000002", "Sam Sponsor");
	person(fx->reg, "100000000003", "Rita Agent");
	person(fx->reg, "200000000001", "Bob Holder");
	return 0;
}

static void
test_identifiers(void **state)
{
	char role[CA_ROLE_NAME_MAX], ods[CA_ODS_MAX + 1];

	(void)state;
	assert_int_equal(ca_uuid_check("123456789012"), CA_OK);
	assert_int_equal(ca_uuid_check("12345678901"), CA_ERR_USAGE);
	assert_int_equal(ca_uuid_check("1234567890123"), CA_ERR_USAGE);
	assert_int_equal(ca_uuid_check("12345678901a"), CA_ERR_USAGE);
	assert_int_equal(ca_uuid_check(""), CA_ERR_USAGE);
	assert_int_equal(ca_uuid_check(NULL), CA_ERR_USAGE);
	assert_int_equal(ca_ods_check("FA123"), CA_OK);
	assert_int_equal(ca_ods_check("fa123"), CA_ERR_USAGE);
	assert_int_equal(ca_ods_check("ABCDEFGHIJKLMNOP"), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse("pharmacist@FA123", role, ods), CA_OK);
	assert_string_equal(role, "pharmacist");
	assert_string_equal(ods, "FA123");
	assert_int_equal(ca_position_parse("pharmacist", role, ods), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse("@FA123", role, ods), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse("pharmacist@", role, ods), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse("Pharm@FA123", role, ods), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse("a@b@C", role, ods), CA_ERR_USAGE);
	assert_int_equal(ca_position_parse(
		"a-very-long-role-name-that-does-not-fit-in-the-buffer@FA1", role, ods),
		CA_ERR_USAGE);
}

static void
test_request_lifecycle(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_request rq = { 0 }, got = { 0 };
	int64_t id = 0;

	rq.sponsor = "100000000002";
	rq.subject = "200000000001";
	rq.role = "pharmacist";
	rq.org = "FA123";
	rq.created = 1000;
	assert_int_equal(ca_reg_request_add(fx->reg, &rq, &id), CA_OK);
	assert_true(id > 0);
	assert_int_equal(ca_reg_request_get(fx->reg, id, &got), CA_OK);
	assert_int_equal(got.state, CA_REQ_SPONSORED);
	assert_null(got.ra_agent);
	assert_string_equal(got.org, "FA123");
	ca_request_clear(&got);
	/* The registry's own check: the sponsor cannot verify their request. */
	assert_int_equal(ca_reg_request_verify(fx->reg, id, "100000000002", "passport", 2000),
			 CA_ERR_USAGE);
	assert_int_equal(ca_reg_request_verify(fx->reg, id, "100000000003",
					       "passport,utility-bill,payslip", 2000), CA_OK);
	assert_int_equal(ca_reg_request_get(fx->reg, id, &got), CA_OK);
	assert_int_equal(got.state, CA_REQ_VERIFIED);
	assert_string_equal(got.ra_agent, "100000000003");
	assert_int_equal(got.verified, 2000);
	ca_request_clear(&got);
	assert_int_equal(ca_reg_request_verify(fx->reg, id, "100000000003", "x", 3000),
			 CA_ERR_STATE);
	assert_int_equal(ca_reg_request_verify(fx->reg, id + 1, "100000000003", "x", 3000),
			 CA_ERR_NOT_FOUND);
	/* Unknown subject: the foreign key. */
	rq.subject = "999999999999";
	assert_int_equal(ca_reg_request_add(fx->reg, &rq, &id), CA_ERR_NOT_FOUND);
}

static void
test_roles(void **state)
{
	struct reg_fixture *fx = *state;
	unsigned roles = 99;

	assert_int_equal(ca_reg_person_roles(fx->reg, "100000000002", &roles), CA_OK);
	assert_int_equal(roles, 0);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "100000000002", "sponsor"), CA_OK);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, "100000000002", "lsa"), CA_OK);
	assert_int_equal(ca_reg_person_roles(fx->reg, "100000000002", &roles), CA_OK);
	assert_int_equal(roles, POL_ROLE_SPONSOR | POL_ROLE_LSA);
}

static void
test_positions(void **state)
{
	struct reg_fixture *fx = *state;
	char orgs[4][CA_ODS_MAX + 1];
	unsigned n = 0;
	int locum = 0;
	char *name = NULL;

	assert_int_equal(ca_reg_org_add(fx->reg, "FA123", "Again", 0), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_org_add(fx->reg, "bad", "x", 0), CA_ERR_USAGE);
	assert_int_equal(ca_reg_org_get(fx->reg, "LOCUM1", &name, &locum), CA_OK);
	assert_string_equal(name, "Locums");
	assert_int_equal(locum, 1);
	free(name);
	assert_int_equal(ca_reg_org_get(fx->reg, "NOPE", NULL, NULL), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"),
			 CA_OK);
	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"),
			 CA_ERR_EXISTS);
	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "NOPE"),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_position_add(fx->reg, "999999999999", "pharmacist", "FA123"),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "LOCUM1"),
			 CA_OK);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", NULL, "LOCUM1"), CA_OK);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", "dispenser", NULL),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_person_orgs(fx->reg, "200000000001", orgs, 4, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(orgs[0], "FA123");
	assert_string_equal(orgs[1], "LOCUM1");
	assert_int_equal(ca_reg_position_remove(fx->reg, "200000000001", "pharmacist", "FA123"),
			 CA_OK);
	assert_int_equal(ca_reg_position_remove(fx->reg, "200000000001", "pharmacist", "FA123"),
			 CA_ERR_NOT_FOUND);
}

static int
count_cb(void *arg, const struct ca_position *p)
{
	unsigned *n = arg;

	assert_string_equal(p->org, "FB999");
	(*n)++;
	return CA_OK;
}

static void
test_ods_change(void **state)
{
	struct reg_fixture *fx = *state;
	const char *roles[] = { "pharmacist" };
	struct ca_tac t = { 0 };
	unsigned seen = 0, moved = 0;
	char *name = NULL;
	int64_t n = 0;

	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, "100000000002", "sponsor", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, "100000000002", "sponsor", "LOCUM1"), 0);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000001", "FA123", "100000000002", roles, 1,
					10), CA_OK);
	assert_int_equal(ca_reg_ods_change(fx->reg, "FA123", "FA123", NULL, NULL, &moved),
			 CA_ERR_USAGE);
	assert_int_equal(ca_reg_ods_change(fx->reg, "NOPE", "FB999", NULL, NULL, &moved),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_ods_change(fx->reg, "FA123", "FB999", count_cb, &seen, &moved),
			 CA_OK);
	assert_int_equal(moved, 2);
	assert_int_equal(seen, 2);
	/* The new organisation took the old one's name; nobody is left at FA123. */
	assert_int_equal(ca_reg_org_get(fx->reg, "FB999", &name, NULL), CA_OK);
	assert_string_equal(name, "High St");
	free(name);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", "pharmacist", "FB999"), 0);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", NULL, "FA123"),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_position_has(fx->reg, "100000000002", "sponsor", "LOCUM1"), 0);
	assert_int_equal(ca_reg_count(fx->reg, "positions", &n), CA_OK);
	assert_int_equal(n, 3);
	assert_int_equal(ca_reg_tac_get(fx->reg, "0900000001", &t), CA_OK);
	assert_string_equal(t.org, "FB999");
	assert_string_equal(t.positions, "pharmacist@FB999");
	ca_tac_clear(&t);
}

static void
test_tac_pool(void **state)
{
	struct reg_fixture *fx = *state;
	const char *roles[] = { "pharmacist", "dispenser" };
	struct ca_table tab;
	struct ca_tac t = { 0 };

	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000001", "FA123", "100000000002", roles, 2,
					10), CA_OK);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000001", "FA123", "100000000002", roles, 2,
					10), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000002", "FA123", "100000000002", roles, 0,
					10), CA_ERR_USAGE);
	/* A personal card cannot join the pool. */
	assert_int_equal(ca_reg_card_add(fx->reg, "0412345678", 0, "200000000001"), CA_OK);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0412345678", "FA123", "100000000002", roles, 1,
					10), CA_ERR_STATE);
	assert_int_equal(ca_reg_tac_get(fx->reg, "0900000001", &t), CA_OK);
	assert_string_equal(t.positions, "dispenser@FA123,pharmacist@FA123");
	assert_string_equal(t.state, "blank");
	assert_null(t.holder);
	ca_tac_clear(&t);
	assert_int_equal(ca_reg_tac_use_add(fx->reg, "0900000001", "200000000001",
					    "100000000002", "lost card", 20), CA_OK);
	assert_int_equal(ca_reg_tac_use_add(fx->reg, "0900000001", "200000000001",
					    "100000000002", "", 20), CA_ERR_USAGE);
	assert_int_equal(ca_reg_tac_use_add(fx->reg, "0999999999", "200000000001",
					    "100000000002", "x", 20), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_tac_table(fx->reg, NULL, false, &tab), CA_OK);
	assert_int_equal(tab.nrows, 1);
	assert_string_equal(ca_table_cell(&tab, 0, 6), "1");
	ca_table_clear(&tab);
}

/* Write @t in @f into a string. */
static char *
render(const struct ca_table *t, enum ca_report_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(ca_table_write(t, f, fp), CA_OK);
	fclose(fp);
	return buf;
}

static void
table_sample(struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "name", CA_COL_TEXT }, { "n", CA_COL_NUM }, { "note", CA_COL_TEXT },
	};
	const char *r1[] = { "Zoë \"Z\" Smith", "7", "a,b" };
	const char *r2[] = { "=cmd()", "123", NULL };
	const char *r3[] = { "line\nbreak", NULL, "tab\there" };

	assert_int_equal(ca_table_init(t, cols, 3), CA_OK);
	assert_int_equal(ca_table_add(t, r1), CA_OK);
	assert_int_equal(ca_table_add(t, r2), CA_OK);
	assert_int_equal(ca_table_add(t, r3), CA_OK);
}

static void
test_format_table(void **state)
{
	struct ca_table t;
	char *s;

	(void)state;
	table_sample(&t);
	s = render(&t, CA_REPORT_TABLE);
	/* Widths in characters: "Zoë" counts 3; numbers right-aligned; control
	 * characters never reach the terminal. */
	assert_string_equal(s,
		"name             n  note\n"
		"-------------  ---  --------\n"
		"Zoë \"Z\" Smith    7  a,b\n"
		"=cmd()         123  \n"
		"line?break          tab?here\n");
	free(s);
	ca_table_clear(&t);
}

static void
test_format_csv(void **state)
{
	struct ca_table t;
	char *s;

	(void)state;
	table_sample(&t);
	s = render(&t, CA_REPORT_CSV);
	assert_string_equal(s,
		"name,n,note\r\n"
		"\"Zoë \"\"Z\"\" Smith\",7,\"a,b\"\r\n"
		"\"'=cmd()\",123,\r\n"
		"\"line\nbreak\",,tab\there\r\n");
	free(s);
	ca_table_clear(&t);
}

static void
test_format_json(void **state)
{
	struct ca_table t;
	char *s;

	(void)state;
	table_sample(&t);
	s = render(&t, CA_REPORT_JSON);
	assert_string_equal(s,
		"[\n"
		"  {\"name\": \"Zoë \\\"Z\\\" Smith\", \"n\": 7, \"note\": \"a,b\"},\n"
		"  {\"name\": \"=cmd()\", \"n\": 123, \"note\": null},\n"
		"  {\"name\": \"line\\u000abreak\", \"n\": null, \"note\": \"tab\\u0009here\"}\n"
		"]\n");
	free(s);
	ca_table_clear(&t);
	/* An empty report is still valid JSON. */
	assert_int_equal(ca_table_init(&t, (const struct ca_table_col[]){ { "a", 0 } }, 1), 0);
	s = render(&t, CA_REPORT_JSON);
	assert_string_equal(s, "[]\n");
	free(s);
	ca_table_clear(&t);
}

static void
test_format_parse(void **state)
{
	enum ca_report_format f;

	(void)state;
	assert_int_equal(ca_report_format_parse("csv", &f), CA_OK);
	assert_int_equal(f, CA_REPORT_CSV);
	assert_int_equal(ca_report_format_parse("xml", &f), CA_ERR_USAGE);
}

static void
cert(struct ca_reg *reg, const char *serial, const char *holder, int64_t not_after)
{
	unsigned char der[1] = { 0x30 };
	struct ca_cert_rec c = { 0 };

	c.serial = (char *)serial;
	c.holder = (char *)holder;
	c.profile = "authentication";
	c.issuer = "authentication";
	c.not_before = not_after - 730 * 86400;
	c.not_after = not_after;
	c.der = der;
	c.derlen = 1;
	assert_int_equal(ca_reg_cert_add(reg, &c), CA_OK);
}

/* @t has one row, whose column @col is @want; cleared. */
static void
only(struct ca_table *t, unsigned col, const char *want)
{
	assert_int_equal(t->nrows, 1);
	assert_string_equal(ca_table_cell(t, 0, col), want);
	ca_table_clear(t);
}

static void
test_reports(void **state)
{
	struct reg_fixture *fx = *state;
	const int64_t now = 1800000000;
	struct ca_table t;

	cert(fx->reg, "0A", "200000000001", now + 10 * 86400);
	cert(fx->reg, "0B", "100000000002", now + 100 * 86400);
	cert(fx->reg, "0C", "100000000003", now - 86400);		/* expired */
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "0B", 1, now), CA_OK);
	assert_int_equal(ca_reg_report_expiring(fx->reg, now, 90, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 0), "200000000001");
	assert_string_equal(ca_table_cell(&t, 0, 6), "10");
	ca_table_clear(&t);
	assert_int_equal(ca_reg_report_expiring(fx->reg, now, -1, NULL, false, &t), CA_ERR_USAGE);

	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "dispenser", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, "100000000002", "sponsor", "FA123"), 0);
	assert_int_equal(ca_reg_report_users_per_org(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(ca_table_cell(&t, 0, 0), "FA123");
	assert_string_equal(ca_table_cell(&t, 0, 3), "2");
	assert_string_equal(ca_table_cell(&t, 0, 4), "3");
	assert_string_equal(ca_table_cell(&t, 1, 3), "0");
	ca_table_clear(&t);

	assert_int_equal(ca_reg_card_add(fx->reg, "0412345678", 0, "200000000001"), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0412345679", 0, "100000000002"), CA_OK);
	assert_int_equal(ca_reg_report_locked(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 0);
	ca_table_clear(&t);
	/* The card operations own cards.state and the counters; set them here
	 * as they would. */
	reg_fx_sql(fx, "UPDATE cards SET state = 'locked' WHERE serial = '0412345678';"
		"UPDATE cards SET state = 'issued', renewals = 3, self_renewals = 2"
		" WHERE serial = '0412345679'");
	assert_int_equal(ca_reg_report_locked(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 0), "0412345678");
	assert_string_equal(ca_table_cell(&t, 0, 3), "FA123");
	ca_table_clear(&t);
	/* Issued locked for secure delivery: locked until an unlock is audited. */
	assert_int_equal(ca_audit_append(fx->reg, 100, "x", "issue-card", "0412345679",
					 "{\"locked\":\"yes\"}"), CA_OK);
	assert_int_equal(ca_reg_report_locked(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(ca_table_cell(&t, 0, 0), "0412345679");
	assert_non_null(ca_table_cell(&t, 0, 5));
	ca_table_clear(&t);
	assert_int_equal(ca_audit_append(fx->reg, 101, "x", "unlock", "0412345679", "{}"), 0);
	assert_int_equal(ca_reg_report_locked(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 1);
	ca_table_clear(&t);
	assert_int_equal(ca_reg_report_renewal_limit(fx->reg, 2, 0, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 2), "0412345679");
	assert_string_equal(ca_table_cell(&t, 0, 5), "ra-assisted-renewal");
	ca_table_clear(&t);
	assert_int_equal(ca_reg_report_renewal_limit(fx->reg, 5, 3, NULL, false, &t), CA_OK);
	only(&t, 5, "new-card");
	assert_int_equal(ca_reg_report_renewal_limit(fx->reg, 5, 0, NULL, false, &t), CA_OK);
	assert_int_equal(t.nrows, 0);
	ca_table_clear(&t);
}

/* Rows of @t (a report just run into it), then cleared. */
static size_t
rows(struct ca_table *t)
{
	size_t n = t->nrows;

	ca_table_clear(t);
	return n;
}

/*
 * The reports and the TAC pool for a viewer (issue 17): Sam, a sponsor at
 * FA123 who also works at LOCUM1, sees FA123's people, cards, TACs and
 * organisation; LOCUM1's only when locums count; never FB456's, where Rita
 * works. NULL is everything.
 */
static void
test_reports_scoped(void **state)
{
	struct reg_fixture *fx = *state;
	const char *const roles[] = { "dispenser" };
	const char *sam = "100000000002", *rita = "100000000003", *bob = "200000000001";
	const int64_t now = 1800000000;
	struct ca_table t;

	assert_int_equal(ca_reg_org_add(fx->reg, "FB456", "Other", 0), CA_OK);
	assert_int_equal(ca_reg_position_add(fx->reg, sam, "sponsor", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, sam, "dispenser", "LOCUM1"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, bob, "dispenser", "FA123"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, rita, "dispenser", "FB456"), 0);
	assert_int_equal(ca_reg_position_add(fx->reg, rita, "dispenser", "LOCUM1"), 0);
	cert(fx->reg, "0A", bob, now + 10 * 86400);
	cert(fx->reg, "0D", rita, now + 20 * 86400);

	assert_int_equal(ca_reg_report_expiring(fx->reg, now, 90, sam, false, &t), CA_OK);
	only(&t, 0, bob);
	assert_int_equal(ca_reg_report_expiring(fx->reg, now, 90, sam, true, &t), CA_OK);
	assert_int_equal(rows(&t), 2);			/* Rita, through LOCUM1 */
	assert_int_equal(ca_reg_report_expiring(fx->reg, now, 90, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 2);
	/* Nobody with no position sees anybody. */
	assert_int_equal(ca_reg_report_expiring(fx->reg, now, 90, "999999999999", true, &t), 0);
	assert_int_equal(rows(&t), 0);

	assert_int_equal(ca_reg_report_users_per_org(fx->reg, sam, false, &t), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 0), "FA123");
	assert_string_equal(ca_table_cell(&t, 0, 3), "2");
	ca_table_clear(&t);
	assert_int_equal(ca_reg_report_users_per_org(fx->reg, sam, true, &t), CA_OK);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(ca_table_cell(&t, 1, 0), "LOCUM1");
	ca_table_clear(&t);
	assert_int_equal(ca_reg_report_users_per_org(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 3);

	/* Locked: Bob's and Rita's cards, and a TAC of FB456's pool. */
	assert_int_equal(ca_reg_card_add(fx->reg, "0412345678", 0, bob), CA_OK);
	assert_int_equal(ca_reg_card_add(fx->reg, "0412345680", 0, rita), CA_OK);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000001", "FA123", sam, roles, 1, 10), 0);
	assert_int_equal(ca_reg_tac_add(fx->reg, "0900000003", "FB456", rita, roles, 1, 10), 0);
	reg_fx_sql(fx, "UPDATE cards SET state = 'locked', self_renewals = 2"
		" WHERE serial IN ('0412345678', '0412345680', '0900000003')");
	assert_int_equal(ca_reg_report_locked(fx->reg, sam, false, &t), CA_OK);
	only(&t, 0, "0412345678");
	assert_int_equal(ca_reg_report_locked(fx->reg, rita, false, &t), CA_OK);
	assert_int_equal(rows(&t), 2);			/* hers and FB456's TAC */
	assert_int_equal(ca_reg_report_locked(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 3);

	assert_int_equal(ca_reg_report_renewal_limit(fx->reg, 2, 0, sam, false, &t), CA_OK);
	only(&t, 2, "0412345678");
	assert_int_equal(ca_reg_report_renewal_limit(fx->reg, 2, 0, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 2);

	/* The TAC pool and its ledger: the TACs of the viewer's organisations. */
	assert_int_equal(ca_reg_tac_use_add(fx->reg, "0900000001", bob, sam, "a", 20), CA_OK);
	assert_int_equal(ca_reg_tac_use_add(fx->reg, "0900000003", rita, rita, "b", 21), CA_OK);
	assert_int_equal(ca_reg_tac_table(fx->reg, sam, true, &t), CA_OK);
	only(&t, 0, "0900000001");
	assert_int_equal(ca_reg_tac_table(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 2);
	assert_int_equal(ca_reg_tac_uses_table(fx->reg, sam, true, &t), CA_OK);
	only(&t, 2, "0900000001");
	assert_int_equal(ca_reg_tac_uses_table(fx->reg, rita, false, &t), CA_OK);
	only(&t, 2, "0900000003");
	assert_int_equal(ca_reg_tac_uses_table(fx->reg, NULL, false, &t), CA_OK);
	assert_int_equal(rows(&t), 2);
}

static int64_t
fixed_now(void *arg)
{
	return *(const int64_t *)arg;
}

/* ca_batch_apply as the RA manager 100000000001 at @now, on a context that
 * holds only the fixture's registry. */
static int
batch_apply(struct reg_fixture *fx, const struct ca_batch *b, int64_t now)
{
	struct ca_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.reg = fx->reg;
	ctx.actor = "100000000001";
	ctx.hooks.now = fixed_now;
	ctx.hooks.arg = &now;
	return ca_batch_apply(&ctx, b);
}

static void
test_batch_parse(void **state)
{
	static const char csv[] =
		"ods,uuid,name,role,email\r\n"
		"FA123,300000000001,\"Smith, Jane\",pharmacist,jane@x.test\r\n"
		"\r\n"
		"FA123,300000000002,\"O\"\"Brien\nthe second\",dispenser,\n"
		"FA123,300000000003,Short,dispenser\n"
		"FA123,300000000004,\"bad\"x,dispenser,\n"
		"FA123,300000000005,Last,dispenser,";
	struct ca_batch b = { 0, NULL };
	char *errs = NULL;
	size_t elen = 0;
	FILE *fp = open_memstream(&errs, &elen);
	unsigned n = 0;

	(void)state;
	assert_int_equal(ca_batch_parse(csv, sizeof(csv) - 1, &b, fp, &n), CA_OK);
	fclose(fp);
	assert_int_equal(n, 2);
	assert_string_equal(errs, "line 6: 4 fields, the header has 5\n"
			    "line 7: text after a closing quote or a lone CR\n");
	assert_int_equal(b.n, 3);
	assert_string_equal(b.rows[0].name, "Smith, Jane");
	assert_string_equal(b.rows[0].email, "jane@x.test");
	assert_null(b.rows[0].mobile);
	assert_int_equal(b.rows[1].line, 4);
	assert_string_equal(b.rows[1].name, "O\"Brien\nthe second");
	assert_null(b.rows[1].email);
	assert_int_equal(b.rows[2].line, 8);
	assert_string_equal(b.rows[2].uuid, "300000000005");
	ca_batch_clear(&b);
	free(errs);
}

static void
test_batch_header(void **state)
{
	static const char csv[] = "uuid,name,role,nope\n1,2,3,4\n";
	struct ca_batch b = { 0, NULL };
	char *errs = NULL;
	size_t elen = 0;
	FILE *fp = open_memstream(&errs, &elen);
	unsigned n = 0;

	(void)state;
	assert_int_equal(ca_batch_parse(csv, sizeof(csv) - 1, &b, fp, &n), CA_OK);
	fclose(fp);
	assert_int_equal(n, 2);
	assert_string_equal(errs, "line 1: unknown column nope\nline 1: missing column ods\n");
	assert_int_equal(b.n, 0);
	free(errs);
}

/* A spreadsheet's "CSV UTF-8": a byte-order mark before the header. Only
 * there is it skipped; anywhere else it is data. */
static void
test_batch_bom(void **state)
{
	static const char csv[] = "\xef\xbb\xbfuuid,name,role,ods\n"
				  "300000000001,\xef\xbb\xbfJo,dispenser,FA123\n";
	struct ca_batch b = { 0, NULL };
	char *errs = NULL;
	size_t elen = 0;
	FILE *fp = open_memstream(&errs, &elen);
	unsigned n = 0;

	(void)state;
	assert_int_equal(ca_batch_parse(csv, sizeof(csv) - 1, &b, fp, &n), CA_OK);
	fclose(fp);
	assert_int_equal(n, 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.rows[0].uuid, "300000000001");
	assert_string_equal(b.rows[0].name, "\xef\xbb\xbfJo");
	ca_batch_clear(&b);
	free(errs);
}

static unsigned
batch_check(struct reg_fixture *fx, const char *csv, struct ca_batch *b, char **errs)
{
	size_t elen = 0;
	FILE *fp = open_memstream(errs, &elen);
	unsigned n = 0;

	assert_int_equal(ca_batch_parse(csv, strlen(csv), b, fp, &n), CA_OK);
	assert_int_equal(ca_batch_check(fx->reg, b, fp, &n), CA_OK);
	fclose(fp);
	return n;
}

static void
test_batch_check_and_apply(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_batch b = { 0, NULL };
	struct ca_batch_stats st;
	char *errs = NULL;
	int64_t people = 0, pos = 0, audit = 0;

	assert_int_equal(batch_check(fx,
		"uuid,name,role,ods,mobile\n"
		"12345,A,pharmacist,FA123,\n"
		"300000000001,B,pharmacist,NOPE,\n"
		"200000000001,Not Bob,pharmacist,FA123,\n"
		"300000000002,C,dispenser,FA123,+447700900000\n"
		"300000000002,C2,pharmacist,FA123,+447700900000\n"
		"300000000002,C,dispenser,FA123,+447700900000\n"
		"300000000003,D,dispenser,FA123,call me\n", &b, &errs), 6);
	/* In line order, each saying what to do about it. */
	assert_string_equal(errs,
		"line 2: uuid '12345' is not 12 digits\n"
		"line 3: organisation NOPE is not registered: org-add it first\n"
		"line 4: uuid 200000000001 is registered as 'Bob Holder': to rename them, use "
		"action update with a reason\n"
		"line 6: uuid 300000000002 has a different name, email or mobile on line 5\n"
		"line 7: repeats the position on line 5\n"
		"line 8: mobile: a mobile number is '+' and 8 to 15 digits (E.164, no spaces; "
		"e.g. +447700900123)\n");
	ca_batch_clear(&b);
	free(errs);
	errs = NULL;

	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"), 0);
	assert_int_equal(batch_check(fx,
		"uuid,name,role,ods\n"
		"300000000002,C,dispenser,FA123\n"
		"200000000001,Bob Holder,pharmacist,FA123\n"
		"200000000001,Bob Holder,dispenser,FA123\n"
		"300000000002,C,pharmacist,LOCUM1\n", &b, &errs), 0);
	ca_batch_stats(&b, &st);
	assert_int_equal(st.people, 1);
	assert_int_equal(st.positions, 3);
	assert_int_equal(st.held, 1);
	assert_int_equal(batch_apply(fx, &b, 1000), CA_OK);
	assert_int_equal(ca_reg_count(fx->reg, "people", &people), CA_OK);
	assert_int_equal(ca_reg_count(fx->reg, "positions", &pos), CA_OK);
	assert_int_equal(ca_reg_count(fx->reg, "audit", &audit), CA_OK);
	assert_int_equal(people, 4);
	assert_int_equal(pos, 4);
	assert_int_equal(audit, 1 + 3 + 1);	/* person, positions, summary */
	/* Applying again fails half way (the person exists): nothing lands. */
	assert_int_equal(batch_apply(fx, &b, 1001), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_count(fx->reg, "audit", &audit), CA_OK);
	assert_int_equal(audit, 5);
	assert_int_equal(ca_reg_count(fx->reg, "positions", &pos), CA_OK);
	assert_int_equal(pos, 4);
	ca_batch_clear(&b);
	free(errs);
	{
		struct ca_audit_report rep;

		assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);
	}
}

/* The changes a checked batch lists, as text. */
static char *
changes_of(const struct ca_batch *b)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_int_equal(ca_batch_changes(b, fp), CA_OK);
	fclose(fp);
	return out;
}

/* Updates and removals: checked against the registry and each other, listed
 * exactly, applied all or nothing. */
static void
test_batch_update_remove(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_batch b = { 0, NULL, NULL };
	struct ca_batch_stats st;
	struct ca_person p = { 0 };
	char *errs = NULL, *ch;
	int64_t audit = 0;

	assert_int_equal(ca_reg_position_add(fx->reg, "200000000001", "pharmacist", "FA123"), 0);
	person(fx->reg, "200000000002", "Carol Holder");
	/* Mistakes: a rename without a reason, a removal of a position not held,
	 * an update of nobody, a contact change on an add row, a bad action. */
	assert_int_equal(batch_check(fx,
		"uuid,name,role,ods,mobile,action,reason\n"
		"200000000001,Robert Holder,,,,update,\n"
		"200000000001,Robert Holder,dispenser,FA123,,remove,\n"
		"300000000009,Nobody,,,,update,x\n"
		"200000000002,Carol Holder,pharmacist,FA123,+447700900001,,\n"
		"200000000002,Carol Holder,dispenser,FA123,+447700900001,swap,\n", &b, &errs), 5);
	assert_string_equal(errs,
		"line 2: renaming 200000000001 from 'Bob Holder' needs the reason (a reason column: "
		"marriage, deed poll, correction)\n"
		"line 3: uuid 200000000001 does not hold dispenser@FA123: nothing to remove\n"
		"line 4: uuid 300000000009 is not registered: a new person comes in with action "
		"add\n"
		"line 5: uuid 200000000002 has another mobile in the registry: to change it, use "
		"action update\n"
		"line 6: action is add, update or remove (empty: add)\n");
	ca_batch_clear(&b);
	free(errs);
	errs = NULL;

	assert_int_equal(batch_check(fx,
		"uuid,name,role,ods,mobile,action,reason\n"
		"200000000001,Robert Holder,,,+447700900123,update,deed poll\n"
		"200000000001,Robert Holder,pharmacist,FA123,+447700900123,remove,\n"
		"200000000001,Robert Holder,dispenser,LOCUM1,+447700900123,add,\n"
		"300000000005,Eve New,dispenser,FA123,,,\n", &b, &errs), 0);
	ch = changes_of(&b);
	assert_string_equal(ch,
		"line 2: update 200000000001: name 'Bob Holder' -> 'Robert Holder' (deed poll); "
		"mobile (none) -> +447700900123;\n"
		"line 3: remove position pharmacist@FA123 from 200000000001\n"
		"line 4: add position dispenser@LOCUM1 to 200000000001\n"
		"line 5: add person 300000000005 (Eve New)\n"
		"line 5: add position dispenser@FA123 to 300000000005\n");
	free(ch);
	ca_batch_stats(&b, &st);
	assert_int_equal(st.people, 1);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.removed, 1);
	assert_int_equal(st.positions, 2);
	assert_int_equal(batch_apply(fx, &b, 1000), CA_OK);
	assert_int_equal(ca_reg_person_get(fx->reg, "200000000001", &p), CA_OK);
	assert_string_equal(p.name, "Robert Holder");
	assert_string_equal(p.mobile, "+447700900123");
	ca_person_clear(&p);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", "pharmacist", "FA123"),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", "dispenser", "LOCUM1"),
			 CA_OK);
	/* update, remove, add position, add person, add position, summary */
	assert_int_equal(ca_reg_count(fx->reg, "audit", &audit), CA_OK);
	assert_int_equal(audit, 6);
	{
		struct ca_audit_report rep;

		assert_int_equal(ca_audit_verify(fx->reg, &rep), CA_OK);
	}
	/* Again: the removal fails half way (no longer held): nothing lands. */
	assert_int_equal(batch_apply(fx, &b, 1001), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_count(fx->reg, "audit", &audit), CA_OK);
	assert_int_equal(audit, 6);
	assert_int_equal(ca_reg_position_has(fx->reg, "200000000001", "dispenser", "LOCUM1"),
			 CA_OK);
	ca_batch_clear(&b);
	free(errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test_setup_teardown(test_request_lifecycle, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_positions, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_ods_change, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tac_pool, setup_people, reg_fx_teardown),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_csv),
		cmocka_unit_test(test_format_json),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test_setup_teardown(test_reports, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_reports_scoped, setup_people, reg_fx_teardown),
		cmocka_unit_test(test_batch_parse),
		cmocka_unit_test(test_batch_bom),
		cmocka_unit_test(test_batch_header),
		cmocka_unit_test_setup_teardown(test_batch_check_and_apply, setup_people, reg_fx_teardown),
		cmocka_unit_test_setup_teardown(test_batch_update_remove, setup_people, reg_fx_teardown),
	};

	return cmocka_run_group_tests_name("ca-ra", tests, NULL, NULL);
}
