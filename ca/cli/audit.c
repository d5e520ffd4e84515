/*
 * ca/cli/audit.c: "audit verify", "audit show" and "recover", run by the
 * CA's own system account (the owner of the state directory).
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

/* 256 MiB: a CRL of a few million entries. */
#define ANCHOR_MAX (256u * 1024 * 1024)

int
cli_audit(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "limit", required_argument, NULL, 'l' },
		{ "anchor", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("audit");
	struct ca_audit_anchor anchor = { NULL, NULL, 0 };
	struct ca_audit_report rep;
	struct ca_session *s = NULL;
	struct ca_result res;
	long long limit = 0;
	const char *what, *anchor_path = NULL;
	unsigned char *buf = NULL;
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
		} else if (c == 'a') {
			anchor_path = optarg;
		}
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 1)
		return cli_usage(cmd, "expected 'verify' or 'show'");
	what = rest[0];
	if (strcmp(what, "verify") != 0 && strcmp(what, "show") != 0)
		return cli_usage(cmd, "unknown audit action '%s'", what);
	if (anchor_path != NULL && strcmp(what, "verify") != 0)
		return cli_usage(cmd, "--anchor is for 'verify'");
	/* The anchor is read as the person at the keyboard may (see cli_restricted). */
	if (anchor_path != NULL) {
		if ((r = cli_read_input_max(anchor_path, ANCHOR_MAX, &buf, &anchor.len)) != CA_OK)
			return r;
		anchor.name = anchor_path;
		anchor.buf = buf;
	}
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		goto out;
	if (strcmp(what, "show") == 0) {
		r = ca_op_audit_show(s, limit, show_one, NULL, &res);
	} else if ((r = ca_op_audit_verify(s, anchor_path != NULL ? &anchor : NULL, &rep,
					   &res)) == CA_OK) {
		ca_result_done(&res, "audit log OK: %" PRId64 " entries\n%s", rep.entries,
			       rep.checked);
	} else if (r == CA_ERR_AUDIT) {
		/* The verdict is the command's output, even when it is bad. */
		if (rep.bad_id > 0)
			printf("audit log BROKEN at entry %" PRId64 ": %s\n", rep.bad_id, rep.what);
		else
			printf("audit log BROKEN: %s\n", rep.what);
	}
	r = cli_finish(env, cmd, s, r, &res);
out:
	free(buf);
	return r;
}

int
cli_recover(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("recover");
	struct ca_recover_report rep;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c))
		;
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_recover(s, &rep, &res);
	return cli_finish(env, cmd, s, r, &res);
}
