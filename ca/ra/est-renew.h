/*
 * ca/ra/est-renew: self-renewal over the network (EST, RFC 7030; issue 12),
 * the library half. The service authenticates the holder by their card's
 * TLS client certificate (ca_session_holder_cert) and calls these; the
 * rules are the RA's self-renew rules: the same gate call
 * (CA_OP_SELF_RENEW on the card's view), so the window, the series, the
 * card's state and the renewal counters decide alike in both.
 *
 * A renewal is per card. The first request opens a renewal record holding
 * the certificates being renewed; each simplereenroll issues the new
 * certificate of one profile (authentication or signing) and records it
 * there, a second request for the same profile replacing (revoking) the
 * first. The server cannot see the card, so the card confirms: a call
 * authenticated by the NEW authentication certificate, with both new
 * certificates issued, steps the counters once, revokes the old
 * certificates (superseded) and closes the renewal, in one transaction.
 * Until then both the old and the new authentication certificate are
 * accepted; a renewal not confirmed within the policy's
 * renewal.confirm-timeout is abandoned (ca_op_est_abandon) and its new
 * certificates revoked. A refused request changes nothing.
 */
#ifndef CC_CA_RA_EST_RENEW_H
#define CC_CA_RA_EST_RENEW_H

#include <stddef.h>

#include "ca/core/issue.h"
#include "ca/ra/session.h"

#define CA_EST_CSR_MAX 16384	/* bytes of DER: larger requests are refused */

/*
 * Issue the new certificate of @profile ("authentication" or "signing")
 * for the card of @s's holder (authenticated with ca_session_holder_cert)
 * from the PKCS#10 request @csr (DER, @len bytes). On success *out gets the
 * certificate (valid and recorded: the commit came first).
 * CA_ERR_BAD_REQUEST: the request does not parse, its signature does not
 * verify, its subject or subjectAltName differ from the certificate being
 * renewed, or its key is an old one (@res says which). CA_ERR_DENIED /
 * CA_ERR_STATE / CA_ERR_AUTH: refused by a rule, audited, @res says what to
 * do. CA_ERR_USAGE: unknown profile.
 */
int ca_op_est_reenroll(struct ca_session *s, const char *profile, const unsigned char *csr,
		       size_t len, struct ca_issued *out, struct ca_result *res);

/*
 * The card confirms its open renewal: @s's holder must have authenticated
 * with the renewal's new authentication certificate, and both new
 * certificates must be issued. One transaction: the card's counters step
 * once, the old certificates are revoked as superseded, the renewal is
 * closed, audited ("est-renew-confirm"). With no renewal open (a client
 * repeating a confirm whose answer it lost): CA_ERR_STATE, changing nothing.
 */
int ca_op_est_confirm(struct ca_session *s, struct ca_result *res);

/*
 * The system account: abandon every renewal open for longer than the
 * policy's renewal.confirm-timeout at @s's clock — its unconfirmed new
 * certificates revoked (cessationOfOperation), the renewal closed, audited
 * ("est-renew-abandon"); one transaction per renewal. *n (may be NULL)
 * receives how many.
 */
int ca_op_est_abandon(struct ca_session *s, int *n, struct ca_result *res);

#endif
