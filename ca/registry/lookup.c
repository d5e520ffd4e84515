/*
 * ca/registry/lookup.c: see registry-lookup.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/report.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-lookup.h"

#define TIME(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

/* A parameter: text (NULL binds NULL) or, with @is_int, a number. */
struct qp {
	const char *s;
	int64_t i;
	bool is_int;
};

/* Run @sql with parameters @p[0..n-1] and append every row to @t. */
static int
query(struct ca_reg *reg, const char *sql, const struct qp *p, int n, struct ca_table *t)
{
	const char *v[CA_TABLE_COLS_MAX];
	struct db_stmt *st = NULL;
	unsigned c;
	int i, rc, r = CA_OK;

	if (db_prep_once(reg->db, sql, &st) != CA_OK)
		return ca_reg_fail(reg, "prepare lookup");
	for (i = 0; i < n; i++) {
		if (p[i].is_int)
			db_bind_int64(st, i + 1, p[i].i);
		else
			ca_reg_bind_text(st, i + 1, p[i].s);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		for (c = 0; c < t->ncols; c++)
			v[c] = db_col_text(st, (int)c);
		if ((r = ca_table_add(t, v)) != CA_OK)
			goto out;
	}
	if (rc != DB_DONE)
		r = ca_reg_fail(reg, "lookup");
out:
	db_finalize(st);
	return r;
}

/* "%frag%" (or with @prefix, "frag%") for LIKE ... ESCAPE '\', with the
 * wildcards of @frag escaped. */
static char *
like_pattern(const char *frag, bool prefix)
{
	size_t n = strlen(frag), i, k = 0;
	char *p = malloc(2 * n + 3);

	if (p == NULL)
		return NULL;
	if (!prefix)
		p[k++] = '%';
	for (i = 0; i < n; i++) {
		if (frag[i] == '%' || frag[i] == '_' || frag[i] == '\\')
			p[k++] = '\\';
		p[k++] = frag[i];
	}
	p[k++] = '%';
	p[k] = '\0';
	return p;
}

int
ca_reg_person_search(struct ca_reg *reg, const struct ca_person_query *q, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "uuid", CA_COL_TEXT }, { "name", CA_COL_TEXT }, { "email", CA_COL_TEXT },
		{ "mobile", CA_COL_TEXT }, { "positions", CA_COL_TEXT },
		{ "ra_roles", CA_COL_TEXT }, { "cards", CA_COL_TEXT },
	};
	char *like = NULL, *prefix = NULL;
	struct qp p[9];
	int r;

	if ((r = ca_table_init(t, cols, 7)) != CA_OK)
		return r;
	if ((q->name != NULL && (like = like_pattern(q->name, false)) == NULL) ||
	    (q->uuid != NULL && (prefix = like_pattern(q->uuid, true)) == NULL)) {
		prefix = NULL;
		r = CA_ERR_ALLOC;
		goto out;
	}
	memset(p, 0, sizeof(p));
	p[0].s = like;
	p[1].s = prefix;
	p[2].s = q->card;
	p[3].s = q->cert;
	p[4].s = q->ods;
	p[5].s = q->role;
	p[6].i = q->limit > 0 ? q->limit : INT64_MAX;
	p[6].is_int = true;
	p[7].s = q->within;
	p[8].i = q->within_locum ? 1 : 0;
	p[8].is_int = true;
	/* UUIDs are digits (a CHECK), so LIKE on a digit prefix is exact. A
	 * name matches in any case: SQLite's LIKE ignores ASCII case,
	 * PostgreSQL's does not, lower() on both sides does on both. */
	r = query(reg,
		"SELECT p.uuid, p.name, p.email, p.mobile,"
		" (SELECT group_concat(role || '@' || org, ',') FROM (SELECT role, org FROM"
		"   positions WHERE person = p.uuid ORDER BY org, role) AS o),"
		" (SELECT group_concat(role, ',') FROM (SELECT role FROM ra_roles"
		"   WHERE person = p.uuid ORDER BY role) AS r),"
		" (SELECT group_concat(serial || ':' || state, ',') FROM (SELECT serial, state"
		"   FROM cards WHERE holder = p.uuid ORDER BY coalesce(issued_at, 0) DESC) AS c)"
		" FROM people p"
		" WHERE (CAST(?1 AS TEXT) IS NULL OR lower(p.name) LIKE lower(?1) ESCAPE '\\')"
		" AND (CAST(?2 AS TEXT) IS NULL OR p.uuid LIKE ?2 ESCAPE '\\')"
		" AND (CAST(?3 AS TEXT) IS NULL OR p.uuid IN (SELECT holder FROM cards WHERE serial = ?3"
		"   UNION SELECT holder FROM certificates WHERE card = ?3))"
		" AND (CAST(?4 AS TEXT) IS NULL OR p.uuid IN (SELECT holder FROM certificates WHERE serial = ?4))"
		" AND (CAST(?5 AS TEXT) IS NULL OR p.uuid IN (SELECT person FROM positions WHERE org = ?5))"
		" AND (CAST(?6 AS TEXT) IS NULL OR p.uuid IN (SELECT person FROM positions WHERE role = ?6"
		"   UNION SELECT person FROM ra_roles WHERE role = ?6))"
		" AND " CA_REG_PERSON_WITHIN("p.uuid", "?8", "?9")
		" ORDER BY p.name, p.uuid LIMIT ?7", p, 9, t);
out:
	free(like);
	free(prefix);
	return r;
}

int
ca_reg_person_positions(struct ca_reg *reg, const char *uuid, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "role", CA_COL_TEXT }, { "ods", CA_COL_TEXT }, { "organisation", CA_COL_TEXT },
		{ "locum", CA_COL_TEXT },
	};
	struct qp p = { uuid, 0, false };
	int r;

	if ((r = ca_table_init(t, cols, 4)) != CA_OK)
		return r;
	return query(reg, "SELECT x.role, x.org, o.name,"
		     " CASE o.is_locum WHEN 1 THEN 'yes' ELSE 'no' END"
		     " FROM positions x JOIN organisations o ON o.ods = x.org"
		     " WHERE x.person = ?1 ORDER BY x.org, x.role", &p, 1, t);
}

int
ca_reg_person_ra_roles(struct ca_reg *reg, const char *uuid, struct ca_table *t)
{
	static const struct ca_table_col cols[] = { { "role", CA_COL_TEXT } };
	struct qp p = { uuid, 0, false };
	int r;

	if ((r = ca_table_init(t, cols, 1)) != CA_OK)
		return r;
	return query(reg, "SELECT role FROM ra_roles WHERE person = ?1 ORDER BY role", &p, 1, t);
}

int
ca_reg_person_cards(struct ca_reg *reg, const char *uuid, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "serial", CA_COL_TEXT }, { "series", CA_COL_TEXT }, { "state", CA_COL_TEXT },
		{ "tac", CA_COL_TEXT }, { "issued", CA_COL_TEXT }, { "renewals", CA_COL_NUM },
		{ "self_renewals", CA_COL_NUM },
	};
	struct qp p = { uuid, 0, false };
	int r;

	if ((r = ca_table_init(t, cols, 7)) != CA_OK)
		return r;
	return query(reg, "SELECT serial, series, state,"
		     " CASE is_tac WHEN 1 THEN 'yes' ELSE 'no' END, " TIME("issued_at") ","
		     " renewals, self_renewals FROM cards WHERE holder = ?1"
		     " ORDER BY coalesce(issued_at, 0) DESC, serial", &p, 1, t);
}

int
ca_reg_person_certs(struct ca_reg *reg, const char *uuid, int64_t now, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "serial", CA_COL_TEXT }, { "card", CA_COL_TEXT }, { "profile", CA_COL_TEXT },
		{ "not_before", CA_COL_TEXT }, { "not_after", CA_COL_TEXT },
		{ "status", CA_COL_TEXT }, { "reason", CA_COL_NUM },
		{ "renewal_count", CA_COL_NUM },
	};
	struct qp p[2] = { { uuid, 0, false }, { NULL, now, true } };
	int r;

	if ((r = ca_table_init(t, cols, 8)) != CA_OK)
		return r;
	return query(reg, "SELECT serial, card, profile, " TIME("not_before") ", "
		     TIME("not_after") ","
		     " CASE WHEN status = 'revoked' AND revocation_reason = 6 THEN 'held'"
		     "  WHEN status = 'revoked' THEN 'revoked'"
		     "  WHEN not_after < ?2 THEN 'expired' ELSE 'valid' END,"
		     " revocation_reason, renewal_count FROM certificates WHERE holder = ?1"
		     " ORDER BY not_before DESC, rowid DESC", p, 2, t);
}

int
ca_reg_person_requests(struct ca_reg *reg, const char *uuid, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "id", CA_COL_NUM }, { "state", CA_COL_TEXT }, { "position", CA_COL_TEXT },
		{ "sponsor", CA_COL_TEXT }, { "checked_by", CA_COL_TEXT },
		{ "created", CA_COL_TEXT }, { "reason", CA_COL_TEXT },
	};
	struct qp p = { uuid, 0, false };
	int r;

	if ((r = ca_table_init(t, cols, 7)) != CA_OK)
		return r;
	return query(reg, "SELECT id, state, role || '@' || org, sponsor,"
		     " coalesce(ra_agent, closed_by), " TIME("created") ", closed_reason"
		     " FROM requests WHERE subject = ?1 ORDER BY id DESC", &p, 1, t);
}

int
ca_reg_person_history(struct ca_reg *reg, const char *uuid, int64_t limit, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "id", CA_COL_NUM }, { "time", CA_COL_TEXT }, { "actor", CA_COL_TEXT },
		{ "action", CA_COL_TEXT }, { "subject", CA_COL_TEXT }, { "details", CA_COL_TEXT },
	};
	struct qp p[2] = { { uuid, 0, false }, { NULL, limit > 0 ? limit : -1, true } };
	int r;

	if ((r = ca_table_init(t, cols, 6)) != CA_OK)
		return r;
	/* Each branch uses the index on audit(subject). */
	return query(reg, "SELECT id, time, actor, action, subject, details FROM audit"
		     " WHERE subject IN (SELECT ?1 UNION SELECT serial FROM cards WHERE holder = ?1"
		     "  UNION SELECT card FROM certificates WHERE holder = ?1 AND card IS NOT NULL"
		     "  UNION SELECT serial FROM certificates WHERE holder = ?1)"
		     " ORDER BY id DESC LIMIT ?2", p, 2, t);
}

int
ca_reg_request_table(struct ca_reg *reg, const char *state, int64_t id, const char *within,
		     bool within_locum, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "id", CA_COL_NUM }, { "state", CA_COL_TEXT }, { "uuid", CA_COL_TEXT },
		{ "name", CA_COL_TEXT }, { "position", CA_COL_TEXT }, { "sponsor", CA_COL_TEXT },
		{ "created", CA_COL_TEXT }, { "checked_by", CA_COL_TEXT },
		{ "reason", CA_COL_TEXT },
	};
	struct qp p[4] = { { state, 0, false }, { NULL, id, true }, { within, 0, false },
			   { NULL, within_locum ? 1 : 0, true } };
	int r;

	if ((r = ca_table_init(t, cols, 9)) != CA_OK)
		return r;
	return query(reg, "SELECT r.id, r.state, r.subject, p.name, r.role || '@' || r.org,"
		     " r.sponsor, " TIME("r.created") ", coalesce(r.ra_agent, r.closed_by),"
		     " r.closed_reason FROM requests r LEFT JOIN people p ON p.uuid = r.subject"
		     " WHERE r.kind = 'new-card' AND (CAST(?1 AS TEXT) IS NULL OR r.state = ?1)"
		     " AND (?2 = 0 OR r.id = ?2)"
		     " AND (CAST(?3 AS TEXT) IS NULL OR r.sponsor = ?3 OR r.org IN (SELECT v.org"
		     "   FROM positions v JOIN organisations o ON o.ods = v.org"
		     "   WHERE v.person = ?3 AND (o.is_locum = 0 OR ?4 = 1)))"
		     " ORDER BY r.id", p, 4, t);
}
