/*
 * ca/ra/op-rollover.c: carecard-ca ca-rollover behind the gate (see ops.h).
 * The rollover itself is the core's (ca/core/rollover.c); here: who may,
 * which CA, and the words of the result.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"

static void
utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

int
ca_op_ca_rollover(struct ca_session *s, const char *role, int days,
		  struct ca_rollover_info *info, struct ca_result *res)
{
	struct ca_target t = { NULL };
	enum ca_issuer_id id;
	char until[32], end[32];
	int r;

	memset(info, 0, sizeof(*info));
	if (role != NULL && strcmp(role, "authentication") == 0)
		id = CA_ISSUER_AUTH;
	else if (role != NULL && strcmp(role, "signing") == 0)
		id = CA_ISSUER_SIGN;
	else
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "--ca must be authentication or "
				      "signing (the root is not rolled over)");
	if (days < 0 || days > 3653 * 3)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "--days must be 1 to 10959");
	t.subject = role;
	if ((r = ca_gate_who(s, CA_OP_CA_ROLLOVER, role, res)) != CA_OK ||
	    (r = ca_gate(s, CA_OP_CA_ROLLOVER, &t, res, NULL)) != CA_OK)
		return r;
	r = ca_rollover(s->ctx, id, days, info);
	if (r == CA_ERR_STATE && info->prev_until > 0) {
		utc(info->prev_until, until, sizeof(until));
		return ca_result_fail(res, r, NULL, "the %s CA's previous generation (%s) still "
				      "has certificates until %s: roll over again after that",
				      role, info->name, until);
	}
	if (r != CA_OK)
		return ca_result_fail(res, r, NULL, "the %s CA was not rolled over (%s); the "
				      "CA issues as before", role, ca_strerror(r));
	utc(info->not_after, end, sizeof(end));
	if (info->prev_until > 0)
		utc(info->prev_until, until, sizeof(until));
	else
		snprintf(until, sizeof(until), "now (it issued nothing)");
	snprintf(res->done, sizeof(res->done),
		 "%s: generation %d, certificate %s valid until %s, key carecard-%s\n"
		 "%s keeps its CRLs and OCSP until %s\n"
		 "restart carecard-ca serve to publish both",
		 info->name, info->gen, info->serial, end, info->name, info->prev, until);
	return CA_OK;
}
