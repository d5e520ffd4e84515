/*
 * ca/ra/remind: the renewal reminder (policy renewal.reminder): each
 * holder is told once, when the renewal window of their card's
 * authentication certificate opens, how to renew — at their workstation
 * (carecard-card renew) or, when the policy says this renewal needs the
 * RA, by a visit. Run by the service's scheduler as the system account.
 */
#ifndef CC_CA_RA_REMIND_H
#define CC_CA_RA_REMIND_H

#include "ca/ra/session.h"
#include "ca/ra/unlock.h"

/*
 * Remind at most @max holders now through @send (email when registered,
 * else SMS); @how is the command the holder runs ("carecard-card renew
 * --server URL"). A reminder is recorded (and audited) only once it was
 * handed over, so one that could not be sent is tried again next time.
 * @sent gets how many went out. Nothing is sent when the policy's
 * renewal.reminder is off.
 */
int ca_op_renewal_reminders(struct ca_session *s, const char *how, unsigned max,
			    ca_unlock_send_fn send, void *arg, unsigned *sent,
			    struct ca_result *res);

#endif
