/*
 * ca/ra/est-renew.c: see est-renew.h.
 *
 * Record before you sign holds here as everywhere: each new certificate is
 * a draft, then a pending row committed (with the renewal record opened in
 * the same transaction), then signed, then made valid together with its
 * issuance entry and its place in the renewal record. A request killed in
 * between leaves a pending row the recovery revokes after
 * integrity.pending-lease, and a renewal the timeout abandons.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/ra/est-renew.h"
#include "ca/ra/gate.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-est.h"
#include "common/log.h"

#define OP "est-renew"
#define STALE_BATCH 64

/* Everything one request works with. */
struct est {
	struct ca_session *se;
	struct ca_result *res;
	int64_t now;
	struct ca_card_rec card;
	struct ca_est_rec ren;		/* the open renewal (ren.id 0: none) */
	struct ca_cert_rec old[2];	/* the certificates renewed: authentication, signing */
	struct ca_person holder;
};

static void
est_clear(struct est *e)
{
	ca_card_rec_clear(&e->card);
	ca_est_rec_clear(&e->ren);
	ca_cert_rec_clear(&e->old[0]);
	ca_cert_rec_clear(&e->old[1]);
	ca_person_clear(&e->holder);
}

static int
profile_index(const char *profile)
{
	if (profile == NULL)
		return -1;
	if (strcmp(profile, "authentication") == 0)
		return 0;
	return strcmp(profile, "signing") == 0 ? 1 : -1;
}

/* Close renewal @ren as @state, revoking its new certificates that are still valid. */
static int
close_revoking(struct ca_session *se, const struct ca_est_rec *ren, const char *why, int *n)
{
	const char *serials[2] = { ren->new_auth, ren->new_sign };
	char id[24];
	const char *kv[] = { "renewal", id, "reason", why,
			     "authentication", ren->new_auth != NULL ? ren->new_auth : "-",
			     "signing", ren->new_sign != NULL ? ren->new_sign : "-", NULL };
	struct ca_cert_rec c = { 0 };
	int i, r;

	snprintf(id, sizeof(id), "%lld", (long long)ren->id);
	if ((r = ca_reg_begin(se->ctx->reg)) != CA_OK)
		return r;
	for (i = 0; i < 2 && r == CA_OK; i++) {
		if (serials[i] == NULL)
			continue;
		if ((r = ca_reg_cert_get(se->ctx->reg, serials[i], &c)) == CA_OK &&
		    (c.status == CA_CERT_VALID || c.status == CA_CERT_PENDING) &&
		    (r = ca_cert_abandon(se->ctx, serials[i], why)) == CA_OK && n != NULL)
			(*n)++;
		ca_cert_rec_clear(&c);
	}
	if (r == CA_OK && (r = ca_reg_est_close(se->ctx->reg, ren->id, "abandoned",
						 ca_ctx_now(se->ctx))) == CA_OK)
		r = ca_ctx_audit(se->ctx, "est-renew-abandon", ren->card, kv);
	return ca_reg_end(se->ctx->reg, r);
}

/* The card's current (valid, newest) certificate of each profile. */
static int
current_certs(struct est *e)
{
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	size_t i, n = 0;
	int k, r;

	if ((r = ca_reg_card_certs(e->se->ctx->reg, e->card.serial, certs, CA_CARD_CERTS_MAX,
				   &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++) {
		k = profile_index(certs[i].profile);
		if (k >= 0 && e->old[k].serial == NULL) {
			e->old[k] = certs[i];	/* newest first: the current one */
			memset(&certs[i], 0, sizeof(certs[i]));
		}
		ca_cert_rec_clear(&certs[i]);
	}
	return CA_OK;
}

/*
 * Which renewal the client's certificate belongs to: the card's open one
 * (the client connected with its old or its new authentication
 * certificate), or none, when it is the card's current authentication
 * certificate. An open renewal whose old certificate is no longer valid (an
 * RA renewed or repaired the card meanwhile) is stale: abandoned here.
 */
static int
load(struct est *e, enum ca_op op)
{
	struct ca_session *se = e->se;
	const char *mine = se->actor.cert_serial;
	int r;

	if ((r = ca_reg_card_get(se->ctx->reg, se->actor.card, &e->card)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(se, op, e->res, CA_RF_CARD_UNKNOWN, se->actor.card);
		return r;
	}
	if (e->card.holder == NULL || strcmp(e->card.state, "issued") != 0)
		return RA_REFUSE(se, op, e->res, CA_RF_CARD_NOT_ISSUED, e->card.serial,
				 e->card.state);
	if ((r = ca_reg_person_get(se->ctx->reg, e->card.holder, &e->holder)) != CA_OK)
		return r;
	r = ca_reg_est_open_get(se->ctx->reg, e->card.serial, &e->ren);
	if (r == CA_ERR_NOT_FOUND) {
		e->ren.id = 0;
		r = CA_OK;
	}
	if (r != CA_OK)
		return r;
	if (e->ren.id != 0) {
		if ((r = ca_reg_cert_get(se->ctx->reg, e->ren.old_auth, &e->old[0])) != CA_OK ||
		    (e->ren.old_sign != NULL &&
		     (r = ca_reg_cert_get(se->ctx->reg, e->ren.old_sign, &e->old[1])) != CA_OK))
			return r;
		if (e->old[0].status == CA_CERT_VALID)
			goto mine;
		util_log(LOG_NOTICE, "card %s: renewal %lld is stale (its old certificate %s is "
			 "no longer valid): abandoning it", e->card.serial, (long long)e->ren.id,
			 e->ren.old_auth);
		if ((r = close_revoking(se, &e->ren, "the card was renewed otherwise", NULL)) != CA_OK)
			return r;
		ca_est_rec_clear(&e->ren);
		ca_cert_rec_clear(&e->old[0]);
		ca_cert_rec_clear(&e->old[1]);
	}
	if ((r = current_certs(e)) != CA_OK)
		return r;
mine:
	if ((e->old[0].serial != NULL && strcmp(mine, e->old[0].serial) == 0) ||
	    (e->ren.new_auth != NULL && strcmp(mine, e->ren.new_auth) == 0))
		return CA_OK;
	return RA_REFUSE(se, op, e->res, CA_RF_EST_NOT_CURRENT, mine, e->card.serial);
}

/* The gate, on the card as it is before this renewal: the old certificates' expiry. */
static int
decide(struct est *e)
{
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int r, i;

	if ((r = ca_card_view_fill(e->se, &e->card, &v)) != CA_OK)
		return r;
	v.st.cert_not_after = 0;
	for (i = 0; i < 2; i++)
		if (e->old[i].serial != NULL && e->old[i].not_after > v.st.cert_not_after)
			v.st.cert_not_after = e->old[i].not_after;
	t.card = &v.st;
	t.subject = e->card.serial;
	return ca_gate(e->se, CA_OP_SELF_RENEW, &t, e->res, NULL);
}

static int
bad(struct est *e, const char *what)
{
	util_log(LOG_NOTICE, "card %s: renewal request refused: %s", e->card.serial, what);
	return ca_result_fail(e->res, CA_ERR_BAD_REQUEST, "request", "%s", what);
}

static const ASN1_OCTET_STRING *
san_of(const STACK_OF(X509_EXTENSION) *exts)
{
	int i = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);

	return i < 0 ? NULL : X509_EXTENSION_get_data(X509v3_get_ext(exts, i));
}

/*
 * The request, checked against the certificate it renews: signature,
 * subject, subjectAltName, a new key (neither old certificate's).
 */
static int
csr_check(struct est *e, int k, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *req = NULL;
	X509 *old[2] = { NULL, NULL };
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const ASN1_OCTET_STRING *a, *b;
	EVP_PKEY *key;
	int i, r;

	if (e->old[k].der == NULL)
		return RA_REFUSE(e->se, CA_OP_SELF_RENEW, e->res, CA_RF_EST_NO_CERT, e->card.serial,
				 k == 0 ? "authentication" : "signing");
	r = CA_ERR_BAD_REQUEST;
	if ((req = X509_REQ_new_ex(e->se->ctx->libctx, NULL)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if (d2i_X509_REQ(&req, &p, (long)len) == NULL || p != der + len) {
		r = bad(e, "the body is not one DER PKCS#10 certification request");
		goto out;
	}
	if ((key = X509_REQ_get0_pubkey(req)) == NULL ||
	    X509_REQ_verify_ex(req, key, e->se->ctx->libctx, NULL) != 1) {
		r = bad(e, "the request's signature does not verify with its own key");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		p = e->old[i].der;
		if (p != NULL && (old[i] = d2i_X509(NULL, &p, (long)e->old[i].derlen)) == NULL) {
			r = CA_ERR_CRYPTO;
			goto out;
		}
		if (old[i] != NULL && EVP_PKEY_eq(X509_get0_pubkey(old[i]), key) == 1) {
			r = bad(e, "the request's key is the card's current key: make a new key pair");
			goto out;
		}
	}
	if (X509_NAME_cmp(X509_REQ_get_subject_name(req), X509_get_subject_name(old[k])) != 0) {
		r = bad(e, "the request's subject differs from the certificate being renewed");
		goto out;
	}
	exts = X509_REQ_get_extensions(req);
	a = san_of(exts);
	b = san_of(X509_get0_extensions(old[k]));
	if ((a == NULL) != (b == NULL) || (a != NULL && ASN1_OCTET_STRING_cmp(a, b) != 0)) {
		r = bad(e, "the request's subjectAltName differs from the certificate being "
			"renewed");
		goto out;
	}
	r = CA_OK;
out:
	ERR_clear_error();
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_free(old[0]);
	X509_free(old[1]);
	X509_REQ_free(req);
	return r;
}

/* Pending row committed, with the renewal opened in the same transaction if new. */
static int
record_pending(struct est *e, struct ca_draft *d)
{
	struct ca_pending_req pq = { OP, e->card.serial, e->holder.uuid, e->card.serial, 0 };
	struct ca_draft *dp = d;
	struct ca_est_rec open = { 0 };
	struct ca_pending_sel sel = { 0 };
	int one = CA_OK, r;

	if ((r = ca_reg_begin(e->se->ctx->reg)) != CA_OK)
		return r;
	if (e->ren.id == 0) {
		open.card = e->card.serial;
		open.holder = e->holder.uuid;
		open.old_auth = e->old[0].serial;
		open.old_sign = e->old[1].serial;
		open.opened_at = e->now;
		r = ca_reg_est_open(e->se->ctx->reg, &open, &e->ren.id);
	}
	/* A request of this card killed between its pending row and its commit
	 * (the holder runs it again): that certificate may exist, and is
	 * revoked now rather than at the recovery's lease. */
	sel.card = e->card.serial;
	if (r == CA_OK)
		r = ca_cert_abandon_sel(e->se->ctx, &sel, "an interrupted network renewal "
					"request of the card", NULL);
	if (r == CA_OK && (r = ca_cert_pending_rows(e->se->ctx, &pq, &dp, 1, &one)) == CA_OK)
		r = one;
	/* durable before anything is signed, also when the service groups
	 * its requests' commits */
	if ((r = ca_reg_end(e->se->ctx->reg, r)) != CA_OK ||
	    (r = ca_ctx_sync(e->se->ctx)) != CA_OK) {
		e->ren.id = 0;
		return r;
	}
	d->recorded = true;
	ca_ctx_point(e->se->ctx, OP, "pending-recorded");
	return CA_OK;
}

/* Valid, in the renewal record, the one it replaces revoked: one transaction. */
static int
record_issued(struct est *e, int k, const struct ca_issued *c)
{
	const char *prev = k == 0 ? e->ren.new_auth : e->ren.new_sign;
	char id[24], notafter[24];
	const char *kv[] = { "profile", c->profile, "holder", e->holder.uuid, "card",
			     e->card.serial, "renewal", id, "not_after", notafter,
			     "replaces", prev, NULL };
	struct ca_reg *reg = e->se->ctx->reg;
	int r;

	snprintf(id, sizeof(id), "%lld", (long long)e->ren.id);
	snprintf(notafter, sizeof(notafter), "%lld", (long long)c->not_after);
	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	/* A second request for the same profile in one renewal replaces the
	 * first certificate, never counted twice (the count steps at confirm). */
	if (prev != NULL)
		r = ca_cert_abandon(e->se->ctx, prev, "replaced by a new request in the same "
				    "renewal");
	if (r == CA_ERR_STATE)
		r = CA_OK;	/* revoked already */
	if (r == CA_OK && (r = ca_ctx_audit(e->se->ctx, OP, c->serial, kv)) == CA_OK &&
	    (r = ca_reg_cert_activate(reg, c->serial, c->der, c->derlen, e->card.renewals + 1,
				      e->card.self_renewals + 1, e->se->ctx->audit_id)) == CA_OK)
		r = ca_reg_est_set_new(reg, e->ren.id, c->profile, c->serial);
	return ca_reg_end(reg, r);
}

int
ca_op_est_reenroll(struct ca_session *se, const char *profile, const unsigned char *csr,
		   size_t len, struct ca_issued *out, struct ca_result *res)
{
	struct est e;
	struct ca_draft d = { 0 };
	struct ca_issued c = { 0 };
	int k = profile_index(profile), r;

	if (k < 0)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "unknown certificate label");
	if ((r = ca_gate_who(se, CA_OP_SELF_RENEW, se->actor.card, res)) != CA_OK)
		return r;
	memset(&e, 0, sizeof(e));
	e.se = se;
	e.res = res;
	e.now = ca_ctx_now(se->ctx);
	if (csr == NULL || len == 0 || len > CA_EST_CSR_MAX) {
		r = ca_result_fail(res, CA_ERR_BAD_REQUEST, "request", "the request must be one "
				   "PKCS#10 request of at most %d bytes", CA_EST_CSR_MAX);
		goto out;
	}
	/* Everything is decided before anything is written: a refusal changes nothing. */
	if ((r = load(&e, CA_OP_SELF_RENEW)) != CA_OK || (r = decide(&e)) != CA_OK ||
	    (r = csr_check(&e, k, csr, len)) != CA_OK)
		goto out;
	if ((r = ca_cert_draft(se->ctx, profile, &e.holder, csr, len, 0, &d)) != CA_OK) {
		if (r == CA_ERR_BAD_REQUEST)
			bad(&e, "the request was refused by the CA's request checks");
		goto out;
	}
	d.card = e.card.serial;
	if ((r = record_pending(&e, &d)) != CA_OK)
		goto out;
	if ((r = ca_cert_sign(se->ctx, &d, &c)) != CA_OK) {
		if (ca_reg_begin(se->ctx->reg) == CA_OK)
			ca_reg_end(se->ctx->reg, ca_cert_abandon(se->ctx, d.serial,
								 "signing it failed"));
		goto out;
	}
	ca_ctx_point(se->ctx, OP, "signed");
	if ((r = record_issued(&e, k, &c)) != CA_OK) {
		/* Not pending any more: a request of the same card (at another
		 * instance, or run twice) abandoned it meanwhile. Otherwise the
		 * row stays pending and the recovery revokes it. */
		if (r == CA_ERR_STATE)
			r = RA_REFUSE(se, CA_OP_SELF_RENEW, res, CA_RF_EST_SUPERSEDED,
				      e.card.serial, c.serial);
		goto out;
	}
	ca_ctx_point(se->ctx, OP, "recorded");
	ca_result_done(res, "card %s: new %s certificate %s (renewal %lld; confirm it with the "
		       "new authentication certificate)", e.card.serial, profile, c.serial,
		       (long long)e.ren.id);
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ca_issued_clear(&c);
	ca_draft_clear(&d);
	est_clear(&e);
	return r;
}

/* The one transaction of a confirmation. */
static int
confirm_commit(struct est *e, int *revoked)
{
	struct ca_card_rec c = e->card;
	struct ca_reg *reg = e->se->ctx->reg;
	char id[24], count[16], nrev[16];
	const char *kv[] = { "holder", e->holder.uuid, "renewal", id, "authentication",
			     e->ren.new_auth, "signing", e->ren.new_sign, "revoked", nrev,
			     "renewals", count, NULL };
	int i, r;

	c.renewals = e->card.renewals + 1;
	c.self_renewals = e->card.self_renewals + 1;
	snprintf(id, sizeof(id), "%lld", (long long)e->ren.id);
	snprintf(count, sizeof(count), "%d", c.renewals);
	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	for (i = 0; i < 2 && r == CA_OK; i++) {
		if (e->old[i].serial == NULL || e->old[i].status != CA_CERT_VALID)
			continue;
		if ((r = ca_reg_cert_revoke(reg, e->old[i].serial, CRL_REASON_SUPERSEDED,
					    e->now)) == CA_OK)
			(*revoked)++;
	}
	snprintf(nrev, sizeof(nrev), "%d", *revoked);
	if (r == CA_OK && (r = ca_reg_card_put(reg, &c)) == CA_OK &&
	    (r = ca_reg_est_close(reg, e->ren.id, "confirmed", e->now)) == CA_OK)
		r = ca_ctx_audit(e->se->ctx, "est-renew-confirm", e->card.serial, kv);
	ca_ctx_point(e->se->ctx, OP, "before-confirm-commit");
	return ca_reg_end(reg, r);
}

int
ca_op_est_confirm(struct ca_session *se, struct ca_result *res)
{
	struct est e;
	int revoked = 0, r;

	if ((r = ca_gate_who(se, CA_OP_SELF_RENEW, se->actor.card, res)) != CA_OK)
		return r;
	memset(&e, 0, sizeof(e));
	e.se = se;
	e.res = res;
	e.now = ca_ctx_now(se->ctx);
	if ((r = load(&e, CA_OP_SELF_RENEW)) != CA_OK)
		goto out;
	if (e.ren.id == 0) {
		r = RA_REFUSE(se, CA_OP_SELF_RENEW, res, CA_RF_EST_NONE_OPEN, e.card.serial);
		goto out;
	}
	if (e.ren.new_auth == NULL || strcmp(se->actor.cert_serial, e.ren.new_auth) != 0) {
		r = RA_REFUSE(se, CA_OP_SELF_RENEW, res, CA_RF_EST_CONFIRM_OLD, e.card.serial,
			      e.ren.new_auth != NULL ? e.ren.new_auth : "(not issued yet)");
		goto out;
	}
	if (e.ren.new_sign == NULL) {
		r = RA_REFUSE(se, CA_OP_SELF_RENEW, res, CA_RF_EST_INCOMPLETE, e.card.serial,
			      "signing");
		goto out;
	}
	if ((r = confirm_commit(&e, &revoked)) != CA_OK)
		goto out;
	ca_result_done(res, "card %s of %s renewed: authentication %s, signing %s (renewal %d "
		       "of the card; %d old certificates superseded)", e.card.serial,
		       e.holder.uuid, e.ren.new_auth, e.ren.new_sign, e.card.renewals + 1,
		       revoked);
out:
	est_clear(&e);
	return r;
}

int
ca_op_est_abandon(struct ca_session *se, int *n, struct ca_result *res)
{
	int64_t ids[STALE_BATCH], now;
	struct ca_est_rec ren = { 0 };
	size_t i, k = 0;
	int done = 0, r;

	if ((r = ca_gate_who(se, CA_OP_RECOVER, NULL, res)) != CA_OK)
		return r;
	now = ca_ctx_now(se->ctx);
	if ((r = ca_reg_est_stale(se->ctx->reg, now - se->ctx->pol->renewal.confirm_timeout, ids,
				  STALE_BATCH, &k)) != CA_OK)
		return r;
	for (i = 0; i < k && r == CA_OK; i++) {
		if ((r = ca_reg_est_get(se->ctx->reg, ids[i], &ren)) == CA_OK &&
		    (r = close_revoking(se, &ren, "the renewal was not confirmed in time",
					NULL)) == CA_OK)
			done++;
		ca_est_rec_clear(&ren);
	}
	if (n != NULL)
		*n = done;
	if (done > 0)
		ca_result_done(res, "%d unconfirmed network renewals abandoned", done);
	return r;
}
