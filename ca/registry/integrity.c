/*
 * ca/registry/integrity.c: the records issue 16 added — certificates
 * recorded pending before they are signed, the certificates against the
 * audit log, and signed audit checkpoints. See registry.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "common/log.h"

int
ca_reg_cert_pending_add(struct ca_reg *reg, const struct ca_cert_pending *p)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO certificates (serial, card, holder, profile,"
			     " issuer, not_before, not_after, status, card_op, pending_since,"
			     " audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, p->serial);
	ca_reg_bind_text(st, 2, p->card);
	ca_reg_bind_text(st, 3, p->holder);
	ca_reg_bind_text(st, 4, p->profile);
	ca_reg_bind_text(st, 5, p->issuer);
	db_bind_int64(st, 6, p->not_before);
	db_bind_int64(st, 7, p->not_after);
	if (p->card_op > 0)
		db_bind_int64(st, 8, p->card_op);
	db_bind_int64(st, 9, p->since);
	if (p->audit_seq > 0)
		db_bind_int64(st, 10, p->audit_seq);
	r = ca_reg_step_done(reg, st, "record pending certificate");
	ca_reg_done(st);
	return r;
}

int
ca_reg_cert_activate(struct ca_reg *reg, const char *serial, const unsigned char *der,
		     size_t derlen, int renewal_count, int self_renewals, int64_t audit_seq)
{
	struct ca_cert_rec c = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if (der == NULL || derlen == 0 || derlen > INT32_MAX)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "UPDATE certificates SET status = 'valid', der = ?,"
			     " renewal_count = ?, self_renewals = ?, audit_seq = ?"
			     " WHERE serial = ? AND status = 'pending'", &st)) != CA_OK)
		return r;
	db_bind_blob(st, 1, der, derlen);
	db_bind_int64(st, 2, renewal_count);
	db_bind_int64(st, 3, self_renewals);
	if (audit_seq > 0)
		db_bind_int64(st, 4, audit_seq);
	ca_reg_bind_text(st, 5, serial);
	r = ca_reg_step_done(reg, st, "activate certificate");
	ca_reg_done(st);
	if (r != CA_OK || db_changes(reg->db) == 1)
		return r;
	/* Not pending: unknown, or abandoned (revoked) while it was being signed. */
	if ((r = ca_reg_cert_get(reg, serial, &c)) == CA_OK) {
		util_log(LOG_ERR, "certificate %s is no longer pending (%s): not activated",
			 serial, c.status == CA_CERT_REVOKED ? "revoked as abandoned" : "valid");
		r = CA_ERR_STATE;
	}
	ca_cert_rec_clear(&c);
	return r;
}

void
ca_reg_serials_free(char **serials, size_t n)
{
	size_t i;

	if (serials == NULL)
		return;
	for (i = 0; i < n; i++)
		free(serials[i]);
	free(serials);
}

int
ca_reg_cert_pending_list(struct ca_reg *reg, const struct ca_pending_sel *sel, char ***serials,
			 size_t *n)
{
	struct db_stmt *st = NULL;
	char **v = NULL, **nv;
	size_t k = 0, cap = 0;
	int rc, r;

	/* Served by the partial index certificates_pending: pending rows are few. */
	if ((r = ca_reg_prep(reg, "SELECT serial FROM certificates WHERE status = 'pending'"
			     " AND (CAST(?1 AS BIGINT) IS NULL OR card_op = ?1)"
			     " AND (CAST(?2 AS TEXT) IS NULL OR card = ?2)"
			     " AND (CAST(?3 AS BIGINT) IS NULL OR card_op IS NULL OR card_op <> ?3)"
			     " AND (CAST(?4 AS BIGINT) IS NULL OR pending_since < ?4)"
			     " ORDER BY pending_since, serial", &st)) != CA_OK)
		return r;
	if (sel->card_op > 0)
		db_bind_int64(st, 1, sel->card_op);
	ca_reg_bind_text(st, 2, sel->card);
	if (sel->except_op > 0)
		db_bind_int64(st, 3, sel->except_op);
	if (sel->before > 0)
		db_bind_int64(st, 4, sel->before);
	while ((rc = db_step(st)) == DB_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = CA_ERR_ALLOC;
				goto out;
			}
			v = nv;
		}
		if ((r = ca_reg_col_dup(st, 0, &v[k])) != CA_OK)
			goto out;
		k++;
	}
	if (rc != DB_DONE) {
		r = ca_reg_fail(reg, "pending certificates");
		goto out;
	}
	*serials = v;
	*n = k;
	v = NULL;
	k = 0;
	r = CA_OK;
out:
	ca_reg_serials_free(v, k);
	ca_reg_done(st);
	return r;
}

/* NULL columns read as "". */
static const char *
text_or_empty(struct db_stmt *st, int i)
{
	const char *t = db_col_text(st, i);

	return t != NULL ? t : "";
}

int
ca_reg_cert_audit_foreach(struct ca_reg *reg, ca_reg_cert_audit_cb cb, void *arg)
{
	struct ca_cert_audit_row row;
	struct db_stmt *st = NULL;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT c.serial, c.audit_seq, a.id, a.subject, a.details"
			     " FROM certificates c LEFT JOIN audit a ON a.id = c.audit_seq",
			     &st)) != CA_OK)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		row.serial = text_or_empty(st, 0);
		row.audit_seq = db_col_int64(st, 1);
		row.have_entry = !db_col_null(st, 2);
		row.subject = text_or_empty(st, 3);
		row.details = text_or_empty(st, 4);
		if ((r = cb(arg, &row)) != 0)
			goto out;
	}
	r = rc == DB_DONE ? CA_OK : ca_reg_fail(reg, "certificates and their entries");
out:
	ca_reg_done(st);
	return r;
}

int
ca_reg_audit_hash_at(struct ca_reg *reg, int64_t id, char hash[65])
{
	struct db_stmt *st = NULL;
	const char *h;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT hash FROM audit WHERE id = ?", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = ca_reg_step_row(reg, st, "audit entry")) == CA_OK) {
		h = db_col_text(st, 0);
		if (h == NULL || strlen(h) != 64)
			r = CA_ERR_AUDIT;
		else
			memcpy(hash, h, 65);
	}
	ca_reg_done(st);
	return r;
}

void
ca_checkpoint_row_clear(struct ca_checkpoint_row *c)
{
	if (c == NULL)
		return;
	free(c->der);
	memset(c, 0, sizeof(*c));
}

int
ca_reg_checkpoint_add(struct ca_reg *reg, const struct ca_checkpoint_row *c)
{
	struct db_stmt *st = NULL;
	int r;

	if (c->derlen == 0 || c->derlen > INT32_MAX)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO audit_checkpoints (seq, hash, time, reason, signed)"
			     " VALUES (?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, c->seq);
	ca_reg_bind_text(st, 2, c->hash);
	db_bind_int64(st, 3, c->time);
	ca_reg_bind_text(st, 4, c->reason);
	db_bind_blob(st, 5, c->der, c->derlen);
	r = ca_reg_step_done(reg, st, "audit checkpoint");
	ca_reg_done(st);
	return r;
}

int
ca_reg_checkpoint_newest(struct ca_reg *reg, struct ca_checkpoint_row *out)
{
	struct ca_checkpoint_row c;
	struct db_stmt *st = NULL;
	const void *der;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = ca_reg_prep(reg, "SELECT seq, hash, time, reason, signed FROM audit_checkpoints"
			     " ORDER BY seq DESC, id DESC LIMIT 1", &st)) != CA_OK)
		return r;
	if ((r = ca_reg_step_row(reg, st, "newest audit checkpoint")) != CA_OK)
		goto out;
	c.seq = db_col_int64(st, 0);
	snprintf(c.hash, sizeof(c.hash), "%s", text_or_empty(st, 1));
	c.time = db_col_int64(st, 2);
	snprintf(c.reason, sizeof(c.reason), "%s", text_or_empty(st, 3));
	der = db_col_blob(st, 4);
	c.derlen = (size_t)db_col_bytes(st, 4);
	if (der == NULL || c.derlen == 0) {
		r = CA_ERR_AUDIT;
		goto out;
	}
	if ((c.der = malloc(c.derlen)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	memcpy(c.der, der, c.derlen);
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ca_checkpoint_row_clear(&c);
	ca_reg_done(st);
	return r;
}
