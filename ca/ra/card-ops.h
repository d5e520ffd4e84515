/*
 * ca/ra/card-ops: the RA's card operations, each through the PKCS#11
 * module (ca/card), decided by the gate, recorded in the registry in one
 * transaction after the card is written, with a journal entry first so a
 * killed run is recoverable (see registry-cards.h).
 *
 * Each takes a session whose actor has authenticated (an RA operator; the
 * holder for self-renew; the bootstrap for the first RA manager's card)
 * and returns CA_OK (what was done in res->done) or a CA_ERR_* code:
 * CA_ERR_DENIED with the deciding rule and what to do instead in @res, a
 * wrong passcode CA_ERR_AUTH, an empty reader CA_ERR_NOT_FOUND.
 */
#ifndef CC_CA_RA_CARD_OPS_H
#define CC_CA_RA_CARD_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/card/cert.h"
#include "ca/ra/gate.h"
#include "ca/registry/registry-cards.h"
#include "ca/ra/session.h"

struct ca_card_issue_req {
	const char *holder;	/* UUID (issue, TAC); repair takes the card's */
	unsigned reader;	/* the card being personalised */
	bool locked;		/* issue locked for secure delivery (no passcode) */
	int64_t period;		/* tac-activate: activation period, seconds */
	const char *reason;	/* tac-activate: why (recorded) */
};

/* issue-card: a blank card for @rq->holder (the bootstrap actor: their own). */
int ca_op_issue_card(struct ca_session *s, const struct ca_card_issue_req *rq,
		     struct ca_result *res);

/* repair: new pairs and certificates for the issued card in @rq->reader. */
int ca_op_repair(struct ca_session *s, const struct ca_card_issue_req *rq, struct ca_result *res);

/* tac-activate: the TAC in @rq->reader for @rq->holder, @rq->period. */
int ca_op_tac_activate(struct ca_session *s, const struct ca_card_issue_req *rq,
		       struct ca_result *res);

/* cancel-card: revoke both certificates (lost|stolen|damaged|leaver|death). */
int ca_op_cancel_card(struct ca_session *s, const char *serial, const char *reason,
		      struct ca_result *res);

/* unlock: the holder's locked card in @reader gets a new passcode. */
int ca_op_unlock(struct ca_session *s, unsigned reader, struct ca_result *res);

/*
 * passcode-reset: the holder who forgot their passcode sets a new one on
 * the card in @reader, locked or not; decided as an unlock (card-passcode.c).
 */
int ca_op_passcode_reset(struct ca_session *s, unsigned reader, struct ca_result *res);

/* tac-restore: revoke the TAC's certificates and wipe it back to blank. */
int ca_op_tac_restore(struct ca_session *s, unsigned reader, struct ca_result *res);

/* renew (an operator, the holder present) or self-renew (the holder's session). */
int ca_op_renew(struct ca_session *s, unsigned reader, struct ca_result *res);
int ca_op_self_renew(struct ca_session *s, unsigned reader, struct ca_result *res);

/* Shared by the card operations. */

/*
 * Revoke every valid certificate of @card with @reason, and revoke as
 * abandoned every pending one but those of card operation @except_op (0:
 * none), inside the caller's transaction. *n: how many in all.
 */
int ca_card_revoke_all(struct ca_session *s, const char *card, int reason, int64_t except_op,
		       int *n);

/*
 * An interrupted card operation (journal entry @op_id, named @op) is
 * abandoned: its pending certificates revoked and the entry closed, in one
 * transaction. The card itself is the caller's to clean.
 */
int ca_card_op_abandon(struct ca_session *s, int64_t op_id, const char *op);

/* What a card operation records at its end. */
struct ca_card_commit_req {
	const char *action;		/* "issue-card", "renew", ...: audit and kill points */
	const struct ca_card_rec *card;	/* the card row as it will be */
	const struct ca_card_cert *certs;	/* the two new certificates */
	int64_t op_id;			/* journal entry, moved to @journal */
	const char *journal;		/* "done" or "committed" */
	int *revoked;			/* out: certificates revoked as superseded */
	char nrev[16];			/* out: the same, as text (for the audit details) */
};

/*
 * The card operations' one transaction: the card's valid certificates
 * revoked as superseded, the card row, the journal entry, the audit entry
 * (details @kv, which may point at c->nrev), and the two new certificates,
 * recorded pending before they were signed, made valid with the card's
 * counters and that entry; then the "before-commit" step and commit.
 */
int ca_card_commit(struct ca_session *s, struct ca_card_commit_req *c,
		   const char *const *kv);

/*
 * The holder's new passcode for card @serial, from the front end, checked
 * against the policy's passcode rules (a refusal of @op, audited).
 */
int ca_card_new_passcode(struct ca_session *s, enum ca_op op, const char *serial, char **out,
			 struct ca_result *res);

#endif
