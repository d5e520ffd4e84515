/*
 * ca/registry-records.c: certificate records, the revoked-certificate
 * stream for CRLs, and audit rows (the hash chain itself is audit.c's).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "common/log.h"

void
ca_cert_rec_clear(struct ca_cert_rec *c)
{
	if (c == NULL)
		return;
	free(c->serial);
	free(c->card);
	free(c->holder);
	free(c->profile);
	free(c->issuer);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

int
ca_reg_cert_add(struct ca_reg *reg, const struct ca_cert_rec *c)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO certificates (serial, card, holder, profile,"
			     " issuer, not_before, not_after, renewal_count, self_renewals, der,"
			     " card_op, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, c->serial);
	ca_reg_bind_text(st, 2, c->card);
	ca_reg_bind_text(st, 3, c->holder);
	ca_reg_bind_text(st, 4, c->profile);
	ca_reg_bind_text(st, 5, c->issuer);
	db_bind_int64(st, 6, c->not_before);
	db_bind_int64(st, 7, c->not_after);
	db_bind_int64(st, 8, c->renewal_count);
	db_bind_int64(st, 9, c->self_renewals);
	db_bind_blob(st, 10, c->der, c->derlen);
	if (c->card_op > 0)
		db_bind_int64(st, 11, c->card_op);
	if (c->audit_seq > 0)
		db_bind_int64(st, 12, c->audit_seq);
	r = ca_reg_step_done(reg, st, "add certificate");
	ca_reg_done(st);
	return r;
}

static int
cert_row(struct db_stmt *st, struct ca_cert_rec *c)
{
	const char *status;
	const void *der;
	int r;

	if ((r = ca_reg_col_dup(st, 0, &c->serial)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 1, &c->card)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &c->holder)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 3, &c->profile)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 4, &c->issuer)) != CA_OK)
		return r;
	c->not_before = db_col_int64(st, 5);
	c->not_after = db_col_int64(st, 6);
	c->renewal_count = db_col_int(st, 7);
	c->self_renewals = db_col_int(st, 8);
	status = db_col_text(st, 9);
	/* Only 'valid' is valid: anything else never counts as issued. */
	c->status = status != NULL && strcmp(status, "valid") == 0 ? CA_CERT_VALID
		: status != NULL && strcmp(status, "revoked") == 0 ? CA_CERT_REVOKED
		: CA_CERT_PENDING;
	c->reason = db_col_int(st, 10);
	if (c->status == CA_CERT_REVOKED && c->reason == CA_REG_REASON_HOLD)
		c->status = CA_CERT_HELD;
	c->revoked_at = db_col_int64(st, 11);
	c->card_op = db_col_int64(st, 13);
	c->pending_since = db_col_int64(st, 14);
	c->audit_seq = db_col_int64(st, 15);
	der = db_col_blob(st, 12);
	c->derlen = (size_t)db_col_bytes(st, 12);
	if (der != NULL && c->derlen > 0) {
		if ((c->der = malloc(c->derlen)) == NULL)
			return CA_ERR_ALLOC;
		memcpy(c->der, der, c->derlen);
	}
	return CA_OK;
}

int
ca_reg_cert_get(struct ca_reg *reg, const char *serial, struct ca_cert_rec *out)
{
	struct ca_cert_rec c = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT serial, card, holder, profile, issuer, not_before,"
			     " not_after, renewal_count, self_renewals, status,"
			     " revocation_reason, revocation_time, der, card_op, pending_since,"
			     " audit_seq FROM certificates WHERE serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "get certificate")) == CA_OK &&
	    (r = cert_row(st, &c)) == CA_OK) {
		*out = c;
		memset(&c, 0, sizeof(c));
	}
	ca_cert_rec_clear(&c);
	ca_reg_done(st);
	return r;
}

int
ca_reg_cert_revoke(struct ca_reg *reg, const char *serial, int reason, int64_t when)
{
	struct ca_cert_rec c = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_cert_get(reg, serial, &c)) != CA_OK)
		return r;
	r = CA_ERR_STATE;
	/* A hold ends in a release or a revocation for good (RFC 5280 5.3.1). */
	if (c.status == CA_CERT_REVOKED ||
	    (c.status == CA_CERT_HELD && reason == CA_REG_REASON_HOLD) ||
	    (c.status == CA_CERT_PENDING && reason == CA_REG_REASON_HOLD))
		goto out;
	if ((r = ca_reg_prep(reg, "UPDATE certificates SET status = 'revoked',"
			     " revocation_reason = ?, revocation_time = ?"
			     " WHERE serial = ? AND (status IN ('valid', 'pending') OR"
			     " (status = 'revoked' AND revocation_reason = 6))", &st)) != CA_OK)
		goto out;
	db_bind_int64(st, 1, reason);
	db_bind_int64(st, 2, when);
	ca_reg_bind_text(st, 3, serial);
	if ((r = ca_reg_step_done(reg, st, "revoke")) == CA_OK && db_changes(reg->db) != 1)
		r = CA_ERR_STATE;
out:
	ca_reg_done(st);
	ca_cert_rec_clear(&c);
	return r;
}

int
ca_reg_revoked_foreach(struct ca_reg *reg, const char *issuer, int64_t since,
		       ca_reg_revoked_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int rc, r;

	/* Served by the partial index certificates_revoked. */
	if ((r = ca_reg_prep(reg, "SELECT serial, revocation_time, revocation_reason"
			     " FROM certificates WHERE status = 'revoked' AND issuer = ?"
			     " AND revocation_time >= ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, issuer);
	db_bind_int64(st, 2, since);
	while ((rc = db_step(st)) == DB_ROW) {
		r = cb(arg, db_col_text(st, 0),
		       db_col_int64(st, 1), db_col_int(st, 2));
		if (r != 0)
			goto out;
	}
	r = rc == DB_DONE ? CA_OK : ca_reg_fail(reg, "revoked certificates");
out:
	ca_reg_done(st);
	return r;
}

int
ca_reg_audit_tail(struct ca_reg *reg, int64_t *id, char hash[65], char time[32])
{
	struct db_stmt *st = NULL;
	const char *h, *t;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT id, hash, time FROM audit ORDER BY id DESC LIMIT 1",
			     &st)) != CA_OK)
		return r;
	rc = db_step(st);
	*id = 0;
	hash[0] = '\0';
	if (time != NULL)
		time[0] = '\0';
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		h = db_col_text(st, 1);
		t = db_col_text(st, 2);
		if (h == NULL || strlen(h) != 64 || t == NULL ||
		    strlen(t) >= 32)
			r = CA_ERR_AUDIT;
		else {
			memcpy(hash, h, 65);
			if (time != NULL)
				strcpy(time, t);
		}
	} else if (rc != DB_DONE) {
		r = ca_reg_fail(reg, "last audit entry");
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_audit_last(struct ca_reg *reg, int64_t *id, char hash[65])
{
	return ca_reg_audit_tail(reg, id, hash, NULL);
}

int
ca_reg_audit_insert(struct ca_reg *reg, const struct ca_audit_row *a)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO audit (id, time, actor, action, subject,"
			     " details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			     &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, a->id);
	ca_reg_bind_text(st, 2, a->time);
	ca_reg_bind_text(st, 3, a->actor);
	ca_reg_bind_text(st, 4, a->action);
	ca_reg_bind_text(st, 5, a->subject);
	ca_reg_bind_text(st, 6, a->details);
	ca_reg_bind_text(st, 7, a->prev_hash);
	ca_reg_bind_text(st, 8, a->hash);
	r = ca_reg_step_done(reg, st, "audit");
	ca_reg_done(st);
	return r;
}

/* NULL columns (only possible by tampering) read as "" and fail the hash. */
static const char *
col_text(struct db_stmt *st, int i)
{
	const char *t = db_col_text(st, i);

	return t != NULL ? t : "";
}

int
ca_reg_audit_foreach(struct ca_reg *reg, ca_reg_audit_cb cb, void *arg)
{
	struct ca_audit_row a;
	struct db_stmt *st = NULL;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT id, time, actor, action, subject, details,"
			     " prev_hash, hash FROM audit ORDER BY id", &st)) != CA_OK)
		return r;
	while ((rc = db_step(st)) == DB_ROW) {
		a.id = db_col_int64(st, 0);
		a.time = col_text(st, 1);
		a.actor = col_text(st, 2);
		a.action = col_text(st, 3);
		a.subject = col_text(st, 4);
		a.details = col_text(st, 5);
		a.prev_hash = col_text(st, 6);
		a.hash = col_text(st, 7);
		if ((r = cb(arg, &a)) != 0)
			goto out;
	}
	r = rc == DB_DONE ? CA_OK : ca_reg_fail(reg, "audit entries");
out:
	ca_reg_done(st);
	return r;
}

int
ca_reg_audit_max_issued(struct ca_reg *reg, int64_t *out)
{
	struct db_stmt *st = NULL;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'",
			     &st)) != CA_OK)
		return r;
	rc = db_step(st);
	*out = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	if (rc != DB_ROW && rc != DB_DONE)
		r = ca_reg_fail(reg, "audit sequence");
	ca_reg_done(st);
	return r;
}
