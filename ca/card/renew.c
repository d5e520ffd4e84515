/*
 * ca/card-renew.c: renew (RA-assisted) and self-renew. See card-ops.h.
 *
 * The holder keeps a working pair at every moment. New pairs are generated
 * beside the current ones (CKA_ID 0x11/0x12, labels "...-new"), certified
 * and written; the registry then commits the new certificates, the old ones
 * revoked as superseded and the journal entry "committed", all at once.
 * Only then are the pairs swapped: current -> old (0x21/0x22), new ->
 * current (0x01/0x02), old destroyed. Objects are moved one at a time, so
 * a re-run tells the swap's progress by counting the new pair's objects
 * (three: not started; fewer: half way) and finishes it; a re-run after a
 * kill before the commit destroys the uncommitted new pairs and starts again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/card/ops.h"
#include "ca/card/perso.h"
#include "ca/card/pin.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "common/log.h"

#define PAIR_OBJECTS 3		/* private key, public key, certificate */

static const struct {
	const char *profile, *label, *label_new, *label_old;
	unsigned char id;
} pairs[2] = {
	{ "authentication", CA_CARD_LABEL_AUTH, "authentication-new", "authentication-old",
	  CA_CARD_ID_AUTH },
	{ "signing", CA_CARD_LABEL_SIGN, "signing-new", "signing-old", CA_CARD_ID_SIGN },
};

struct renew {
	bool self;
	const char *op;			/* "renew" or "self-renew" */
	struct ca_p11card *card;
	struct ca_card_rec rec;
	struct ca_person holder;
	int64_t op_id;
};

/* Swap one pair in (see the top of the file); safe to repeat. */
static int
swap_pair(struct renew *s, int i)
{
	unsigned char cur = pairs[i].id, nw = cur | CA_CARD_ID_NEW, old = cur | CA_CARD_ID_OLD;
	size_t n = 0;
	int r;

	if ((r = ca_p11card_count(s->card, nw, &n)) != CA_OK)
		return r;
	if (n == PAIR_OBJECTS &&
	    (r = ca_p11card_relabel(s->card, cur, pairs[i].label_old, old)) != CA_OK)
		return r;
	ca_card_kill_point(s->op, i == 0 ? "old-authentication-moved" : "old-signing-moved");
	if (n > 0 && (r = ca_p11card_relabel(s->card, nw, pairs[i].label, cur)) != CA_OK)
		return r;
	ca_card_kill_point(s->op, i == 0 ? "new-authentication-moved" : "new-signing-moved");
	return ca_p11card_destroy(s->card, old);
}

static int
finish(struct ca_card_env *e, struct renew *s, int64_t id)
{
	int r;

	if ((r = swap_pair(s, 0)) != CA_OK || (r = swap_pair(s, 1)) != CA_OK)
		return r;
	return ca_reg_card_op_set(e->ctx->reg, id, "done", e->now);
}

/* Undo the uncommitted part of a killed run: its new pairs. */
static int
undo(struct ca_card_env *e, struct renew *s, int64_t id)
{
	int r;

	if ((r = ca_p11card_destroy(s->card, CA_CARD_ID_AUTH | CA_CARD_ID_NEW)) != CA_OK ||
	    (r = ca_p11card_destroy(s->card, CA_CARD_ID_SIGN | CA_CARD_ID_NEW)) != CA_OK)
		return r;
	return ca_reg_card_op_set(e->ctx->reg, id, "abandoned", e->now);
}

/*
 * An open journal entry from a killed run: complete a committed renewal
 * (*done set: nothing more to do), undo a pending one.
 */
static int
recover(struct ca_card_env *e, struct renew *s, bool *done)
{
	struct ca_card_op op = { 0 };
	int r;

	*done = false;
	if ((r = ca_reg_card_op_open(e->ctx->reg, s->card->serial, &op)) == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	if (strcmp(op.op, "renew") != 0 && strcmp(op.op, "self-renew") != 0) {
		util_log(LOG_ERR, "card %s: an interrupted %s is pending: run %s again first",
			 s->card->serial, op.op, op.op);
		r = CA_ERR_STATE;
	} else if (strcmp(op.state, "committed") == 0) {
		if ((r = finish(e, s, op.id)) == CA_OK) {
			printf("%s: completed the interrupted %s of card %s\n", s->op, op.op,
			       s->card->serial);
			*done = true;
		}
	} else {
		util_log(LOG_NOTICE, "card %s: undoing the interrupted %s", s->card->serial, op.op);
		r = undo(e, s, op.id);
	}
	ca_card_op_clear(&op);
	return r;
}

static int
decide(struct ca_card_env *e, struct renew *s)
{
	struct ca_card_view v;
	struct pol_decision d;
	struct pol_actor a;
	int r;

	if ((r = ca_card_view_fill(e, &s->rec, &v)) != CA_OK)
		return r;
	ca_card_actor(&e->op, &a);
	if (s->self)
		pol_decide_self_renew(e->pol, &v.st, e->now, &d);
	else
		pol_decide_assisted_renew(e->pol, &v.st, e->have_op ? &a : NULL, e->now, &d);
	if (!d.allow)
		return ca_card_refuse(e, s->op, s->card->serial, &d);
	printf("%s: %s\n", s->op, d.sentence);
	return CA_OK;
}

static int
load(struct ca_card_env *e, struct renew *s)
{
	int r;

	if ((r = ca_reg_card_get(e->ctx->reg, s->card->serial, &s->rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "card %s is not in the registry", s->card->serial);
		return r;
	}
	if (s->rec.holder == NULL || strcmp(s->rec.state, "issued") != 0) {
		util_log(LOG_ERR, "card %s is %s: only issued cards are renewed", s->card->serial,
			 s->rec.state);
		return CA_ERR_STATE;
	}
	if ((r = ca_reg_person_get(e->ctx->reg, s->rec.holder, &s->holder)) != CA_OK)
		return r;
	if (s->self)
		e->ctx->actor = s->holder.uuid;	/* the holder acts on their own card */
	return CA_OK;
}

/* The holder, present, logs in to their card with their passcode. */
static int
holder_login(struct renew *s)
{
	char *pin = NULL;
	int r;

	if ((r = ca_card_pin_read(CA_PIN_ENV_HOLDER, "Holder passcode: ", 0, &pin)) != CA_OK)
		return r;
	r = ca_p11card_login(s->card, CKU_USER, pin, NULL);
	ca_secret_free(pin);
	return r;
}

static int
record(struct ca_card_env *e, struct renew *s, const struct ca_card_cert *certs, int *revoked)
{
	struct ca_card_rec c = s->rec;
	struct ca_cert_rec cr;
	int i, r;

	c.renewals = s->rec.renewals + 1;
	c.self_renewals = s->self ? s->rec.self_renewals + 1 : 0;
	if ((r = ca_card_revoke_all(e, c.serial, CRL_REASON_SUPERSEDED, revoked)) != CA_OK ||
	    (r = ca_reg_card_put(e->ctx->reg, &c)) != CA_OK)
		return r;
	for (i = 0; i < 2; i++) {
		ca_card_cert_rec(&certs[i], c.serial, c.holder, &cr);
		cr.renewal_count = c.renewals;
		cr.self_renewals = c.self_renewals;
		if ((r = ca_reg_cert_add(e->ctx->reg, &cr)) != CA_OK)
			return r;
	}
	return ca_reg_card_op_set(e->ctx->reg, s->op_id, "committed", e->now);
}

static int
commit(struct ca_card_env *e, struct renew *s, const struct ca_card_cert *certs)
{
	char *details = NULL, nrev[16], count[16];
	const char *kv[] = { "holder", s->holder.uuid, "authentication", certs[0].serial,
			     "signing", certs[1].serial, "revoked", nrev, "renewals", count, NULL };
	int r, n = 0;

	snprintf(count, sizeof(count), "%d", s->rec.renewals + 1);
	if ((r = ca_reg_begin(e->ctx->reg)) != CA_OK)
		return r;
	if ((r = record(e, s, certs, &n)) != CA_OK)
		goto out;
	snprintf(nrev, sizeof(nrev), "%d", n);
	if ((r = ca_json_object(&details, kv)) != CA_OK ||
	    (r = ca_audit_append(e->ctx->reg, (time_t)e->now, ca_card_actor_id(e), s->op,
				 s->card->serial, details)) != CA_OK)
		goto out;
	ca_card_kill_point(s->op, "before-commit");
	r = ca_reg_commit(e->ctx->reg);
out:
	if (r != CA_OK)
		ca_reg_rollback(e->ctx->reg);
	free(details);
	return r;
}

static int
run(struct ca_card_env *e, struct renew *s)
{
	struct ca_card_cert certs[2];
	bool done = false;
	int i, r;

	memset(certs, 0, sizeof(certs));
	if ((r = load(e, s)) != CA_OK || (r = holder_login(s)) != CA_OK ||
	    (r = recover(e, s, &done)) != CA_OK || done || (r = decide(e, s)) != CA_OK)
		goto out;
	if ((r = ca_reg_card_op_start(e->ctx->reg, s->card->serial, s->op, s->holder.uuid,
				      e->have_op ? e->op.uuid : NULL, NULL, e->now,
				      &s->op_id)) != CA_OK)
		goto out;
	ca_card_kill_point(s->op, "pending");
	for (i = 0; i < 2; i++) {
		if ((r = ca_card_pair_make(e, s->card, pairs[i].profile, &s->holder,
					   pairs[i].id | CA_CARD_ID_NEW, pairs[i].label_new, 0,
					   &certs[i])) != CA_OK)
			goto out;
		ca_card_kill_point(s->op, i == 0 ? "new-authentication-written" : "new-signing-written");
	}
	if ((r = commit(e, s, certs)) != CA_OK)
		goto out;
	ca_card_kill_point(s->op, "committed");
	if ((r = finish(e, s, s->op_id)) != CA_OK)
		goto out;
	printf("%s: card %s of %s renewed: authentication %s, signing %s\n", s->op,
	       s->card->serial, s->holder.uuid, certs[0].serial, certs[1].serial);
out:
	ca_card_cert_clear(&certs[0]);
	ca_card_cert_clear(&certs[1]);
	return r;
}

int
ca_card_renew(struct ca_card_env *e, unsigned reader, bool self)
{
	struct renew s;
	int r;

	memset(&s, 0, sizeof(s));
	s.self = self;
	s.op = self ? "self-renew" : "renew";
	if ((r = ca_card_env_card(e, reader, &s.card)) != CA_OK)
		return r;
	r = run(e, &s);
	ca_person_clear(&s.holder);
	ca_card_rec_clear(&s.rec);
	ca_p11card_close(s.card);
	return r;
}
