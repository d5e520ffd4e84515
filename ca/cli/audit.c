/*
 * ca/cli/audit.c: "audit verify" and "audit show", run by the CA's own
 * system account (the owner of the state directory).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

static int
show_one(void *arg, const struct ca_audit_row *row)
{
	(void)arg;
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
	struct ca_audit_report rep;
	struct ca_session *s = NULL;
	struct ca_result res;
	long long limit = 0;
	const char *what;
	char **rest, *end;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'l') {
			limit = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || limit < 0)
				return cli_usage(cmd, "bad --limit '%s'", optarg);
		}
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 1)
		return cli_usage(cmd, "expected 'verify' or 'show'");
	what = rest[0];
	if (strcmp(what, "verify") != 0 && strcmp(what, "show") != 0)
		return cli_usage(cmd, "unknown audit action '%s'", what);
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	if (strcmp(what, "show") == 0) {
		r = ca_op_audit_show(s, limit, show_one, NULL, &res);
	} else if ((r = ca_op_audit_verify(s, &rep, &res)) == CA_OK) {
		ca_result_done(&res, "audit log OK: %" PRId64 " entries", rep.entries);
	} else if (r == CA_ERR_AUDIT) {
		/* The verdict is the command's output, even when it is bad. */
		printf("audit log BROKEN at entry %" PRId64 ": %s\n", rep.bad_id, rep.what);
	}
	return cli_finish(env, cmd, s, r, &res);
}
