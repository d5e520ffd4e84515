/*
 * ca/ra/service-cert: the TLS server certificate of carecard-ca serve when
 * none is configured (issue 12: "serve --https ADDR:PORT works with no
 * configuration"). The CA issues it to itself: a P-256 key made in
 * software and written 0600 (the service must hold it to do TLS), a
 * certificate from the Authentication CA (serverAuth, the names given),
 * recorded in the registry with an audit entry before the files are
 * written. Clients trust it through the root, like the cards.
 */
#ifndef CC_CA_RA_SERVICE_CERT_H
#define CC_CA_RA_SERVICE_CERT_H

#include <stddef.h>

#include "ca/ra/session.h"

#define CA_SERVICE_CERT_DAYS 365	/* lifetime */
#define CA_SERVICE_CERT_RENEW_DAYS 30	/* a new one when less is left */

/*
 * Make sure @cert (the chain: certificate, Authentication CA; PEM) and
 * @key (PEM, 0600) hold a certificate of this CA for all of @names (IP
 * addresses or DNS names; n >= 1) with its key, valid for more than
 * CA_SERVICE_CERT_RENEW_DAYS: CA_OK at once when they do (nothing asked
 * of the HSM: an instance without it serves what is there). Otherwise the
 * system account (the gate: ocsp-sign, the service's own certificates)
 * issues a new one. *issued (may be NULL) says which happened.
 */
int ca_op_service_cert(struct ca_session *s, const char *cert, const char *key,
		       const char *const *names, size_t n, bool *issued, struct ca_result *res);

#endif
