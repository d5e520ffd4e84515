/*
 * ca/service/sched: the scheduler thread — the only thread of the service
 * that touches the CA (registry and HSM), so the workers' loops never wait.
 *
 * Every pass (at most 250 ms apart, at once while there is work):
 *   1. follow the registry: when SQLite's data_version moved, read the
 *      change feed — a revocation blocks the certificate's old responses in
 *      the store at once — and load newly stored responses;
 *   2. if this process runs the system jobs (it holds the "jobs" lease;
 *      several instances may share a registry, one signs): sign responses
 *      for the change feed, regenerate the CRLs of CAs that just revoked
 *      something, sign what is due (refresh, missing, responder rotation)
 *      and publish CRLs on the policy's schedule;
 *   3. pick up CRL files another instance published, and swap a new site
 *      snapshot in when anything published changed.
 */
#ifndef CC_SVC_SCHED_H
#define CC_SVC_SCHED_H

#include <stdbool.h>

#include "ca/core/ctx.h"
#include "ca/service/svc.h"
#include "policy/policy.h"

struct svc_sched;

struct ca_session;

/*
 * A scheduler over session @sess and policy @pol (both taken over). With
 * @jobs it competes for the jobs lease (@sess must have the HSM open and
 * the system account as its actor: every job passes the gate).
 */
int svc_sched_new(struct svc *svc, struct ca_session *sess, struct pol_policy *pol, bool jobs,
		  struct svc_sched **out);

/* The first load (store, site), on the caller's thread, before serving. */
int svc_sched_load(struct svc_sched *s);

int svc_sched_start(struct svc_sched *s);

/* A new policy (taken over), applied at the next pass (any thread). */
void svc_sched_policy(struct svc_sched *s, struct pol_policy *pol);

/*
 * Run @fn on the scheduler's opened CA (its session, with the registry and
 * the HSM) from another thread, between two steps of a pass: the CA is used
 * by one thread at a time (calock.h). Returns what @fn returns. (The
 * holder's endpoints, holder.c.)
 */
int svc_sched_ca(struct svc_sched *s, int (*fn)(struct ca_session *sess, void *arg), void *arg);

/*
 * svc_sched_ca with group commit (svc_calock_run_group): @fn's
 * transactions are savepoints of one transaction the requests running one
 * after the other share. Returns once what @fn committed is durable: @fn's
 * result, or the group commit's error. Each @fn still runs alone and whole
 * on the CA. (EST, est.c.)
 */
int svc_sched_ca_group(struct svc_sched *s, int (*fn)(struct ca_session *sess, void *arg),
		       void *arg);

/* Stop the thread, release the lease, free everything. Accepts NULL. */
void svc_sched_free(struct svc_sched *s);

#endif
