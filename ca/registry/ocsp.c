/*
 * ca/registry/ocsp.c: the OCSP responder's and the CRL service's records.
 * See registry-ocsp.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ocsp.h"
#include "common/log.h"

static const char *const hash_names[CA_OCSP_NHASH] = { "sha1", "sha256" };

const char *
ca_ocsp_hash_name(int hash)
{
	return hash >= 0 && hash < CA_OCSP_NHASH ? hash_names[hash] : NULL;
}

static int
hash_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < CA_OCSP_NHASH; i++)
		if (strcmp(s, hash_names[i]) == 0)
			return i;
	return -1;
}

#define CERT_COLUMNS "c.issuer, c.serial, c.status, c.revocation_reason, c.revocation_time," \
		     " c.not_after"

/* One row of CERT_COLUMNS (borrowed from @st until its next step). */
static void
cert_row(struct db_stmt *st, struct ca_ocsp_cert *c)
{
	c->issuer = db_col_text(st, 0);
	c->serial = db_col_text(st, 1);
	c->revoked = strcmp(db_col_text(st, 2), "revoked") == 0;
	c->reason = db_col_int(st, 3);
	c->revoked_at = db_col_int64(st, 4);
	c->not_after = db_col_int64(st, 5);
}

/* Walk rows of CERT_COLUMNS into @cb. */
static int
certs_walk(struct ca_reg *reg, struct db_stmt *st, ca_reg_ocsp_cert_cb cb, void *arg,
	   const char *what)
{
	struct ca_ocsp_cert c;
	int rc, r = CA_OK;

	while (r == CA_OK && (rc = db_step(st)) == DB_ROW) {
		cert_row(st, &c);
		r = cb(arg, &c);
	}
	if (r == CA_OK && rc != DB_DONE)
		r = ca_reg_fail(reg, what);
	return r;
}

int
ca_reg_ocsp_cert_get(struct ca_reg *reg, const char *serial, ca_reg_ocsp_cert_cb cb, void *arg)
{
	struct ca_ocsp_cert c;
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT " CERT_COLUMNS " FROM certificates c WHERE serial = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "certificate status")) == CA_OK) {
		cert_row(st, &c);
		r = cb(arg, &c);
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_certs_foreach(struct ca_reg *reg, int64_t live_after, ca_reg_ocsp_cert_cb cb,
			  void *arg)
{
	struct db_stmt *st = NULL;
	int r;

	/* A pending row (recorded before signing, migration 5) is not issued:
	 * never known, never answered "good". */
	if ((r = ca_reg_prep(reg, "SELECT " CERT_COLUMNS " FROM certificates c"
			     " WHERE c.not_after > ? AND c.status <> 'pending'", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, live_after);
	r = certs_walk(reg, st, cb, arg, "certificates");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_due_foreach(struct ca_reg *reg, int64_t now, int64_t stale_before, bool missing,
			int limit, ca_reg_ocsp_cert_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int r;

	/* Missing: fewer than one response per hash agreeing with the status
	 * (never signed, or revoked while nobody was signing). A full scan:
	 * the service runs it at start and now and then, the change feed
	 * covers the rest. Stale: through the this_update index. */
	if (missing)
		r = ca_reg_prep(reg, "SELECT " CERT_COLUMNS " FROM certificates c"
				" WHERE c.not_after > ?1 AND c.status <> 'pending'"
				" AND (SELECT count(*) FROM ocsp_responses r"
				"  WHERE r.issuer = c.issuer AND r.serial = c.serial AND r.status ="
				"  CASE c.status WHEN 'revoked' THEN 'revoked' ELSE 'good' END) < 2"
				" LIMIT ?2", &st);	/* no gap: PostgreSQL types every $n */
	else
		r = ca_reg_prep(reg, "SELECT " CERT_COLUMNS " FROM ocsp_responses r"
				" JOIN certificates c ON c.serial = r.serial AND c.issuer = r.issuer"
				" WHERE r.this_update <= ?2 AND c.not_after > ?1"
				" AND c.status <> 'pending'"
				" GROUP BY c.issuer, c.serial ORDER BY min(r.this_update) LIMIT ?3",
				&st);
	if (r != CA_OK)
		return r;
	db_bind_int64(st, 1, now);
	if (missing) {
		db_bind_int64(st, 2, limit);
	} else {
		db_bind_int64(st, 2, stale_before);
		db_bind_int64(st, 3, limit);
	}
	r = certs_walk(reg, st, cb, arg, "certificates due for OCSP signing");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_changes(struct ca_reg *reg, int64_t after, int limit, ca_reg_ocsp_change_cb cb,
		    void *arg)
{
	struct ca_ocsp_change c;
	struct db_stmt *st = NULL;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT seq, issuer, serial, kind, not_after FROM ocsp_changes"
			     " WHERE seq > ? ORDER BY seq LIMIT ?", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, limit);
	while (r == CA_OK && (rc = db_step(st)) == DB_ROW) {
		c.seq = db_col_int64(st, 0);
		c.issuer = db_col_text(st, 1);
		c.serial = db_col_text(st, 2);
		c.revoked = strcmp(db_col_text(st, 3), "revoked") == 0;
		c.not_after = db_col_int64(st, 4);
		r = cb(arg, &c);
	}
	if (r == CA_OK && rc != DB_DONE)
		r = ca_reg_fail(reg, "OCSP change feed");
	ca_reg_done(st);
	return r == CA_STOP ? CA_OK : r;
}

static int
one_int64(struct ca_reg *reg, const char *sql, int64_t *out, const char *what)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, sql, &st)) != CA_OK)
		return r;
	if ((r = ca_reg_step_row(reg, st, what)) == CA_OK)
		*out = db_col_int64(st, 0);
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_change_last(struct ca_reg *reg, int64_t *out)
{
	return one_int64(reg, "SELECT coalesce(max(seq), 0) FROM ocsp_changes", out,
			 "OCSP change feed");
}

int
ca_reg_ocsp_changes_prune(struct ca_reg *reg, int64_t upto, int64_t before)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "DELETE FROM ocsp_changes WHERE seq <= ? AND time < ?",
			     &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, upto);
	db_bind_int64(st, 2, before);
	r = ca_reg_step_done(reg, st, "prune OCSP change feed");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_resp_next_seq(struct ca_reg *reg, int64_t *out)
{
	return one_int64(reg, "SELECT coalesce(max(seq), 0) + 1 FROM ocsp_responses", out,
			 "OCSP response sequence");
}

int
ca_reg_ocsp_resp_put(struct ca_reg *reg, const struct ca_ocsp_resp *r, int64_t *next_seq,
		     bool *stored)
{
	struct db_stmt *st = NULL;
	int e;

	if (ca_ocsp_hash_name(r->hash) == NULL || r->der == NULL || r->len == 0)
		return CA_ERR_USAGE;
	/* The status check and the write are one statement in the caller's
	 * transaction: a revocation committed after the response was signed
	 * makes this a no-op instead of storing a stale "good". */
	if ((e = ca_reg_prep(reg, "INSERT INTO ocsp_responses (issuer, serial, hash, status,"
			     " this_update, next_update, signer, basis, seq, der)"
			     " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS"
			     " (SELECT 1 FROM certificates WHERE serial = ?2 AND issuer = ?1"
			     "  AND status = ?11)"
			     " ON CONFLICT (issuer, serial, hash) DO UPDATE SET"
			     " status = excluded.status, this_update = excluded.this_update,"
			     " next_update = excluded.next_update, signer = excluded.signer,"
			     " basis = excluded.basis, seq = excluded.seq, der = excluded.der",
			     &st)) != CA_OK)
		return e;
	ca_reg_bind_text(st, 1, r->issuer);
	ca_reg_bind_text(st, 2, r->serial);
	ca_reg_bind_text(st, 3, ca_ocsp_hash_name(r->hash));
	ca_reg_bind_text(st, 4, r->revoked ? "revoked" : "good");
	db_bind_int64(st, 5, r->this_update);
	db_bind_int64(st, 6, r->next_update);
	ca_reg_bind_text(st, 7, r->signer);
	db_bind_int64(st, 8, r->basis);
	db_bind_int64(st, 9, *next_seq);
	db_bind_blob(st, 10, r->der, r->len);
	ca_reg_bind_text(st, 11, r->revoked ? "revoked" : "valid");
	if ((e = ca_reg_step_done(reg, st, "store OCSP response")) == CA_OK) {
		*stored = db_changes(reg->db) > 0;
		if (*stored)
			(*next_seq)++;
	}
	ca_reg_done(st);
	return e;
}

int
ca_reg_ocsp_resps_since(struct ca_reg *reg, int64_t after, int64_t now, ca_reg_ocsp_resp_cb cb,
			void *arg)
{
	struct ca_ocsp_resp r;
	struct db_stmt *st = NULL;
	int rc, e;

	if ((e = ca_reg_prep(reg, "SELECT issuer, serial, hash, status, this_update, next_update,"
			     " signer, basis, seq, der FROM ocsp_responses"
			     " WHERE seq > ? AND next_update > ? ORDER BY seq", &st)) != CA_OK)
		return e;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, now);
	while (e == CA_OK && (rc = db_step(st)) == DB_ROW) {
		r.issuer = db_col_text(st, 0);
		r.serial = db_col_text(st, 1);
		r.hash = hash_parse(db_col_text(st, 2));
		r.revoked = strcmp(db_col_text(st, 3), "revoked") == 0;
		r.this_update = db_col_int64(st, 4);
		r.next_update = db_col_int64(st, 5);
		r.signer = db_col_text(st, 6);
		r.basis = db_col_int64(st, 7);
		r.seq = db_col_int64(st, 8);
		r.der = db_col_blob(st, 9);
		r.len = (size_t)db_col_bytes(st, 9);
		if (r.hash >= 0 && r.der != NULL)
			e = cb(arg, &r);
	}
	if (e == CA_OK && rc != DB_DONE)
		e = ca_reg_fail(reg, "OCSP responses");
	ca_reg_done(st);
	return e;
}

int
ca_reg_ocsp_resps_prune(struct ca_reg *reg, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "DELETE FROM ocsp_responses WHERE next_update <= ?",
			     &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, now);
	r = ca_reg_step_done(reg, st, "prune OCSP responses");
	ca_reg_done(st);
	return r;
}

void
ca_ocsp_signer_rec_clear(struct ca_ocsp_signer_rec *s)
{
	if (s == NULL)
		return;
	free(s->serial);
	free(s->issuer);
	free(s->key_label);
	free(s->der);
	memset(s, 0, sizeof(*s));
}

int
ca_reg_ocsp_signer_add(struct ca_reg *reg, const struct ca_ocsp_signer_rec *s)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO ocsp_signers (serial, issuer, key_label,"
			     " not_before, not_after, der) VALUES (?, ?, ?, ?, ?, ?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, s->serial);
	ca_reg_bind_text(st, 2, s->issuer);
	ca_reg_bind_text(st, 3, s->key_label);
	db_bind_int64(st, 4, s->not_before);
	db_bind_int64(st, 5, s->not_after);
	db_bind_blob(st, 6, s->der, s->derlen);
	r = ca_reg_step_done(reg, st, "add OCSP signer");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ocsp_signer_current(struct ca_reg *reg, const char *issuer, int64_t now,
			   struct ca_ocsp_signer_rec *out)
{
	struct ca_ocsp_signer_rec s;
	struct db_stmt *st = NULL;
	const void *der;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = ca_reg_prep(reg, "SELECT serial, issuer, key_label, not_before, not_after, der"
			     " FROM ocsp_signers WHERE issuer = ? AND not_before <= ?2"
			     " AND not_after > ?2 ORDER BY not_after DESC LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, issuer);
	db_bind_int64(st, 2, now);
	if ((r = ca_reg_step_row(reg, st, "OCSP signer")) != CA_OK)
		goto out;
	if ((r = ca_reg_col_dup(st, 0, &s.serial)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 1, &s.issuer)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &s.key_label)) != CA_OK)
		goto out;
	s.not_before = db_col_int64(st, 3);
	s.not_after = db_col_int64(st, 4);
	der = db_col_blob(st, 5);
	s.derlen = (size_t)db_col_bytes(st, 5);
	r = CA_ERR_ALLOC;
	if (der == NULL || s.derlen == 0 || (s.der = malloc(s.derlen)) == NULL)
		goto out;
	memcpy(s.der, der, s.derlen);
	*out = s;
	memset(&s, 0, sizeof(s));
	r = CA_OK;
out:
	ca_reg_done(st);
	ca_ocsp_signer_rec_clear(&s);
	return r;
}

int
ca_reg_ocsp_signer_count(struct ca_reg *reg, const char *issuer, int64_t *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT count(*) FROM ocsp_signers WHERE issuer = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, issuer);
	if ((r = ca_reg_step_row(reg, st, "OCSP signers")) == CA_OK)
		*out = db_col_int64(st, 0);
	ca_reg_done(st);
	return r;
}

int
ca_reg_lease_take(struct ca_reg *reg, const char *name, const char *holder,
		  const char *steal_from, int64_t now, int64_t ttl, bool *held, char **current)
{
	struct db_stmt *st = NULL;
	char *who = NULL;
	int r;

	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	if ((r = ca_reg_prep(reg, "INSERT INTO leases (name, holder, expires) VALUES (?1, ?2, ?3)"
			     " ON CONFLICT (name) DO UPDATE SET holder = ?2, expires = ?3"
			     /* the table named: PostgreSQL sees "excluded" here too */
			     " WHERE leases.holder = ?2 OR leases.holder = ?4 OR leases.expires <= ?5",
			     &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, name);
	ca_reg_bind_text(st, 2, holder);
	db_bind_int64(st, 3, now + ttl);
	ca_reg_bind_text(st, 4, steal_from);
	db_bind_int64(st, 5, now);
	r = ca_reg_step_done(reg, st, "take lease");
	ca_reg_done(st);
	if (r != CA_OK)
		goto out;
	if ((r = ca_reg_prep(reg, "SELECT holder FROM leases WHERE name = ?", &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, name);
	if ((r = ca_reg_step_row(reg, st, "lease")) == CA_OK)
		r = ca_reg_col_dup(st, 0, &who);
	ca_reg_done(st);
	if (r == CA_OK && (r = ca_reg_commit(reg)) == CA_OK) {
		*held = who != NULL && strcmp(who, holder) == 0;
		if (current != NULL) {
			*current = who;
			who = NULL;
		}
	}
out:
	if (r != CA_OK)
		ca_reg_rollback(reg);
	free(who);
	return r;
}

int
ca_reg_lease_release(struct ca_reg *reg, const char *name, const char *holder)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "DELETE FROM leases WHERE name = ? AND holder = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, name);
	ca_reg_bind_text(st, 2, holder);
	r = ca_reg_step_done(reg, st, "release lease");
	ca_reg_done(st);
	return r;
}

int
ca_reg_data_version(struct ca_reg *reg, int64_t *out)
{
	return one_int64(reg, ca_reg_sql(reg, "PRAGMA data_version",
					 "SELECT n FROM registry_version WHERE id = 1"),
			 out, "data version");
}
