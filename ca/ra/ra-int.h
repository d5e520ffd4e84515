/*
 * ca/ra/ra-int: what the operations in ca/ra share and front ends do not
 * see.
 */
#ifndef CC_CA_RA_INT_H
#define CC_CA_RA_INT_H

#include "ca/ra/gate.h"
#include "ca/ra/refusal.h"

/*
 * Write "<operation>-refused" on @subject (may be NULL) with the rule and
 * sentence of @d to the audit log, in the actor's name and in a
 * transaction of its own (anything the operation had begun is rolled
 * back). For refusals the gate does not decide itself (refusal.h).
 */
void ca_gate_audit_refusal(struct ca_session *s, enum ca_op op, const char *subject,
			   const struct pol_decision *d);

struct ca_request;

/*
 * The request @rq is still awaiting its identity check (sponsored): CA_OK,
 * else @op is refused naming its state (verified, rejected).
 */
int ra_request_open(struct ca_session *s, enum ca_op op, const struct ca_request *rq,
		    struct ca_result *res);

/*
 * The recovery the system account's jobs run first (crl, crl-publish,
 * recover): certificates pending longer than the policy's
 * integrity.pending-lease are revoked as abandoned. *n: how many.
 */
int ra_recover(struct ca_session *s, int *n, struct ca_result *res);

#endif
