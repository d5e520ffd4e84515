/*
 * ca/registry/terms.c: see registry-terms.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-terms.h"

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

int
ca_reg_terms_get(struct ca_reg *reg, const char *person, const char *version,
		 struct ca_terms_acceptance *out)
{
	struct db_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ca_reg_prep(reg, "SELECT version, accepted_at, card, certificate"
			     " FROM terms_acceptances WHERE person = ? AND version = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, person);
	ca_reg_bind_text(st, 2, version);
	if ((r = ca_reg_step_row(reg, st, "read a terms acceptance")) == CA_OK) {
		copy(out->version, sizeof(out->version), db_col_text(st, 0));
		out->accepted_at = db_col_int64(st, 1);
		copy(out->card, sizeof(out->card), db_col_text(st, 2));
		copy(out->certificate, sizeof(out->certificate), db_col_text(st, 3));
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_terms_add(struct ca_reg *reg, const char *person, const struct ca_terms_acceptance *a)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO terms_acceptances (person, version, accepted_at,"
			     " card, certificate) VALUES (?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, person);
	ca_reg_bind_text(st, 2, a->version);
	db_bind_int64(st, 3, a->accepted_at);
	ca_reg_bind_text(st, 4, a->card);
	ca_reg_bind_text(st, 5, a->certificate);
	r = ca_reg_step_done(reg, st, "record a terms acceptance");
	ca_reg_done(st);
	return r;
}
