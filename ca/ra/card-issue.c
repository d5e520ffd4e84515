/*
 * ca/ra/card-issue.c: issue-card (and the bootstrap), repair and
 * tac-activate — the operations that personalise a whole card. See
 * card-ops.h.
 */
#include "config.h"

#include <stdarg.h>
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
#include "ca/registry/registry-ra.h"
#include "common/log.h"
#include "policy/decide.h"

struct issue {
	enum ca_op op;			/* CA_OP_ISSUE_CARD, _BOOTSTRAP, _REPAIR, _TAC_ACTIVATE */
	const char *name;		/* its name: journal, audit, kill points */
	const struct ca_card_issue_req *rq;
	struct ca_result *res;
	struct ca_p11card *card;
	struct ca_card_rec rec;		/* registry card (serial set even if new) */
	struct ca_person holder;
	struct ca_card_view view;
	int64_t now;
	int64_t abandon;		/* pending journal entry of a killed run */
	int64_t op_id;
};

#define refuse(se, s, id, ...) \
	RA_REFUSE((se), (s)->op, (s)->res, (id), (s)->card->serial, __VA_ARGS__)

/* A registered person as a policy actor: RA roles and first position. */
static int
actor_of(struct ca_session *se, const char *uuid, struct pol_actor *a)
{
	struct ca_op_position pos;
	int r;

	memset(a, 0, sizeof(*a));
	memset(&pos, 0, sizeof(pos));
	a->person_id = uuid;
	if ((r = ca_reg_person_roles(se->ctx->reg, uuid, &a->roles)) != CA_OK)
		return r;
	r = ca_reg_operator_position(se->ctx->reg, uuid, NULL, &pos);
	if (r == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	a->roles |= pol_role_parse(pos.role) & POL_ROLE_PHARMACIST;
	a->locum = pos.locum;
	return CA_OK;
}

/*
 * Issuing needs an issuing role and a holder whose identity was checked:
 * in person by the RA (person-add, batch) or, when a sponsor registered a
 * request, by an RA agent other than the sponsor (pol_decide_issue).
 */
static int
decide_issue(struct ca_session *se, struct issue *s)
{
	struct ca_target t = { &s->view.st, s->holder.uuid, NULL, 0, NULL, NULL, NULL,
			       s->card->serial };
	struct pol_actor sponsor, agent;
	char *spid = NULL, *agid = NULL;
	bool verified = false;
	int r;

	r = ca_reg_card_request(se->ctx->reg, s->holder.uuid, &spid, &agid, &verified);
	if (r == CA_ERR_NOT_FOUND) {
		if (s->holder.checked_by == NULL)
			return refuse(se, s, CA_RF_CARD_IDENTITY_UNCHECKED, s->holder.uuid);
		return ca_gate(se, s->op, &t, s->res, NULL);
	}
	if (r != CA_OK)
		return r;
	if (!verified || agid == NULL) {
		r = refuse(se, s, CA_RF_REQUEST_IDENTITY_UNCHECKED, s->holder.uuid);
		goto out;
	}
	if ((r = actor_of(se, spid, &sponsor)) != CA_OK || (r = actor_of(se, agid, &agent)) != CA_OK)
		goto out;
	t.sponsor = &sponsor;
	t.agent = &agent;
	r = ca_gate(se, s->op, &t, s->res, NULL);
out:
	free(spid);
	free(agid);
	return r;
}

static int
decide(struct ca_session *se, struct issue *s)
{
	struct ca_target t = { &s->view.st, s->holder.uuid, NULL, 0, NULL, NULL, NULL,
			       s->card->serial };

	switch (s->op) {
	case CA_OP_BOOTSTRAP:
		if (strcmp(s->holder.uuid, se->actor.uuid) != 0)
			return refuse(se, s, CA_RF_BOOTSTRAP_OTHER, se->actor.uuid, s->holder.uuid,
				      se->actor.uuid, se->actor.uuid);
		return ca_gate(se, s->op, &t, s->res, NULL);
	case CA_OP_ISSUE_CARD:
		return decide_issue(se, s);
	case CA_OP_TAC_ACTIVATE:
		t.period = s->rq->period;
		/* fall through */
	default:
		return ca_gate(se, s->op, &t, s->res, NULL);
	}
}

/* The card's registry state allows this operation at all. */
static int
state_check(struct ca_session *se, struct issue *s)
{
	const char *st = s->rec.state != NULL ? s->rec.state : "blank";
	bool blank = strcmp(st, "blank") == 0;

	if (s->op == CA_OP_REPAIR) {
		if (strcmp(st, "issued") != 0)
			return refuse(se, s, CA_RF_CARD_NOT_REPAIRABLE, st);
		return CA_OK;
	}
	if (!blank)
		return refuse(se, s, CA_RF_CARD_NOT_BLANK, st);
	if (s->rec.is_tac && !(s->op == CA_OP_TAC_ACTIVATE))
		return refuse(se, s, CA_RF_CARD_IS_TAC, NULL);
	if ((s->op == CA_OP_TAC_ACTIVATE) && !s->rec.is_tac)
		return refuse(se, s, CA_RF_CARD_NOT_TAC, NULL);
	return CA_OK;
}

/* Registry facts: the card (or a new record for it), its journal, the holder. */
static int
load(struct ca_session *se, struct issue *s)
{
	struct ca_card_op op = { 0 };
	const char *holder;
	int r;

	r = ca_reg_card_get(se->ctx->reg, s->card->serial, &s->rec);
	if (r == CA_ERR_NOT_FOUND && (s->rec.serial = strdup(s->card->serial)) == NULL)
		return CA_ERR_ALLOC;
	if (r != CA_OK && r != CA_ERR_NOT_FOUND)
		return r;
	if ((r = ca_reg_card_op_open(se->ctx->reg, s->card->serial, &op)) == CA_OK) {
		if (strcmp(op.state, "committed") == 0) {
			r = refuse(se, s, CA_RF_CARD_OP_COMMITTED, op.op, op.op);
		} else {
			s->abandon = op.id;	/* the wipe below undoes it */
			util_log(LOG_NOTICE, "card %s: redoing the interrupted %s", s->card->serial,
				 op.op);
		}
	} else if (r == CA_ERR_NOT_FOUND) {
		r = CA_OK;
	}
	ca_card_op_clear(&op);
	if (r != CA_OK)
		return r;
	holder = s->op == CA_OP_REPAIR ? s->rec.holder : s->rq->holder;
	if (holder == NULL)
		return refuse(se, s, CA_RF_CARD_NO_HOLDER, NULL);
	if ((r = ca_reg_person_get(se->ctx->reg, holder, &s->holder)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(se, s->op, s->res, CA_RF_PERSON_UNKNOWN, holder);
	return r;
}

static int
view_make(struct ca_session *se, struct issue *s)
{
	struct ca_card_rec v = s->rec;	/* shallow: the view copies what it keeps */
	int r;

	v.holder = s->holder.uuid;
	v.is_tac = s->rec.is_tac || s->op == CA_OP_TAC_ACTIVATE;
	if ((r = ca_card_view_fill(se, &v, &s->view)) != CA_OK || !v.is_tac)
		return r;
	return ca_card_view_tac_org(se, &s->view);
}

static int
journal_start(struct ca_session *se, struct issue *s)
{
	int r;

	/* The killed run's certificates are revoked before the card is wiped. */
	if (s->abandon != 0 && (r = ca_card_op_abandon(se, s->abandon, s->name)) != CA_OK)
		return r;
	return ca_reg_card_op_start(se->ctx->reg, s->card->serial, s->name, s->holder.uuid,
				    se->actor.kind == CA_ACTOR_OPERATOR ? se->actor.uuid : NULL,
				    NULL, s->now, &s->op_id);
}

/* Card row, certificates, revocations, journal and audit: one transaction. */
static int
commit(struct ca_session *se, struct issue *s, const struct ca_perso *p)
{
	struct ca_card_rec c = s->rec;
	struct ca_card_commit_req cq = { s->name, &c, p->certs, s->op_id, "done", NULL, "" };
	char until[24];
	const char *kv[] = { "holder", s->holder.uuid, "authentication", p->certs[0].serial,
			     "signing", p->certs[1].serial, "locked", p->pin == NULL ? "yes" : "no",
			     "bootstrap", s->op == CA_OP_BOOTSTRAP ? "yes" : NULL,
			     "revoked", cq.nrev, "reason", s->rq->reason,
			     "until", s->op == CA_OP_TAC_ACTIVATE ? until : NULL, NULL };
	int n = 0;

	cq.revoked = &n;
	snprintf(until, sizeof(until), "%lld", (long long)(s->now + s->rq->period));
	c.state = s->op == CA_OP_TAC_ACTIVATE ? "tac-active" : "issued";
	c.holder = s->holder.uuid;
	c.is_tac = s->rec.is_tac || s->op == CA_OP_TAC_ACTIVATE;
	if (c.issued_at == 0 || s->op != CA_OP_REPAIR)
		c.issued_at = s->now;
	if (s->op != CA_OP_REPAIR)
		c.renewals = 0;
	c.self_renewals = 0;
	return ca_card_commit(se, &cq, kv);
}

static int
run(struct ca_session *se, struct issue *s)
{
	struct ca_perso p;
	char *pin = NULL;
	int r;

	memset(&p, 0, sizeof(p));
	if ((r = load(se, s)) != CA_OK || (r = state_check(se, s)) != CA_OK ||
	    (r = view_make(se, s)) != CA_OK || (r = decide(se, s)) != CA_OK)
		goto out;
	if (!s->rq->locked &&
	    (r = ca_card_new_passcode(se, s->op, s->card->serial, &pin, s->res)) != CA_OK)
		goto out;
	if ((r = journal_start(se, s)) != CA_OK)
		goto out;
	ca_ctx_point(se->ctx, s->name, "pending");
	p.holder = &s->holder;
	p.pin = pin;
	p.lifetime = s->op == CA_OP_TAC_ACTIVATE ? s->rq->period : 0;
	p.op = s->name;
	p.card_op = s->op_id;
	if ((r = ca_card_personalise(se->ctx, s->card, &p)) != CA_OK ||
	    (r = commit(se, s, &p)) != CA_OK)
		goto out;
	ca_result_done(s->res, "%s: card %s for %s (%s): authentication %s, signing %s%s",
		       s->name, s->card->serial, s->holder.uuid, s->holder.name,
		       p.certs[0].serial, p.certs[1].serial,
		       pin == NULL ? "; locked for delivery" : "");
out:
	ca_secret_free(pin);
	ca_perso_clear(&p);
	return r;
}

static int
issue_op(struct ca_session *se, enum ca_op op, const struct ca_card_issue_req *rq,
	 struct ca_result *res)
{
	struct issue s;
	int r;

	if ((r = ca_gate_who(se, op, rq->holder, res)) != CA_OK)
		return r;
	memset(&s, 0, sizeof(s));
	s.op = op;
	s.name = op == CA_OP_BOOTSTRAP ? "issue-card" : ca_op_name(op);
	s.rq = rq;
	s.res = res;
	s.now = ca_ctx_now(se->ctx);
	if ((r = ra_reader_card(se, op, rq->reader, &s.card, res)) != CA_OK)
		return r;
	r = run(se, &s);
	ca_person_clear(&s.holder);
	ca_card_rec_clear(&s.rec);
	ca_p11card_close(s.card);
	return r;
}

int
ca_op_issue_card(struct ca_session *se, const struct ca_card_issue_req *rq,
		 struct ca_result *res)
{
	return issue_op(se, se->actor.kind == CA_ACTOR_BOOTSTRAP ? CA_OP_BOOTSTRAP
			: CA_OP_ISSUE_CARD, rq, res);
}

int
ca_op_repair(struct ca_session *se, const struct ca_card_issue_req *rq, struct ca_result *res)
{
	return issue_op(se, CA_OP_REPAIR, rq, res);
}

int
ca_op_tac_activate(struct ca_session *se, const struct ca_card_issue_req *rq,
		   struct ca_result *res)
{
	return issue_op(se, CA_OP_TAC_ACTIVATE, rq, res);
}
