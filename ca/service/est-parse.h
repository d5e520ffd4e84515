/*
 * ca/service/est-parse: the bytes of EST (RFC 7030) in and out, with
 * OpenSSL only and no CA state — what the fuzz target drives
 * (tests/fuzz/fuzz-est-request.c).
 *
 * In: a simplereenroll body is a base64 PKCS#10 request (RFC 7030 4.2.1,
 * Content-Type application/pkcs10; line breaks allowed). Out: certificates
 * as base64 degenerate PKCS#7 SignedData ("certs-only", RFC 7030 4.1.3 and
 * 4.2.3) and the CSR attributes (4.5.2) as base64 DER.
 */
#ifndef CC_SVC_EST_PARSE_H
#define CC_SVC_EST_PARSE_H

#include <stddef.h>

#include <openssl/x509.h>

#include "policy/policy.h"

#define SVC_EST_BODY_MAX 24576	/* base64 bytes of a request body */
#define SVC_EST_DER_MAX 16384	/* DER bytes of a request (CA_EST_CSR_MAX) */

/*
 * Check @ctype (the Content-Type header, may be NULL) and decode @body
 * (@len bytes of base64) into *der (malloc'ed, *derlen bytes) — one DER
 * PKCS#10 request that parses (its signature and contents are the CA
 * library's to check). Returns the HTTP status: 200, 415 (not
 * application/pkcs10), 413 (too large) or 400 (not base64, not one DER
 * request); *why (static text) says why when not 200.
 */
int svc_est_request_decode(const char *ctype, const unsigned char *body, size_t len,
			   unsigned char **der, size_t *derlen, const char **why);

/*
 * @n certificates as base64 PKCS#7 certs-only into *out (malloc'ed, *outlen
 * bytes, lines of 64 characters). CA_OK, CA_ERR_ALLOC or CA_ERR_CRYPTO.
 */
int svc_est_certs_encode(X509 *const *certs, size_t n, char **out, size_t *outlen);

/*
 * The CSR attributes a request under profile @p should follow, base64 DER
 * (RFC 7030 4.5.2; key as in RFC 9908): the signature algorithm and the
 * key — rsaEncryption with the modulus size, or id-ecPublicKey with the
 * curve. CA_OK, CA_ERR_ALLOC or CA_ERR_CRYPTO.
 */
int svc_est_csrattrs_encode(const struct pol_profile *p, char **out, size_t *outlen);

#endif
