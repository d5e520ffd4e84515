/*
 * ca/ra/ra-int: what the operations in ca/ra share and front ends do not
 * see.
 */
#ifndef CC_CA_RA_INT_H
#define CC_CA_RA_INT_H

#include "ca/ra/gate.h"

/*
 * Refuse @op on behalf of @rule with a sentence saying why and what to do
 * instead (for rules the gate does not hold: a card's state, documents):
 * audited like the gate's own refusals. Returns CA_ERR_DENIED.
 */
int ra_refuse(struct ca_session *s, enum ca_op op, const char *subject, struct ca_result *res,
	      const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * The recovery the system account's jobs run first (crl, crl-publish,
 * recover): certificates pending longer than the policy's
 * integrity.pending-lease are revoked as abandoned. *n: how many.
 */
int ra_recover(struct ca_session *s, int *n, struct ca_result *res);

#endif
