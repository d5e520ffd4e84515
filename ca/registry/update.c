/*
 * ca/registry/update.c: see registry-update.h.
 */
#include "config.h"

#include <stdlib.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ra.h"
#include "ca/registry/registry-update.h"

/* Bind a change: NULL keeps (?n IS NULL), "" clears. */
static void
bind_change(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(st, i);
	else
		ca_reg_bind_text(st, i, v);
}

int
ca_reg_person_update(struct ca_reg *reg, const char *uuid, const struct ca_person_change *c)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE people SET name = coalesce(?2, name),"
			     " email = CASE WHEN CAST(?3 AS TEXT) IS NULL THEN email ELSE nullif(?3, '') END,"
			     " mobile = CASE WHEN CAST(?4 AS TEXT) IS NULL THEN mobile ELSE nullif(?4, '') END"
			     " WHERE uuid = ?1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	bind_change(st, 2, c->name);
	bind_change(st, 3, c->email);
	bind_change(st, 4, c->mobile);
	if ((r = ca_reg_step_done(reg, st, "update person")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_remove(struct ca_reg *reg, const char *uuid, const char *role)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "DELETE FROM ra_roles WHERE person = ? AND role = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	if ((r = ca_reg_step_done(reg, st, "remove RA role")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_count(struct ca_reg *reg, const char *role, int64_t *n)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT count(*) FROM ra_roles WHERE role = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, role);
	if ((r = ca_reg_step_row(reg, st, "count RA role")) == CA_OK)
		*n = db_col_int64(st, 0);
	ca_reg_done(st);
	return r;
}

int
ca_reg_person_has_card(struct ca_reg *reg, const char *uuid, bool *yes)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT EXISTS (SELECT 1 FROM cards WHERE holder = ?"
			     " AND is_tac = 0 AND state NOT IN ('blank', 'cancelled'))",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	if ((r = ca_reg_step_row(reg, st, "has card")) == CA_OK)
		*yes = db_col_int(st, 0) != 0;
	ca_reg_done(st);
	return r;
}

int
ca_reg_request_reject(struct ca_reg *reg, int64_t id, const char *by, const char *reason,
		      int64_t when)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE requests SET state = 'rejected', closed_by = ?,"
			     " closed_reason = ?, closed = ?"
			     " WHERE id = ? AND kind = 'new-card' AND state = 'sponsored'",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, by);
	ca_reg_bind_text(st, 2, reason);
	db_bind_int64(st, 3, when);
	db_bind_int64(st, 4, id);
	r = ca_reg_step_done(reg, st, "reject request");
	ca_reg_done(st);
	if (r == CA_OK && db_changes(reg->db) != 1) {
		struct ca_request rq = { 0 };

		r = ca_reg_request_get(reg, id, &rq);
		ca_request_clear(&rq);
		if (r == CA_OK)
			r = CA_ERR_STATE;
	}
	return r;
}
