/*
 * ca/registry-cards.c: see registry-cards.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-int.h"
#include "common/log.h"

void
ca_card_rec_clear(struct ca_card_rec *c)
{
	if (c == NULL)
		return;
	free(c->serial);
	free(c->state);
	free(c->holder);
	memset(c, 0, sizeof(*c));
}

void
ca_card_op_clear(struct ca_card_op *o)
{
	if (o == NULL)
		return;
	free(o->card);
	free(o->op);
	free(o->holder);
	free(o->state);
	free(o->details);
	memset(o, 0, sizeof(*o));
}

int
ca_reg_card_get(struct ca_reg *reg, const char *serial, struct ca_card_rec *out)
{
	struct ca_card_rec c = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT serial, state, holder, is_tac, issued_at, renewals,"
			     " self_renewals FROM cards WHERE serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "get card")) != CA_OK)
		goto out;
	if ((r = ca_reg_col_dup(st, 0, &c.serial)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 1, &c.state)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &c.holder)) != CA_OK)
		goto out;
	c.is_tac = db_col_int(st, 3);
	c.issued_at = db_col_int64(st, 4);
	c.renewals = db_col_int(st, 5);
	c.self_renewals = db_col_int(st, 6);
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ca_card_rec_clear(&c);
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_put(struct ca_reg *reg, const struct ca_card_rec *c)
{
	struct db_stmt *st = NULL;
	int r;

	if (c->serial == NULL || strlen(c->serial) < 2 || c->state == NULL)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO cards (serial, series, state, is_tac, holder,"
			     " issued_at, renewals, self_renewals)"
			     " VALUES (?1, substr(?1, 1, 2), ?2, ?3, ?4, ?5, ?6, ?7)"
			     " ON CONFLICT (serial) DO UPDATE SET state = ?2, is_tac = ?3,"
			     " holder = ?4, issued_at = ?5, renewals = ?6, self_renewals = ?7",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, c->serial);
	ca_reg_bind_text(st, 2, c->state);
	db_bind_int64(st, 3, c->is_tac ? 1 : 0);
	ca_reg_bind_text(st, 4, c->holder);
	if (c->issued_at != 0)
		db_bind_int64(st, 5, c->issued_at);
	else
		db_bind_null(st, 5);
	db_bind_int64(st, 6, c->renewals);
	db_bind_int64(st, 7, c->self_renewals);
	r = ca_reg_step_done(reg, st, "put card");
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_ensure(struct ca_reg *reg, const char *serial)
{
	struct db_stmt *st = NULL;
	int r;

	if (serial == NULL || strlen(serial) < 2)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO cards (serial, series, state)"
			     " VALUES (?1, substr(?1, 1, 2), 'blank') ON CONFLICT (serial) DO NOTHING",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	r = ca_reg_step_done(reg, st, "card");
	ca_reg_done(st);
	return r;
}

int
ca_reg_cards_any_issued(struct ca_reg *reg, bool *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT EXISTS (SELECT 1 FROM cards WHERE issued_at IS NOT NULL)"
			     " OR EXISTS (SELECT 1 FROM certificates WHERE card IS NOT NULL"
			     " AND der IS NOT NULL)",
			     &st)) != CA_OK)
		return r;
	if ((r = ca_reg_step_row(reg, st, "cards issued")) == CA_OK)
		*out = db_col_int(st, 0) != 0;
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_certs(struct ca_reg *reg, const char *serial, struct ca_cert_rec *out,
		  size_t max, size_t *n)
{
	struct db_stmt *st = NULL;
	char **serials = NULL;
	size_t i, k = 0;
	int r, rc;

	/* Callers pass uninitialised arrays: the error path clears all of it. */
	memset(out, 0, max * sizeof(*out));
	if ((serials = calloc(max, sizeof(*serials))) == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_reg_prep(reg, "SELECT serial FROM certificates WHERE card = ?"
			     " AND status = 'valid' ORDER BY not_before DESC, rowid DESC",
			     &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, serial);
	while (k < max && (rc = db_step(st)) == DB_ROW)
		if ((r = ca_reg_col_dup(st, 0, &serials[k++])) != CA_OK)
			goto out;
	ca_reg_done(st);
	st = NULL;
	/* Read the full rows after the walk: the statement cache holds one
	 * cursor per SQL text. */
	for (i = 0; i < k; i++)
		if ((r = ca_reg_cert_get(reg, serials[i], &out[i])) != CA_OK)
			goto out;
	*n = k;
	r = CA_OK;
out:
	if (r != CA_OK)
		for (i = 0; i < k && i < max; i++)
			ca_cert_rec_clear(&out[i]);
	for (i = 0; i < max; i++)
		free(serials[i]);
	free(serials);
	ca_reg_done(st);
	return r;
}

int
ca_reg_holder_card(struct ca_reg *reg, const char *holder, char **serial)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT serial FROM cards WHERE holder = ?"
			     " AND state <> 'cancelled' ORDER BY issued_at DESC LIMIT 1",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, holder);
	if ((r = ca_reg_step_row(reg, st, "holder card")) == CA_OK)
		r = ca_reg_col_dup(st, 0, serial);
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_last_holder(struct ca_reg *reg, const char *serial, char **holder)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT holder FROM certificates WHERE card = ?"
			     " ORDER BY not_before DESC, rowid DESC LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "last holder")) == CA_OK)
		r = ca_reg_col_dup(st, 0, holder);
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_op_open(struct ca_reg *reg, const char *card, struct ca_card_op *out)
{
	struct ca_card_op o = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT id, card, op, holder, state, details FROM card_ops"
			     " WHERE card = ? AND state IN ('pending', 'committed')",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, card);
	if ((r = ca_reg_step_row(reg, st, "open card operation")) != CA_OK)
		goto out;
	o.id = db_col_int64(st, 0);
	if ((r = ca_reg_col_dup(st, 1, &o.card)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &o.op)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 3, &o.holder)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 4, &o.state)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 5, &o.details)) != CA_OK)
		goto out;
	*out = o;
	memset(&o, 0, sizeof(o));
out:
	ca_card_op_clear(&o);
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_op_start(struct ca_reg *reg, const char *card, const char *op,
		     const char *holder, const char *operator_uuid, const char *details,
		     int64_t now, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	if ((r = ca_reg_prep(reg, "INSERT INTO card_ops (card, op, holder, operator, started,"
			     " details) VALUES (?, ?, ?, ?, ?, ?) RETURNING id", &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, card);
	ca_reg_bind_text(st, 2, op);
	ca_reg_bind_text(st, 3, holder);
	ca_reg_bind_text(st, 4, operator_uuid);
	db_bind_int64(st, 5, now);
	ca_reg_bind_text(st, 6, details);
	if ((r = ca_reg_step_id(reg, st, "start card operation", id)) != CA_OK)
		goto out;
	r = ca_reg_commit(reg);
out:
	ca_reg_done(st);
	if (r != CA_OK)
		ca_reg_rollback(reg);
	return r;
}

int
ca_reg_card_op_set(struct ca_reg *reg, int64_t id, const char *state, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE card_ops SET state = ?, finished = ? WHERE id = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, state);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, id);
	if ((r = ca_reg_step_done(reg, st, "card operation state")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	ca_reg_done(st);
	return r;
}

int
ca_reg_operator_position(struct ca_reg *reg, const char *uuid, const char *org,
		    struct ca_op_position *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT p.role, p.org, o.is_locum FROM positions p"
			     " JOIN organisations o ON o.ods = p.org"
			     " WHERE p.person = ?1 AND (CAST(?2 AS TEXT) IS NULL OR p.org = ?2)"
			     " ORDER BY p.id LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, org);
	if ((r = ca_reg_step_row(reg, st, "position")) == CA_OK) {
		snprintf(out->role, sizeof(out->role), "%s", db_col_text(st, 0));
		snprintf(out->org, sizeof(out->org), "%s", db_col_text(st, 1));
		out->locum = db_col_int(st, 2) != 0;
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_holder_orgs(struct ca_reg *reg, const char *uuid, char (*orgs)[16], size_t max,
		   size_t *n)
{
	struct db_stmt *st = NULL;
	size_t k = 0;
	int r, rc;

	if ((r = ca_reg_prep(reg, "SELECT DISTINCT org FROM positions WHERE person = ?"
			     " ORDER BY org", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	while ((rc = db_step(st)) == DB_ROW && k < max)
		snprintf(orgs[k++], 16, "%s", db_col_text(st, 0));
	if (rc != DB_DONE && rc != DB_ROW)
		r = ca_reg_fail(reg, "person organisations");
	else
		*n = k;
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_request(struct ca_reg *reg, const char *holder, char **sponsor, char **ra_agent,
		    bool *verified)
{
	struct db_stmt *st = NULL;
	char *sp = NULL, *ag = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT sponsor, ra_agent, state = 'verified' FROM requests"
			     " WHERE subject = ? AND sponsor IS NOT NULL AND state <> 'rejected'"
			     " ORDER BY id DESC LIMIT 1",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, holder);
	if ((r = ca_reg_step_row(reg, st, "request")) != CA_OK ||
	    (r = ca_reg_col_dup(st, 0, &sp)) != CA_OK || (r = ca_reg_col_dup(st, 1, &ag)) != CA_OK)
		goto out;
	*verified = db_col_int(st, 2) != 0;
	*sponsor = sp;
	*ra_agent = ag;
	sp = ag = NULL;
out:
	free(sp);
	free(ag);
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_tac_org(struct ca_reg *reg, const char *serial, char org[16])
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT org FROM tac_pool WHERE serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "TAC pool")) == CA_OK)
		snprintf(org, 16, "%s", db_col_text(st, 0));
	ca_reg_done(st);
	return r;
}
