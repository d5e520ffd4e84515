/*
 * ca/ra/card-renew.c: renew (RA-assisted) and self-renew. See card-ops.h.
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

#include "ca/card/perso.h"
#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "ca/ra/card-ops.h"
#include "ca/ra/card-view.h"
#include "ca/ra/ra-int.h"
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
	struct ca_result *res;
	int64_t now;
	struct ca_p11card *card;
	struct ca_card_rec rec;
	struct ca_person holder;
	int64_t op_id;
};

/* Swap one pair in (see the top of the file); safe to repeat. */
static int
swap_pair(struct ca_session *se, struct renew *s, int i)
{
	unsigned char cur = pairs[i].id, nw = cur | CA_CARD_ID_NEW, old = cur | CA_CARD_ID_OLD;
	size_t n = 0;
	int r;

	if ((r = ca_p11card_count(s->card, nw, &n)) != CA_OK)
		return r;
	if (n == PAIR_OBJECTS &&
	    (r = ca_p11card_relabel(s->card, cur, pairs[i].label_old, old)) != CA_OK)
		return r;
	ca_ctx_point(se->ctx, s->op, i == 0 ? "old-authentication-moved" : "old-signing-moved");
	if (n > 0 && (r = ca_p11card_relabel(s->card, nw, pairs[i].label, cur)) != CA_OK)
		return r;
	ca_ctx_point(se->ctx, s->op, i == 0 ? "new-authentication-moved" : "new-signing-moved");
	return ca_p11card_destroy(s->card, old);
}

static int
finish(struct ca_session *se, struct renew *s, int64_t id)
{
	int r;

	if ((r = swap_pair(se, s, 0)) != CA_OK || (r = swap_pair(se, s, 1)) != CA_OK)
		return r;
	return ca_reg_card_op_set(se->ctx->reg, id, "done", s->now);
}

/* Undo the uncommitted part of a killed run: its new pairs. */
static int
undo(struct ca_session *se, struct renew *s, int64_t id)
{
	int r;

	if ((r = ca_p11card_destroy(s->card, CA_CARD_ID_AUTH | CA_CARD_ID_NEW)) != CA_OK ||
	    (r = ca_p11card_destroy(s->card, CA_CARD_ID_SIGN | CA_CARD_ID_NEW)) != CA_OK)
		return r;
	return ca_card_op_abandon(se, id, s->op);
}

/*
 * An open journal entry from a killed run (registry only, before the card
 * is touched): *committed when its certificates are recorded — the swap on
 * the card is all that is left — else *pending (0 if none) to undo.
 */
static int
journal(struct ca_session *se, struct renew *s, int64_t *committed, int64_t *pending)
{
	struct ca_card_op op = { 0 };
	int r;

	*committed = *pending = 0;
	if ((r = ca_reg_card_op_open(se->ctx->reg, s->card->serial, &op)) == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	if (strcmp(op.op, "renew") != 0 && strcmp(op.op, "self-renew") != 0)
		r = RA_REFUSE(se, s->self ? CA_OP_SELF_RENEW : CA_OP_RENEW, s->res,
			      CA_RF_CARD_OP_PENDING, s->card->serial, op.op, op.op);
	else if (strcmp(op.state, "committed") == 0)
		*committed = op.id;
	else
		*pending = op.id;
	ca_card_op_clear(&op);
	return r;
}

static int
decide(struct ca_session *se, struct renew *s)
{
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int r;

	if ((r = ca_card_view_fill(se, &s->rec, &v)) != CA_OK)
		return r;
	t.card = &v.st;
	t.subject = s->card->serial;
	return ca_gate(se, s->self ? CA_OP_SELF_RENEW : CA_OP_RENEW, &t, s->res, NULL);
}

static int
load(struct ca_session *se, struct renew *s)
{
	int r;

	enum ca_op op = s->self ? CA_OP_SELF_RENEW : CA_OP_RENEW;

	if ((r = ca_reg_card_get(se->ctx->reg, s->card->serial, &s->rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(se, op, s->res, CA_RF_CARD_UNKNOWN, s->card->serial);
		return r;
	}
	if (s->rec.holder == NULL || strcmp(s->rec.state, "issued") != 0)
		return RA_REFUSE(se, op, s->res, CA_RF_CARD_NOT_ISSUED, s->card->serial,
				 s->rec.state);
	return ca_reg_person_get(se->ctx->reg, s->rec.holder, &s->holder);
}

/* The holder, present, logs in to their card with their passcode. */
static int
holder_login(struct ca_session *se, struct renew *s)
{
	char *pin = NULL;
	int r;

	if ((r = ca_session_secret(se, CA_SECRET_HOLDER_PASSCODE, s->card->serial, &pin)) != CA_OK)
		return ca_result_fail(s->res, r, NULL, "the holder's passcode was not given");
	r = ca_p11card_login(s->card, CKU_USER, pin, NULL);
	ca_secret_free(pin);
	if (r != CA_OK)
		ca_result_fail(s->res, r, NULL, "the holder's passcode was refused by card %s",
			       s->card->serial);
	return r;
}

/* The new certificates, the old ones superseded, the counters: one transaction. */
static int
commit(struct ca_session *se, struct renew *s, const struct ca_card_cert *certs)
{
	struct ca_card_rec c = s->rec;
	struct ca_card_commit_req cq = { s->op, &c, certs, s->op_id, "committed", NULL, "" };
	char count[16];
	const char *kv[] = { "holder", s->holder.uuid, "authentication", certs[0].serial,
			     "signing", certs[1].serial, "revoked", cq.nrev, "renewals", count,
			     NULL };
	int n = 0;

	cq.revoked = &n;
	c.renewals = s->rec.renewals + 1;
	c.self_renewals = s->self ? s->rec.self_renewals + 1 : 0;
	snprintf(count, sizeof(count), "%d", c.renewals);
	return ca_card_commit(se, &cq, kv);
}

static int
run(struct ca_session *se, struct renew *s)
{
	struct ca_card_cert certs[2];
	int64_t committed = 0, pending = 0;
	int i, r;

	memset(certs, 0, sizeof(certs));
	if ((r = load(se, s)) != CA_OK || (r = journal(se, s, &committed, &pending)) != CA_OK)
		goto out;
	if (committed != 0) {
		/* Decided and recorded before the kill: only the swap is left. */
		if ((r = holder_login(se, s)) == CA_OK && (r = finish(se, s, committed)) == CA_OK)
			ca_result_done(s->res, "%s: completed the interrupted renewal of card %s",
				       s->op, s->card->serial);
		goto out;
	}
	/* The gate before the card is touched: a refusal leaves it as it was. */
	if ((r = decide(se, s)) != CA_OK || (r = holder_login(se, s)) != CA_OK)
		goto out;
	if (pending != 0) {
		util_log(LOG_NOTICE, "card %s: undoing an interrupted renewal", s->card->serial);
		if ((r = undo(se, s, pending)) != CA_OK)
			goto out;
	}
	if ((r = ca_reg_card_op_start(se->ctx->reg, s->card->serial, s->op, s->holder.uuid,
				      se->actor.kind == CA_ACTOR_OPERATOR ? se->actor.uuid : NULL,
				      NULL, s->now, &s->op_id)) != CA_OK)
		goto out;
	ca_ctx_point(se->ctx, s->op, "pending");
	/* Both new certificates are in the registry before either is signed. */
	for (i = 0; i < 2; i++)
		if ((r = ca_card_pair_draft(se->ctx, s->card, pairs[i].profile, &s->holder,
					    pairs[i].id | CA_CARD_ID_NEW, pairs[i].label_new, 0,
					    &certs[i])) != CA_OK)
			goto out;
	if ((r = ca_card_pairs_record(se->ctx, s->card, s->op, s->op_id, &s->holder,
				      certs)) != CA_OK)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((r = ca_card_pair_write(se->ctx, s->card, pairs[i].id | CA_CARD_ID_NEW,
					    pairs[i].label_new, &certs[i])) != CA_OK)
			goto out;
		ca_ctx_point(se->ctx, s->op,
			     i == 0 ? "new-authentication-written" : "new-signing-written");
	}
	if ((r = commit(se, s, certs)) != CA_OK)
		goto out;
	ca_ctx_point(se->ctx, s->op, "committed");
	if ((r = finish(se, s, s->op_id)) != CA_OK)
		goto out;
	ca_result_done(s->res, "%s: card %s of %s renewed: authentication %s, signing %s",
		       s->op, s->card->serial, s->holder.uuid, certs[0].serial,
		       certs[1].serial);
out:
	ca_card_cert_clear(&certs[0]);
	ca_card_cert_clear(&certs[1]);
	return r;
}

static int
renew_op(struct ca_session *se, unsigned reader, bool self, struct ca_result *res)
{
	struct renew s;
	int r;

	if ((r = ca_gate_who(se, self ? CA_OP_SELF_RENEW : CA_OP_RENEW, NULL, res)) != CA_OK)
		return r;
	memset(&s, 0, sizeof(s));
	s.self = self;
	s.op = self ? "self-renew" : "renew";
	s.res = res;
	s.now = ca_ctx_now(se->ctx);
	if ((r = ra_reader_card(se, self ? CA_OP_SELF_RENEW : CA_OP_RENEW, reader, &s.card,
				res)) != CA_OK)
		return r;
	r = run(se, &s);
	ca_person_clear(&s.holder);
	ca_card_rec_clear(&s.rec);
	ca_p11card_close(s.card);
	return r;
}

int
ca_op_renew(struct ca_session *se, unsigned reader, struct ca_result *res)
{
	return renew_op(se, reader, false, res);
}

int
ca_op_self_renew(struct ca_session *se, unsigned reader, struct ca_result *res)
{
	return renew_op(se, reader, true, res);
}
