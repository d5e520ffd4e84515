/*
 * ca/ra/gate: the one authorization gate. Every operation of the CA
 * library asks it, before it changes anything, whether the session's
 * actor may perform the operation on its target. The answer comes from
 * the registry (the actor's RA roles and positions, filled in by the
 * session when the actor authenticated) and from the CA's installed
 * policy — its decision functions are the only source of rules; this file
 * only maps each operation to the right one and to the kinds of actor
 * that may ask at all (gate.c's table).
 *
 * Every refusal is written to the audit log ("<operation>-refused", the
 * actor, the rule and the reason, the policy hash) in its own transaction,
 * and comes back as CA_ERR_DENIED with the rule and what to do instead in
 * the result. A missing or wrong kind of actor is CA_ERR_AUTH.
 */
#ifndef CC_CA_RA_GATE_H
#define CC_CA_RA_GATE_H

#include <stdint.h>

#include "ca/ra/session.h"
#include "policy/decide.h"

enum ca_op {
	CA_OP_REGISTER,			/* a sponsor's request for a holder's card */
	CA_OP_VERIFY_IDENTITY,		/* the RA agent's identity check of a request */
	CA_OP_PERSON_ADD,		/* register a person directly (identity checked) */
	CA_OP_GRANT_ROLE,		/* give a person an RA role */
	CA_OP_CARD_ADD,			/* register a card */
	CA_OP_ORG_ADD,
	CA_OP_POSITION_ADD,
	CA_OP_POSITION_REMOVE,
	CA_OP_ODS_CHANGE,
	CA_OP_ISSUE_CARD,
	CA_OP_BOOTSTRAP,		/* the first RA manager's own card, once */
	CA_OP_RENEW,			/* RA-assisted */
	CA_OP_SELF_RENEW,		/* the holder alone */
	CA_OP_REPAIR,
	CA_OP_UNLOCK,
	CA_OP_CANCEL_CARD,
	CA_OP_REVOKE,
	CA_OP_ISSUE_CERT,
	CA_OP_TAC_ADD,
	CA_OP_TAC_ACTIVATE,
	CA_OP_TAC_USE,
	CA_OP_TAC_RESTORE,
	CA_OP_BATCH,
	CA_OP_POLICY_INSTALL,
	CA_OP_REPORT,			/* reports and listings */
	CA_OP_CRL,			/* CRL generation and publication */
	CA_OP_OCSP_SIGN,		/* pre-signed OCSP responses, delegated responder certificates */
	CA_OP_AUDIT,			/* audit verify and show */
	CA_OP_RECOVER,			/* revoke abandoned pending certificates */
	CA_OP_PERSON_SEARCH,		/* find people */
	CA_OP_PERSON_SHOW,		/* one person's record and history */
	CA_OP_REQUEST_LIST,		/* registration requests (list, show) */
	CA_OP_PERSON_UPDATE,		/* contact details, name */
	CA_OP_REVOKE_ROLE,		/* take an RA role away */
	CA_OP_REQUEST_REJECT,		/* close a request unverified (or its sponsor withdraws it) */
	CA_OP_PASSCODE_RESET,		/* a new passcode for a holder who forgot it */
	CA_OP_HOLD,			/* certificateHold */
	CA_OP_RELEASE,			/* release from hold */
	CA_OP_SELF_UNLOCK_REQUEST,	/* send a holder a one-time unlock code (ra/unlock.c) */
	CA_OP_SELF_UNLOCK_COMPLETE,	/* the code and the card's ephemeral key: a response */
	CA_OP_CARD_STATUS,		/* a card's renewal status, for its holder's workstation */
	CA_OP_SELF_CONTACT_REQUEST,	/* a holder asks to change their contact (ra/contact.c) */
	CA_OP_SELF_CONTACT,		/* ...and confirms it with the code sent to it */
	CA_OP_RENEWAL_REMIND,		/* tell holders their renewal window opened (ra/remind.c) */
	CA_OP_SELF_PROFILE,		/* a holder reads their own record (the portal's "me") */
	CA_OP_MIGRATE,			/* move the registry to PostgreSQL (ra/op-migrate.c) */
	CA_OP_CA_ROLLOVER,		/* a new generation of an issuing CA (ra/op-rollover.c) */
	CA_OP_BACKUP,			/* copy the whole state (ra/op-backup.c) */
	CA_OP_RESTORE,			/* finish a restored state: CRL numbers, audit */
	CA_OP_TERMS_STATUS,		/* has a holder accepted the terms (ra/op-terms.c) */
	CA_OP_TERMS_ACCEPT,		/* ...and their acceptance, with their own card */
	CA_OP_COUNT
};

/* What an operation acts on; unused members stay NULL / 0. */
struct ca_target {
	const struct pol_card_state *card;	/* the card (holder, orgs, state) */
	const char *holder;		/* the person acted on (UUID) */
	const char *org;		/* the organisation acted at (ODS) */
	int64_t period;			/* TAC activation period, seconds */
	const struct pol_actor *sponsor;	/* issue/verify: the request's sponsor */
	const struct pol_actor *agent;	/* issue: who checked identity */
	const char *custodian;		/* tac-use: the TAC's custodian (UUID) */
	const char *subject;		/* audit subject of a refusal (card, serial, UUID) */
	const char *request_sponsor;	/* request-reject: the request's sponsor (UUID) */
};

/*
 * May @s's actor perform @op on @t? CA_OK, or CA_ERR_DENIED / CA_ERR_AUTH
 * with @res filled and the refusal audited. @d (may be NULL) receives the
 * policy's decision, allowed or not (its sentence says on what grounds).
 */
int ca_gate(struct ca_session *s, enum ca_op op, const struct ca_target *t,
	    struct ca_result *res, struct pol_decision *d);

/*
 * The first check of every operation, before it touches anything: is the
 * session's actor a kind that may ask for @op at all (an operator, the
 * holder, the system account)? CA_OK, or CA_ERR_AUTH audited as a refusal
 * of @op on @subject (may be NULL) — also when nobody authenticated.
 */
int ca_gate_who(struct ca_session *s, enum ca_op op, const char *subject,
		struct ca_result *res);

/*
 * Refuse @op on behalf of a rule that is not about who acts (the card's
 * state, a missing document): audited like the gate's own refusals.
 */
int ca_gate_refuse(struct ca_session *s, enum ca_op op, const char *subject,
		   const struct pol_decision *d, struct ca_result *res);

/*
 * Is what @s's actor may read through @op limited to the holders at their
 * own organisations? True for an operator whose roles allowed for @op all
 * act only at the holder's organisation
 * (separation-of-duties.same-organisation: a sponsor, an LSA), false for
 * anyone who acts for every organisation (an RA agent, the system
 * account). *@locum (may be NULL) says whether positions at locum
 * organisations count (separation-of-duties.locum-may-act).
 */
bool ca_gate_org_scoped(const struct ca_session *s, enum ca_op op, bool *locum);

/* The same as the registry's reads take it: @s's actor's UUID when what
 * they read through @op is limited to their organisations, NULL when they
 * read everything. */
const char *ca_gate_scope(const struct ca_session *s, enum ca_op op, bool *locum);

/*
 * Would ca_gate allow @op on @t now? The same decision, asked without
 * acting: nothing audited, no result filled — for a front end that shows
 * only what its user may do (the portal's person page). @d (may be NULL)
 * receives the decision. The operation itself still asks ca_gate.
 */
bool ca_gate_allows(struct ca_session *s, enum ca_op op, const struct ca_target *t,
		    struct pol_decision *d);

/* The operation's name as the command line and the audit log spell it. */
const char *ca_op_name(enum ca_op op);

#endif
