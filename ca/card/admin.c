/*
 * ca/card-admin.c: cancel-card, unlock and tac-restore. See card-ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/card/ops.h"
#include "ca/card/perso.h"
#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "common/log.h"

int
ca_card_revoke_all(struct ca_card_env *e, const char *card, int reason, int *n)
{
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	size_t i, k = 0;
	int r;

	*n = 0;
	if ((r = ca_reg_card_certs(e->ctx->reg, card, certs, CA_CARD_CERTS_MAX, &k)) != CA_OK)
		return r;
	for (i = 0; i < k; i++) {
		if (r == CA_OK &&
		    (r = ca_reg_cert_revoke(e->ctx->reg, certs[i].serial, reason, e->now)) == CA_OK)
			(*n)++;
		ca_cert_rec_clear(&certs[i]);
	}
	return r;
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
cancel_commit(struct ca_card_env *e, struct ca_card_rec *rec, const char *why, int reason)
{
	struct ca_card_op op = { 0 };
	char *details = NULL, nrev[16];
	const char *kv[] = { "reason", why, "crl-reason", ca_revoke_reason_name(reason),
			     "holder", rec->holder, "revoked", nrev, NULL };
	int r, n = 0;

	if ((r = ca_reg_begin(e->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_card_revoke_all(e, rec->serial, reason, &n)) != CA_OK)
		goto out;
	free(rec->state);
	if ((rec->state = strdup("cancelled")) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	snprintf(nrev, sizeof(nrev), "%d", n);
	if ((r = ca_reg_card_put(e->ctx->reg, rec)) != CA_OK)
		goto out;
	/* An interrupted operation on a cancelled card is moot. */
	if (ca_reg_card_op_open(e->ctx->reg, rec->serial, &op) == CA_OK &&
	    (r = ca_reg_card_op_set(e->ctx->reg, op.id, "abandoned", e->now)) != CA_OK)
		goto out;
	if ((r = ca_json_object(&details, kv)) != CA_OK ||
	    (r = ca_audit_append(e->ctx->reg, (time_t)e->now, ca_card_actor_id(e), "cancel-card",
				 rec->serial, details)) != CA_OK)
		goto out;
	ca_card_kill_point("cancel-card", "before-commit");
	r = ca_reg_commit(e->ctx->reg);
	if (r == CA_OK)
		printf("cancel-card: card %s cancelled (%s); %d certificate(s) revoked\n",
		       rec->serial, why, n);
out:
	if (r != CA_OK)
		ca_reg_rollback(e->ctx->reg);
	ca_card_op_clear(&op);
	free(details);
	return r;
}

int
ca_card_cancel(struct ca_card_env *e, const char *serial, const char *why)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct pol_decision d;
	int reason, r;

	if (cancel_reason(why, &reason) != CA_OK) {
		util_log(LOG_ERR, "reason must be lost, stolen, damaged, leaver or death");
		return CA_ERR_USAGE;
	}
	if ((r = ca_reg_card_get(e->ctx->reg, serial, &rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "card %s is not in the registry", serial);
		return r;
	}
	if (strcmp(rec.state, "cancelled") == 0) {
		util_log(LOG_ERR, "card %s is cancelled already", serial);
		r = CA_ERR_STATE;
		goto out;
	}
	if ((r = ca_card_view_fill(e, &rec, &v)) != CA_OK)
		goto out;
	if (!ca_card_may(e, &v, e->pol->duties.revoke, "separation-of-duties.operations.revoke",
			 "cancel a card", &d)) {
		r = ca_card_refuse(e, "cancel-card", serial, &d);
		goto out;
	}
	r = cancel_commit(e, &rec, why, reason);
out:
	ca_card_rec_clear(&rec);
	return r;
}

/* The registry record of the card in @c, which must be issued to someone. */
static int
card_issued(struct ca_p11card *c, struct ca_card_env *e, struct ca_card_rec *rec)
{
	int r;

	if ((r = ca_reg_card_get(e->ctx->reg, c->serial, rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "card %s is not in the registry", c->serial);
		return r;
	}
	if (rec->holder == NULL || strcmp(rec->state, "cancelled") == 0 ||
	    strcmp(rec->state, "blank") == 0) {
		util_log(LOG_ERR, "card %s is %s", c->serial, rec->state);
		return CA_ERR_STATE;
	}
	return CA_OK;
}

static int
unlock_run(struct ca_card_env *e, struct ca_p11card *c)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct pol_decision d;
	struct pol_actor a;
	char *pin = NULL;
	int r;

	if ((r = card_issued(c, e, &rec)) != CA_OK || (r = ca_card_view_fill(e, &rec, &v)) != CA_OK)
		goto out;
	v.st.locked = (c->flags & CKF_USER_PIN_LOCKED) != 0;
	ca_card_actor(&e->op, &a);
	pol_decide_unlock(e->pol, &v.st, e->have_op ? &a : NULL, &d);
	if (!d.allow) {
		r = ca_card_refuse(e, "unlock", c->serial, &d);
		goto out;
	}
	if ((r = ca_card_holder_pin(e, "unlock", c->serial, &pin)) != CA_OK ||
	    (r = ca_card_set_passcode(e, c, pin)) != CA_OK)
		goto out;
	{
		const char *kv[] = { "holder", rec.holder, "rule", d.rule, NULL };

		r = ca_card_audit(e, "unlock", c->serial, kv);
	}
	if (r == CA_OK)
		printf("unlock: card %s of %s unlocked; the holder's new passcode is set\n",
		       c->serial, rec.holder);
out:
	ca_secret_free(pin);
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_card_unlock(struct ca_card_env *e, unsigned reader)
{
	struct ca_p11card *c = NULL;
	int r;

	if ((r = ca_card_env_card(e, reader, &c)) != CA_OK)
		return r;
	r = unlock_run(e, c);
	ca_p11card_close(c);
	return r;
}

static int
restore_commit(struct ca_card_env *e, struct ca_card_rec *rec)
{
	char *details = NULL, nrev[16], *holder = rec->holder;
	const char *kv[] = { "holder", holder, "revoked", nrev, NULL };
	int r, n = 0;

	if ((r = ca_reg_begin(e->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_card_revoke_all(e, rec->serial, CRL_REASON_CESSATION_OF_OPERATION,
				    &n)) != CA_OK)
		goto out;
	snprintf(nrev, sizeof(nrev), "%d", n);
	free(rec->state);
	rec->holder = NULL;
	rec->renewals = rec->self_renewals = 0;
	if ((rec->state = strdup("blank")) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if ((r = ca_reg_card_put(e->ctx->reg, rec)) != CA_OK ||
	    (r = ca_json_object(&details, kv)) != CA_OK ||
	    (r = ca_audit_append(e->ctx->reg, (time_t)e->now, ca_card_actor_id(e), "tac-restore",
				 rec->serial, details)) != CA_OK)
		goto out;
	r = ca_reg_commit(e->ctx->reg);
out:
	if (r != CA_OK)
		ca_reg_rollback(e->ctx->reg);
	rec->holder = holder;
	free(details);
	return r;
}

/* Restoring is for those who may activate TACs (sponsor, LSA by default). */
static int
restore_allowed(struct ca_card_env *e, const struct ca_card_rec *rec)
{
	struct ca_card_view v;
	struct pol_decision d;
	int r;

	if ((r = ca_card_view_fill(e, rec, &v)) != CA_OK)
		return r;
	if (!ca_card_may(e, &v, e->pol->duties.tac_activate,
			 "separation-of-duties.operations.tac-activate",
			 "restore a Temporary Access Card", &d))
		return ca_card_refuse(e, "tac-restore", rec->serial, &d);
	return CA_OK;
}

/*
 * Revoke first, then wipe: a kill in between leaves a card whose
 * certificates are already revoked (useless) and a re-run that wipes it.
 */
int
ca_card_tac_restore(struct ca_card_env *e, unsigned reader)
{
	struct ca_card_rec rec = { 0 };
	struct ca_p11card *c = NULL;
	int r;

	if ((r = ca_card_env_card(e, reader, &c)) != CA_OK)
		return r;
	if ((r = ca_reg_card_get(e->ctx->reg, c->serial, &rec)) != CA_OK || !rec.is_tac) {
		util_log(LOG_ERR, "card %s is not a registered Temporary Access Card", c->serial);
		r = r == CA_OK ? CA_ERR_STATE : r;
		goto out;
	}
	if (rec.holder != NULL && (r = restore_allowed(e, &rec)) != CA_OK)
		goto out;
	if (rec.holder != NULL && (r = restore_commit(e, &rec)) != CA_OK)
		goto out;
	ca_card_kill_point("tac-restore", "revoked");
	if ((r = ca_card_wipe(e, c)) == CA_OK)
		printf("tac-restore: TAC %s wiped and back in the pool\n", c->serial);
out:
	ca_card_rec_clear(&rec);
	ca_p11card_close(c);
	return r;
}
