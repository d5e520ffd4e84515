/*
 * ca/ra/contact: a holder changes their own registered email address or
 * mobile number (ca/README.md, "A holder's own contact details"). Both
 * calls are made by a front end on a session whose actor is the holder,
 * authenticated by their card's authentication certificate
 * (ca_session_holder_cert). The change takes effect only when the one-time
 * code sent to the NEW address comes back; the OLD address is then told.
 * Codes, their keeping and the send limits are those of self-service
 * unlock (otp.h, the policy's unlock.code-* and unlock.sends-*).
 */
#ifndef CC_CA_RA_CONTACT_H
#define CC_CA_RA_CONTACT_H

#include "ca/ra/session.h"
#include "ca/ra/unlock.h"

/*
 * Send a code to @address on @channel ("email" or "sms") for the actor's
 * card. Refused (audited) when the policy's unlock.self-contact-change is
 * off, for a card that is not issued, when @address is already the
 * registered one, past the send limits; CA_ERR_INPUT for a malformed
 * address. Earlier open contact codes of the card stop working.
 */
int ca_op_contact_request(struct ca_session *s, const char *channel, const char *address,
			  ca_unlock_send_fn send, void *arg, struct ca_result *res);

/*
 * @code, from the message sent to the new address: the holder's email or
 * mobile becomes that address (one transaction with the code's use and
 * the audit entry, old and new masked); then the old address, if there
 * was one, gets a notice through @send (its failure does not undo the
 * change; logged). Wrong codes count against unlock.code-max-tries.
 */
int ca_op_contact_confirm(struct ca_session *s, const char *code, ca_unlock_send_fn send,
			  void *arg, struct ca_result *res);

#endif
