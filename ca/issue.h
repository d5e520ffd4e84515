/*
 * ca/issue: end-entity certificate issuance from a PKCS#10 request.
 */
#ifndef CC_CA_ISSUE_H
#define CC_CA_ISSUE_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca/ctx.h"

struct ca_issue_req {
	const char *profile;		/* ca_profile_find() name */
	const unsigned char *csr;	/* PEM or DER */
	size_t csrlen;
	const char *holder;		/* UUID, must be in the registry */
	const char *card;		/* card serial or NULL */
	int validity_days;		/* 0: the profile's */
	const char *crl_url;		/* NULL: <crl-base-url>/<issuer>.crl */
	const char *ocsp_url;		/* NULL: registry ocsp-url */
	time_t now;
};

struct ca_issued {
	char *serial;			/* registry form, upper-case hex */
	unsigned char *der;
	size_t derlen;
};

void ca_issued_clear(struct ca_issued *c);

/*
 * Issue a certificate for @req and record it, with its audit entry, in one
 * registry transaction. The request is read and checked by ca_csr_read();
 * its SubjectPublicKeyInfo is copied as is (no decode/re-encode); the
 * subject comes from the registry, never from the request. On failure
 * nothing is recorded and *out is untouched.
 */
int ca_cert_issue(struct ca_ctx *ctx, const struct ca_issue_req *req, struct ca_issued *out);

/*
 * Group commit: issue @n requests and record them with ONE commit, so
 * under durability=full they share one WAL fsync instead of paying one
 * each. Each request is checked and signed as by ca_cert_issue(), and its
 * record (certificate row and audit entry) written in its own savepoint:
 * a failing request leaves no trace and does not affect the others; res[i]
 * receives its result. Nothing is
 * handed out before the commit: out[i] is filled (for res[i] == CA_OK) only
 * when the commit succeeded. Returns CA_OK when the commit succeeded, else
 * its error, with nothing recorded and out[] untouched.
 *
 * The requests are prepared, then signed back to back, then recorded, so
 * the token's signing runs uninterrupted (see issue.c).
 */
int ca_cert_issue_many(struct ca_ctx *ctx, const struct ca_issue_req *req, size_t n,
		       struct ca_issued *out, int *res);

#endif
