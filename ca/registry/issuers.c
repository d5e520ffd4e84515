/*
 * ca/registry/issuers.c: see registry-issuers.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-issuers.h"

void
ca_issuer_rec_clear(struct ca_issuer_rec *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->role);
	free(r->key_label);
	free(r->der);
	memset(r, 0, sizeof(*r));
}

static int
row_read(struct db_stmt *st, struct ca_issuer_rec *out)
{
	struct ca_issuer_rec r = { 0 };
	const void *der = db_col_blob(st, 5);
	int e;

	r.generation = (int)db_col_int64(st, 2);
	r.created = db_col_int64(st, 4);
	r.derlen = db_col_bytes(st, 5);
	if ((e = ca_reg_col_dup(st, 0, &r.name)) != CA_OK ||
	    (e = ca_reg_col_dup(st, 1, &r.role)) != CA_OK ||
	    (e = ca_reg_col_dup(st, 3, &r.key_label)) != CA_OK)
		goto fail;
	e = CA_ERR_ALLOC;
	if (der == NULL || r.derlen == 0 || (r.der = malloc(r.derlen)) == NULL)
		goto fail;
	memcpy(r.der, der, r.derlen);
	*out = r;
	return CA_OK;
fail:
	ca_issuer_rec_clear(&r);
	return e;
}

int
ca_reg_issuer_get(struct ca_reg *reg, const char *role, int gen, struct ca_issuer_rec *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT name, role, generation, key_label, created, der"
			     " FROM ca_issuers WHERE role = ? AND (? = 0 OR generation = ?)"
			     " ORDER BY generation DESC LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, role);
	db_bind_int64(st, 2, gen);
	db_bind_int64(st, 3, gen);
	if ((r = ca_reg_step_row(reg, st, "issuing CA")) == CA_OK)
		r = row_read(st, out);
	ca_reg_done(st);
	return r;
}

int
ca_reg_issuer_add(struct ca_reg *reg, const struct ca_issuer_rec *rec)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO ca_issuers (name, role, generation, key_label,"
			     " created, der) VALUES (?, ?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, rec->name);
	ca_reg_bind_text(st, 2, rec->role);
	db_bind_int64(st, 3, rec->generation);
	ca_reg_bind_text(st, 4, rec->key_label);
	db_bind_int64(st, 5, rec->created);
	db_bind_blob(st, 6, rec->der, rec->derlen);
	r = ca_reg_step_done(reg, st, "add issuing CA");
	ca_reg_done(st);
	return r;
}

int
ca_reg_issuer_last_expiry(struct ca_reg *reg, const char *name, int64_t *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT max(t) FROM (SELECT max(not_after) AS t"
			     " FROM certificates WHERE issuer = ? UNION ALL"
			     " SELECT max(not_after) AS t FROM service_certs WHERE issuer = ?) x",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, name);
	ca_reg_bind_text(st, 2, name);
	if ((r = ca_reg_step_row(reg, st, "issuer's last expiry")) == CA_OK)
		*out = db_col_null(st, 0) ? 0 : db_col_int64(st, 0);
	ca_reg_done(st);
	return r;
}
