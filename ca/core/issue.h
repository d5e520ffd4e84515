/*
 * ca/issue: THE end-entity certificate builder, used by issue-cert and
 * issue-certs (ca_cert_issue, ca_cert_issue_many) and by card
 * personalisation (ca/card/cert.c through ca_cert_draft) alike.
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

#include <stdbool.h>
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
 * Record before you sign (issue 16). A certificate is first a draft:
 * built and its serial chosen, unsigned. Its pending row is committed in
 * the registry (ca_cert_pending) before it may be signed (ca_cert_sign
 * refuses a draft that is not recorded), and it becomes valid when its
 * operation commits (ca_reg_cert_activate with the issuance's audit entry).
 * An operation that dies in between leaves a pending row, which a re-run
 * of the card operation or the recovery revokes (ca_cert_recover), so
 * every certificate that was ever signed is in the registry.
 */
struct ca_draft {
	const char *profile;		/* static: "authentication" or "signing" */
	struct ca_issuer *is;		/* the issuing CA, in ctx->issuers */
	X509 *crt;			/* unsigned until ca_cert_sign */
	char *serial;			/* registry form */
	int64_t not_before, not_after;
	char holder[16];		/* the holder's UUID */
	const char *card;		/* borrowed: the card it is for, or NULL */
	bool recorded;			/* its pending row is committed */
};

void ca_draft_clear(struct ca_draft *d);

/*
 * Build a draft under policy profile @profile for @holder (registry
 * fields) and the request @csr (PEM or DER), valid from ca_ctx_now() for
 * the profile's lifetime or @lifetime seconds if shorter (0: the
 * profile's). Nothing is recorded or signed.
 * CA_ERR_USAGE: unknown profile or negative lifetime; CA_ERR_BAD_REQUEST:
 * the request; CA_ERR_INPUT: the holder's registered name or UUID breaks
 * ca/core/validate.h's rules (logged); CA_ERR_STATE: no policy loaded, or
 * the profile names an issuing CA this CA does not have. *out is written
 * only on success.
 */
int ca_cert_draft(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
		  const unsigned char *csr, size_t csrlen, int64_t lifetime, struct ca_draft *out);

/* What a pending record is for (ca_cert_pending). */
struct ca_pending_req {
	const char *op;		/* the operation: audit action "<op>-pending", kill points */
	const char *subject;	/* its audit subject (a card); NULL: the first serial */
	const char *holder;	/* UUID */
	const char *card;	/* card serial, or NULL */
	int64_t card_op;	/* the card operation's journal entry, or 0 */
};

/*
 * Record the drafts @d[0..n-1] pending (card: d[i]->card, else rq->card),
 * with one "<op>-pending" audit entry naming their serials, in one
 * committed transaction, and mark them recorded; then the step
 * "<op>:pending-recorded". On failure nothing is recorded.
 */
int ca_cert_pending(struct ca_ctx *ctx, const struct ca_pending_req *rq, struct ca_draft **d,
		    size_t n);

/*
 * The rows and the entry of ca_cert_pending() in the caller's transaction,
 * each row in its own savepoint: NULL drafts are skipped, a failing row
 * sets res[i] and leaves nothing. Does not mark anything recorded (only
 * the commit makes them so).
 */
int ca_cert_pending_rows(struct ca_ctx *ctx, const struct ca_pending_req *rq,
			 struct ca_draft **d, size_t n, int *res);

/*
 * Sign a recorded draft on the token: @out receives the certificate (the
 * serial moves from @d). CA_ERR_STATE for a draft that is not recorded.
 */
int ca_cert_sign(struct ca_ctx *ctx, struct ca_draft *d, struct ca_issued *out);

/*
 * Revoke the pending certificate @serial as abandoned (cessationOfOperation)
 * with a "revoke" audit entry saying @why, in the caller's transaction.
 */
int ca_cert_abandon(struct ca_ctx *ctx, const char *serial, const char *why);

/*
 * ca_cert_abandon every pending row @sel selects, in the caller's
 * transaction; *n (may be NULL) receives how many.
 */
int ca_cert_abandon_sel(struct ca_ctx *ctx, const struct ca_pending_sel *sel, const char *why,
			int *n);

/*
 * The recovery: revoke, in one transaction, every certificate pending for
 * longer than @lease seconds — its operation died (no live operation takes
 * that long; a late one finds its row revoked and fails). *n receives how
 * many.
 */
int ca_cert_recover(struct ca_ctx *ctx, int64_t lease, int *n);

/*
 * The subject a certificate of @holder under @profile has, in a new
 * X509_NAME (for the request a card signs). Errors as ca_cert_draft().
 */
int ca_cert_subject(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
		    X509_NAME **out);

/*
 * Draft, record pending, sign, activate: the holder is read from the
 * registry; the pending row commits before the signature exists (step
 * "issue-cert:pending-recorded", then "issue-cert:signed"), the
 * issue-cert audit entry and the valid row commit together ("issue-cert:
 * recorded"). On failure *out is untouched: a pending row left behind is
 * revoked here when possible (signing failed), else by the recovery.
 */
int ca_cert_issue(struct ca_ctx *ctx, const struct ca_issue_req *req, struct ca_issued *out);

/*
 * Group commit: issue @n requests with two commits per @batch requests
 * (0: one batch for all), so under durability=full each batch shares its
 * WAL fsyncs instead of paying them per certificate: the batch's pending
 * rows (one "issue-cert-pending" entry; the first batch of a call in two
 * commits, so signing starts after a few) commit before any of it is signed
 * (step "issue-certs:pending-recorded"), then, once it is signed
 * ("issue-certs:signed"), its valid rows and issue-cert entries
 * ("issue-certs:recorded"). Each request is checked as by ca_cert_issue(),
 * and its rows written in their own savepoints: a request failing before
 * its pending row leaves no trace, one failing after it (signing) is
 * revoked as abandoned, and neither affects the others. res[i] receives
 * each result and out[i] (for res[i] == CA_OK) the certificate — filled
 * only after the commit covering it returned; nothing is handed out
 * before. A batch whose final commit fails is rolled back whole (its rows
 * stay pending, for the recovery) and its requests get that error.
 * Returns CA_OK, or the first failed commit's error. All the certificates
 * of one call start at the same time (ca_ctx_now, read once).
 *
 * Signing runs back to back on the caller's thread while a helper thread
 * prepares and records the next batch and activates the signed ones (see
 * issue.c); the registry connection is used by one thread at a time, and
 * not by the caller until this returns.
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
