/*
 * ca/registry/est.c: see registry-est.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-est.h"
#include "ca/registry/registry-int.h"

#define EST_COLS "id, card, holder, old_auth, old_sign, new_auth, new_sign, opened_at"

void
ca_est_rec_clear(struct ca_est_rec *e)
{
	if (e == NULL)
		return;
	free(e->card);
	free(e->holder);
	free(e->old_auth);
	free(e->old_sign);
	free(e->new_auth);
	free(e->new_sign);
	memset(e, 0, sizeof(*e));
}

static int
row_read(struct db_stmt *st, struct ca_est_rec *out)
{
	struct ca_est_rec e = { 0 };
	int r;

	e.id = db_col_int64(st, 0);
	if ((r = ca_reg_col_dup(st, 1, &e.card)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &e.holder)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 3, &e.old_auth)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 4, &e.old_sign)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 5, &e.new_auth)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 6, &e.new_sign)) != CA_OK) {
		ca_est_rec_clear(&e);
		return r;
	}
	e.opened_at = db_col_int64(st, 7);
	*out = e;
	return CA_OK;
}

int
ca_reg_est_open_get(struct ca_reg *reg, const char *card, struct ca_est_rec *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT " EST_COLS " FROM est_renewals"
			     " WHERE card = ? AND state = 'open'", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, card);
	if ((r = ca_reg_step_row(reg, st, "open renewal")) == CA_OK)
		r = row_read(st, out);
	ca_reg_done(st);
	return r;
}

int
ca_reg_est_get(struct ca_reg *reg, int64_t id, struct ca_est_rec *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT " EST_COLS " FROM est_renewals WHERE id = ?",
			     &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = ca_reg_step_row(reg, st, "renewal")) == CA_OK)
		r = row_read(st, out);
	ca_reg_done(st);
	return r;
}

int
ca_reg_est_open(struct ca_reg *reg, const struct ca_est_rec *e, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO est_renewals (card, holder, old_auth, old_sign,"
			     " opened_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, e->card);
	ca_reg_bind_text(st, 2, e->holder);
	ca_reg_bind_text(st, 3, e->old_auth);
	ca_reg_bind_text(st, 4, e->old_sign);
	db_bind_int64(st, 5, e->opened_at);
	r = ca_reg_step_id(reg, st, "open renewal", id);
	ca_reg_done(st);
	return r;
}

int
ca_reg_est_set_new(struct ca_reg *reg, int64_t id, const char *profile, const char *serial)
{
	struct db_stmt *st = NULL;
	bool auth = strcmp(profile, "authentication") == 0;
	int r;

	r = ca_reg_prep(reg, auth ? "UPDATE est_renewals SET new_auth = ? WHERE id = ?"
			" AND state = 'open'" : "UPDATE est_renewals SET new_sign = ?"
			" WHERE id = ? AND state = 'open'", &st);
	if (r != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	db_bind_int64(st, 2, id);
	if ((r = ca_reg_step_done(reg, st, "renewal certificate")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_STATE;
	ca_reg_done(st);
	return r;
}

int
ca_reg_est_close(struct ca_reg *reg, int64_t id, const char *state, int64_t when)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE est_renewals SET state = ?, closed_at = ?"
			     " WHERE id = ? AND state = 'open'", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, state);
	db_bind_int64(st, 2, when);
	db_bind_int64(st, 3, id);
	if ((r = ca_reg_step_done(reg, st, "close renewal")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_STATE;
	ca_reg_done(st);
	return r;
}

int
ca_reg_est_stale(struct ca_reg *reg, int64_t before, int64_t *ids, size_t max, size_t *n)
{
	struct db_stmt *st = NULL;
	int r, s;

	*n = 0;
	if ((r = ca_reg_prep(reg, "SELECT id FROM est_renewals WHERE state = 'open'"
			     " AND opened_at < ? ORDER BY id LIMIT ?", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, before);
	db_bind_int64(st, 2, (int64_t)max);
	while ((s = db_step(st)) == DB_ROW)
		ids[(*n)++] = db_col_int64(st, 0);
	if (s != DB_DONE)
		r = ca_reg_fail(reg, "stale renewals");
	ca_reg_done(st);
	return r;
}

int
ca_reg_service_cert_add(struct ca_reg *reg, const char *serial, const char *issuer,
			const char *names, int64_t not_before, int64_t not_after,
			const unsigned char *der, size_t derlen)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO service_certs (serial, issuer, names, not_before,"
			     " not_after, der) VALUES (?, ?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	ca_reg_bind_text(st, 2, issuer);
	ca_reg_bind_text(st, 3, names);
	db_bind_int64(st, 4, not_before);
	db_bind_int64(st, 5, not_after);
	db_bind_blob(st, 6, der, derlen);
	r = ca_reg_step_done(reg, st, "service certificate");
	ca_reg_done(st);
	return r;
}
