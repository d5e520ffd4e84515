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
	int r;

	if ((r = ca_gate(s, CA_OP_REPORT, NULL, res, NULL)) != CA_OK)
		return r;
	switch (kind) {
	case CA_REPORT_EXPIRING:
		return ca_reg_report_expiring(s->ctx->reg, ca_ctx_now(s->ctx), days, out);
	case CA_REPORT_LOCKED:
		return ca_reg_report_locked(s->ctx->reg, out);
	case CA_REPORT_RENEWAL_LIMIT:
		return ca_reg_report_renewal_limit(s->ctx->reg,
						   pol->renewal.self_renewals_before_ra,
						   pol->renewal.max_renewals, out);
	case CA_REPORT_USERS_PER_ORG:
		return ca_reg_report_users_per_org(s->ctx->reg, out);
	}
	return ca_result_fail(res, CA_ERR_USAGE, NULL, "unknown report");
}

int
ca_op_batch_import(struct ca_session *s, const char *name, const unsigned char *csv,
		   size_t len, bool dry_run, char **problems, struct ca_result *res)
{
	struct ca_batch b = { 0, NULL };
	struct ca_batch_stats st;
	struct ca_target t = { NULL };
	char *errs = NULL;
	size_t errlen = 0;
	unsigned nerr = 0;
	FILE *ef;
	int r;

	if ((r = ca_gate_who(s, dry_run ? CA_OP_REPORT : CA_OP_BATCH, "batch", res)) != CA_OK)
		return r;
	t.subject = "batch";
	/* A dry run only reads, like the reports; the import is the RA manager's. */
	if ((r = ca_gate(s, dry_run ? CA_OP_REPORT : CA_OP_BATCH, &t, res, NULL)) != CA_OK)
		return r;
	if ((ef = open_memstream(&errs, &errlen)) == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_batch_parse((const char *)csv, len, &b, ef, &nerr)) == CA_OK)
		r = ca_batch_check(s->ctx->reg, &b, ef, &nerr);
	fclose(ef);
	if (r != CA_OK)
		goto out;
	ca_batch_stats(&b, &st);
	if (nerr > 0) {
		r = ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: %u error(s); nothing was "
				   "changed: fix the lines above and run it again", name, nerr);
		goto out;
	}
	if (dry_run) {
		ca_result_done(res, "dry run: %zu row(s) valid; would add %u person(s) and %u "
			       "position(s) (%u already held); nothing changed", b.n, st.people,
			       st.positions, st.held);
		goto out;
	}
	if ((r = ca_batch_apply(s->ctx, &b)) == CA_OK)
		ca_result_done(res, "imported %zu row(s): %u person(s) and %u position(s) added "
			       "(%u already held)", b.n, st.people, st.positions, st.held);
out:
	if (problems != NULL && errs != NULL && errlen > 0) {
		*problems = errs;
		errs = NULL;
	}
	free(errs);
	ca_batch_clear(&b);
	return r;
}
