/*
 * ca/ra/gate.c: see gate.h. One table says, for each operation, which
 * kinds of actor may ask and which policy decision answers; the answers
 * themselves are all the policy's (policy/decide*.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/ra/gate.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-hold.h"
#include "ca/registry/registry.h"
#include "common/log.h"

enum {
	K_OPERATOR = 1u << CA_ACTOR_OPERATOR,
	K_HOLDER = 1u << CA_ACTOR_HOLDER,
	K_SYSTEM = 1u << CA_ACTOR_SYSTEM,
	K_BOOTSTRAP = 1u << CA_ACTOR_BOOTSTRAP,
};

/* How the policy decides an operation. */
enum how {
	BY_ROLES,		/* pol_actor_may with a role list from the policy */
	BY_ISSUE,		/* role list, then pol_decide_issue (sponsor vs RA agent) */
	BY_VERIFY,		/* pol_decide_issue with the actor as the RA agent */
	BY_RENEW,		/* pol_decide_assisted_renew */
	BY_SELF_RENEW,		/* the card's holder, pol_decide_self_renew */
	BY_REPAIR,		/* pol_decide_repair */
	BY_UNLOCK,		/* pol_decide_unlock */
	BY_TAC_ACTIVATE,	/* pol_decide_tac_activate */
	BY_CUSTODIAN,		/* the TAC's custodian (tac.record-each-use) */
	BY_BOOTSTRAP,		/* the bootstrap actor; the session checked the registry */
	BY_SYSTEM,		/* the system account; operators by a role list */
	BY_REJECT,		/* the request's own sponsor (withdrawing it), or a role list */
	BY_PASSCODE_RESET,	/* pol_decide_unlock, whether the card is locked or not */
	BY_SELF_UNLOCK,		/* pol_decide_self_unlock (the code is the holder's proof) */
	BY_SELF_CONTACT,	/* the card's holder, unlock.self-contact-change */
	BY_SELF,		/* the person the target is, and nobody else */
	BY_OWN_CARD,		/* the target card's holder, with that card */
};

#define DUTY(f) offsetof(struct pol_policy, duties.f)
#define NONE ((size_t)-1)

static const struct gate_rule {
	const char *name;	/* the command's and the audit log's word */
	unsigned kinds;		/* K_*: who may ask at all */
	enum how how;
	size_t roles;		/* offset of the role list in struct pol_policy, or NONE */
	const char *rule;	/* the policy key of that list */
	const char *what;	/* "issue a card": how refusals word it */
} rules[CA_OP_COUNT] = {
	[CA_OP_REGISTER] = { "register", K_OPERATOR, BY_ROLES, DUTY(sponsor),
			     "separation-of-duties.operations.sponsor", "sponsor a card" },
	[CA_OP_VERIFY_IDENTITY] = { "verify-identity", K_OPERATOR, BY_VERIFY, DUTY(issue),
				    "separation-of-duties.operations.issue", "check identity" },
	[CA_OP_PERSON_ADD] = { "person-add", K_OPERATOR, BY_ROLES, DUTY(register_person),
			       "separation-of-duties.operations.register-person",
			       "register a person" },
	[CA_OP_GRANT_ROLE] = { "ra-role-grant", K_OPERATOR, BY_ROLES, DUTY(grant_role),
			       "separation-of-duties.operations.grant-role",
			       "grant an RA role" },
	[CA_OP_CARD_ADD] = { "card-add", K_OPERATOR, BY_ROLES, DUTY(register_person),
			     "separation-of-duties.operations.register-person",
			     "register a card" },
	[CA_OP_ORG_ADD] = { "org-add", K_OPERATOR, BY_ROLES, DUTY(organisations),
			    "separation-of-duties.operations.organisations",
			    "add an organisation" },
	[CA_OP_POSITION_ADD] = { "position-add", K_OPERATOR, BY_ROLES, DUTY(positions),
				 "separation-of-duties.operations.positions",
				 "add a position" },
	[CA_OP_POSITION_REMOVE] = { "position-remove", K_OPERATOR, BY_ROLES, DUTY(positions),
				    "separation-of-duties.operations.positions",
				    "remove a position" },
	[CA_OP_ODS_CHANGE] = { "ods-change", K_OPERATOR, BY_ROLES, DUTY(organisations),
			       "separation-of-duties.operations.organisations",
			       "change an organisation's ODS code" },
	[CA_OP_ISSUE_CARD] = { "issue-card", K_OPERATOR, BY_ISSUE, DUTY(issue),
			       "separation-of-duties.operations.issue", "issue a card" },
	[CA_OP_BOOTSTRAP] = { "issue-card", K_BOOTSTRAP, BY_BOOTSTRAP, NONE, "bootstrap",
			      "issue the first RA manager's card" },
	[CA_OP_RENEW] = { "renew", K_OPERATOR, BY_RENEW, NONE, NULL, "renew a card" },
	[CA_OP_SELF_RENEW] = { "self-renew", K_HOLDER, BY_SELF_RENEW, NONE, NULL,
			       "renew your card" },
	[CA_OP_REPAIR] = { "repair", K_OPERATOR, BY_REPAIR, NONE, NULL, "repair a card" },
	[CA_OP_UNLOCK] = { "unlock", K_OPERATOR, BY_UNLOCK, NONE, NULL, "unlock a card" },
	[CA_OP_CANCEL_CARD] = { "cancel-card", K_OPERATOR, BY_ROLES, DUTY(revoke),
				"separation-of-duties.operations.revoke", "cancel a card" },
	[CA_OP_REVOKE] = { "revoke", K_OPERATOR, BY_ROLES, DUTY(revoke),
			   "separation-of-duties.operations.revoke", "revoke a certificate" },
	[CA_OP_ISSUE_CERT] = { "issue-cert", K_OPERATOR, BY_ROLES, DUTY(issue_certificate),
			       "separation-of-duties.operations.issue-certificate",
			       "issue a certificate" },
	[CA_OP_TAC_ADD] = { "tac-add", K_OPERATOR, BY_ROLES, DUTY(tac_pool),
			    "separation-of-duties.operations.tac-pool",
			    "add a Temporary Access Card to the pool" },
	[CA_OP_TAC_ACTIVATE] = { "tac-activate", K_OPERATOR, BY_TAC_ACTIVATE, NONE, NULL,
				 "activate a Temporary Access Card" },
	[CA_OP_TAC_USE] = { "tac-use", K_OPERATOR, BY_CUSTODIAN, NONE, "tac.record-each-use",
			    "record a use of a Temporary Access Card" },
	[CA_OP_TAC_RESTORE] = { "tac-restore", K_OPERATOR, BY_ROLES, DUTY(tac_activate),
				"separation-of-duties.operations.tac-activate",
				"restore a Temporary Access Card" },
	[CA_OP_BATCH] = { "batch", K_OPERATOR, BY_ROLES, DUTY(batch),
			  "separation-of-duties.operations.batch", "import a batch update" },
	[CA_OP_POLICY_INSTALL] = { "policy-install", K_OPERATOR, BY_ROLES, DUTY(replace_policy),
				   "separation-of-duties.operations.replace-policy",
				   "replace the CA's policy" },
	[CA_OP_REPORT] = { "report", K_OPERATOR | K_SYSTEM, BY_SYSTEM, DUTY(reports),
			   "separation-of-duties.operations.reports", "run reports" },
	[CA_OP_CRL] = { "crl", K_SYSTEM, BY_SYSTEM, NONE, NULL, "publish CRLs" },
	[CA_OP_OCSP_SIGN] = { "ocsp-sign", K_SYSTEM, BY_SYSTEM, NONE, NULL,
			      "sign OCSP responses and the delegated responder certificates" },
	[CA_OP_AUDIT] = { "audit", K_SYSTEM, BY_SYSTEM, NONE, NULL, "check the audit log" },
	[CA_OP_RECOVER] = { "recover", K_SYSTEM, BY_SYSTEM, NONE, NULL,
			    "revoke the certificates of interrupted operations" },
	[CA_OP_PERSON_SEARCH] = { "person-search", K_OPERATOR | K_SYSTEM, BY_SYSTEM, DUTY(lookup),
				  "separation-of-duties.operations.lookup", "find people" },
	[CA_OP_PERSON_SHOW] = { "person-show", K_OPERATOR | K_SYSTEM, BY_SYSTEM, DUTY(lookup),
				"separation-of-duties.operations.lookup",
				"read a person's record and history" },
	[CA_OP_REQUEST_LIST] = { "request-list", K_OPERATOR | K_SYSTEM, BY_SYSTEM, DUTY(lookup),
				 "separation-of-duties.operations.lookup",
				 "read the registration requests" },
	[CA_OP_PERSON_UPDATE] = { "person-update", K_OPERATOR, BY_ROLES, DUTY(register_person),
				  "separation-of-duties.operations.register-person",
				  "change a person's name or contact details" },
	[CA_OP_REVOKE_ROLE] = { "ra-role-revoke", K_OPERATOR, BY_ROLES, DUTY(grant_role),
				"separation-of-duties.operations.grant-role",
				"revoke an RA role" },
	[CA_OP_REQUEST_REJECT] = { "request-reject", K_OPERATOR, BY_REJECT, DUTY(issue),
				   "separation-of-duties.operations.issue",
				   "reject a registration request" },
	[CA_OP_PASSCODE_RESET] = { "passcode-reset", K_OPERATOR, BY_PASSCODE_RESET, NONE, NULL,
				   "reset a card's passcode" },
	[CA_OP_HOLD] = { "hold", K_OPERATOR, BY_ROLES, DUTY(revoke),
			 "separation-of-duties.operations.revoke", "put a certificate on hold" },
	[CA_OP_RELEASE] = { "release", K_OPERATOR, BY_ROLES, DUTY(revoke),
			    "separation-of-duties.operations.revoke",
			    "release a certificate from hold" },
	/*
	 * A locked card cannot authenticate anyone: the service asks on the
	 * holder's behalf as the system account, and the one-time code sent to
	 * the registered contact is the holder's proof (ca/README.md).
	 */
	[CA_OP_SELF_UNLOCK_REQUEST] = { "self-unlock-request", K_SYSTEM, BY_SELF_UNLOCK, NONE,
					NULL, "send a self-service unlock code" },
	[CA_OP_SELF_UNLOCK_COMPLETE] = { "self-unlock", K_SYSTEM, BY_SELF_UNLOCK, NONE, NULL,
					 "unlock a card by a one-time code" },
	/* Public facts of a card for its holder's workstation (no passcode:
	 * no authentication), answered by the service as the system account. */
	[CA_OP_CARD_STATUS] = { "card-status", K_SYSTEM, BY_SYSTEM, NONE, NULL,
				"read a card's renewal status" },
	/* A holder, authenticated by their card over TLS, changes their own
	 * contact; the code sent to the new address confirms it. */
	[CA_OP_SELF_CONTACT_REQUEST] = { "self-contact-request", K_HOLDER, BY_SELF_CONTACT, NONE,
					 NULL, "ask to change their own contact details" },
	[CA_OP_SELF_CONTACT] = { "self-contact-change", K_HOLDER, BY_SELF_CONTACT, NONE, NULL,
				 "change their own contact details" },
	[CA_OP_RENEWAL_REMIND] = { "renewal-remind", K_SYSTEM, BY_SYSTEM, NONE, NULL,
				   "remind holders that their renewal window opened" },
	/* A holder, authenticated by their card over TLS, reads their own
	 * record (the portal's profile page): nobody else's. */
	[CA_OP_SELF_PROFILE] = { "self-profile", K_HOLDER, BY_SELF, NONE, NULL,
				 "read their own record" },
	/* Moving the whole registry weighs as much as replacing the policy it
	 * is decided under: the same RA managers, with their own card. */
	[CA_OP_MIGRATE] = { "migrate", K_OPERATOR, BY_ROLES, DUTY(replace_policy),
			    "separation-of-duties.operations.replace-policy",
			    "move the registry to another database" },
	/* A new issuing CA key and certificate changes what every relying party
	 * trusts from then on: the RA managers who may replace the policy. */
	[CA_OP_CA_ROLLOVER] = { "ca-rollover", K_OPERATOR, BY_ROLES, DUTY(replace_policy),
				"separation-of-duties.operations.replace-policy",
				"roll an issuing CA over to a new key" },
	/* The whole state, HSM PINs included, is the CA's own account's to
	 * copy and put back: its administrator's, on the CA machine, like
	 * init (the command line refuses both through the RA staff's sudo). */
	[CA_OP_BACKUP] = { "backup", K_SYSTEM, BY_SYSTEM, NONE, NULL, "back up the CA's state" },
	[CA_OP_RESTORE] = { "restore", K_SYSTEM, BY_SYSTEM, NONE, NULL,
			    "restore the CA's state from a backup" },
	/* The portal's terms and conditions (issue 17): a holder reads whether
	 * they accepted a version, and accepts it themself, with their own
	 * card (its authentication certificate is the signature on record). */
	[CA_OP_TERMS_STATUS] = { "terms-status", K_HOLDER, BY_SELF, NONE, NULL,
				 "read their own acceptance of the terms and conditions" },
	[CA_OP_TERMS_ACCEPT] = { "terms-accept", K_HOLDER, BY_OWN_CARD, NONE, NULL,
				 "accept the terms and conditions" },
};

const char *
ca_op_name(enum ca_op op)
{
	return op >= 0 && op < CA_OP_COUNT ? rules[op].name : "unknown";
}

static unsigned
role_list(const struct ca_session *s, const struct gate_rule *g)
{
	return g->roles == NONE ? 0 : *(const unsigned *)((const char *)s->ctx->pol + g->roles);
}

static const char *
kind_name(enum ca_actor_kind k)
{
	switch (k) {
	case CA_ACTOR_OPERATOR:	return "an RA operator";
	case CA_ACTOR_HOLDER:	return "a card's holder";
	case CA_ACTOR_SYSTEM:	return "the CA's system account";
	case CA_ACTOR_BOOTSTRAP: return "the bootstrap";
	default:		return "nobody authenticated";
	}
}

bool
ca_gate_org_scoped(const struct ca_session *s, enum ca_op op, bool *locum)
{
	const struct pol_duties *du = &s->ctx->pol->duties;
	unsigned acting;

	if (locum != NULL)
		*locum = du->locum_may_act;
	if (op < 0 || op >= CA_OP_COUNT || s->actor.kind != CA_ACTOR_OPERATOR)
		return s->actor.kind != CA_ACTOR_SYSTEM;
	/* As pol_actor_may: one role that acts for any organisation is enough. */
	acting = s->actor.roles & role_list(s, &rules[op]);
	return (acting & ~du->same_organisation) == 0;
}

const char *
ca_gate_scope(const struct ca_session *s, enum ca_op op, bool *locum)
{
	return ca_gate_org_scoped(s, op, locum) ? s->actor.uuid : NULL;
}

/* Who may ask at all, worded for a refusal. */
static const char *
kinds_text(unsigned kinds)
{
	if (kinds & K_OPERATOR)
		return "an RA operator logged in with their own card (--operator-reader)";
	if (kinds & K_HOLDER)
		return "the card's holder, with the card's passcode";
	if (kinds & K_BOOTSTRAP)
		return "the bootstrap of the first RA manager's card, right after init";
	return "the CA's own system account (the owner of the state directory)";
}

/* The target as the policy sees it when the operation is not on a card. */
static void
target_card(const struct ca_target *t, struct pol_card_state *st)
{
	memset(st, 0, sizeof(*st));
	st->holder_id = t->holder;
	if (t->org != NULL) {
		st->orgs[0] = t->org;
		st->norgs = 1;
	}
}

/* A refusal from the table (refusal.h) as the policy words its own. */
static void
say_refusal(struct pol_decision *d, unsigned id, const char *const *args)
{
	const struct ca_refusal *f = ca_refusal_get(id);

	d->allow = false;
	d->rule = f != NULL ? f->rule : "refused";
	ca_refusal_text(id, args, d->sentence, sizeof(d->sentence));
}

#define SAY(d, id, ...) say_refusal((d), (id), (const char *const[]){ __VA_ARGS__, NULL })

static void
decide(struct ca_session *s, const struct gate_rule *g, enum ca_op op, const struct ca_target *t,
       struct pol_decision *d)
{
	const struct pol_policy *pol = s->ctx->pol;
	const struct pol_card_state *card = t->card;
	struct pol_card_state own, reset;
	struct pol_actor a;
	int64_t now = ca_ctx_now(s->ctx);

	ca_session_pol_actor(s, &a);
	if (card == NULL) {
		target_card(t, &own);
		card = &own;
	}
	switch (g->how) {
	case BY_ROLES:
		if (pol_actor_may(pol, card, &a, role_list(s, g), g->rule, g->what, d))
			pol_say(d, true, g->rule, "%s may %s", a.person_id, g->what);
		break;
	case BY_ISSUE:
		if (!pol_actor_may(pol, card, &a, role_list(s, g), g->rule, g->what, d))
			break;
		if (t->sponsor == NULL && t->agent == NULL)
			pol_say(d, true, g->rule, "%s may %s", a.person_id, g->what);
		else
			pol_decide_issue(pol, card->holder_id, t->sponsor, t->agent, d);
		break;
	case BY_VERIFY:
		pol_decide_issue(pol, card->holder_id, t->sponsor, &a, d);
		break;
	case BY_RENEW:
		pol_decide_assisted_renew(pol, card, &a, now, d);
		break;
	case BY_SELF_RENEW:
		if (card->holder_id == NULL || strcmp(card->holder_id, a.person_id) != 0)
			SAY(d, CA_RF_SELF_RENEW_NOT_HOLDER, card->serial != NULL ? card->serial : "-",
			    card->holder_id != NULL ? card->holder_id : "nobody");
		else
			pol_decide_self_renew(pol, card, now, d);
		break;
	case BY_REPAIR:
		pol_decide_repair(pol, card, &a, now, d);
		break;
	case BY_UNLOCK:
		pol_decide_unlock(pol, card, &a, d);
		break;
	case BY_SELF_UNLOCK:
		pol_decide_self_unlock(pol, card, d);
		break;
	case BY_SELF_CONTACT:
		if (card->holder_id == NULL || a.person_id == NULL ||
		    strcmp(card->holder_id, a.person_id) != 0)
			SAY(d, CA_RF_CONTACT_NOT_HOLDER, card->serial != NULL ? card->serial : "-");
		else if (!pol->unlock.self_contact_change)
			SAY(d, CA_RF_CONTACT_OFF, "-");
		else
			pol_say(d, true, "unlock.self-contact-change",
				"%s may change their own contact details", a.person_id);
		break;
	case BY_SELF:
		if (card->holder_id == NULL || a.person_id == NULL ||
		    strcmp(card->holder_id, a.person_id) != 0)
			SAY(d, CA_RF_NOT_SELF, card->holder_id != NULL ? card->holder_id : "-");
		else
			pol_say(d, true, "holder.own-record", "%s may read their own record",
				a.person_id);
		break;
	case BY_OWN_CARD:
		if (card->holder_id == NULL || a.person_id == NULL ||
		    strcmp(card->holder_id, a.person_id) != 0)
			SAY(d, CA_RF_NOT_OWN_CARD, card->serial != NULL ? card->serial : "-");
		else
			pol_say(d, true, "holder.own-card", "%s may %s with their own card",
				a.person_id, g->what);
		break;
	case BY_PASSCODE_RESET:
		/* A holder who forgot their passcode is helped exactly as one
		 * whose card locked: the same people, in the same way. */
		reset = *card;
		reset.locked = true;
		pol_decide_unlock(pol, &reset, &a, d);
		break;
	case BY_REJECT:
		if (t->request_sponsor != NULL && a.person_id != NULL &&
		    strcmp(t->request_sponsor, a.person_id) == 0)
			pol_say(d, true, "separation-of-duties.operations.sponsor",
				"%s sponsored the request and may withdraw it", a.person_id);
		else if (pol_actor_may(pol, card, &a, role_list(s, g), g->rule, g->what, d))
			pol_say(d, true, g->rule, "%s may %s", a.person_id, g->what);
		break;
	case BY_TAC_ACTIVATE:
		pol_decide_tac_activate(pol, card, &a, t->period, d);
		break;
	case BY_CUSTODIAN:
		if (t->custodian != NULL && strcmp(t->custodian, a.person_id) == 0)
			pol_say(d, true, g->rule, "%s is the TAC's custodian", a.person_id);
		else
			SAY(d, CA_RF_TAC_CUSTODIAN, t->subject != NULL ? t->subject : "-",
			    t->custodian != NULL ? t->custodian : "none");
		break;
	case BY_BOOTSTRAP:
		pol_say(d, true, g->rule, "the first RA manager's own card, before any other");
		break;
	case BY_SYSTEM:
		/* Read-only jobs with no holder or organisation to judge them by:
		 * the system account, or an operator holding a listed role. */
		if (s->actor.kind == CA_ACTOR_SYSTEM)
			pol_say(d, true, "system", "the CA's own system account may %s",
				g->what);
		else if ((a.roles & role_list(s, g)) != 0)
			pol_say(d, true, g->rule, "%s may %s", a.person_id, g->what);
		else
			pol_actor_may(pol, card, &a, role_list(s, g), g->rule, g->what, d);
		break;
	}
	(void)op;
}

/* "<operation>-refused" in the actor's name, in its own transaction. */
void
ca_gate_audit_refusal(struct ca_session *s, enum ca_op op, const char *subject,
		      const struct pol_decision *d)
{
	const char *kv[] = { "rule", d->rule, "reason", d->sentence, NULL };
	char action[48];

	if (s->ctx->reg == NULL)
		return;
	const char *was = s->ctx->actor;

	snprintf(action, sizeof(action), "%s-refused", ca_op_name(op));
	ca_reg_rollback(s->ctx->reg);	/* nothing of the refused operation stays */
	if (ca_reg_begin(s->ctx->reg) != CA_OK)
		return;
	if (s->actor.kind == CA_ACTOR_NONE)
		s->ctx->actor = "nobody";	/* no card, no login: who it was is unknown */
	ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, action, subject != NULL ? subject : "-",
					     kv));
	s->ctx->actor = was;
}

int
ca_gate_refuse(struct ca_session *s, enum ca_op op, const char *subject,
	       const struct pol_decision *d, struct ca_result *res)
{
	ca_gate_audit_refusal(s, op, subject, d);
	/* A refusal names what it refused: the policy's sentences speak of
	 * "the card" or "the holder", so the subject goes first. */
	if (subject != NULL && strcmp(subject, "-") != 0 && strstr(d->sentence, subject) == NULL)
		return ca_result_fail(res, CA_ERR_DENIED, d->rule, "%s: %s", subject,
				      d->sentence);
	return ca_result_fail(res, CA_ERR_DENIED, d->rule, "%s", d->sentence);
}

int
ca_gate_who(struct ca_session *s, enum ca_op op, const char *subject, struct ca_result *res)
{
	const struct gate_rule *g;
	struct pol_decision d;

	if (op < 0 || op >= CA_OP_COUNT || rules[op].name == NULL)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "unknown operation");
	/* Every operation starts here: what went wrong before is not its story. */
	util_log_error_clear();
	g = &rules[op];
	if (g->kinds & (1u << s->actor.kind))
		return CA_OK;
	memset(&d, 0, sizeof(d));
	if (s->actor.kind == CA_ACTOR_NONE)
		SAY(&d, CA_RF_NOT_AUTHENTICATED, g->name, kinds_text(g->kinds));
	else
		SAY(&d, CA_RF_WRONG_ACTOR, g->name, kind_name(s->actor.kind), kinds_text(g->kinds),
		    g->what);
	ca_gate_audit_refusal(s, op, subject, &d);
	return ca_result_fail(res, CA_ERR_AUTH, d.rule, "%s", d.sentence);
}

/*
 * RFC 5280 certificateHold freezes a card until the hold ends: renewing or
 * repairing it would put new certificates beside one the RA suspended.
 */
static int
hold_check(struct ca_session *s, enum ca_op op, const struct ca_target *t,
	   struct pol_decision *d)
{
	char *held = NULL;
	int r;

	if ((op != CA_OP_RENEW && op != CA_OP_SELF_RENEW && op != CA_OP_REPAIR) ||
	    t->card == NULL || t->card->serial == NULL)
		return CA_OK;
	r = ca_reg_card_held(s->ctx->reg, t->card->serial, &held);
	if (r == CA_OK)
		SAY(d, CA_RF_CARD_HELD, t->card->serial, held, held);
	free(held);
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}

int
ca_gate(struct ca_session *s, enum ca_op op, const struct ca_target *t, struct ca_result *res,
	struct pol_decision *out)
{
	static const struct ca_target none;
	struct pol_decision d;
	int r;

	memset(&d, 0, sizeof(d));
	if (t == NULL)
		t = &none;
	if ((r = ca_gate_who(s, op, t->subject, res)) != CA_OK)
		return r;
	if ((r = hold_check(s, op, t, &d)) != CA_OK)
		return r;
	if (d.rule == NULL)
		decide(s, &rules[op], op, t, &d);
	if (out != NULL)
		*out = d;
	if (!d.allow)
		return ca_gate_refuse(s, op, t->subject, &d, res);
	return CA_OK;
}

bool
ca_gate_allows(struct ca_session *s, enum ca_op op, const struct ca_target *t,
	       struct pol_decision *out)
{
	static const struct ca_target none;
	struct pol_decision d;

	memset(&d, 0, sizeof(d));
	if (t == NULL)
		t = &none;
	if (op < 0 || op >= CA_OP_COUNT || rules[op].name == NULL ||
	    (rules[op].kinds & (1u << s->actor.kind)) == 0) {
		d.rule = "authentication";
	} else {
		/* the hold check reads the registry: a failure there is a "no" */
		if (hold_check(s, op, t, &d) != CA_OK && d.rule == NULL)
			d.rule = "registry";
		if (d.rule == NULL)
			decide(s, &rules[op], op, t, &d);
	}
	if (out != NULL)
		*out = d;
	return d.allow;
}
