/*
 * ca/core/issue-many.c: ca_cert_issue_many, the pipelined group commit.
 * See issue.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/issue-int.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/signer.h"

/*
 * Group commit, pipelined. The signing threads — the caller, and on a
 * machine with more than one core one more per core, each on its own
 * session of the token (a signer lane, ca_signer_lane_open) — only sign,
 * back to back, taking the next released request in turn, so the HSM never
 * waits for bookkeeping; a helper thread does the bookkeeping around them:
 * prepares requests ahead of the signers (holder, request and its
 * signature check, unsigned certificate) and commits their pending rows —
 * only then may they be signed — and, behind the signers, makes each signed
 * batch valid (row and audit entry per request) in the same commit as the
 * next prepared requests' pending rows (pipe_next decides which). Only the
 * helper touches the registry connection, only a signer its token session;
 * they meet in struct pipe under its mutex. With cores enough the
 * bookkeeping costs the signers nothing as long as the helper's commit of
 * a batch takes less time than signing it; measured in
 * tests/bench/README-ca.md. Without a helper thread (creation failed) the
 * same steps run in turn on the caller's thread, two commits a batch.
 */
/* A request on its way; each step runs only while res is CA_OK. */
struct slot {
	const struct ca_issue_req *req;
	struct ca_draft e;
	struct ca_issued c;
	int res;
	bool signed_;			/* its signing step is over (under mu) */
};

/* A further signing thread's own session and the issuers' keys on it. */
struct lane {
	struct ca_signer *s;
	EVP_PKEY *pkey[CA_ISSUER_COUNT];
};

struct pipe {
	struct ca_ctx *ctx;
	struct slot *s;
	size_t n, batch;			/* one commit per @batch requests, under way */
	int64_t now;				/* every certificate's notBefore */
	pthread_mutex_t mu;
	pthread_cond_t cv_sign;			/* released moved: signers may go on */
	pthread_cond_t cv_help;			/* signed_ crossed a batch's end: the helper */
	/* Counts, in order, under mu: prepared >= released >= signed_ >= recorded;
	 * recorded moves a batch at a time, released by whole pending commits
	 * (pending_end), several at once with a record. Only the helper moves
	 * prepared, released and recorded. */
	size_t prepared, released, signed_, recorded;
	size_t next_sign;			/* the next request a signer takes */
	int commit_err;				/* the first failed commit, else CA_OK */
};

/* The end of the batch that starts at (or contains) @i. */
static size_t
batch_end(const struct pipe *p, size_t i)
{
	size_t e = (i / p->batch + 1) * p->batch;

	return e < p->n ? e : p->n;
}

/*
 * Requests in the first pending commit of a call: the signer waits for
 * them (their preparation and one commit) before its first signature, so
 * a call starts on a few and the helper records the rest of the first
 * batch while they are signed.
 */
#define PIPE_FIRST 4

/*
 * Batches prepared and pending ahead of the one being signed: the helper's
 * commits wait for the disk, and a signer that finds nothing released
 * leaves its core idle, so the helper keeps this much in hand.
 */
#define PIPE_AHEAD 2

#define PIPE_LANES_MAX 16	/* signing threads beside the caller, at most */

/* The end of the pending commit that starts at @i (released moves by these). */
static size_t
pending_end(const struct pipe *p, size_t i)
{
	size_t e = batch_end(p, i);

	return i == 0 && e > PIPE_FIRST ? PIPE_FIRST : e;
}

/* A whole batch failed with @r: nothing of it is handed out. */
static void
batch_fail(struct pipe *p, size_t first, size_t end, int r)
{
	size_t j;

	for (j = first; j < end; j++) {
		if (p->s[j].res == CA_OK)
			p->s[j].res = r;
		ca_issued_clear(&p->s[j].c);
	}
	if (p->commit_err == CA_OK)
		p->commit_err = r;
}

static void
slot_prepare(struct pipe *p, size_t i)
{
	p->s[i].res = ca_ee_prepare(p->ctx, p->s[i].req, p->now, &p->s[i].e);
}

/*
 * The pending rows of prepared requests [first, end), in the caller's
 * transaction; each request's result in @res (end - first of them).
 */
static int
pending_rows(struct pipe *p, size_t first, size_t end, int *res)
{
	struct ca_pending_req pq = { "issue-cert", "issue-certs", NULL, NULL, 0 };
	struct ca_draft **d = calloc(end - first, sizeof(*d));
	size_t j;
	int r;

	if (d == NULL)
		return CA_ERR_ALLOC;
	for (j = first; j < end; j++) {
		d[j - first] = p->s[j].res == CA_OK ? &p->s[j].e : NULL;
		res[j - first] = p->s[j].res;
	}
	r = ca_cert_pending_rows(p->ctx, &pq, d, end - first, res);
	free(d);
	return r;
}

/* Their rows committed: [first, end) may be signed. */
static void
pending_done(struct pipe *p, size_t first, size_t end, const int *res)
{
	size_t j;

	for (j = first; j < end; j++) {
		p->s[j].res = res[j - first];
		p->s[j].e.recorded = p->s[j].res == CA_OK;
	}
	ca_ctx_point(p->ctx, "issue-certs", "pending-recorded");
}

/* Commit the pending rows of prepared requests [first, end): then they may be signed. */
static void
pipe_pending(struct pipe *p, size_t first, size_t end)
{
	int *res = calloc(end - first, sizeof(*res));
	int r = CA_ERR_ALLOC;

	if (res == NULL || (r = ca_reg_begin(p->ctx->reg)) != CA_OK ||
	    (r = ca_reg_end(p->ctx->reg, pending_rows(p, first, end, res))) != CA_OK)
		batch_fail(p, first, end, r);
	else
		pending_done(p, first, end, res);
	free(res);
}

/* Sign request @i: by the issuer's key on @l's session, or (NULL) the signer's own. */
static void
slot_sign(struct pipe *p, size_t i, const struct lane *l)
{
	struct ca_draft *e = &p->s[i].e;

	if (p->s[i].res != CA_OK)
		return;
	p->s[i].res = l != NULL ? ca_ee_sign_with(p->ctx, e, l->pkey[e->is - p->ctx->issuers])
				: ca_ee_sign(p->ctx, e);
}

/*
 * Make one signed request valid; a recorded one whose signing failed is
 * revoked as abandoned. @alone: in a savepoint of its own, so that a
 * failure is the request's own (CA_OK unless the savepoint could not be
 * undone, in which case the caller must roll back the whole batch);
 * otherwise any failure is returned as it is, and the caller rolls back.
 */
static int
slot_record(struct ca_ctx *ctx, struct slot *sl, bool alone)
{
	int r;

	if (!sl->e.recorded)
		return CA_OK;		/* failed before its pending row: no trace */
	if (alone && (r = ca_reg_savepoint(ctx->reg)) != CA_OK)
		return r;
	if (sl->res != CA_OK)
		r = ca_cert_abandon(ctx, sl->e.serial, "signing it failed");
	else if (sl->c.der != NULL || (r = ca_ee_encode(&sl->e, &sl->c)) == CA_OK)
		r = ca_ee_record(ctx, sl->req, &sl->c);	/* (encoded by a first try) */
	if (r == CA_OK)
		return alone ? ca_reg_release(ctx->reg) : CA_OK;
	if (!alone)
		return r;
	if (sl->res == CA_OK)
		sl->res = r;
	ca_issued_clear(&sl->c);
	return ca_reg_rollback_to(ctx->reg);
}

/* [first, end) in the caller's transaction, each request alone or not (slot_record). */
static int
slots_record(struct pipe *p, size_t first, size_t end, bool alone)
{
	size_t j;
	int r;

	for (j = first; j < end; j++)
		if ((r = slot_record(p->ctx, &p->s[j], alone)) != CA_OK)
			return r;
	return CA_OK;
}

/* [first, end) in one transaction of its own. */
static int
batch_record(struct pipe *p, size_t first, size_t end, bool alone)
{
	int r;

	if ((r = ca_reg_begin(p->ctx->reg)) != CA_OK)
		return r;
	if ((r = slots_record(p, first, end, alone)) != CA_OK) {
		ca_reg_rollback(p->ctx->reg);
		return r;
	}
	return ca_reg_end(p->ctx->reg, CA_OK);
}

/*
 * Make the signed batch [first, end) valid in one commit: first as a whole
 * (a savepoint per request costs a round trip each on PostgreSQL and a
 * sub-journal on SQLite, and almost always none fails); if anything failed,
 * the whole batch again with a savepoint per request, so that a failure is
 * only its request's. A batch whose commit fails, or whose savepoint could
 * not be undone, is rolled back whole: its requests get the error and hand
 * nothing out, and their rows stay pending for the recovery (they are
 * signed).
 */
static void
pipe_record(struct pipe *p, size_t first, size_t end)
{
	int r;

	if (batch_record(p, first, end, false) != CA_OK &&
	    (r = batch_record(p, first, end, true)) != CA_OK) {
		batch_fail(p, first, end, r);
		return;
	}
	ca_ctx_point(p->ctx, "issue-certs", "recorded");
}

/*
 * Make the signed batch [first, end) valid and the prepared requests
 * [pfirst, pend) pending in one commit: in a steady run the helper commits
 * once per batch, not twice. If anything fails, nothing of it stays and
 * each part goes its own way (pipe_record, pipe_pending), which sorts out
 * whose failure it was.
 */
static void
pipe_record_pending(struct pipe *p, size_t first, size_t end, size_t pfirst, size_t pend)
{
	int *res = NULL;
	int r;

	if (pfirst == pend || (res = calloc(pend - pfirst, sizeof(*res))) == NULL ||
	    ca_reg_begin(p->ctx->reg) != CA_OK)
		goto apart;
	if ((r = slots_record(p, first, end, false)) == CA_OK)
		r = pending_rows(p, pfirst, pend, res);
	if (r != CA_OK) {
		ca_reg_rollback(p->ctx->reg);
		goto apart;
	}
	if (ca_reg_end(p->ctx->reg, CA_OK) != CA_OK)
		goto apart;
	ca_ctx_point(p->ctx, "issue-certs", "recorded");
	pending_done(p, pfirst, pend, res);
	free(res);
	return;
apart:
	free(res);
	pipe_record(p, first, end);
	if (pfirst != pend)
		pipe_pending(p, pfirst, pend);
}

/*
 * What the helper does next (under mu). A signed batch is made valid
 * together with the next prepared requests made pending, one commit for
 * both (preparing them first if they are not ready yet); a pending commit
 * of its own only while the signers have less than a batch released beyond
 * what is signed (at the start) and nothing signed waits; else preparing,
 * up to PIPE_AHEAD batches beyond the one being signed.
 */
enum pipe_job { JOB_NONE, JOB_PENDING, JOB_PREPARE, JOB_RECORD };

static enum pipe_job
pipe_next(const struct pipe *p)
{
	size_t ahead = (p->signed_ / p->batch + 1 + PIPE_AHEAD) * p->batch;
	bool signed_batch = p->recorded < p->released && p->signed_ >= batch_end(p, p->recorded);
	bool pend_ready = p->released < p->n && p->prepared >= pending_end(p, p->released);
	bool can_prepare = p->prepared < p->n && p->prepared < ahead;

	if (signed_batch && (pend_ready || !can_prepare))
		return JOB_RECORD;
	if (pend_ready && p->released - p->signed_ <= p->batch)
		return JOB_PENDING;
	if (can_prepare)
		return JOB_PREPARE;
	return JOB_NONE;
}

/* The end of the prepared requests that may become pending with a record. */
static size_t
pending_ready(const struct pipe *p)
{
	size_t e = p->released;

	while (e < p->n && pending_end(p, e) <= p->prepared)
		e = pending_end(p, e);
	return e;
}

/* The helper: prepare and record ahead of the signer, activate behind it. */
static void *
pipe_bookkeeper(void *arg)
{
	struct pipe *p = arg;
	enum pipe_job job;
	size_t i, end, pfirst = 0, pend = 0;

	pthread_mutex_lock(&p->mu);
	while (p->recorded < p->n) {
		if ((job = pipe_next(p)) == JOB_NONE) {
			pthread_cond_wait(&p->cv_help, &p->mu);
			continue;
		}
		i = job == JOB_PENDING ? p->released : job == JOB_PREPARE ? p->prepared
		    : p->recorded;
		end = job == JOB_PENDING ? pending_end(p, i) : batch_end(p, i);
		if (job == JOB_RECORD) {
			pfirst = p->released;
			pend = pending_ready(p);
		}
		pthread_mutex_unlock(&p->mu);
		if (job == JOB_PENDING)
			pipe_pending(p, i, end);
		else if (job == JOB_PREPARE)
			slot_prepare(p, i);
		else
			pipe_record_pending(p, i, end, pfirst, pend);
		pthread_mutex_lock(&p->mu);
		if (job == JOB_PREPARE) {
			p->prepared++;
			continue;
		}
		if (job == JOB_RECORD)
			p->recorded = end;
		else
			pend = end;
		if (pend > p->released) {
			p->released = pend;
			pthread_cond_broadcast(&p->cv_sign);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * A signer: takes the next released request until none is left. signed_
 * moves over requests whose signing is over, in order, so the helper
 * records a batch only when all of it is signed, whichever signer did what.
 */
static void
pipe_sign_loop(struct pipe *p, const struct lane *l)
{
	size_t i, was;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->next_sign < p->n && p->released <= p->next_sign)
			pthread_cond_wait(&p->cv_sign, &p->mu);
		if (p->next_sign >= p->n)
			break;
		i = p->next_sign++;
		pthread_mutex_unlock(&p->mu);
		slot_sign(p, i, l);
		pthread_mutex_lock(&p->mu);
		p->s[i].signed_ = true;
		was = p->signed_;
		while (p->signed_ < p->n && p->s[p->signed_].signed_)
			p->signed_++;
		/* The helper waits only for whole batches (pipe_next). */
		if (p->signed_ != was && batch_end(p, was) <= p->signed_) {
			ca_ctx_point(p->ctx, "issue-certs", "signed");
			pthread_cond_signal(&p->cv_help);
		}
	}
	pthread_mutex_unlock(&p->mu);
}

static void *
pipe_lane_signer(void *arg)
{
	struct pipe *p = ((void **)arg)[0];
	const struct lane *l = ((void **)arg)[1];

	pipe_sign_loop(p, l);
	return NULL;
}

static void
lane_close(struct lane *l)
{
	size_t i;

	for (i = 0; i < CA_ISSUER_COUNT; i++)
		EVP_PKEY_free(l->pkey[i]);
	ca_signer_lane_free(l->s);
	memset(l, 0, sizeof(*l));
}

/*
 * Signing threads beside the caller for @n requests: one per further core,
 * and one more, so that a core whose signer waits (on the token's own
 * locks, on a network HSM's answer) has another to run; none for a few
 * requests or on one core.
 */
static size_t
pipe_lanes(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2 * PIPE_FIRST || cores < 2)
		return 0;
	return (size_t)cores < PIPE_LANES_MAX ? (size_t)cores : PIPE_LANES_MAX;
}

/* A further signer's session and keys; false (and nothing open) when not. */
static bool
lane_open(struct ca_ctx *ctx, struct lane *l)
{
	struct ca_signer_key *k;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (ctx->signer == NULL || ca_signer_lane_open(ctx->signer, &l->s) != CA_OK)
		return false;
	for (i = 0; i < CA_ISSUER_COUNT; i++) {
		if (ctx->issuers[i].pkey == NULL)
			continue;
		if (ca_signer_key_get(l->s, ctx->issuers[i].label, &k) != CA_OK ||
		    ca_hsm_pkey_new(ctx->libctx, k, &l->pkey[i]) != CA_OK) {
			lane_close(l);
			return false;
		}
	}
	return true;
}

/* Per-request results in @s; CA_OK or the first failed commit. */
static int
group_run(struct ca_ctx *ctx, struct slot *s, size_t n, size_t batch)
{
	/* One time for the call, read here: the clock hook is the caller's. */
	struct pipe p = { .ctx = ctx, .s = s, .n = n, .batch = batch, .now = ca_ctx_now(ctx) };
	struct lane lane[PIPE_LANES_MAX];
	void *lane_arg[PIPE_LANES_MAX][2];
	pthread_t helper, signer[PIPE_LANES_MAX];
	size_t i, first, end, nl = 0, want = pipe_lanes(n);

	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_sign, NULL);
	pthread_cond_init(&p.cv_help, NULL);
	if (pthread_create(&helper, NULL, pipe_bookkeeper, &p) == 0) {
		while (nl < want && lane_open(ctx, &lane[nl])) {
			lane_arg[nl][0] = &p;
			lane_arg[nl][1] = &lane[nl];
			if (pthread_create(&signer[nl], NULL, pipe_lane_signer, lane_arg[nl]) != 0) {
				lane_close(&lane[nl]);
				break;
			}
			nl++;
		}
		pipe_sign_loop(&p, NULL);
		for (i = 0; i < nl; i++) {
			pthread_join(signer[i], NULL);
			lane_close(&lane[i]);
		}
		pthread_join(helper, NULL);
	} else {
		for (first = 0; first < n; first = end) {
			end = batch_end(&p, first);
			for (i = first; i < end; i++)
				slot_prepare(&p, i);
			pipe_pending(&p, first, end);
			for (i = first; i < end; i++)
				slot_sign(&p, i, NULL);
			ca_ctx_point(ctx, "issue-certs", "signed");
			pipe_record(&p, first, end);
		}
	}
	pthread_cond_destroy(&p.cv_sign);
	pthread_cond_destroy(&p.cv_help);
	pthread_mutex_destroy(&p.mu);
	return p.commit_err;
}

int
ca_cert_issue_many(struct ca_ctx *ctx, const struct ca_issue_req *req, size_t n, size_t batch,
		   struct ca_issued *out, int *res)
{
	struct slot *s = NULL;
	size_t i;
	int r;

	if (n == 0)
		return CA_OK;
	if ((s = calloc(n, sizeof(*s))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < n; i++)
		s[i].req = &req[i];
	r = group_run(ctx, s, n, batch == 0 || batch > n ? n : batch);
	/* Committed now (or failed with its batch): only here does anything
	 * leave the CA. */
	for (i = 0; i < n; i++) {
		res[i] = s[i].res;
		out[i] = s[i].c;
		ca_draft_clear(&s[i].e);
	}
	free(s);
	return r;
}
