/*
 * ca/ra/op-report.c: the RA reports and the batch import. See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/batch.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/registry/registry-ra.h"

int
ca_op_report(struct ca_session *s, enum ca_report_kind kind, int days, struct ca_table *out,
	     struct ca_result *res)
{
	const struct pol_policy *pol = s->ctx->pol;
	const char *within;
	bool locum;
	int r;

	if ((r = ca_gate(s, CA_OP_REPORT, NULL, res, NULL)) != CA_OK)
		return r;
	/* A sponsor or LSA reports on their own organisations, not the
	 * national data: the scope is the gate's, as person search's. */
	within = ca_gate_scope(s, CA_OP_REPORT, &locum);
	switch (kind) {
	case CA_REPORT_EXPIRING:
		/* Without a number of days: the policy's renewal window, the time
		 * in which holders are asked to renew. */
		if (days < 0)
			days = (int)(pol->renewal.window / (24 * 60 * 60));
		return ca_reg_report_expiring(s->ctx->reg, ca_ctx_now(s->ctx), days, within,
					      locum, out);
	case CA_REPORT_LOCKED:
		return ca_reg_report_locked(s->ctx->reg, within, locum, out);
	case CA_REPORT_RENEWAL_LIMIT:
		return ca_reg_report_renewal_limit(s->ctx->reg,
						   pol->renewal.self_renewals_before_ra,
						   pol->renewal.max_renewals, within, locum,
						   out);
	case CA_REPORT_USERS_PER_ORG:
		return ca_reg_report_users_per_org(s->ctx->reg, within, locum, out);
	}
	return ca_result_fail(res, CA_ERR_USAGE, NULL, "unknown report");
}

/* The text a memstream collected, handed to *out (when wanted). */
static void
text_take(char **buf, size_t len, char **out)
{
	if (out != NULL && *buf != NULL && len > 0) {
		*out = *buf;
		*buf = NULL;
	}
	free(*buf);
	*buf = NULL;
}

int
ca_op_batch(struct ca_session *s, const struct ca_batch_req *rq, struct ca_result *res)
{
	struct ca_batch b = { 0, NULL, NULL };
	struct ca_batch_stats st;
	struct ca_target t = { NULL };
	enum ca_op op = rq->dry_run ? CA_OP_REPORT : CA_OP_BATCH;
	char *errs = NULL, *changes = NULL;
	size_t errlen = 0, chlen = 0;
	unsigned nerr = 0;
	FILE *ef, *cf = NULL;
	int r;

	if ((r = ca_gate_who(s, op, "batch", res)) != CA_OK)
		return r;
	t.subject = "batch";
	/* A dry run only reads, like the reports; the import is the RA manager's. */
	if ((r = ca_gate(s, op, &t, res, NULL)) != CA_OK)
		return r;
	if ((ef = open_memstream(&errs, &errlen)) == NULL)
		return CA_ERR_ALLOC;
	b.progress = rq->progress;
	if ((r = ca_batch_parse((const char *)rq->csv, rq->len, &b, ef, &nerr)) == CA_OK)
		r = ca_batch_check(s->ctx->reg, &b, ef, &nerr);
	fclose(ef);
	if (r != CA_OK)
		goto out;
	ca_batch_stats(&b, &st);
	if (nerr > 0) {
		r = ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: %u error(s); nothing was "
				   "changed: fix the lines above and run it again", rq->name, nerr);
		goto out;
	}
	if ((cf = open_memstream(&changes, &chlen)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	r = ca_batch_changes(&b, cf);
	fclose(cf);
	if (r != CA_OK)
		goto out;
	if (rq->dry_run) {
		ca_result_done(res, "dry run: %zu row(s) valid; would add %u person(s) and %u "
			       "position(s) (%u already held), update %u person(s) and remove %u "
			       "position(s); nothing changed", b.n, st.people, st.positions,
			       st.held, st.updated, st.removed);
		goto out;
	}
	if ((r = ca_batch_apply(s->ctx, &b)) == CA_OK)
		ca_result_done(res, "imported %zu row(s): %u person(s) and %u position(s) added "
			       "(%u already held), %u person(s) updated, %u position(s) removed",
			       b.n, st.people, st.positions, st.held, st.updated, st.removed);
out:
	text_take(&errs, errlen, rq->problems);
	text_take(&changes, chlen, rq->changes);
	ca_batch_clear(&b);
	return r;
}

int
ca_op_batch_import(struct ca_session *s, const char *name, const unsigned char *csv,
		   size_t len, bool dry_run, char **problems, struct ca_result *res)
{
	struct ca_batch_req rq = { name, csv, len, dry_run, NULL, problems, NULL };

	return ca_op_batch(s, &rq, res);
}
