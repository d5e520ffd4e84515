/*
 * ca/service/calock.c: see calock.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ca/core/error.h"
#include "ca/registry/registry.h"
#include "ca/service/calock.h"
#include "common/log.h"

#define TURN_MS 100		/* longest wait for the requests between two steps of a pass */
#define GROUP_WAIT_MS 200	/* a request waiting for its group's commit takes the CA after */
#define GROUP_RING 64		/* results of the last group commits */

struct svc_calock {
	struct ca_ctx *ctx;
	pthread_mutex_t ca_mu;		/* the CA */
	atomic_uint waiting;		/* requests in svc_calock_run* */
	atomic_uint lockers;		/* threads waiting for ca_mu */

	/* Under ca_mu: the open group. gdone and gres also under mu, where
	 * the requests and the scheduler wait. */
	bool gopen;			/* a group transaction is open */
	uint64_t gseq;			/* the open (or last) group's number */
	uint64_t gdone;			/* every group up to this one ended */
	struct { uint64_t seq; int r; } gres[GROUP_RING];
	pthread_mutex_t mu;
	pthread_cond_t gcv;		/* gdone moved */
	pthread_cond_t idle;		/* no request waits for the CA */
};

static void
deadline(struct timespec *until, long ms)
{
	clock_gettime(CLOCK_REALTIME, until);
	until->tv_sec += ms / 1000;
	until->tv_nsec += (ms % 1000) * 1000000L;
	if (until->tv_nsec >= 1000000000L) {
		until->tv_sec++;
		until->tv_nsec -= 1000000000L;
	}
}

int
svc_calock_new(struct ca_ctx *ctx, struct svc_calock **out)
{
	struct svc_calock *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return CA_ERR_ALLOC;
	l->ctx = ctx;
	pthread_mutex_init(&l->ca_mu, NULL);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->gcv, NULL);
	pthread_cond_init(&l->idle, NULL);
	*out = l;
	return CA_OK;
}

static void
take(struct svc_calock *l)
{
	atomic_fetch_add(&l->lockers, 1);
	pthread_mutex_lock(&l->ca_mu);
	atomic_fetch_sub(&l->lockers, 1);
}

/* Commit the open group (under ca_mu) and tell its requests how it went. */
static int
group_end(struct svc_calock *l)
{
	struct ca_reg *reg = l->ctx->reg;
	int r;

	if (!l->gopen)
		return CA_OK;
	l->gopen = false;
	if ((r = ca_reg_group(reg, false)) == CA_OK)
		r = ca_reg_commit(reg);
	if (r != CA_OK) {
		util_log(LOG_ERR, "the group commit of the CA's requests failed: %s",
			 ca_strerror(r));
		ca_reg_rollback(reg);
	}
	pthread_mutex_lock(&l->mu);
	l->gres[l->gseq % GROUP_RING].seq = l->gseq;
	l->gres[l->gseq % GROUP_RING].r = r;
	l->gdone = l->gseq;
	pthread_cond_broadcast(&l->gcv);
	pthread_mutex_unlock(&l->mu);
	return r;
}

/* Open a group (under ca_mu) unless one is. */
static int
group_open(struct svc_calock *l)
{
	int r;

	if (l->gopen)
		return CA_OK;
	if ((r = ca_reg_begin(l->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_reg_group(l->ctx->reg, true)) != CA_OK) {
		ca_reg_rollback(l->ctx->reg);
		return r;
	}
	l->gopen = true;
	l->gseq++;
	return CA_OK;
}

/* How group @seq ended (under mu); a result no longer known counts as failed. */
static int
group_result(struct svc_calock *l, uint64_t seq)
{
	return l->gres[seq % GROUP_RING].seq == seq ? l->gres[seq % GROUP_RING].r : CA_ERR_DB;
}

/* ca_ctx_sync in a request: what it committed durable now, and a new group. */
static int
group_sync(void *arg)
{
	struct svc_calock *l = arg;
	int r;

	if ((r = group_end(l)) != CA_OK)
		return r;
	return group_open(l);
}

void
svc_calock_take(struct svc_calock *l)
{
	take(l);
	group_end(l);	/* the requests' group, before anyone else uses the registry */
}

void
svc_calock_give(struct svc_calock *l)
{
	pthread_mutex_unlock(&l->ca_mu);
}

void
svc_calock_turn(struct svc_calock *l)
{
	struct timespec until;

	pthread_mutex_unlock(&l->ca_mu);
	if (atomic_load(&l->waiting) > 0) {
		deadline(&until, TURN_MS);
		pthread_mutex_lock(&l->mu);
		while (atomic_load(&l->waiting) > 0 &&
		       pthread_cond_timedwait(&l->idle, &l->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&l->mu);
	}
	svc_calock_take(l);
}

/* A request is done with the CA: the scheduler's turn when it was the last. */
static void
turn_done(struct svc_calock *l)
{
	if (atomic_fetch_sub(&l->waiting, 1) == 1) {
		pthread_mutex_lock(&l->mu);
		pthread_cond_broadcast(&l->idle);
		pthread_mutex_unlock(&l->mu);
	}
}

int
svc_calock_run(struct svc_calock *l, struct ca_session *sess,
	       int (*fn)(struct ca_session *sess, void *arg), void *arg)
{
	int r;

	atomic_fetch_add(&l->waiting, 1);
	svc_calock_take(l);	/* plain commits from here (the group's requests hear how it went) */
	r = fn(sess, arg);
	pthread_mutex_unlock(&l->ca_mu);
	turn_done(l);
	return r;
}

/* Wait (not holding the CA) until group @mine is committed; commit it if nobody did. */
static int
group_wait(struct svc_calock *l, uint64_t mine)
{
	struct timespec until;
	bool late;
	int g;

	deadline(&until, GROUP_WAIT_MS);
	pthread_mutex_lock(&l->mu);
	while (l->gdone < mine && pthread_cond_timedwait(&l->gcv, &l->mu, &until) != ETIMEDOUT)
		;
	late = l->gdone < mine;
	pthread_mutex_unlock(&l->mu);
	if (late) {
		take(l);
		if (l->gopen && l->gseq == mine)
			group_end(l);
		pthread_mutex_unlock(&l->ca_mu);
	}
	pthread_mutex_lock(&l->mu);
	g = l->gdone >= mine ? group_result(l, mine) : CA_ERR_INTERNAL;
	pthread_mutex_unlock(&l->mu);
	return g;
}

int
svc_calock_run_group(struct svc_calock *l, struct ca_session *sess,
		     int (*fn)(struct ca_session *sess, void *arg), void *arg)
{
	uint64_t mine;
	int r, g;

	atomic_fetch_add(&l->waiting, 1);
	take(l);
	if ((r = group_open(l)) != CA_OK) {
		pthread_mutex_unlock(&l->ca_mu);
		turn_done(l);
		return r;
	}
	l->ctx->sync = group_sync;
	l->ctx->sync_arg = l;
	r = fn(sess, arg);
	l->ctx->sync = NULL;
	l->ctx->sync_arg = NULL;
	mine = l->gseq;
	if (atomic_load(&l->lockers) == 0) {	/* nobody to share the commit with */
		g = group_end(l);
		pthread_mutex_unlock(&l->ca_mu);
	} else {
		/* the next holder of the CA commits it: another request (when
		 * none waits after it), or the scheduler */
		pthread_mutex_unlock(&l->ca_mu);
		g = group_wait(l, mine);
	}
	turn_done(l);
	return r != CA_OK ? r : g;
}

void
svc_calock_free(struct svc_calock *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->ca_mu);
	group_end(l);
	pthread_mutex_unlock(&l->ca_mu);
	pthread_mutex_destroy(&l->ca_mu);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->gcv);
	pthread_cond_destroy(&l->idle);
	free(l);
}
