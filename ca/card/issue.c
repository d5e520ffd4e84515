/*
 * ca/card-issue.c: issue-card (with --bootstrap), repair and tac-activate —
 * the operations that personalise a whole card. See card-ops.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/card/ops.h"
#include "ca/card/perso.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "common/log.h"
#include "policy/decide.h"

struct issue {
	const struct ca_card_issue_req *rq;
	struct ca_p11card *card;
	struct ca_card_rec rec;		/* registry card (serial set even if new) */
	struct ca_person holder;
	struct ca_card_view view;
	int64_t abandon;		/* pending journal entry of a killed run */
	int64_t op_id;
};

static int __attribute__((format(printf, 4, 5)))
refuse_text(struct ca_card_env *e, struct issue *s, const char *rule, const char *fmt, ...)
{
	struct pol_decision d;
	va_list ap;

	memset(&d, 0, sizeof(d));
	d.rule = rule;
	va_start(ap, fmt);
	vsnprintf(d.sentence, sizeof(d.sentence), fmt, ap);
	va_end(ap);
	return ca_card_refuse(e, s->rq->op, s->card->serial, &d);
}

/* A registered person as a policy actor: roles and first position from the registry. */
static int
actor_of(struct ca_card_env *e, const char *uuid, struct ca_operator *who, struct pol_actor *a)
{
	struct ca_op_position pos;
	int r;

	memset(who, 0, sizeof(*who));
	memset(&pos, 0, sizeof(pos));
	snprintf(who->uuid, sizeof(who->uuid), "%s", uuid);
	if ((r = ca_reg_operator_roles(e->ctx->reg, who->uuid, &who->roles)) != CA_OK)
		return r;
	if (ca_reg_operator_position(e->ctx->reg, who->uuid, NULL, &pos) == CA_OK) {
		snprintf(who->position_role, sizeof(who->position_role), "%s", pos.role);
		snprintf(who->org, sizeof(who->org), "%s", pos.org);
		who->locum = pos.locum;
	}
	ca_card_actor(who, a);
	return CA_OK;
}

/*
 * The operator must hold an issuing role. When the holder was registered
 * with a sponsor, identity must have been checked, and the sponsor and the
 * RA agent who checked it must satisfy pol_decide_issue.
 */
static int
decide_issue(struct ca_card_env *e, struct issue *s, struct pol_decision *d)
{
	struct ca_operator sp, ag;
	struct pol_actor sponsor, agent;
	char *spid = NULL, *agid = NULL;
	bool verified = false;
	int r;

	if (!ca_card_may(e, &s->view, e->pol->duties.issue, "separation-of-duties.operations.issue",
			 "issue a card", d))
		return CA_OK;
	r = ca_reg_card_request(e->ctx->reg, s->holder.uuid, &spid, &agid, &verified);
	if (r == CA_ERR_NOT_FOUND)
		return CA_OK;	/* registered directly (person-add): the role check decides */
	if (r != CA_OK)
		return r;
	if (!verified || agid == NULL) {
		pol_say(d, false, "separation-of-duties.operations.issue",
			"the holder's identity has not been checked yet: an RA agent records "
			"the check (verify-identity) before the card is issued");
		goto out;
	}
	if ((r = actor_of(e, spid, &sp, &sponsor)) != CA_OK ||
	    (r = actor_of(e, agid, &ag, &agent)) != CA_OK)
		goto out;
	pol_decide_issue(e->pol, s->holder.uuid, &sponsor, &agent, d);
out:
	free(spid);
	free(agid);
	return r;
}

static int
decide_bootstrap(struct ca_card_env *e, struct issue *s, struct pol_decision *d)
{
	bool any = true;
	int r;

	if ((r = ca_reg_cards_any_issued(e->ctx->reg, &any)) != CA_OK)
		return r;
	memset(d, 0, sizeof(*d));
	d->rule = "bootstrap";
	if (any) {
		snprintf(d->sentence, sizeof(d->sentence), "a card has been issued already, so "
			 "there is no bootstrap: an RA agent or manager issues cards with their "
			 "own card");
		return CA_OK;
	}
	if (ca_reg_ra_role_has(e->ctx->reg, s->holder.uuid, "ra-manager") != CA_OK) {
		snprintf(d->sentence, sizeof(d->sentence), "the bootstrap card is the first RA "
			 "manager's own: %s is not an RA manager", s->holder.uuid);
		return CA_OK;
	}
	d->allow = true;
	/* Audited as the RA manager bootstrapping their own card. */
	e->ctx->actor = s->holder.uuid;
	return CA_OK;
}

static int
decide(struct ca_card_env *e, struct issue *s, struct pol_decision *d)
{
	struct pol_actor a;

	ca_card_actor(&e->op, &a);
	memset(d, 0, sizeof(*d));
	if (s->rq->bootstrap)
		return decide_bootstrap(e, s, d);
	if (strcmp(s->rq->op, "repair") == 0)
		pol_decide_repair(e->pol, &s->view.st, &a, e->now, d);
	else if (s->rq->tac)
		pol_decide_tac_activate(e->pol, &s->view.st, &a, s->rq->period, d);
	else
		return decide_issue(e, s, d);
	return CA_OK;
}

/* The card's registry state allows this operation at all. */
static int
state_check(struct ca_card_env *e, struct issue *s)
{
	const char *st = s->rec.state != NULL ? s->rec.state : "blank";
	bool blank = strcmp(st, "blank") == 0;

	if (strcmp(s->rq->op, "repair") == 0) {
		if (strcmp(st, "issued") != 0)
			return refuse_text(e, s, "card.state", "only an issued card can be "
					   "repaired; this card is %s: issue it instead", st);
		return CA_OK;
	}
	if (!blank)
		return refuse_text(e, s, "card.state", "the card is %s already: renew, repair or "
				   "cancel it, or use a blank card", st);
	if (s->rec.is_tac && !s->rq->tac)
		return refuse_text(e, s, "tac.positions", "card %s is a Temporary Access Card: "
				   "activate it with tac-activate", s->card->serial);
	if (s->rq->tac && !s->rec.is_tac)
		return refuse_text(e, s, "tac.positions", "card %s is not in a TAC pool: register "
				   "it as a TAC first, or issue it as a personal card",
				   s->card->serial);
	return CA_OK;
}

/* Registry facts: the card (or a new record for it), its journal, the holder. */
static int
load(struct ca_card_env *e, struct issue *s)
{
	struct ca_card_op op = { 0 };
	const char *holder;
	int r;

	r = ca_reg_card_get(e->ctx->reg, s->card->serial, &s->rec);
	if (r == CA_ERR_NOT_FOUND && (s->rec.serial = strdup(s->card->serial)) == NULL)
		return CA_ERR_ALLOC;
	if (r != CA_OK && r != CA_ERR_NOT_FOUND)
		return r;
	if ((r = ca_reg_card_op_open(e->ctx->reg, s->card->serial, &op)) == CA_OK) {
		if (strcmp(op.state, "committed") == 0) {
			util_log(LOG_ERR, "card %s: an interrupted %s is committed; run %s again "
				 "to complete it first", s->card->serial, op.op, op.op);
			r = CA_ERR_STATE;
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
	holder = strcmp(s->rq->op, "repair") == 0 ? s->rec.holder : s->rq->holder;
	if (holder == NULL) {
		util_log(LOG_ERR, "card %s has no holder", s->card->serial);
		return CA_ERR_STATE;
	}
	if ((r = ca_reg_person_get(e->ctx->reg, holder, &s->holder)) == CA_ERR_NOT_FOUND)
		util_log(LOG_ERR, "holder %s is not in the registry", holder);
	return r;
}

static int
view_make(struct ca_card_env *e, struct issue *s)
{
	struct ca_card_rec v = s->rec;	/* shallow: the view copies what it keeps */

	char org[16];
	int r;

	v.holder = s->holder.uuid;
	v.is_tac = s->rec.is_tac || s->rq->tac;
	if ((r = ca_card_view_fill(e, &v, &s->view)) != CA_OK || !v.is_tac)
		return r;
	/* A TAC from an organisation's pool belongs to that organisation: the
	 * policy's organisation rules apply to it, not to the holder's posts. */
	r = ca_reg_card_tac_org(e->ctx->reg, s->card->serial, org);
	if (r == CA_OK) {
		snprintf(s->view.orgs[0], sizeof(s->view.orgs[0]), "%s", org);
		s->view.st.orgs[0] = s->view.orgs[0];
		s->view.st.norgs = 1;
	}
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}

static int
journal_start(struct ca_card_env *e, struct issue *s)
{
	int r;

	if (s->abandon != 0 &&
	    (r = ca_reg_card_op_set(e->ctx->reg, s->abandon, "abandoned", e->now)) != CA_OK)
		return r;
	return ca_reg_card_op_start(e->ctx->reg, s->card->serial, s->rq->op, s->holder.uuid,
				    e->have_op ? e->op.uuid : NULL, NULL, e->now, &s->op_id);
}

static int
record(struct ca_card_env *e, struct issue *s, const struct ca_perso *p, int *revoked)
{
	struct ca_card_rec c = s->rec;
	struct ca_cert_rec cr;
	int i, r;

	c.state = s->rq->tac ? "tac-active" : "issued";
	c.holder = s->holder.uuid;
	c.is_tac = s->rec.is_tac || s->rq->tac;
	if (c.issued_at == 0 || strcmp(s->rq->op, "repair") != 0)
		c.issued_at = e->now;
	if (strcmp(s->rq->op, "repair") != 0)
		c.renewals = 0;
	c.self_renewals = 0;
	if ((r = ca_card_revoke_all(e, c.serial, CRL_REASON_SUPERSEDED, revoked)) != CA_OK ||
	    (r = ca_reg_card_put(e->ctx->reg, &c)) != CA_OK)
		return r;
	for (i = 0; i < 2; i++) {
		ca_card_cert_rec(&p->certs[i], c.serial, c.holder, &cr);
		cr.renewal_count = c.renewals;
		if ((r = ca_reg_cert_add(e->ctx->reg, &cr)) != CA_OK)
			return r;
	}
	return ca_reg_card_op_set(e->ctx->reg, s->op_id, "done", e->now);
}

/* Card row, certificates, revocations, journal and audit: one transaction. */
static int
commit(struct ca_card_env *e, struct issue *s, const struct ca_perso *p)
{
	char *details = NULL, nrev[16], until[24];
	const char *kv[] = { "holder", s->holder.uuid, "authentication", p->certs[0].serial,
			     "signing", p->certs[1].serial, "locked", p->pin == NULL ? "yes" : "no",
			     "bootstrap", s->rq->bootstrap ? "yes" : NULL, "revoked", nrev,
			     "reason", s->rq->reason, "until", s->rq->tac ? until : NULL, NULL };
	int r, n = 0;

	snprintf(until, sizeof(until), "%lld", (long long)(e->now + s->rq->period));
	if ((r = ca_reg_begin(e->ctx->reg)) != CA_OK)
		return r;
	if ((r = record(e, s, p, &n)) != CA_OK)
		goto out;
	snprintf(nrev, sizeof(nrev), "%d", n);
	if ((r = ca_json_object(&details, kv)) != CA_OK ||
	    (r = ca_audit_append(e->ctx->reg, (time_t)e->now, ca_card_actor_id(e), s->rq->op,
				 s->card->serial, details)) != CA_OK)
		goto out;
	ca_card_kill_point(s->rq->op, "before-commit");
	r = ca_reg_commit(e->ctx->reg);
out:
	if (r != CA_OK)
		ca_reg_rollback(e->ctx->reg);
	free(details);
	return r;
}

static int
run(struct ca_card_env *e, struct issue *s)
{
	struct ca_perso p;
	struct pol_decision d;
	char *pin = NULL;
	int r;

	memset(&p, 0, sizeof(p));
	if ((r = load(e, s)) != CA_OK || (r = state_check(e, s)) != CA_OK ||
	    (r = view_make(e, s)) != CA_OK || (r = decide(e, s, &d)) != CA_OK)
		goto out;
	if (!d.allow) {
		r = ca_card_refuse(e, s->rq->op, s->card->serial, &d);
		goto out;
	}
	if (!s->rq->locked &&
	    (r = ca_card_holder_pin(e, s->rq->op, s->card->serial, &pin)) != CA_OK)
		goto out;
	if ((r = journal_start(e, s)) != CA_OK)
		goto out;
	ca_card_kill_point(s->rq->op, "pending");
	p.holder = &s->holder;
	p.pin = pin;
	p.lifetime = s->rq->tac ? s->rq->period : 0;
	p.kill_prefix = s->rq->op;
	if ((r = ca_card_personalise(e, s->card, &p)) != CA_OK || (r = commit(e, s, &p)) != CA_OK)
		goto out;
	printf("%s: card %s for %s (%s): authentication %s, signing %s%s\n", s->rq->op,
	       s->card->serial, s->holder.uuid, s->holder.name, p.certs[0].serial,
	       p.certs[1].serial, pin == NULL ? "; locked for delivery" : "");
out:
	ca_secret_free(pin);
	ca_perso_clear(&p);
	return r;
}

int
ca_card_issue(struct ca_card_env *e, const struct ca_card_issue_req *rq)
{
	struct issue s;
	int r;

	memset(&s, 0, sizeof(s));
	s.rq = rq;
	if ((r = ca_card_env_card(e, rq->reader, &s.card)) != CA_OK)
		return r;
	r = run(e, &s);
	ca_person_clear(&s.holder);
	ca_card_rec_clear(&s.rec);
	ca_p11card_close(s.card);
	return r;
}
