/*
 * ca/card-ops: the RA's card operations, each through the PKCS#11 module,
 * under the policy, recorded in the registry in one transaction after the
 * card is written, with a journal entry first so a killed run is
 * recoverable (see registry-cards.h).
 *
 * All return 0 or CA_ERR_*; policy refusals print the deciding rule and
 * its sentence (what to do instead) and return CA_ERR_DENIED; a wrong
 * passcode is CA_ERR_AUTH.
 */
#ifndef CC_CA_CARD_OPS_H
#define CC_CA_CARD_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/card/common.h"

struct ca_card_issue_req {
	const char *op;		/* "issue-card", "repair" or "tac-activate" */
	const char *holder;	/* UUID (issue, TAC); repair takes the card's */
	unsigned reader;	/* the card being personalised */
	bool locked;		/* issue locked for secure delivery */
	bool tac;		/* issuing a Temporary Access Card */
	bool bootstrap;		/* the first RA manager's own card, no operator */
	int64_t period;		/* TAC activation period, seconds */
	const char *reason;	/* TAC: why (recorded) */
};

/* issue-card, repair, tac-activate. */
int ca_card_issue(struct ca_card_env *e, const struct ca_card_issue_req *rq);

/* cancel-card: revoke both certificates with @reason, card cancelled. */
int ca_card_cancel(struct ca_card_env *e, const char *serial, const char *reason);

/* unlock: the holder's locked card in @reader gets a new passcode. */
int ca_card_unlock(struct ca_card_env *e, unsigned reader);

/* tac-restore: revoke the TAC's certificates and wipe it back to blank. */
int ca_card_tac_restore(struct ca_card_env *e, unsigned reader);

/* renew (assisted: an operator is logged in) or self-renew (the holder). */
int ca_card_renew(struct ca_card_env *e, unsigned reader, bool self);

/* Revoke every valid certificate of @card with @reason (inside a transaction). */
int ca_card_revoke_all(struct ca_card_env *e, const char *card, int reason, int *n);

#endif
