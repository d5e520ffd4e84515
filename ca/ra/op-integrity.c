/*
 * ca/ra/op-integrity.c: the recovery and the audit log, as operations
 * behind the gate (the system account's jobs). See ops.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/checkpoint.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"

int
ra_recover(struct ca_session *s, int *n, struct ca_result *res)
{
	struct pol_integrity in;
	int r;

	pol_integrity_get(s->ctx->pol, &in);
	if ((r = ca_cert_recover(s->ctx, in.pending_lease, n)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the recovery of abandoned pending "
				      "certificates failed: %s", ca_strerror(r));
	return CA_OK;
}

int
ca_op_recover(struct ca_session *s, struct ca_recover_report *rep, struct ca_result *res)
{
	struct pol_integrity in;
	char line[160] = "";
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = ca_gate(s, CA_OP_RECOVER, NULL, res, NULL)) != CA_OK ||
	    (r = ra_recover(s, &rep->revoked, res)) != CA_OK)
		return r;
	pol_integrity_get(s->ctx->pol, &in);
	if ((r = ca_checkpoint_if_due(s->ctx, in.checkpoint_interval, "recover", &rep->checkpoint,
				      &rep->cp)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the audit checkpoint failed: %s",
				      ca_strerror(r));
	if (rep->checkpoint)
		snprintf(line, sizeof(line), "; audit checkpoint at entry %" PRId64, rep->cp.seq);
	ca_result_done(res, "recover: %d abandoned pending certificate(s) revoked%s",
		       rep->revoked, line);
	return CA_OK;
}

int
ca_op_audit_verify(struct ca_session *s, const struct ca_audit_anchor *anchor,
		   struct ca_audit_report *rep, struct ca_result *res)
{
	int r;

	if ((r = ca_gate(s, CA_OP_AUDIT, NULL, res, NULL)) != CA_OK)
		return r;
	memset(rep, 0, sizeof(*rep));
	return ca_audit_verify_all(s->ctx, anchor, rep);
}

struct show {
	int64_t skip;
	int (*fn)(void *, const struct ca_audit_row *);
	void *arg;
};

static int
show_one(void *arg, const struct ca_audit_row *row)
{
	struct show *sh = arg;

	if (sh->skip > 0) {
		sh->skip--;
		return 0;
	}
	return sh->fn(sh->arg, row);
}

int
ca_op_audit_show(struct ca_session *s, int64_t limit,
		 int (*fn)(void *arg, const struct ca_audit_row *row), void *arg,
		 struct ca_result *res)
{
	struct show sh = { 0, fn, arg };
	int64_t last = 0;
	char hash[65];
	int r;

	if ((r = ca_gate(s, CA_OP_AUDIT, NULL, res, NULL)) != CA_OK)
		return r;
	/* The newest @limit entries: ids are consecutive from 1. */
	if (limit > 0 && (r = ca_reg_audit_last(s->ctx->reg, &last, hash)) == CA_OK &&
	    last > limit)
		sh.skip = last - limit;
	if (r != CA_OK)
		return r;
	return ca_reg_audit_foreach(s->ctx->reg, show_one, &sh) < 0 ? CA_ERR_DB : CA_OK;
}
