/*
 * ca/issue: THE end-entity certificate builder, used by issue-cert and
 * issue-certs (ca_cert_issue, ca_cert_issue_many) and by card
 * personalisation (ca/card/cert.c through ca_cert_make) alike.
 *
 * Every fact of a certificate comes from one place:
 *   - the policy profile (ctx->pol, pol_profile_find): key usage, extended
 *     key usage, lifetime, CRL and OCSP URLs, the subject's form and the
 *     issuing CA, named by its certificate's common name (`issuing-ca`);
 *   - the registry: the holder's name and UUID, put into the subject
 *     attribute by attribute (pol_subject_parse's structure, values as
 *     UTF-8 data, never parsed), after ca_check_name/ca_check_uuid;
 *   - the request: only its public key (SubjectPublicKeyInfo copied as is
 *     after ca_csr_read checked the request's signature);
 *   - the CA's clock (ca_ctx_now): notBefore.
 * A caller can shorten the lifetime (TAC activation), nothing more.
 *
 * What all certificates of a profile share (extensions but the subject key
 * identifier, the subject's attribute types, the issuer) is built once and
 * cached in the context until the policy's profile changes, so the
 * per-certificate path formats and parses nothing.
 */
#ifndef CC_CA_ISSUE_H
#define CC_CA_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ca/core/ctx.h"

struct ca_issue_req {
	const char *profile;		/* policy profile: "authentication" or "signing" */
	const unsigned char *csr;	/* PEM or DER */
	size_t csrlen;
	const char *holder;		/* UUID, must be in the registry */
	const char *card;		/* card serial or NULL */
	int64_t lifetime;		/* seconds; 0: the profile's, else at most this */
};

struct ca_issued {
	char *serial;			/* registry form, upper-case hex */
	unsigned char *der;
	size_t derlen;
	const char *profile;		/* static: "authentication" or "signing" */
	const char *issuer;		/* static: the issuing CA's registry name (ca_ctx_issuer) */
	int64_t not_before, not_after;
};

void ca_issued_clear(struct ca_issued *c);

/*
 * Build and sign, do not record: a certificate under policy profile
 * @profile for @holder (registry fields) and the request @csr (PEM or DER),
 * valid from ca_ctx_now() for the profile's lifetime or @lifetime seconds
 * if shorter (0: the profile's). The caller records it in its own
 * transaction (the card operations do, with the card's other changes).
 * CA_ERR_USAGE: unknown profile or negative lifetime; CA_ERR_BAD_REQUEST:
 * the request; CA_ERR_INPUT: the holder's registered name or UUID breaks
 * ca/core/validate.h's rules (logged); CA_ERR_STATE: no policy loaded, or
 * the profile names an issuing CA this CA does not have. *out is written
 * only on success.
 */
int ca_cert_make(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
		 const unsigned char *csr, size_t csrlen, int64_t lifetime,
		 struct ca_issued *out);

/*
 * The subject ca_cert_make() gives @holder under @profile, in a new
 * X509_NAME (for the request a card signs). Errors as ca_cert_make().
 */
int ca_cert_subject(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
		    X509_NAME **out);

/*
 * Build, sign and record: the holder is read from the registry, and the
 * certificate row and its audit entry are written in one registry
 * transaction. On failure nothing is recorded and *out is untouched.
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
 * that error. Returns CA_OK, or the first failed commit's error. All the
 * certificates of one call start at the same time (ca_ctx_now, read once).
 *
 * Signing runs back to back on the caller's thread while a helper thread
 * prepares the next requests, records the signed ones and commits each
 * batch (see issue.c); the registry connection is used by one thread at a
 * time, and not by the caller until this returns.
 */
int ca_cert_issue_many(struct ca_ctx *ctx, const struct ca_issue_req *req, size_t n, size_t batch,
		       struct ca_issued *out, int *res);

/*
 * Can this CA issue under @pol's profiles? Each profile's issuing-ca must
 * be the common name of one of this CA's issuing CAs and its subject
 * template usable. CA_OK or CA_ERR_STATE (logged: which profile, why).
 * For replacing the installed policy: a policy this CA cannot issue under
 * is refused before it is installed, not at the next certificate.
 */
int ca_cert_profiles_check(struct ca_ctx *ctx, const struct pol_policy *pol);

/* The context's template cache (ctx->ee); ca_ctx_free calls it. */
struct ca_ee_cache;
void ca_ee_cache_free(struct ca_ee_cache *c);

#endif
