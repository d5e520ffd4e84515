/*
 * ca/registry-tac.c: the Temporary Access Card pool — which blank cards an
 * organisation keeps, who is their custodian, the positions they carry —
 * and the custodian's record of each use. Activating and restoring the
 * card itself is the card operations' work (cards.state / cards.holder).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ra.h"
#include "ca/ra/report.h"

void
ca_tac_clear(struct ca_tac *t)
{
	if (t == NULL)
		return;
	free(t->serial);
	free(t->org);
	free(t->custodian);
	free(t->positions);
	free(t->state);
	free(t->holder);
	memset(t, 0, sizeof(*t));
}

/* The card row: create it as a blank TAC, or accept an existing blank TAC. */
static int
tac_card(struct ca_reg *reg, const char *serial)
{
	struct db_stmt *st = NULL;
	int r, rc;

	if ((r = ca_reg_prep(reg, "SELECT is_tac, state, holder IS NULL FROM cards"
			     " WHERE serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	rc = db_step(st);
	if (rc == DB_ROW)
		r = db_col_int(st, 0) == 1 && db_col_int(st, 2) == 1 &&
			strcmp(db_col_text(st, 1), "blank") == 0
			? CA_OK : CA_ERR_STATE;
	else if (rc != DB_DONE)
		r = ca_reg_fail(reg, "TAC card");
	ca_reg_done(st);
	if (rc == DB_DONE)
		r = ca_reg_card_add(reg, serial, 1, NULL);
	return r;
}

int
ca_reg_tac_add(struct ca_reg *reg, const char *serial, const char *org,
	       const char *custodian, const char *const *roles, unsigned n, int64_t when)
{
	struct db_stmt *st = NULL;
	unsigned i;
	int r;

	if (n == 0 || serial == NULL || strspn(serial, "0123456789") != strlen(serial))
		return CA_ERR_USAGE;
	if ((r = tac_card(reg, serial)) != CA_OK ||
	    (r = ca_reg_prep(reg, "INSERT INTO tac_pool (serial, org, custodian, added)"
			     " VALUES (?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	ca_reg_bind_text(st, 2, org);
	ca_reg_bind_text(st, 3, custodian);
	db_bind_int64(st, 4, when);
	r = ca_reg_step_done(reg, st, "add TAC");
	ca_reg_done(st);
	for (i = 0; i < n && r == CA_OK; i++) {
		if (ca_role_check(roles[i]) != CA_OK)
			return CA_ERR_USAGE;
		if ((r = ca_reg_prep(reg, "INSERT INTO tac_positions (serial, role, org)"
				     " VALUES (?, ?, ?)", &st)) != CA_OK)
			return r;
		ca_reg_bind_text(st, 1, serial);
		ca_reg_bind_text(st, 2, roles[i]);
		ca_reg_bind_text(st, 3, org);
		r = ca_reg_step_done(reg, st, "add TAC position");
		ca_reg_done(st);
	}
	return r;
}

/* One SELECT serves both the single lookup and the pool listing. */
#define TAC_SELECT \
	"SELECT t.serial, t.org, t.custodian," \
	" (SELECT group_concat(role || '@' || org, ',') FROM" \
	"   (SELECT role, org FROM tac_positions p WHERE p.serial = t.serial ORDER BY role) AS o)," \
	" c.state, c.holder," \
	" (SELECT count(*) FROM tac_uses u WHERE u.serial = t.serial)" \
	" FROM tac_pool t JOIN cards c ON c.serial = t.serial"

static int
tac_row(struct db_stmt *st, struct ca_tac *t)
{
	int r;

	if ((r = ca_reg_col_dup(st, 0, &t->serial)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 1, &t->org)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &t->custodian)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 3, &t->positions)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 4, &t->state)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 5, &t->holder)) != CA_OK)
		return r;
	return CA_OK;
}

int
ca_reg_tac_get(struct ca_reg *reg, const char *serial, struct ca_tac *out)
{
	struct ca_tac t = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, TAC_SELECT " WHERE t.serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "get TAC")) == CA_OK &&
	    (r = tac_row(st, &t)) == CA_OK) {
		*out = t;
		memset(&t, 0, sizeof(t));
	}
	ca_tac_clear(&t);
	ca_reg_done(st);
	return r;
}

int
ca_reg_tac_table(struct ca_reg *reg, const char *within, bool locum, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "serial", CA_COL_TEXT }, { "ods", CA_COL_TEXT },
		{ "custodian", CA_COL_TEXT }, { "positions", CA_COL_TEXT },
		{ "state", CA_COL_TEXT }, { "holder", CA_COL_TEXT }, { "uses", CA_COL_NUM },
	};
	int r;

	if ((r = ca_table_init(t, cols, 7)) != CA_OK)
		return r;
	return ca_reg_scoped_table(reg, TAC_SELECT " WHERE " CA_REG_ORG_WITHIN("t.org", "?1", "?2")
				   " ORDER BY t.org, t.serial", NULL, 0, within, locum, "TAC pool", t);
}

int
ca_reg_tac_uses_table(struct ca_reg *reg, const char *within, bool locum,
		      struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "id", CA_COL_NUM }, { "time", CA_COL_TEXT }, { "serial", CA_COL_TEXT },
		{ "ods", CA_COL_TEXT }, { "holder", CA_COL_TEXT }, { "name", CA_COL_TEXT },
		{ "custodian", CA_COL_TEXT }, { "note", CA_COL_TEXT },
	};
	int r;

	if ((r = ca_table_init(t, cols, 8)) != CA_OK)
		return r;
	return ca_reg_scoped_table(reg, "SELECT u.id, strftime('%Y-%m-%dT%H:%M:%SZ', u.time,"
				   " 'unixepoch'), u.serial, t.org, u.holder, p.name, u.custodian,"
				   " u.note FROM tac_uses u JOIN tac_pool t ON t.serial = u.serial"
				   " LEFT JOIN people p ON p.uuid = u.holder"
				   " WHERE " CA_REG_ORG_WITHIN("t.org", "?1", "?2")
				   " ORDER BY u.id DESC", NULL, 0, within, locum, "TAC usage ledger", t);
}

int
ca_reg_tac_use_add(struct ca_reg *reg, const char *serial, const char *holder,
		   const char *custodian, const char *note, int64_t when)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO tac_uses (serial, holder, custodian, time, note)"
			     " VALUES (?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	ca_reg_bind_text(st, 2, holder);
	ca_reg_bind_text(st, 3, custodian);
	db_bind_int64(st, 4, when);
	ca_reg_bind_text(st, 5, note);
	r = ca_reg_step_done(reg, st, "record TAC use");
	ca_reg_done(st);
	return r;
}
