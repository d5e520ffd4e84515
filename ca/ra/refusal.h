/*
 * ca/ra/refusal: every refusal the CA library words itself, as data.
 *
 * A refusal is what a person sees when an operation cannot go ahead for a
 * reason other than bad input: a rule says no (CA_ERR_DENIED, audited as
 * "<operation>-refused"), the thing is in the wrong state (CA_ERR_STATE),
 * or the thing it names is missing or exists already (CA_ERR_NOT_FOUND,
 * CA_ERR_EXISTS). Each entry names the rule that decided, says what about
 * which subject (the UUID, serial, request, state it is in and the state
 * it needed: the first %s is always the subject) and what to do instead.
 * The policy's own decisions (policy/decide*.c) come with their rule and
 * sentence; the gate adds their subject.
 *
 * Keeping them in one table lets one unit test hold every message to that
 * standard (tests/unit/test-ca-refusal.c), and no operation words a
 * refusal of its own (tests/integration/test-ca-messages.sh).
 */
#ifndef CC_CA_RA_REFUSAL_H
#define CC_CA_RA_REFUSAL_H

#include <stddef.h>

#include "ca/ra/gate.h"

enum ca_refusal_id {
	/* people, roles, requests */
	CA_RF_PERSON_UNKNOWN,
	CA_RF_PERSON_EXISTS,
	CA_RF_PERSON_NAME_DIFFERS,
	CA_RF_DOCUMENTS,
	CA_RF_IDENTITY_UNCHECKED,
	CA_RF_CARD_IDENTITY_UNCHECKED,
	CA_RF_REQUEST_IDENTITY_UNCHECKED,
	CA_RF_SPONSOR_CARD,
	CA_RF_REQUEST_UNKNOWN,
	CA_RF_REQUEST_VERIFIED,
	CA_RF_REQUEST_REJECTED,
	CA_RF_ROLE_HELD,
	CA_RF_ROLE_NOT_HELD,
	CA_RF_LAST_MANAGER,
	CA_RF_MANAGER_NO_CARD,
	CA_RF_MANAGER_AT_ADD,
	CA_RF_NOTHING_TO_UPDATE,
	/* organisations and positions */
	CA_RF_ORG_UNKNOWN,
	CA_RF_ORG_EXISTS,
	CA_RF_POSITION_HELD,
	CA_RF_POSITION_NOT_HELD,
	/* cards */
	CA_RF_READER_EMPTY,
	CA_RF_CARD_UNKNOWN,
	CA_RF_CARD_EXISTS,
	CA_RF_CARD_CANCELLED,
	CA_RF_CARD_NOT_ISSUED,
	CA_RF_CARD_NO_HOLDER,
	CA_RF_CARD_NOT_REPAIRABLE,
	CA_RF_CARD_NOT_BLANK,
	CA_RF_CARD_IS_TAC,
	CA_RF_CARD_NOT_TAC,
	CA_RF_CARD_OP_COMMITTED,
	CA_RF_CARD_OP_PENDING,
	CA_RF_CARD_HELD,
	CA_RF_BOOTSTRAP_OTHER,
	CA_RF_BOOTSTRAP_DONE,
	CA_RF_BOOTSTRAP_NOT_MANAGER,
	CA_RF_SELF_RENEW_NOT_HOLDER,
	/* Temporary Access Cards */
	CA_RF_TAC_ORGS,
	CA_RF_TAC_POSITION,
	CA_RF_TAC_CUSTODIAN_ORG,
	CA_RF_TAC_NOT_BLANK,
	CA_RF_TAC_IN_POOL,
	CA_RF_TAC_UNKNOWN,
	CA_RF_TAC_NOT_ACTIVE,
	CA_RF_TAC_OTHER_HOLDER,
	CA_RF_TAC_CUSTODIAN,
	/* certificates and CRLs */
	CA_RF_CERT_UNKNOWN,
	CA_RF_CERT_REVOKED,
	CA_RF_CERT_HELD,
	CA_RF_CERT_NOT_HELD,
	CA_RF_CERT_SUPERSEDED,
	CA_RF_CRL_NO_DELTA,
	CA_RF_CRL_NO_BASE,
	/* self-service unlock (ra/unlock.c) */
	CA_RF_UNLOCK_CARD_UNKNOWN,
	CA_RF_UNLOCK_NOT_ISSUED,
	CA_RF_UNLOCK_EXPIRED,
	CA_RF_UNLOCK_NO_SEAL,
	CA_RF_UNLOCK_NO_CONTACT,
	CA_RF_UNLOCK_SENDS_CARD,
	CA_RF_UNLOCK_SENDS_ADDRESS,
	CA_RF_UNLOCK_SENDS_TOTAL,
	CA_RF_UNLOCK_CODE_WRONG,
	CA_RF_UNLOCK_CODE_SPENT,
	CA_RF_UNLOCK_NO_CODE,
	CA_RF_UNLOCK_CODE_EXPIRED,
	/* a holder's own contact details (ra/contact.c) */
	CA_RF_CONTACT_NOT_HOLDER,
	CA_RF_CONTACT_OFF,
	CA_RF_CONTACT_SAME,
	CA_RF_NOT_SELF,
	CA_RF_OTHER_ORGANISATION,
	CA_RF_NOT_OWN_CARD,
	CA_RF_REQUEST_OTHER_ORGANISATION,
	/* who may ask at all */
	CA_RF_NOT_AUTHENTICATED,
	CA_RF_WRONG_ACTOR,
	/* network self-renewal (EST) */
	CA_RF_EST_NOT_CURRENT,
	CA_RF_EST_NONE_OPEN,
	CA_RF_EST_INCOMPLETE,
	CA_RF_EST_CONFIRM_OLD,
	CA_RF_EST_NO_CERT,
	CA_RF_EST_SUPERSEDED,
	/* moving the registry (op-migrate.c) */
	CA_RF_MIGRATE_NOT_SQLITE,
	CA_RF_MIGRATE_TARGET_USED,
	CA_RF_COUNT
};

struct ca_refusal {
	const char *name;	/* "card-cancelled": for tests and logs */
	int err;		/* CA_ERR_DENIED, _STATE, _NOT_FOUND, _EXISTS or _AUTH */
	const char *rule;	/* the policy key or registry rule that decides */
	const char *what;	/* "card %s is %s, not issued": the subject first; %s only */
	const char *todo;	/* what to do instead (may use the same %s arguments) */
};

/* The entry @id (NULL if out of range). */
const struct ca_refusal *ca_refusal_get(unsigned id);

/*
 * "what: todo" of entry @id with @args (NULL-terminated, the subject
 * first) put in for its %s in order, into @buf. A missing argument is
 * shown as "?". Returns @buf.
 */
char *ca_refusal_text(unsigned id, const char *const *args, char *buf, size_t len);

/*
 * Refuse @op with entry @id: @res gets the rule and the text (and a
 * CA_ERR_DENIED or CA_ERR_AUTH refusal is audited like the gate's own, on
 * the first argument as the subject). Returns the entry's error code.
 */
int ra_refusal(struct ca_session *s, enum ca_op op, struct ca_result *res, unsigned id,
	       const char *const *args);

#define RA_REFUSE(s, op, res, id, ...) \
	ra_refusal((s), (op), (res), (id), (const char *const[]){ __VA_ARGS__, NULL })

/*
 * The card in @reader for @op: CA_OK with *out, or the refusal (an empty
 * reader) or the module's error in @res.
 */
struct ca_p11card;
int ra_reader_card(struct ca_session *s, enum ca_op op, unsigned reader,
		   struct ca_p11card **out, struct ca_result *res);

#endif
