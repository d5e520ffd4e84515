/*
 * ca/ra/card-admin.c: cancel-card, unlock and tac-restore, and what the
 * card operations share. See card-ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "ca/card/perso.h"
#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/secret.h"
#include "ca/ra/card-ops.h"
#include "ca/ra/card-view.h"
#include "ca/ra/ra-int.h"
#include "common/log.h"

int
ca_card_revoke_all(struct ca_session *s, const char *card, int reason, int64_t except_op, int *n)
{
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	struct ca_pending_sel sel = { 0 };
	int64_t now = ca_ctx_now(s->ctx);
	size_t i, k = 0;
	int r, pending = 0;

	*n = 0;
	if ((r = ca_reg_card_certs(s->ctx->reg, card, certs, CA_CARD_CERTS_MAX, &k)) != CA_OK)
		return r;
	for (i = 0; i < k; i++) {
		if (r == CA_OK &&
		    (r = ca_reg_cert_revoke(s->ctx->reg, certs[i].serial, reason, now)) == CA_OK)
			(*n)++;
		ca_cert_rec_clear(&certs[i]);
	}
	if (r != CA_OK)
		return r;
	/* And any an interrupted operation left pending on the card. */
	sel.card = card;
	sel.except_op = except_op;
	if ((r = ca_cert_abandon_sel(s->ctx, &sel, "an interrupted operation on the card",
				     &pending)) == CA_OK)
		*n += pending;
	return r;
}

int
ca_card_op_abandon(struct ca_session *s, int64_t op_id, const char *op)
{
	struct ca_pending_sel sel = { 0 };
	char why[80];
	int r;

	sel.card_op = op_id;
	snprintf(why, sizeof(why), "the interrupted %s (journal entry %lld) was abandoned", op,
		 (long long)op_id);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_cert_abandon_sel(s->ctx, &sel, why, NULL)) == CA_OK)
		r = ca_reg_card_op_set(s->ctx->reg, op_id, "abandoned", ca_ctx_now(s->ctx));
	return ca_reg_end(s->ctx->reg, r);
}

int
ca_card_commit(struct ca_session *s, struct ca_card_commit_req *c, const char *const *kv)
{
	int64_t now = ca_ctx_now(s->ctx);
	int i, r;

	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_card_revoke_all(s, c->card->serial, CRL_REASON_SUPERSEDED, c->op_id,
				    c->revoked)) != CA_OK ||
	    (r = ca_reg_card_put(s->ctx->reg, c->card)) != CA_OK)
		goto out;
	snprintf(c->nrev, sizeof(c->nrev), "%d", *c->revoked);
	if ((r = ca_reg_card_op_set(s->ctx->reg, c->op_id, c->journal, now)) != CA_OK ||
	    (r = ca_ctx_audit(s->ctx, c->action, c->card->serial, kv)) != CA_OK)
		goto out;
	/* The pending rows become valid, recorded by that entry. */
	for (i = 0; i < 2; i++)
		if ((r = ca_reg_cert_activate(s->ctx->reg, c->certs[i].serial, c->certs[i].der,
					      c->certs[i].derlen, c->card->renewals,
					      c->card->self_renewals, s->ctx->audit_id)) != CA_OK)
			goto out;
	ca_ctx_point(s->ctx, c->action, "before-commit");
	r = ca_reg_commit(s->ctx->reg);
out:
	if (r != CA_OK)
		ca_reg_rollback(s->ctx->reg);
	return r;
}

int
ca_card_new_passcode(struct ca_session *s, enum ca_op op, const char *serial, char **out,
		     struct ca_result *res)
{
	struct pol_decision d;
	char *pin = NULL;
	int r;

	if ((r = ca_session_secret(s, CA_SECRET_HOLDER_NEW_PASSCODE, serial, &pin)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the holder's new passcode was not given");
	pol_decide_passcode(s->ctx->pol, strlen(pin), &d);
	if (!d.allow) {
		ca_secret_free(pin);
		return ca_gate_refuse(s, op, serial, &d, res);
	}
	*out = pin;
	return CA_OK;
}

/* domain.md: lost, stolen -> keyCompromise; damaged -> superseded (replaced);
 * leaver -> affiliationChanged; death -> cessationOfOperation. */
static int
cancel_reason(const char *name, int *out)
{
	if (name != NULL && strcasecmp(name, "damaged") == 0) {
		*out = CRL_REASON_SUPERSEDED;
		return CA_OK;
	}
	if (name == NULL || (strcasecmp(name, "lost") != 0 && strcasecmp(name, "stolen") != 0 &&
			     strcasecmp(name, "leaver") != 0 && strcasecmp(name, "death") != 0))
		return CA_ERR_USAGE;
	return ca_revoke_reason_parse(name, out);
}

static int
cancel_commit(struct ca_session *s, struct ca_card_rec *rec, const char *why, int reason,
	      struct ca_result *res)
{
	struct ca_card_op op = { 0 };
	char nrev[16];
	const char *kv[] = { "reason", why, "crl-reason", ca_revoke_reason_name(reason),
			     "holder", rec->holder, "revoked", nrev, NULL };
	int r, n = 0;

	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_card_revoke_all(s, rec->serial, reason, 0, &n)) != CA_OK)
		goto out;
	free(rec->state);
	if ((rec->state = strdup("cancelled")) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	snprintf(nrev, sizeof(nrev), "%d", n);
	if ((r = ca_reg_card_put(s->ctx->reg, rec)) != CA_OK)
		goto out;
	/* An interrupted operation on a cancelled card is moot. */
	if (ca_reg_card_op_open(s->ctx->reg, rec->serial, &op) == CA_OK &&
	    (r = ca_reg_card_op_set(s->ctx->reg, op.id, "abandoned", ca_ctx_now(s->ctx))) != CA_OK)
		goto out;
	if ((r = ca_ctx_audit(s->ctx, "cancel-card", rec->serial, kv)) != CA_OK)
		goto out;
	ca_ctx_point(s->ctx, "cancel-card", "before-commit");
	r = ca_reg_commit(s->ctx->reg);
	if (r == CA_OK)
		ca_result_done(res, "cancel-card: card %s cancelled (%s); %d certificate(s) "
			       "revoked", rec->serial, why, n);
out:
	if (r != CA_OK)
		ca_reg_rollback(s->ctx->reg);
	ca_card_op_clear(&op);
	return r;
}

int
ca_op_cancel_card(struct ca_session *s, const char *serial, const char *why,
		  struct ca_result *res)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int reason, r;

	if ((r = ca_gate_who(s, CA_OP_CANCEL_CARD, serial, res)) != CA_OK)
		return r;
	if (cancel_reason(why, &reason) != CA_OK)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "the reason must be lost, stolen, "
				      "damaged, leaver or death, not '%s'", why != NULL ? why : "");
	if ((r = ca_reg_card_get(s->ctx->reg, serial, &rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(s, CA_OP_CANCEL_CARD, res, CA_RF_CARD_UNKNOWN, serial);
		return r;
	}
	if (strcmp(rec.state, "cancelled") == 0) {
		r = RA_REFUSE(s, CA_OP_CANCEL_CARD, res, CA_RF_CARD_CANCELLED, serial);
		goto out;
	}
	if ((r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	t.card = &v.st;
	t.subject = serial;
	if ((r = ca_gate(s, CA_OP_CANCEL_CARD, &t, res, NULL)) != CA_OK)
		goto out;
	r = cancel_commit(s, &rec, why, reason, res);
out:
	ca_card_rec_clear(&rec);
	return r;
}

/* The registry record of the card in @c, which must be issued to someone. */
static int
card_issued(struct ca_p11card *c, struct ca_session *s, struct ca_card_rec *rec,
	    struct ca_result *res)
{
	int r;

	if ((r = ca_reg_card_get(s->ctx->reg, c->serial, rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(s, CA_OP_UNLOCK, res, CA_RF_CARD_UNKNOWN, c->serial);
		return r;
	}
	if (rec->holder == NULL || strcmp(rec->state, "cancelled") == 0 ||
	    strcmp(rec->state, "blank") == 0)
		return RA_REFUSE(s, CA_OP_UNLOCK, res, CA_RF_CARD_NOT_ISSUED, c->serial,
				 rec->state);
	return CA_OK;
}

static int
unlock_run(struct ca_session *s, struct ca_p11card *c, struct ca_result *res)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	struct pol_decision d;
	char *pin = NULL;
	int r;

	if ((r = card_issued(c, s, &rec, res)) != CA_OK ||
	    (r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	v.st.locked = (c->flags & CKF_USER_PIN_LOCKED) != 0;
	t.card = &v.st;
	t.subject = c->serial;
	if ((r = ca_gate(s, CA_OP_UNLOCK, &t, res, &d)) != CA_OK ||
	    (r = ca_card_new_passcode(s, CA_OP_UNLOCK, c->serial, &pin, res)) != CA_OK ||
	    (r = ca_card_set_passcode(s->ctx, c, pin)) != CA_OK)
		goto out;
	if ((r = ca_reg_begin(s->ctx->reg)) == CA_OK) {
		const char *kv[] = { "holder", rec.holder, "rule", d.rule, NULL };

		r = ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "unlock", c->serial, kv));
	}
	if (r == CA_OK)
		ca_result_done(res, "unlock: card %s of %s unlocked; the holder's new passcode "
			       "is set", c->serial, rec.holder);
out:
	ca_secret_free(pin);
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_op_unlock(struct ca_session *s, unsigned reader, struct ca_result *res)
{
	struct ca_p11card *c = NULL;
	int r;

	if ((r = ca_gate_who(s, CA_OP_UNLOCK, NULL, res)) != CA_OK)
		return r;
	if ((r = ra_reader_card(s, CA_OP_UNLOCK, reader, &c, res)) != CA_OK)
		return r;
	r = unlock_run(s, c, res);
	ca_p11card_close(c);
	return r;
}

/*
 * Revoke what the TAC holds or an interrupted activation left pending,
 * close that operation's journal, and make the card blank again: one
 * transaction.
 */
static int
restore_commit(struct ca_session *s, struct ca_card_rec *rec)
{
	struct ca_card_op op = { 0 };
	char nrev[16], *holder = rec->holder;
	const char *kv[] = { "holder", holder, "revoked", nrev, NULL };
	int r, n = 0;

	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_card_revoke_all(s, rec->serial, CRL_REASON_CESSATION_OF_OPERATION, 0,
				    &n)) != CA_OK)
		goto out;
	if (ca_reg_card_op_open(s->ctx->reg, rec->serial, &op) == CA_OK &&
	    (r = ca_reg_card_op_set(s->ctx->reg, op.id, "abandoned", ca_ctx_now(s->ctx))) != CA_OK)
		goto out;
	if (holder == NULL && n == 0 && op.id == 0)
		goto out;		/* blank already: nothing to record */
	snprintf(nrev, sizeof(nrev), "%d", n);
	free(rec->state);
	rec->holder = NULL;
	rec->renewals = rec->self_renewals = 0;
	if ((rec->state = strdup("blank")) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if ((r = ca_reg_card_put(s->ctx->reg, rec)) != CA_OK ||
	    (r = ca_ctx_audit(s->ctx, "tac-restore", rec->serial, kv)) != CA_OK)
		goto out;
out:
	r = ca_reg_end(s->ctx->reg, r);
	ca_card_op_clear(&op);
	rec->holder = holder;
	return r;
}

/*
 * Restoring is for those who may activate TACs (sponsor, LSA by default),
 * judged as activating it for its holder: after a run killed between the
 * revocation and the wipe the card is blank in the registry, so the holder
 * is the one its last certificates were for.
 */
static int
restore_allowed(struct ca_session *s, const struct ca_card_rec *rec, struct ca_result *res)
{
	struct ca_card_rec v = *rec;	/* shallow: the view copies what it keeps */
	struct ca_card_view view;
	struct ca_target t = { NULL };
	char *last = NULL;
	int r;

	if (v.holder == NULL &&
	    (r = ca_reg_card_last_holder(s->ctx->reg, rec->serial, &last)) != CA_OK &&
	    r != CA_ERR_NOT_FOUND)
		return r;
	if (v.holder == NULL)
		v.holder = last;
	if ((r = ca_card_view_fill(s, &v, &view)) == CA_OK &&
	    (r = ca_card_view_tac_org(s, &view)) == CA_OK) {
		t.card = &view.st;
		t.subject = rec->serial;
		r = ca_gate(s, CA_OP_TAC_RESTORE, &t, res, NULL);
	}
	free(last);
	return r;
}

/*
 * Revoke first, then wipe: a kill in between leaves a card whose
 * certificates are already revoked (useless) and a re-run that wipes it.
 */
int
ca_op_tac_restore(struct ca_session *s, unsigned reader, struct ca_result *res)
{
	struct ca_card_rec rec = { 0 };
	struct ca_p11card *c = NULL;
	int r;

	if ((r = ca_gate_who(s, CA_OP_TAC_RESTORE, NULL, res)) != CA_OK)
		return r;
	if ((r = ra_reader_card(s, CA_OP_TAC_RESTORE, reader, &c, res)) != CA_OK)
		return r;
	if ((r = ca_reg_card_get(s->ctx->reg, c->serial, &rec)) != CA_OK || !rec.is_tac) {
		r = r == CA_OK || r == CA_ERR_NOT_FOUND
			? RA_REFUSE(s, CA_OP_TAC_RESTORE, res, CA_RF_CARD_NOT_TAC, c->serial) : r;
		goto out;
	}
	if ((r = restore_allowed(s, &rec, res)) != CA_OK)
		goto out;
	if ((r = restore_commit(s, &rec)) != CA_OK)
		goto out;
	ca_ctx_point(s->ctx, "tac-restore", "revoked");
	if ((r = ca_card_wipe(s->ctx, c)) == CA_OK)
		ca_result_done(res, "tac-restore: TAC %s wiped and back in the pool", c->serial);
out:
	ca_card_rec_clear(&rec);
	ca_p11card_close(c);
	return r;
}
