/*
 * ca/service/sched.c: the scheduler thread. See sched.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/core/ocsp-job.h"
#include "ca/core/publish.h"
#include "ca/ra/est-renew.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/session.h"
#include "ca/registry/registry-ocsp.h"
#include "ca/service/calock.h"
#include "ca/service/holder.h"
#include "ca/service/sched.h"
#include "ca/service/sitebuild.h"
#include "common/log.h"

#define PASS_MS 250		/* how often the registry is looked at */
#define FEED_BATCH 1000		/* change-feed entries read per step */
#define SIGN_BATCH 64		/* certificates signed per commit */
#define LEASE_NAME "jobs"
#define LEASE_TTL 15		/* seconds; renewed every LEASE_EVERY */
#define LEASE_EVERY 3
#define MISSING_EVERY 600	/* full scan for unsigned certificates */
#define PRUNE_EVERY 3600
#define EST_ABANDON_EVERY 60	/* seconds between looks for unconfirmed EST renewals */
#define CRL_BURST_MS 1000	/* revocations in a burst: one CRL per issuer per second */

struct svc_sched {
	struct svc *svc;
	struct ca_session *sess;	/* the system account's (jobs), or no actor (serving) */
	struct ca_ctx *ctx;		/* sess->ctx */
	struct pol_policy *pol, *next_pol;	/* next_pol: under mu */
	struct ca_ocsp_job *job;
	bool want_jobs, holder;
	char holder_id[160];
	char *pubroot;			/* STATE/public */

	pthread_t thread;
	bool started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct svc_calock *lock;	/* the CA (sess): a step of a pass, or one request */
	int64_t next_est;		/* next look for abandoned EST renewals */

	int64_t dv;			/* registry data_version last seen */
	int64_t feed;			/* change feed consumed by the follower */
	int64_t resp_seq;		/* responses loaded into the store */
	bool missing;			/* a scan for unsigned certificates is under way */
	int64_t next_missing, next_prune, next_lease, next_counts;
	int64_t jobs_retry;		/* after a failed round, jobs wait until then */
	unsigned regen;			/* issuers whose CRLs must be made (a revocation) */
	int64_t regen_ms[CA_ISSUER_COUNT];	/* when each was last made for one (monotonic) */
	bool regen_all;			/* every CRL (start of the jobs) */
	struct svc_filestamp stamp[CA_PUB_MAX];
};

int64_t
svc_now(void)
{
	return (int64_t)time(NULL);
}

static int64_t
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
job_step(void *arg, const char *step)
{
	struct svc_sched *s = arg;

	ca_ctx_point(s->ctx, "presign", step);
}

/* The gate, as for any other front end: the jobs are the system account's. */
static int
sched_gate(struct svc_sched *s, enum ca_op op)
{
	struct ca_result res;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = ca_gate(s->sess, op, NULL, &res, NULL)) != CA_OK)
		util_log(LOG_ERR, "%s refused: %s", ca_op_name(op), res.text);
	return r;
}

/* --- following the registry ----------------------------------------- */

static int
feed_entry(void *arg, const struct ca_ocsp_change *c)
{
	struct svc_sched *s = arg;
	struct ca_issuer *is = ca_ctx_issuer(s->ctx, c->issuer);
	int id = is != NULL ? (int)(is - s->ctx->issuers) : -1;
	int r = CA_OK;

	s->feed = c->seq;
	/* expired certificates are not served (no entry: never good) */
	if (id > CA_ISSUER_ROOT && c->not_after > svc_now())
		r = c->revoked ? svc_store_block(s->svc->store, id, c->serial, c->seq)
			       : svc_store_add(s->svc->store, id, c->serial);
	return r == CA_ERR_USAGE ? CA_OK : r;	/* a serial we cannot key: never served */
}

static int
resp_entry(void *arg, const struct ca_ocsp_resp *r)
{
	struct svc_sched *s = arg;
	struct ca_issuer *is = ca_ctx_issuer(s->ctx, r->issuer);
	int e = CA_OK;

	if (r->seq > s->resp_seq)
		s->resp_seq = r->seq;
	if (is != NULL)
		e = svc_store_put(s->svc->store, (int)(is - s->ctx->issuers), r);
	return e == CA_ERR_USAGE ? CA_OK : e;
}

static int
cert_entry(void *arg, const struct ca_ocsp_cert *c)
{
	struct svc_sched *s = arg;
	struct ca_issuer *is = ca_ctx_issuer(s->ctx, c->issuer);
	int r = CA_OK;

	if (is != NULL)
		r = svc_store_add(s->svc->store, (int)(is - s->ctx->issuers), c->serial);
	return r == CA_ERR_USAGE ? CA_OK : r;
}

/* Revocations first (they block old responses), then new responses. */
static int
follow(struct svc_sched *s, int64_t now)
{
	int64_t before;
	int r;

	do {
		before = s->feed;
		if ((r = ca_reg_ocsp_changes(s->ctx->reg, s->feed, FEED_BATCH, feed_entry, s)) !=
		    CA_OK)
			return r;
	} while (s->feed - before >= FEED_BATCH);
	return ca_reg_ocsp_resps_since(s->ctx->reg, s->resp_seq, now, resp_entry, s);
}

/* --- the published snapshot ------------------------------------------ */

/* Pick up CRL files that changed (ours or another instance's). */
static int
crls_refresh(struct svc_sched *s, bool force_site)
{
	struct svc_site *cur = svc_current_get(&s->svc->site), *next = NULL;
	struct svc_blob *b;
	unsigned i;
	int r = CA_OK;

	if (cur == NULL)
		return CA_OK;
	for (i = 0; i < cur->names.n && r == CA_OK; i++) {
		if (cur->names.item[i].kind != CA_PUB_CRL &&
		    cur->names.item[i].kind != CA_PUB_DELTA_CRL)
			continue;
		if ((r = svc_sitebuild_crl(s->ctx, cur, i, s->pubroot, &s->stamp[i], &b)) != CA_OK ||
		    b == NULL)
			continue;
		if (next == NULL && (next = svc_site_dup(cur)) == NULL) {
			svc_blob_unref(b);
			r = CA_ERR_ALLOC;
			break;
		}
		svc_site_set(next, i, b);
	}
	if (next == NULL && force_site)
		next = svc_site_ref(cur);
	if (next != NULL)
		svc_current_swap(&s->svc->site, next);
	svc_site_unref(cur);
	return r;
}

/* The CA certificates and chains into the published tree too, so a web
 * server pointed at it serves everything the service does. */
static void
certs_publish(struct svc_sched *s)
{
	struct svc_site *cur = svc_current_get(&s->svc->site);

	if (cur != NULL && svc_sitebuild_publish_certs(cur, s->pubroot) != CA_OK)
		util_log(LOG_WARNING, "could not write the CA certificates under %s", s->pubroot);
	svc_site_unref(cur);
}

/* A new snapshot from the policy and the CA (start, policy reload). */
static int
site_rebuild(struct svc_sched *s)
{
	struct svc_site *site = NULL;
	char err[256];
	int r;

	if ((r = svc_sitebuild(s->ctx, s->pol, &site, err, sizeof(err))) != CA_OK) {
		util_log(LOG_ERR, "policy %s: %s", s->pol->source, err);
		return r;
	}
	memset(s->stamp, 0, sizeof(s->stamp));	/* names may have moved: read all CRLs */
	svc_current_swap(&s->svc->site, site);
	return crls_refresh(s, false);
}

/* --- the system jobs ------------------------------------------------- */

/*
 * Hold the jobs lease: renew ours, or take it when free, expired, or held
 * by a process of this host that no longer exists (a killed predecessor:
 * restart resumes at once instead of waiting for the lease to run out).
 */
static void
lease(struct svc_sched *s, int64_t now)
{
	char host[64], *who = NULL, *steal = NULL;
	bool held = false;
	long pid;

	if (!s->want_jobs || now < s->next_lease)
		return;
	s->next_lease = now + LEASE_EVERY;
	if (ca_reg_lease_take(s->ctx->reg, LEASE_NAME, s->holder_id, NULL, now, LEASE_TTL, &held,
			      &who) == CA_OK && !held && who != NULL &&
	    gethostname(host, sizeof(host)) == 0 &&
	    sscanf(who, "%*[^/]/%ld", &pid) == 1 && strncmp(who, host, strlen(host)) == 0 &&
	    who[strlen(host)] == '/' && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		steal = who;
		ca_reg_lease_take(s->ctx->reg, LEASE_NAME, s->holder_id, steal, now, LEASE_TTL,
				  &held, NULL);
	}
	if (held != s->holder) {
		util_log(LOG_INFO, "%s the pre-signing and CRL jobs%s%s",
			 held ? "running" : "no longer running", held ? "" : "; held by ",
			 held ? "" : who != NULL ? who : "?");
		if (held) {	/* a fresh start: everything might be stale */
			struct svc_site *cur = svc_current_get(&s->svc->site);

			if (cur != NULL)
				ca_pub_sweep(s->pubroot, &cur->names);
			svc_site_unref(cur);
			s->missing = true;
			s->regen_all = true;
		}
	}
	s->holder = held;
	atomic_store(&s->svc->jobs, held);
	free(who);
}

static int
crl_make(struct svc_sched *s, enum ca_issuer_id id, bool delta, int64_t now)
{
	const struct ca_pub_item *it;
	struct svc_site *cur = svc_current_get(&s->svc->site);
	struct ca_crl_opts o = { s->ctx->issuers[id].name, delta, 0, (time_t)now };
	struct pol_crl sched;
	unsigned char *der = NULL;
	size_t len = 0;
	long number = 0;
	int r = CA_ERR_INTERNAL;

	pol_crl_schedule(s->pol, &sched);
	if (cur == NULL ||
	    (it = ca_pub_find(&cur->names, delta ? CA_PUB_DELTA_CRL : CA_PUB_CRL, id)) == NULL)
		goto out;
	if ((r = sched_gate(s, CA_OP_CRL)) != CA_OK ||
	    (r = ca_crl_generate_secs(s->ctx, &o, delta ? sched.delta_next_update
				      : sched.next_update, &der, &len, &number)) != CA_OK)
		goto out;
	ca_ctx_point(s->ctx, "crl", "committed");
	if ((r = ca_pub_write(s->pubroot, it, der, len)) != CA_OK)
		goto out;
	ca_ctx_point(s->ctx, "crl", "written");
	util_log(LOG_INFO, "published %s %s CRL %ld (%zu bytes)", s->ctx->issuers[id].name,
		 delta ? "delta" : "full", number, len);
out:
	OPENSSL_free(der);
	svc_site_unref(cur);
	return r;
}

/* thisUpdate of the CRL served for item (@kind, @id); 0 when none. */
static int64_t
crl_age(struct svc_sched *s, enum ca_pub_kind kind, enum ca_issuer_id id)
{
	struct svc_site *cur = svc_current_get(&s->svc->site);
	const struct ca_pub_item *it;
	int64_t t = 0;

	if (cur != NULL && (it = ca_pub_find(&cur->names, kind, id)) != NULL &&
	    cur->obj[it - cur->names.item] != NULL)
		t = cur->obj[it - cur->names.item]->this_update;
	svc_site_unref(cur);
	return t;
}

/* CRLs due by the policy's schedule, or at once after a revocation. */
static int
crls_publish(struct svc_sched *s, int64_t now)
{
	struct pol_crl sched;
	bool full, delta, asked;
	int64_t lf, ld, ms;
	int id, r;

	pol_crl_schedule(s->pol, &sched);
	for (id = CA_ISSUER_ROOT; id < CA_ISSUER_COUNT; id++) {
		/* a rollover's previous CA: until its last certificate expires */
		if (!ca_issuer_live(s->ctx, id, now))
			continue;
		/* The first revocation after a quiet spell at once; those that
		 * follow it within CRL_BURST_MS share the next CRL, made when
		 * the interval is over (a later pass: the bit stays set). */
		ms = mono_ms();
		asked = (s->regen & (1u << id)) && ms - s->regen_ms[id] >= CRL_BURST_MS;
		lf = crl_age(s, CA_PUB_CRL, (enum ca_issuer_id)id);
		full = s->regen_all || asked || pol_crl_due(&sched, false, lf, now);
		if (full) {
			if ((r = crl_make(s, (enum ca_issuer_id)id, false, now)) != CA_OK)
				return r;
			s->regen &= ~(1u << id);	/* it lists every revocation so far */
			s->regen_ms[id] = ms;
			svc_calock_turn(s->lock);
		}
		if (id == CA_ISSUER_ROOT || sched.delta_interval == 0)
			continue;
		ld = crl_age(s, CA_PUB_DELTA_CRL, (enum ca_issuer_id)id);
		/* a new full CRL is always followed by a delta naming it as base */
		delta = full || ld < lf || pol_crl_due(&sched, true, ld, now);
		if (delta) {
			if ((r = crl_make(s, (enum ca_issuer_id)id, true, now)) != CA_OK)
				return r;
			svc_calock_turn(s->lock);
		}
	}
	s->regen_all = false;
	return crls_refresh(s, false);
}

/* One round of the jobs; *more when a batch was full (call again soon). */
static int
jobs(struct svc_sched *s, int64_t now, bool *more)
{
	struct ca_ocsp_job_result res;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = sched_gate(s, CA_OP_OCSP_SIGN)) != CA_OK ||
	    (r = ca_ocsp_job_responders(s->job, now)) != CA_OK ||
	    (r = ca_ocsp_job_follow(s->job, now, SIGN_BATCH, &res)) != CA_OK)
		return r;
	s->regen |= res.revoked;
	*more |= res.more;
	svc_calock_turn(s->lock);
	if ((r = crls_publish(s, now)) != CA_OK)
		return r;
	if (res.changes > 0)
		return CA_OK;	/* revocations before routine work */
	if (s->missing || now >= s->next_missing) {
		memset(&res, 0, sizeof(res));
		if ((r = ca_ocsp_job_refresh(s->job, now, true, SIGN_BATCH, &res)) != CA_OK)
			return r;
		s->missing = res.more;
		*more |= s->missing;
		if (!s->missing)
			s->next_missing = now + MISSING_EVERY;
		return CA_OK;
	}
	memset(&res, 0, sizeof(res));
	if ((r = ca_ocsp_job_refresh(s->job, now, false, SIGN_BATCH, &res)) != CA_OK)
		return r;
	*more |= res.more;
	if (now >= s->next_prune && (r = ca_ocsp_job_prune(s->job, now)) == CA_OK)
		s->next_prune = now + PRUNE_EVERY;
	return r;
}

/* --- the thread ------------------------------------------------------ */

static void
policy_apply(struct svc_sched *s)
{
	struct pol_policy *p;

	pthread_mutex_lock(&s->mu);
	p = s->next_pol;
	s->next_pol = NULL;
	pthread_mutex_unlock(&s->mu);
	if (p == NULL)
		return;
	pol_policy_free(s->pol);
	s->pol = p;
	if (s->job != NULL)
		ca_ocsp_job_set_policy(s->job, &p->ocsp);
	if (site_rebuild(s) == CA_OK)
		util_log(LOG_INFO, "policy %s applied", p->source);
	if (s->holder) {	/* names may have moved */
		certs_publish(s);
		s->regen_all = true;
	}
}

/*
 * EST renewals left unconfirmed past renewal.confirm-timeout: revoked,
 * closed. Then the recovery: certificates left pending longer than
 * integrity.pending-lease (their request died between record and sign,
 * e.g. the service was killed) are revoked, so none stays unaccounted for
 * when no carecard-ca recover runs beside the service.
 */
static void
est_abandon(struct svc_sched *s)
{
	struct ca_recover_report rep;
	struct ca_result res;
	int n = 0, r;

	memset(&res, 0, sizeof(res));
	if ((r = ca_op_est_abandon(s->sess, &n, &res)) != CA_OK)
		util_log(LOG_ERR, "abandoning unconfirmed EST renewals: %s %s", ca_strerror(r),
			 res.text);
	else if (n > 0)
		util_log(LOG_NOTICE, "%s", res.done);
	memset(&res, 0, sizeof(res));
	memset(&rep, 0, sizeof(rep));
	if ((r = ca_op_recover(s->sess, &rep, &res)) != CA_OK)
		util_log(LOG_ERR, "recovery of pending certificates: %s %s", ca_strerror(r),
			 res.text);
	else if (rep.revoked > 0 || rep.checkpoint)
		util_log(LOG_NOTICE, "%s", res.done);
}

/* One pass; *more when there is work left for an immediate next pass. */
static void
pass(struct svc_sched *s, bool *more)
{
	int64_t now = svc_now(), dv = 0;
	size_t n = 0, ok = 0;
	bool moved;
	int r = CA_OK, reg;

	policy_apply(s);
	lease(s, now);
	reg = ca_reg_data_version(s->ctx->reg, &dv);
	moved = reg != CA_OK || dv != s->dv;
	s->dv = dv;
	if (moved || s->holder)
		r = follow(s, now);
	if (r == CA_OK && s->holder && now >= s->jobs_retry) {
		svc_calock_turn(s->lock);
		/* A failing HSM or registry: retry in a few seconds, not every
		 * pass; serving goes on from what is stored meanwhile. */
		if ((r = jobs(s, now, more)) != CA_OK) {
			util_log(LOG_ERR, "pre-signing and CRL jobs: %s; retrying in 5 s",
				 ca_strerror(r));
			s->jobs_retry = now + 5;
			atomic_store(&s->svc->jobs_failing, true);
			*more = false;
		} else {
			atomic_store(&s->svc->jobs_failing, false);
		}
		svc_calock_turn(s->lock);
		r = follow(s, now);	/* our own commits do not move data_version */
	}
	if (r == CA_OK && s->holder && now >= s->next_est) {
		est_abandon(s);
		/* The reminders wait for the mail relay: requests go first. */
		svc_calock_turn(s->lock);
		svc_holder_remind(s->svc, s->sess);
		s->next_est = now + EST_ABANDON_EVERY;
	}
	if (r == CA_OK && !s->holder)
		r = crls_refresh(s, false);
	if (r != CA_OK)
		util_log(LOG_ERR, "scheduler: %s; retrying", ca_strerror(r));
	/* /healthz says so: answers from the store go on, changes wait */
	if (reg != CA_OK || r == CA_ERR_DB) {
		if (atomic_load(&s->svc->registry_down) == 0)
			atomic_store(&s->svc->registry_down, now);
	} else {
		atomic_store(&s->svc->registry_down, 0);
	}
	if (now >= s->next_counts) {
		svc_store_counts(s->svc->store, now, &n, &ok);
		atomic_store(&s->svc->entries, n);
		atomic_store(&s->svc->ready, ok);
		s->next_counts = now + 1;
	}
	atomic_store(&s->svc->heartbeat, now);
}

static void *
sched_main(void *arg)
{
	struct svc_sched *s = arg;
	struct timespec until;
	bool more;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		more = false;
		svc_calock_take(s->lock);
		pass(s, &more);
		svc_calock_give(s->lock);
		pthread_mutex_lock(&s->mu);
		if (s->stop || more)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PASS_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
svc_sched_new(struct svc *svc, struct ca_session *sess, struct pol_policy *pol,
	      bool jobs_wanted, struct svc_sched **out)
{
	struct ca_ctx *ctx = sess->ctx;
	struct svc_sched *s;
	char host[64] = "localhost";
	int r = CA_ERR_ALLOC;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_ALLOC;
	s->svc = svc;
	s->sess = sess;
	s->ctx = ctx;
	s->pol = pol;
	s->want_jobs = jobs_wanted;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	gethostname(host, sizeof(host) - 1);
	snprintf(s->holder_id, sizeof(s->holder_id), "%s/%ld/%lld", host, (long)getpid(),
		 (long long)svc_now());
	if ((s->pubroot = ca_ctx_path(ctx, "public")) == NULL ||
	    (r = svc_calock_new(ctx, &s->lock)) != CA_OK)
		goto out;
	if (jobs_wanted) {
		if ((r = ca_ocsp_job_new(ctx, &pol->ocsp, &s->job)) != CA_OK)
			goto out;
		ca_ocsp_job_set_step_hook(s->job, job_step, s);
	}
	*out = s;
	return CA_OK;
out:
	s->sess = NULL;		/* the caller keeps them on failure */
	s->ctx = NULL;
	s->pol = NULL;
	svc_sched_free(s);
	return r;
}

int
svc_sched_load(struct svc_sched *s)
{
	int64_t now = svc_now();
	int r;

	/* The feed position first: anything after it is replayed, so what the
	 * loads below see can only be older than what the feed will say. */
	if ((r = ca_reg_ocsp_change_last(s->ctx->reg, &s->feed)) != CA_OK ||
	    (r = ca_reg_data_version(s->ctx->reg, &s->dv)) != CA_OK ||
	    (r = ca_reg_ocsp_certs_foreach(s->ctx->reg, now, cert_entry, s)) != CA_OK ||
	    (r = ca_reg_ocsp_resps_since(s->ctx->reg, 0, now, resp_entry, s)) != CA_OK ||
	    (r = site_rebuild(s)) != CA_OK)
		return r;
	lease(s, now);
	if (s->holder)
		certs_publish(s);
	atomic_store(&s->svc->heartbeat, now);
	atomic_store(&s->svc->loaded, true);
	return CA_OK;
}

int
svc_sched_start(struct svc_sched *s)
{
	if (pthread_create(&s->thread, NULL, sched_main, s) != 0)
		return CA_ERR_INTERNAL;
	s->started = true;
	return CA_OK;
}

void
svc_sched_policy(struct svc_sched *s, struct pol_policy *pol)
{
	pthread_mutex_lock(&s->mu);
	pol_policy_free(s->next_pol);
	s->next_pol = pol;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int
svc_sched_ca(struct svc_sched *s, int (*fn)(struct ca_session *sess, void *arg), void *arg)
{
	return svc_calock_run(s->lock, s->sess, fn, arg);
}

int
svc_sched_ca_group(struct svc_sched *s, int (*fn)(struct ca_session *sess, void *arg),
		   void *arg)
{
	return svc_calock_run_group(s->lock, s->sess, fn, arg);
}

void
svc_sched_free(struct svc_sched *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	svc_calock_free(s->lock);	/* requests gone: their last group, if open */
	if (s->holder && s->ctx != NULL)
		ca_reg_lease_release(s->ctx->reg, LEASE_NAME, s->holder_id);
	ca_ocsp_job_free(s->job);
	ca_session_close(s->sess);
	pol_policy_free(s->pol);
	pol_policy_free(s->next_pol);
	free(s->pubroot);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
