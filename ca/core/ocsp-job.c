/*
 * ca/ocsp-job.c: pre-signing OCSP responses. See ocsp-job.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca/core/error.h"
#include "ca/core/ocsp-job.h"
#include "ca/core/ocsp.h"
#include "ca/registry/registry-ocsp.h"
#include "common/log.h"

#define CURSOR_KEY "ocsp.cursor"
#define FEED_READ 4096		/* change-feed entries read per follow */
#define DAY_SECS (24 * 60 * 60LL)

struct ca_ocsp_job {
	struct ca_ctx *ctx;
	struct pol_ocsp pol;
	struct ca_ocsp_responder *rsp[CA_ISSUER_COUNT];
	void (*step)(void *arg, const char *step);
	void *step_arg;
	int64_t ahead;		/* revocations up to this feed position signed ahead */
};

/* One certificate's signed responses, waiting for the batch's commit. */
struct signed_cert {
	char *issuer, *serial;
	bool revoked;
	unsigned char *der[CA_OCSP_NHASH];
	size_t len[CA_OCSP_NHASH];
	const struct ca_ocsp_responder *rsp;
};

struct batch {
	struct ca_ocsp_job *job;
	int64_t now;
	struct signed_cert *c;
	size_t n, cap;
	int64_t last_change;	/* feed position consumed (follow) */
	int64_t ahead;		/* last revocation signed ahead of the cursor */
	unsigned revoked;	/* issuers with revocations */
	unsigned changes;
	size_t max;		/* certificates per batch (follow) */
};

int
ca_ocsp_job_new(struct ca_ctx *ctx, const struct pol_ocsp *pol, struct ca_ocsp_job **out)
{
	struct ca_ocsp_job *j;

	if (ctx == NULL || ctx->signer == NULL || pol == NULL)
		return CA_ERR_USAGE;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return CA_ERR_ALLOC;
	j->ctx = ctx;
	j->pol = *pol;
	*out = j;
	return CA_OK;
}

static void
responders_drop(struct ca_ocsp_job *j)
{
	int i;

	for (i = 0; i < CA_ISSUER_COUNT; i++) {
		ca_ocsp_responder_free(j->rsp[i]);
		j->rsp[i] = NULL;
	}
}

void
ca_ocsp_job_free(struct ca_ocsp_job *j)
{
	if (j == NULL)
		return;
	responders_drop(j);
	free(j);
}

void
ca_ocsp_job_set_policy(struct ca_ocsp_job *j, const struct pol_ocsp *pol)
{
	j->pol = *pol;
	responders_drop(j);
}

void
ca_ocsp_job_set_step_hook(struct ca_ocsp_job *j, void (*fn)(void *arg, const char *step),
			  void *arg)
{
	j->step = fn;
	j->step_arg = arg;
}

static void
step(struct ca_ocsp_job *j, const char *name)
{
	if (j->step != NULL)
		j->step(j->step_arg, name);
}

/* A responder is good enough while a response signed now expires before
 * it does, with a refresh interval to spare for its successor. */
static int
responder(struct ca_ocsp_job *j, enum ca_issuer_id id, int64_t now,
	  const struct ca_ocsp_responder **out)
{
	int64_t need = now + j->pol.response_validity + j->pol.refresh_interval;
	int r;

	if (id <= CA_ISSUER_ROOT || id >= CA_ISSUER_COUNT || j->ctx->issuers[id].gen == 0)
		return CA_ERR_USAGE;
	if (j->rsp[id] != NULL && j->rsp[id]->not_after >= need) {
		*out = j->rsp[id];
		return CA_OK;
	}
	ca_ocsp_responder_free(j->rsp[id]);
	j->rsp[id] = NULL;
	if ((r = ca_ocsp_responder_get(j->ctx, j->ctx->issuers[id].name, now, need,
				       j->pol.signer_lifetime, &j->rsp[id])) != CA_OK)
		return r;
	*out = j->rsp[id];
	return CA_OK;
}

int
ca_ocsp_job_responders(struct ca_ocsp_job *j, int64_t now)
{
	const struct ca_ocsp_responder *r;
	int id, e;

	/* a rollover's previous CA too, while it has certificates to answer for */
	for (id = CA_ISSUER_AUTH; id < CA_ISSUER_COUNT; id++)
		if (ca_issuer_live(j->ctx, id, now) &&
		    (e = responder(j, (enum ca_issuer_id)id, now, &r)) != CA_OK)
			return e;
	return CA_OK;
}

static void
batch_clear(struct batch *b)
{
	size_t i;
	int h;

	for (i = 0; i < b->n; i++) {
		free(b->c[i].issuer);
		free(b->c[i].serial);
		for (h = 0; h < CA_OCSP_NHASH; h++)
			OPENSSL_free(b->c[i].der[h]);
	}
	free(b->c);
	b->c = NULL;
	b->n = b->cap = 0;
}

static bool
batch_has(const struct batch *b, const char *serial)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->c[i].serial, serial) == 0)
			return true;
	return false;
}

/* Sign both CertID flavours of @c's response into the batch. */
static int
batch_sign(void *arg, const struct ca_ocsp_cert *c)
{
	struct batch *b = arg;
	struct ca_ctx *ctx = b->job->ctx;
	struct ca_issuer *is = ca_ctx_issuer(ctx, c->issuer);
	struct signed_cert *s, *grown;
	int64_t next = b->now + b->job->pol.response_validity;
	int h, r;

	if (is == NULL || is == &ctx->issuers[CA_ISSUER_ROOT]) {
		util_log(LOG_WARNING, "certificate %s: unknown issuing CA '%s', not signed",
			 c->serial, c->issuer);
		return CA_OK;
	}
	if (batch_has(b, c->serial))
		return CA_OK;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;

		if ((grown = realloc(b->c, cap * sizeof(*grown))) == NULL)
			return CA_ERR_ALLOC;
		b->c = grown;
		b->cap = cap;
	}
	s = &b->c[b->n];
	memset(s, 0, sizeof(*s));
	if ((r = responder(b->job, (enum ca_issuer_id)(is - ctx->issuers), b->now, &s->rsp))
	    != CA_OK)
		return r;
	if ((s->issuer = strdup(c->issuer)) == NULL || (s->serial = strdup(c->serial)) == NULL) {
		free(s->issuer);
		return CA_ERR_ALLOC;
	}
	s->revoked = c->revoked;
	b->n++;	/* owned by the batch from here on */
	for (h = 0; h < CA_OCSP_NHASH; h++)
		if ((r = ca_ocsp_sign(ctx, s->rsp, c, h, b->now, next, &s->der[h],
				      &s->len[h])) != CA_OK)
			return r;
	return CA_OK;
}

/*
 * Store the batch in one transaction: every response re-checks its
 * certificate's status, and basis is the feed position inside the same
 * transaction, so a stored response is exactly as new as the feed says.
 */
static int
batch_store(struct batch *b, bool follow, struct ca_ocsp_job_result *res)
{
	struct ca_reg *reg = b->job->ctx->reg;
	struct ca_ocsp_resp r;
	int64_t seq = 0, basis = 0;
	unsigned stored = 0, skipped = 0;
	char val[24];
	bool ok;
	size_t i;
	int h, e;

	step(b->job, "signed");
	if ((e = ca_reg_begin(reg)) != CA_OK)
		return e;
	if ((e = ca_reg_ocsp_resp_next_seq(reg, &seq)) != CA_OK ||
	    (e = ca_reg_ocsp_change_last(reg, &basis)) != CA_OK)
		goto out;
	for (i = 0; i < b->n; i++) {
		for (h = 0; h < CA_OCSP_NHASH; h++) {
			memset(&r, 0, sizeof(r));
			r.issuer = b->c[i].issuer;
			r.serial = b->c[i].serial;
			r.hash = h;
			r.revoked = b->c[i].revoked;
			r.this_update = b->now;
			r.next_update = b->now + b->job->pol.response_validity;
			r.signer = b->c[i].rsp->serial;
			r.basis = basis;
			r.der = b->c[i].der[h];
			r.len = b->c[i].len[h];
			if ((e = ca_reg_ocsp_resp_put(reg, &r, &seq, &ok)) != CA_OK)
				goto out;
			stored += ok;
			skipped += !ok && h == 0;
		}
	}
	if (follow) {
		snprintf(val, sizeof(val), "%lld", (long long)b->last_change);
		if ((e = ca_reg_config_set(reg, CURSOR_KEY, val)) != CA_OK)
			goto out;
	}
out:
	if ((e = ca_reg_end(reg, e)) == CA_OK) {
		res->certs += (unsigned)b->n;
		res->responses += stored;
		res->skipped += skipped;
		res->changes += b->changes;
		res->revoked |= b->revoked;
		step(b->job, "stored");
	}
	return e;
}

int
ca_ocsp_job_cursor(struct ca_ocsp_job *j, int64_t *out)
{
	char *v = NULL;
	int r = ca_reg_config_get(j->ctx->reg, CURSOR_KEY, &v);

	if (r == CA_ERR_NOT_FOUND) {
		*out = 0;
		return CA_OK;
	}
	if (r == CA_OK)
		*out = strtoll(v, NULL, 10);
	free(v);
	return r;
}

static int
change_sign(void *arg, const struct ca_ocsp_change *c)
{
	struct batch *b = arg;
	struct ca_issuer *is = ca_ctx_issuer(b->job->ctx, c->issuer);
	int r = CA_OK;

	if (b->n >= b->max)
		return CA_STOP;	/* a full batch: the rest next time */
	b->last_change = c->seq;
	b->changes++;
	if (c->revoked && is != NULL)
		b->revoked |= 1u << (is - b->job->ctx->issuers);
	if (c->revoked && c->seq <= b->job->ahead)
		return CA_OK;	/* signed ahead by an earlier follow, and stored */
	/* An expired certificate needs no response (a bulk import of old
	 * records, say); a CRL still lists it if it was revoked. */
	if (c->not_after > b->now && !batch_has(b, c->serial))
		r = ca_reg_ocsp_cert_get(b->job->ctx->reg, c->serial, batch_sign, b);
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;	/* issued and rolled back? nothing to do */
}

/*
 * Revocations first: within the feed read ahead, revoked certificates are
 * signed before the issuance in front of them, so a burst of new
 * certificates (a day of renewals) does not hold back a "revoked" answer.
 * At most half the batch, so the in-order walk always makes progress; what
 * is signed here is skipped there (the same batch, or j->ahead once stored).
 * A certificate issued and revoked inside one backlog is signed once more
 * when its issuance entry is reached (its current status: revoked again).
 */
static int
change_sign_revoked(void *arg, const struct ca_ocsp_change *c)
{
	struct batch *b = arg;
	int r;

	if (b->n >= b->max / 2)
		return CA_STOP;
	if (!c->revoked || c->seq <= b->job->ahead || c->not_after <= b->now ||
	    batch_has(b, c->serial))
		return CA_OK;
	b->ahead = c->seq;
	r = ca_reg_ocsp_cert_get(b->job->ctx->reg, c->serial, batch_sign, b);
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}

int
ca_ocsp_job_follow(struct ca_ocsp_job *j, int64_t now, int limit,
		   struct ca_ocsp_job_result *res)
{
	struct batch b;
	int64_t cursor = 0;
	int r;

	memset(&b, 0, sizeof(b));
	b.job = j;
	b.now = now;
	b.max = (size_t)limit;
	if ((r = ca_ocsp_job_cursor(j, &cursor)) != CA_OK)
		return r;
	b.last_change = cursor;
	if (j->ahead < cursor)
		j->ahead = cursor;	/* another instance's work, or a new job */
	/* Entries are cheap to skip, signatures are not: read far ahead,
	 * sign at most @limit certificates. */
	if ((r = ca_reg_ocsp_changes(j->ctx->reg, cursor, FEED_READ, change_sign_revoked, &b)) ==
	    CA_OK)
		r = ca_reg_ocsp_changes(j->ctx->reg, cursor, FEED_READ, change_sign, &b);
	if (r == CA_OK && (b.changes > 0 || b.n > 0))
		r = batch_store(&b, true, res);
	if (r == CA_OK && b.ahead > j->ahead)
		j->ahead = b.ahead;
	if (r == CA_OK && (b.changes >= FEED_READ || b.n >= b.max))
		res->more = true;
	batch_clear(&b);
	return r;
}

int
ca_ocsp_job_refresh(struct ca_ocsp_job *j, int64_t now, bool missing, int limit,
		    struct ca_ocsp_job_result *res)
{
	struct batch b;
	int r;

	memset(&b, 0, sizeof(b));
	b.job = j;
	b.now = now;
	if ((r = ca_reg_ocsp_due_foreach(j->ctx->reg, now, now - j->pol.refresh_interval, missing,
					 limit, batch_sign, &b)) == CA_OK && b.n > 0)
		r = batch_store(&b, false, res);
	if (r == CA_OK && b.n >= (size_t)limit)
		res->more = true;
	batch_clear(&b);
	return r;
}

int
ca_ocsp_job_prune(struct ca_ocsp_job *j, int64_t now)
{
	struct ca_reg *reg = j->ctx->reg;
	int64_t cursor = 0;
	int r;

	if ((r = ca_ocsp_job_cursor(j, &cursor)) != CA_OK || (r = ca_reg_begin(reg)) != CA_OK)
		return r;
	if ((r = ca_reg_ocsp_resps_prune(reg, now)) == CA_OK)
		r = ca_reg_ocsp_changes_prune(reg, cursor, now - DAY_SECS);
	return ca_reg_end(reg, r);
}
