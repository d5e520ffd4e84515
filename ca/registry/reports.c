/*
 * ca/registry-reports.c: the read-only queries behind "carecard-ca report".
 * Each runs once per process, so these statements are prepared and
 * finalised here instead of taking slots in the connection's cache.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ra.h"
#include "ca/ra/report.h"

int
ca_reg_scoped_table(struct ca_reg *reg, const char *sql, const int64_t *params, int nparams,
		    const char *within, bool locum, const char *what, struct ca_table *t)
{
	const char *v[CA_TABLE_COLS_MAX];
	struct db_stmt *st = NULL;
	unsigned c;
	int i, rc, r = CA_OK;

	if (db_prep_once(reg->db, sql, &st) != CA_OK)
		return ca_reg_fail(reg, what);
	for (i = 0; i < nparams; i++)
		db_bind_int64(st, i + 1, params[i]);
	ca_reg_bind_text(st, nparams + 1, within);
	db_bind_int64(st, nparams + 2, locum ? 1 : 0);
	while ((rc = db_step(st)) == DB_ROW) {
		for (c = 0; c < t->ncols; c++)
			v[c] = db_col_text(st, (int)c);
		if ((r = ca_table_add(t, v)) != CA_OK)
			goto out;
	}
	if (rc != DB_DONE)
		r = ca_reg_fail(reg, what);
out:
	db_finalize(st);
	return r;
}

int
ca_reg_report_expiring(struct ca_reg *reg, int64_t now, int days, const char *within,
		       bool locum, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "uuid", CA_COL_TEXT }, { "name", CA_COL_TEXT }, { "card", CA_COL_TEXT },
		{ "profile", CA_COL_TEXT }, { "serial", CA_COL_TEXT },
		{ "not_after", CA_COL_TEXT }, { "days_left", CA_COL_NUM },
	};
	int64_t p[2] = { now, now + (int64_t)days * 86400 };
	int r;

	if (days < 0)
		return CA_ERR_USAGE;
	if ((r = ca_table_init(t, cols, 7)) != CA_OK)
		return r;
	return ca_reg_scoped_table(reg,
		"SELECT c.holder, p.name, c.card, c.profile, c.serial,"
		" strftime('%Y-%m-%dT%H:%M:%SZ', c.not_after, 'unixepoch'),"
		" (c.not_after - ?1) / 86400"
		" FROM certificates c JOIN people p ON p.uuid = c.holder"
		" WHERE c.status = 'valid' AND c.not_after >= ?1 AND c.not_after <= ?2"
		" AND " CA_REG_PERSON_WITHIN("c.holder", "?3", "?4")
		" ORDER BY c.not_after, c.holder, c.profile", p, 2, within, locum, "report", t);
}

/*
 * A card's lock lives on the card, so the registry knows a card is locked
 * when it was issued or repaired locked for secure delivery (the card
 * operations' audit entry says "locked":"yes") and no unlock or passcode
 * reset has been recorded since — or when cards.state says so.
 */
int
ca_reg_report_locked(struct ca_reg *reg, const char *within, bool locum, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "card", CA_COL_TEXT }, { "uuid", CA_COL_TEXT }, { "name", CA_COL_TEXT },
		{ "orgs", CA_COL_TEXT }, { "tac", CA_COL_TEXT }, { "locked_since", CA_COL_TEXT },
	};
	int r;

	if ((r = ca_table_init(t, cols, 6)) != CA_OK)
		return r;
	return ca_reg_scoped_table(reg,
		"SELECT serial, holder, name, orgs, tac, since FROM"
		" (SELECT c.serial, c.holder, p.name, c.state,"
		"   (SELECT group_concat(org, ',') FROM (SELECT DISTINCT org FROM positions"
		"     WHERE person = c.holder ORDER BY org) AS o) AS orgs,"
		"   CASE c.is_tac WHEN 1 THEN 'yes' ELSE 'no' END AS tac,"
		"   (SELECT CASE WHEN a.action NOT IN ('unlock', 'passcode-reset') AND"
		"      json_extract(a.details, '$.locked') = 'yes' THEN a.time END"
		"    FROM audit a WHERE a.subject = c.serial AND"
		"      (a.action IN ('unlock', 'passcode-reset') OR"
		"      json_extract(a.details, '$.locked') IS NOT NULL)"
		"    ORDER BY a.id DESC LIMIT 1) AS since"
		"  FROM cards c LEFT JOIN people p ON p.uuid = c.holder"
		"  WHERE c.state NOT IN ('blank', 'cancelled')"
		"  AND (" CA_REG_PERSON_WITHIN("c.holder", "?1", "?2")
		"   OR c.serial IN (SELECT tp.serial FROM tac_pool tp"
		"    WHERE " CA_REG_ORG_WITHIN("tp.org", "?1", "?2") "))) AS l"
		" WHERE state = 'locked' OR since IS NOT NULL"
		" ORDER BY holder, serial", NULL, 0, within, locum, "report", t);
}

int
ca_reg_report_renewal_limit(struct ca_reg *reg, unsigned self_before_ra,
			    unsigned max_renewals, const char *within, bool locum,
			    struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "uuid", CA_COL_TEXT }, { "name", CA_COL_TEXT }, { "card", CA_COL_TEXT },
		{ "renewals", CA_COL_NUM }, { "self_renewals", CA_COL_NUM },
		{ "needs", CA_COL_TEXT },
	};
	int64_t p[2] = { self_before_ra, max_renewals };
	int r;

	if ((r = ca_table_init(t, cols, 6)) != CA_OK)
		return r;
	/* The card operations keep the counters per card (cards.renewals,
	 * cards.self_renewals, migration 2). */
	return ca_reg_scoped_table(reg,
		"SELECT c.holder, p.name, c.serial, c.renewals, c.self_renewals,"
		" CASE WHEN ?2 > 0 AND c.renewals >= ?2 THEN 'new-card'"
		" ELSE 'ra-assisted-renewal' END"
		" FROM cards c JOIN people p ON p.uuid = c.holder"
		" WHERE c.is_tac = 0 AND c.state NOT IN ('blank', 'cancelled')"
		" AND (c.self_renewals >= ?1 OR (?2 > 0 AND c.renewals >= ?2))"
		" AND " CA_REG_PERSON_WITHIN("c.holder", "?3", "?4")
		" ORDER BY c.holder, c.serial", p, 2, within, locum, "report", t);
}

int
ca_reg_report_users_per_org(struct ca_reg *reg, const char *within, bool locum,
			    struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "ods", CA_COL_TEXT }, { "name", CA_COL_TEXT }, { "locum", CA_COL_TEXT },
		{ "users", CA_COL_NUM }, { "positions", CA_COL_NUM },
	};
	int r;

	if ((r = ca_table_init(t, cols, 5)) != CA_OK)
		return r;
	return ca_reg_scoped_table(reg,
		"SELECT o.ods, o.name, CASE o.is_locum WHEN 1 THEN 'yes' ELSE 'no' END,"
		" count(DISTINCT p.person), count(p.id)"
		" FROM organisations o LEFT JOIN positions p ON p.org = o.ods"
		" WHERE " CA_REG_ORG_WITHIN("o.ods", "?1", "?2")
		" GROUP BY o.ods ORDER BY o.ods", NULL, 0, within, locum, "report", t);
}

int
ca_reg_count(struct ca_reg *reg, const char *table, int64_t *out)
{
	static const char *const ok[] = { "people", "organisations", "positions", "requests",
					  "cards", "tac_pool", "tac_uses", "audit" };
	struct db_stmt *st = NULL;
	char sql[64];
	size_t i;
	int r = CA_ERR_USAGE;

	/* Table names cannot be bound: only the known ones are spliced in. */
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(table, ok[i]) == 0)
			break;
	if (i == sizeof(ok) / sizeof(ok[0]))
		return CA_ERR_USAGE;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", ok[i]);
	if (db_prep_once(reg->db, sql, &st) != CA_OK)
		return ca_reg_fail(reg, "prepare count");
	if (db_step(st) == DB_ROW) {
		*out = db_col_int64(st, 0);
		r = CA_OK;
	} else {
		r = ca_reg_fail(reg, "count");
	}
	db_finalize(st);
	return r;
}
