/*
 * ca/issue: end-entity certificate issuance from a PKCS#10 request.
 */
#ifndef CC_CA_ISSUE_H
#define CC_CA_ISSUE_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca/core/ctx.h"

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
 * Group commit: issue @n requests and record them with one commit per
 * @batch requests (0: one for all), so under durability=full each batch
 * shares one WAL fsync instead of paying one per certificate. Each request
 * is checked and signed as by ca_cert_issue(), and its record (certificate
 * row and audit entry) written in its own savepoint: a failing request
 * leaves no trace and does not affect the others. res[i] receives each
 * result and out[i] (for res[i] == CA_OK) the certificate — filled only
 * after the commit covering it returned; nothing is handed out before.
 * A batch whose commit fails is rolled back whole and its requests get
 * that error. Returns CA_OK, or the first failed commit's error.
 *
 * Signing runs back to back on the caller's thread while a helper thread
 * prepares the next requests, records the signed ones and commits each
 * batch (see issue.c); the registry connection is used by one thread at a
 * time, and not by the caller until this returns.
 */
int ca_cert_issue_many(struct ca_ctx *ctx, const struct ca_issue_req *req, size_t n, size_t batch,
		       struct ca_issued *out, int *res);

#endif
