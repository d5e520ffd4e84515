/*
 * ca/service/ocsp-answer: one OCSP request in, one OCSP response out
 * (RFC 6960, RFC 5019 profile), from memory only — no registry, no HSM, no
 * I/O — so a worker's event loop never waits, and a fuzzer can drive it.
 *
 *   not DER, trailing bytes, not exactly one request  -> malformedRequest
 *   a hash other than SHA-1/SHA-256, another CA's
 *   certificate, a serial the CA never issued          -> unauthorized
 *   issued, but no response that may be served yet    -> tryLater
 *   otherwise                                          -> the pre-signed response
 *
 * The error responses are unsigned (RFC 6960 4.2.1 allows no responseBytes
 * for them), so answering garbage costs no signature.
 */
#ifndef CC_SVC_OCSP_ANSWER_H
#define CC_SVC_OCSP_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/service/site.h"
#include "ca/service/store.h"

enum svc_ocsp_outcome {
	SVC_OCSP_GOOD,
	SVC_OCSP_REVOKED,
	SVC_OCSP_MALFORMED,	/* OCSPResponseStatus malformedRequest (1) */
	SVC_OCSP_INTERNAL,	/* internalError (2) */
	SVC_OCSP_TRYLATER,	/* tryLater (3) */
	SVC_OCSP_UNAUTHORIZED,	/* unauthorized (6) */
	SVC_OCSP_NOUTCOME
};

struct svc_ocsp_answer {
	enum svc_ocsp_outcome outcome;
	struct svc_blob *blob;	/* the response to send (a reference: unref it) */
	int hash;		/* CertID hash, -1 if not known */
	char serial[2 * SVC_SERIAL_MAX + 1];	/* hex, for the access log ("" if none) */
};

/* Build the fixed error responses; once, before the first answer. */
int svc_ocsp_init(void);
void svc_ocsp_cleanup(void);

/* "good", "revoked", "malformed", ... for the access log. */
const char *svc_ocsp_outcome_name(enum svc_ocsp_outcome o);

/*
 * Answer the DER request @der (@len bytes) received at the OCSP URL of
 * issuing CA @issuer (enum ca_issuer_id), at @now. Always fills @out with
 * a response to send (out->blob, one reference), except on out of memory
 * (out->blob NULL: answer 503).
 */
void svc_ocsp_answer(const struct svc_site *site, struct svc_store *store, int issuer,
		     const unsigned char *der, size_t len, int64_t now,
		     struct svc_ocsp_answer *out);

/*
 * RFC 6960 appendix A.1 GET: the path segment after the OCSP URL is the
 * URL-encoded base64 of the DER request. Decodes @tail (@len bytes, as on
 * the request line) into @out (capacity @cap); false if it is not that.
 */
bool svc_ocsp_get_decode(const char *tail, size_t len, unsigned char *out, size_t cap,
			 size_t *outlen);

#endif
