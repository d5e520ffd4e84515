/*
 * ca/service/calock: the scheduler's opened CA (its session: the registry
 * connection and the HSM login) is used by one thread at a time — a step of
 * the scheduler's pass, or one request (EST, the holder's endpoints). This
 * is that lock, with two things on top:
 *
 *  - turns: between two steps of a pass the scheduler hands the CA to the
 *    requests waiting for it (for at most 100 ms), so a request waits for
 *    one step, never a whole pass of signatures and CRLs;
 *  - group commit (svc_calock_run_group): requests that follow each other
 *    on the CA share one transaction, each request's writes a savepoint of
 *    it (ca_reg_group), committed — one WAL fsync for all — when no other
 *    thread waits for the CA, when the library asks for durability
 *    (ca_ctx_sync: record-before-sign), or when anyone else takes the CA.
 *    A request returns only once its group is committed.
 */
#ifndef CC_SVC_CALOCK_H
#define CC_SVC_CALOCK_H

#include "ca/core/ctx.h"

struct ca_session;
struct svc_calock;

/* A lock for @ctx (borrowed; outlives the lock). */
int svc_calock_new(struct ca_ctx *ctx, struct svc_calock **out);

/* Commits a group left open, frees. No thread may use it any more. Accepts NULL. */
void svc_calock_free(struct svc_calock *l);

/* The scheduler: take the CA (an open group committed first), give it back. */
void svc_calock_take(struct svc_calock *l);
void svc_calock_give(struct svc_calock *l);

/* The scheduler, holding the CA between two steps: the waiting requests' turn. */
void svc_calock_turn(struct svc_calock *l);

/* @fn(@sess, @arg) alone on the CA, its commits its own. Returns what @fn returns. */
int svc_calock_run(struct svc_calock *l, struct ca_session *sess,
		   int (*fn)(struct ca_session *sess, void *arg), void *arg);

/*
 * @fn(@sess, @arg) alone on the CA, its commits grouped with the requests'
 * around it. Returns once they are durable: @fn's result, or the group
 * commit's error.
 */
int svc_calock_run_group(struct svc_calock *l, struct ca_session *sess,
			 int (*fn)(struct ca_session *sess, void *arg), void *arg);

#endif
