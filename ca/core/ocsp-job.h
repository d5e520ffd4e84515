/*
 * ca/ocsp-job: the system job behind the OCSP responder — pre-signing a
 * response per certificate and CertID hash, again after the policy's
 * refresh interval and at once after a revocation, with delegated
 * responders rotated before they run out (policy section "ocsp").
 *
 * Signing happens outside any transaction; each batch is then stored in
 * one transaction whose writes re-check every certificate's status, so a
 * revocation committed meanwhile (by any process) is never overwritten by
 * a "good" signed before it: that response is dropped and the revocation
 * comes round through the change feed. A killed job leaves the registry at
 * its last commit (old responses, old feed cursor) and simply redoes the
 * batch. The job keeps its feed cursor in the registry ("ocsp.cursor").
 *
 * One job per CA context, on the thread that owns the context (the HSM
 * session and the registry connection are single-threaded). It never
 * prints; what it did comes back in struct ca_ocsp_job_result.
 */
#ifndef CC_CA_OCSP_JOB_H
#define CC_CA_OCSP_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/core/ctx.h"
#include "policy/policy.h"

struct ca_ocsp_job;

struct ca_ocsp_job_result {
	unsigned certs;		/* certificates signed for */
	unsigned responses;	/* responses stored */
	unsigned skipped;	/* signed but overtaken by a revocation */
	unsigned changes;	/* change-feed entries consumed */
	unsigned revoked;	/* bit (1 << CA_ISSUER_*) per issuer with a revocation */
	bool more;		/* stopped early: there is more to do now */
};

/* A job for @ctx (borrowed; HSM open) under the policy's ocsp settings. */
int ca_ocsp_job_new(struct ca_ctx *ctx, const struct pol_ocsp *pol, struct ca_ocsp_job **out);
void ca_ocsp_job_free(struct ca_ocsp_job *j);

/* New settings (after a policy reload); responders are re-checked. */
void ca_ocsp_job_set_policy(struct ca_ocsp_job *j, const struct pol_ocsp *pol);

/*
 * Test hook: @fn is called at named steps ("signed": a batch is signed,
 * nothing stored yet; "stored": the batch is committed) so a test build can
 * kill the process there. NULL: none.
 */
void ca_ocsp_job_set_step_hook(struct ca_ocsp_job *j,
			       void (*fn)(void *arg, const char *step), void *arg);

/*
 * Make sure each issuing CA has a responder able to sign a response valid
 * from @now for the policy's response validity, rotating ahead of time.
 */
int ca_ocsp_job_responders(struct ca_ocsp_job *j, int64_t now);

/*
 * Consume the change feed after the job's cursor, up to @limit changed
 * certificates (expired ones are skipped, not signed): sign their
 * responses and store them together with the new cursor. @res is added
 * to; res->changes says how many entries were consumed.
 */
int ca_ocsp_job_follow(struct ca_ocsp_job *j, int64_t now, int limit,
		       struct ca_ocsp_job_result *res);

/*
 * Sign up to @limit certificates that are due: with @missing, those
 * lacking a response that agrees with their status (a full scan: at start
 * and now and then); otherwise those whose responses are refresh_interval
 * old (oldest first).
 */
int ca_ocsp_job_refresh(struct ca_ocsp_job *j, int64_t now, bool missing, int limit,
			struct ca_ocsp_job_result *res);

/* Drop expired responses and change-feed entries consumed over a day ago. */
int ca_ocsp_job_prune(struct ca_ocsp_job *j, int64_t now);

/* The job's change-feed cursor (the last entry it has signed for). */
int ca_ocsp_job_cursor(struct ca_ocsp_job *j, int64_t *out);

#endif
