/*
 * ca/cli-audit.c: "audit verify" and "audit show". Neither needs the HSM.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/cli/cli.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"

static int
audit_verify(struct ca_ctx *ctx)
{
	struct ca_audit_report rep;
	int r = ca_audit_verify(ctx->reg, &rep);

	if (r == CA_OK)
		printf("audit log OK: %" PRId64 " entries\n", rep.entries);
	else if (r == CA_ERR_AUDIT)
		printf("audit log BROKEN at entry %" PRId64 ": %s\n", rep.bad_id, rep.what);
	return r;
}

struct show_state {
	long limit, seen;
};

static int
show_one(void *arg, const struct ca_audit_row *row)
{
	struct show_state *s = arg;

	if (s->limit > 0 && s->seen++ >= s->limit)
		return 1;
	printf("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\n", row->id, row->time, row->actor,
	       row->action, row->subject, row->details);
	return 0;
}

int
cli_audit(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("audit");
	struct show_state st = { 0, 0 };
	struct ca_ctx *ctx = NULL;
	const char *what;
	char **rest;
	struct cli_args g;
	int c, r;

	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'l')
			st.limit = strtol(optarg, NULL, 10);
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 1)
		return cli_usage(cmd, "expected 'verify' or 'show'");
	what = rest[0];
	if (strcmp(what, "verify") != 0 && strcmp(what, "show") != 0)
		return cli_usage(cmd, "unknown audit action '%s'", what);
	if ((r = cli_ctx_open(env, false, &ctx)) != CA_OK)
		return r;
	if (strcmp(what, "verify") == 0)
		r = audit_verify(ctx);
	else
		r = ca_reg_audit_foreach(ctx->reg, show_one, &st) < 0 ? CA_ERR_DB : CA_OK;
	ca_ctx_free(ctx);
	return r;
}
