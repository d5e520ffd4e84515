/*
 * ca/registry-positions.c: organisations (ODS codes), the positions people
 * hold there, and moving a whole organisation to a new ODS code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ra.h"

int
ca_reg_org_add(struct ca_reg *reg, const char *ods, const char *name, int locum)
{
	struct db_stmt *st = NULL;
	int r;

	if (ca_ods_check(ods) != CA_OK || name == NULL || *name == '\0')
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO organisations (ods, name, is_locum)"
			     " VALUES (?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, ods);
	ca_reg_bind_text(st, 2, name);
	db_bind_int64(st, 3, locum ? 1 : 0);
	r = ca_reg_step_done(reg, st, "add organisation");
	ca_reg_done(st);
	return r;
}

int
ca_reg_org_get(struct ca_reg *reg, const char *ods, char **name, int *locum)
{
	struct db_stmt *st = NULL;
	char *n = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT name, is_locum FROM organisations WHERE ods = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, ods);
	switch (db_step(st)) {
	case DB_ROW:
		if (name != NULL && (r = ca_reg_col_dup(st, 0, &n)) != CA_OK)
			break;
		if (locum != NULL)
			*locum = db_col_int(st, 1);
		if (name != NULL)
			*name = n;
		break;
	case DB_DONE:
		r = CA_ERR_NOT_FOUND;
		break;
	default:
		r = ca_reg_fail(reg, "get organisation");
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_position_add(struct ca_reg *reg, const char *uuid, const char *role, const char *ods)
{
	struct db_stmt *st = NULL;
	int r;

	if (ca_role_check(role) != CA_OK)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO positions (person, role, org) VALUES (?, ?, ?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	ca_reg_bind_text(st, 3, ods);
	r = ca_reg_step_done(reg, st, "add position");
	ca_reg_done(st);
	return r;
}

int
ca_reg_position_remove(struct ca_reg *reg, const char *uuid, const char *role,
		       const char *ods)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "DELETE FROM positions WHERE person = ? AND role = ?"
			     " AND org = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	ca_reg_bind_text(st, 3, ods);
	r = ca_reg_step_done(reg, st, "remove position");
	ca_reg_done(st);
	if (r == CA_OK && db_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	return r;
}

int
ca_reg_position_has(struct ca_reg *reg, const char *uuid, const char *role, const char *ods)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT 1 FROM positions WHERE person = ?1"
			     " AND (CAST(?2 AS TEXT) IS NULL OR role = ?2) AND (CAST(?3 AS TEXT) IS NULL OR org = ?3)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	ca_reg_bind_text(st, 3, ods);
	r = ca_reg_step_row(reg, st, "position");
	ca_reg_done(st);
	return r;
}

int
ca_reg_person_orgs(struct ca_reg *reg, const char *uuid, char (*orgs)[CA_ODS_MAX + 1],
		   unsigned max, unsigned *n)
{
	struct db_stmt *st = NULL;
	const char *o;
	unsigned k = 0;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT DISTINCT org FROM positions WHERE person = ?"
			     " ORDER BY id", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	while ((rc = db_step(st)) == DB_ROW) {
		o = db_col_text(st, 0);
		if (k < max && o != NULL && strlen(o) <= CA_ODS_MAX)
			strcpy(orgs[k++], o);
	}
	if (rc != DB_DONE)
		r = ca_reg_fail(reg, "positions of a person");
	else
		*n = k;
	ca_reg_done(st);
	return r;
}

struct moved {
	char *holder, *role;
};

/* The positions at @from, read completely before anything is written. */
static int
positions_at(struct ca_reg *reg, const char *from, struct moved **out, unsigned *n)
{
	struct db_stmt *st = NULL;
	struct moved *v = NULL, *nv;
	unsigned k = 0;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT person, role FROM positions WHERE org = ?"
			     " ORDER BY person, role", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, from);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((nv = reallocarray(v, k + 1, sizeof(*v))) == NULL) {
			r = CA_ERR_ALLOC;
			goto out;
		}
		v = nv;
		memset(&v[k], 0, sizeof(v[k]));
		k++;
		if ((r = ca_reg_col_dup(st, 0, &v[k - 1].holder)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 1, &v[k - 1].role)) != CA_OK)
			goto out;
	}
	if (rc != DB_DONE) {
		r = ca_reg_fail(reg, "positions at an organisation");
		goto out;
	}
	*out = v;
	*n = k;
	v = NULL;
	k = 0;
out:
	while (k-- > 0) {
		free(v[k].holder);
		free(v[k].role);
	}
	free(v);
	ca_reg_done(st);
	return r;
}

/* TACs and open requests follow the organisation. */
static int
move_others(struct ca_reg *reg, const char *from, const char *to)
{
	static const char *const sql[] = {
		"UPDATE tac_pool SET org = ?2 WHERE org = ?1",
		"UPDATE tac_positions SET org = ?2 WHERE org = ?1",
		"UPDATE requests SET org = ?2 WHERE org = ?1 AND state = 'sponsored'",
	};
	struct db_stmt *st = NULL;
	size_t i;
	int r = CA_OK;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && r == CA_OK; i++) {
		if ((r = ca_reg_prep(reg, sql[i], &st)) != CA_OK)
			break;
		ca_reg_bind_text(st, 1, from);
		ca_reg_bind_text(st, 2, to);
		r = ca_reg_step_done(reg, st, "move organisation");
		ca_reg_done(st);
	}
	return r;
}

static int
ensure_org(struct ca_reg *reg, const char *from, const char *to)
{
	char *name = NULL;
	int locum = 0, r;

	if ((r = ca_reg_org_get(reg, to, NULL, NULL)) != CA_ERR_NOT_FOUND)
		return r;
	if ((r = ca_reg_org_get(reg, from, &name, &locum)) == CA_OK)
		r = ca_reg_org_add(reg, to, name, locum);
	free(name);
	return r;
}

int
ca_reg_ods_change(struct ca_reg *reg, const char *from, const char *to,
		  ca_reg_position_cb cb, void *arg, unsigned *moved)
{
	struct moved *v = NULL;
	struct ca_position p;
	unsigned n = 0, i;
	int r;

	if (ca_ods_check(from) != CA_OK || ca_ods_check(to) != CA_OK || strcmp(from, to) == 0)
		return CA_ERR_USAGE;
	if ((r = ca_reg_org_get(reg, from, NULL, NULL)) != CA_OK ||
	    (r = ensure_org(reg, from, to)) != CA_OK ||
	    (r = positions_at(reg, from, &v, &n)) != CA_OK)
		return r;
	/* Domain rule: the new code is added to every holder before the old
	 * one is removed, so nobody is ever without a position. */
	for (i = 0; i < n && r == CA_OK; i++) {
		r = ca_reg_position_add(reg, v[i].holder, v[i].role, to);
		if (r == CA_ERR_EXISTS)
			r = CA_OK;	/* already held at the new code: keep it */
	}
	for (i = 0; i < n && r == CA_OK; i++)
		r = ca_reg_position_remove(reg, v[i].holder, v[i].role, from);
	if (r == CA_OK)
		r = move_others(reg, from, to);
	for (i = 0; i < n && r == CA_OK && cb != NULL; i++) {
		p.holder = v[i].holder;
		p.role = v[i].role;
		p.org = to;
		r = cb(arg, &p);
	}
	if (r == CA_OK)
		*moved = n;
	for (i = 0; i < n; i++) {
		free(v[i].holder);
		free(v[i].role);
	}
	free(v);
	return r;
}
