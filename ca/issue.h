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

#endif
