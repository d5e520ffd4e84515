/*
 * ca/ra/unlock: self-service unlock by a one-time code (ca/README.md,
 * "Self-service unlock"). Both operations are asked by a front end on the
 * holder's behalf as the system account (the locked card cannot
 * authenticate): the code sent to the holder's registered contact is the
 * proof. Every step is audited; every refusal changes nothing but the
 * refusal's own audit entry (and, for a wrong code, the code's tries).
 */
#ifndef CC_CA_RA_UNLOCK_H
#define CC_CA_RA_UNLOCK_H

#include <stddef.h>

#include "ca/ra/session.h"

/*
 * The front end's delivery (mail, SMS gateway): send @text to @address on
 * @channel ("email" or "sms"). The library never talks to the network.
 * Return 0, or a negative CA_ERR_* (the send failed; the code is spent).
 */
typedef int (*ca_unlock_send_fn)(void *arg, const char *channel, const char *address,
				 const char *subject, const char *text);

/*
 * Send card @serial's holder a new one-time code (the policy's
 * unlock.code-digits, valid unlock.code-valid; earlier open codes of the
 * card stop working). Refused (CA_ERR_DENIED, audited) for an unknown,
 * blank or cancelled card, a retired series, an expired card, a card
 * personalised before self-service unlock, a holder without a registered
 * contact, or past the send limits (unlock.sends-per-card,
 * -per-address, -total an hour). The code is kept only as an HMAC under an
 * HSM key; it exists in clear only inside this call and the @send call.
 */
int ca_op_unlock_request(struct ca_session *s, const char *serial, ca_unlock_send_fn send,
			 void *arg, struct ca_result *res);

/*
 * Check @code for card @serial and answer the card's ephemeral public key
 * @spki (DER SubjectPublicKeyInfo, RSA 2048-4096) with the unlock response
 * (*resp, malloc'd; pkcs11/CARD-FORMAT.md), which the card takes through
 * C_Login(CKU_SO, response). A wrong code costs one of its
 * unlock.code-max-tries; a code that is used, spent, superseded or past
 * its time is refused. After the response the holder's contact gets a
 * notice through @send (its failure does not undo the unlock; logged).
 */
int ca_op_unlock_complete(struct ca_session *s, const char *serial, const char *code,
			  const unsigned char *spki, size_t spkilen, ca_unlock_send_fn send,
			  void *arg, unsigned char **resp, size_t *resplen, struct ca_result *res);

#endif
