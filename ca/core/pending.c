/*
 * ca/core/pending.c: record before you sign — pending rows for drafts,
 * abandoning the pending rows of operations that died, and the recovery.
 * See issue.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "common/log.h"

/* "S1 S2 ..." of the drafts still wanted (res[i] OK), for the audit entry. */
static int
serial_list(struct ca_draft **d, size_t n, const int *res, char **out, size_t *count)
{
	size_t len = 1, i, k = 0;
	char *s, *p;

	for (i = 0; i < n; i++)
		if (d[i] != NULL && (res == NULL || res[i] == CA_OK))
			len += strlen(d[i]->serial) + 1;
	if ((s = p = malloc(len)) == NULL)
		return CA_ERR_ALLOC;
	*p = '\0';
	for (i = 0; i < n; i++) {
		if (d[i] == NULL || (res != NULL && res[i] != CA_OK))
			continue;
		p += sprintf(p, "%s%s", k++ > 0 ? " " : "", d[i]->serial);
	}
	*out = s;
	*count = k;
	return CA_OK;
}

static int
pending_row(struct ca_ctx *ctx, const struct ca_pending_req *rq, const struct ca_draft *d,
	    int64_t now, int64_t seq)
{
	struct ca_cert_pending p;

	memset(&p, 0, sizeof(p));
	p.serial = d->serial;
	p.card = d->card != NULL ? d->card : rq->card;
	p.holder = d->holder;
	p.profile = d->profile;
	p.issuer = d->is->name;
	p.not_before = d->not_before;
	p.not_after = d->not_after;
	p.card_op = rq->card_op;
	p.since = now;
	p.audit_seq = seq;
	return ca_reg_cert_pending_add(ctx->reg, &p);
}

/* One row, in its own savepoint when failures are per request (@res). */
static int
pending_one(struct ca_ctx *ctx, const struct ca_pending_req *rq, const struct ca_draft *d,
	    int64_t now, int64_t seq, int *res)
{
	int r;

	if (res == NULL)
		return pending_row(ctx, rq, d, now, seq);
	if ((r = ca_reg_savepoint(ctx->reg)) != CA_OK)
		return r;
	if ((*res = pending_row(ctx, rq, d, now, seq)) == CA_OK)
		return ca_reg_release(ctx->reg);
	return ca_reg_rollback_to(ctx->reg);
}

/*
 * The rows first, then the entry naming exactly the rows that were
 * written: each row records the entry's id, which is the next one (ids
 * are consecutive and this transaction holds the write lock).
 */
int
ca_cert_pending_rows(struct ca_ctx *ctx, const struct ca_pending_req *rq, struct ca_draft **d,
		     size_t n, int *res)
{
	char action[48], count[24], hash[65], *serials = NULL;
	const char *kv[] = { "holder", rq->holder, "card", rq->card, "count", count,
			     "serials", NULL, NULL };
	int64_t now = ca_ctx_now(ctx), last = 0;
	size_t i, k = 0;
	int r;

	if ((r = ca_reg_audit_last(ctx->reg, &last, hash)) != CA_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (d[i] == NULL || (res != NULL && res[i] != CA_OK))
			continue;
		if ((r = pending_one(ctx, rq, d[i], now, last + 1,
				     res != NULL ? &res[i] : NULL)) != CA_OK)
			return r;
	}
	if ((r = serial_list(d, n, res, &serials, &k)) != CA_OK || k == 0)
		goto out;
	snprintf(action, sizeof(action), "%s-pending", rq->op);
	snprintf(count, sizeof(count), "%zu", k);
	kv[7] = serials;
	if ((r = ca_ctx_audit(ctx, action, rq->subject != NULL ? rq->subject : serials, kv))
	    == CA_OK && ctx->audit_id != last + 1)
		r = CA_ERR_INTERNAL;	/* another entry came between: impossible under the lock */
out:
	free(serials);
	return r;
}

int
ca_cert_pending(struct ca_ctx *ctx, const struct ca_pending_req *rq, struct ca_draft **d,
		size_t n)
{
	size_t i;
	int r;

	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_reg_end(ctx->reg, ca_cert_pending_rows(ctx, rq, d, n, NULL))) != CA_OK)
		return r;
	for (i = 0; i < n; i++)
		if (d[i] != NULL)
			d[i]->recorded = true;
	ca_ctx_point(ctx, rq->op, "pending-recorded");
	return CA_OK;
}

int
ca_cert_abandon(struct ca_ctx *ctx, const char *serial, const char *why)
{
	const char *kv[] = { "reason", "cessationOfOperation", "abandoned", why, NULL };
	int r;

	if ((r = ca_reg_cert_revoke(ctx->reg, serial, CRL_REASON_CESSATION_OF_OPERATION,
				    ca_ctx_now(ctx))) != CA_OK)
		return r;
	util_log(LOG_NOTICE, "certificate %s revoked: %s", serial, why);
	return ca_ctx_audit(ctx, "revoke", serial, kv);
}

int
ca_cert_abandon_sel(struct ca_ctx *ctx, const struct ca_pending_sel *sel, const char *why,
		    int *n)
{
	char **serials = NULL;
	size_t k = 0, i;
	int r;

	if ((r = ca_reg_cert_pending_list(ctx->reg, sel, &serials, &k)) != CA_OK)
		return r;
	for (i = 0; i < k && r == CA_OK; i++)
		r = ca_cert_abandon(ctx, serials[i], why);
	if (r == CA_OK && n != NULL)
		*n = (int)k;
	ca_reg_serials_free(serials, k);
	return r;
}

int
ca_cert_recover(struct ca_ctx *ctx, int64_t lease, int *n)
{
	struct ca_pending_sel sel = { 0 };
	char why[96];
	int r, k = 0;

	if (lease <= 0)
		return CA_ERR_USAGE;
	sel.before = ca_ctx_now(ctx) - lease;
	snprintf(why, sizeof(why), "its operation did not complete within %lld s",
		 (long long)lease);
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_reg_end(ctx->reg, ca_cert_abandon_sel(ctx, &sel, why, &k))) != CA_OK)
		return r;
	*n = k;
	return CA_OK;
}
