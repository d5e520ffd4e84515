/*
 * ca/ra/otp: the one-time codes the service sends to a holder's registered
 * contact — for a self-service unlock (unlock.c) and to confirm a new
 * contact address (contact.c). One send log, one set of limits and one way
 * of making, keeping (an HMAC under an HSM key) and showing them.
 */
#ifndef CC_CA_RA_OTP_H
#define CC_CA_RA_OTP_H

#include <stdbool.h>
#include <stddef.h>

#include "ca/ra/gate.h"
#include "ca/ra/session.h"

#define CA_OTP_MAX 10	/* digits, at most (policy unlock.code-digits) */

/* Is @p only decimal digits, @min .. @max of them? */
bool ca_otp_digits(const char *p, size_t min, size_t max);

/* "h****@nhs.net", "+44*******123": enough for the holder to recognise, no more. */
void ca_otp_mask(const char *addr, char *out, size_t size);

/* @n uniform decimal digits from the DRBG into @out (n + 1 bytes). */
int ca_otp_new(unsigned n, char *out);

/*
 * The HMAC kept for @code, under the HSM's code key, bound to its
 * @purpose ("unlock", "contact") and card @serial: a code of one purpose
 * or card never matches another's.
 */
int ca_otp_mac(struct ca_session *s, const char *purpose, const char *serial,
	       const char *code, unsigned char mac[32]);

/*
 * May another code be sent now, for card @serial to @address? CA_OK, or
 * the refusal for @op (audited): the policy's unlock.sends-per-card,
 * sends-per-address and sends-total count every code of every purpose.
 */
int ca_otp_limits(struct ca_session *s, enum ca_op op, const char *serial,
		  const char *address, struct ca_result *res);

/*
 * The holder's @code for card @serial (holder @holder) against the newest
 * open code of @purpose. CA_OK: it matches, *@c is that code and a registry
 * transaction is open for the caller to use it and end. Otherwise nothing
 * is left open and the refusal for @op is in @res: no open code; expired
 * (the code spent); wrong (one try less, spent at none; audited as
 * @wrong_action with the tries left).
 */
struct ca_unlock_code;
int ca_otp_take(struct ca_session *s, enum ca_op op, const char *purpose, const char *serial,
		const char *holder, const char *code, const char *wrong_action,
		struct ca_unlock_code *c, struct ca_result *res);

#endif
