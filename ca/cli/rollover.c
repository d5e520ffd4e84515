/*
 * ca/cli/rollover.c: "ca-rollover", a new generation of an issuing CA by
 * an RA manager with their own card (ca_op_ca_rollover).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

int
cli_ca_rollover(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "ca", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("ca-rollover");
	struct ca_rollover_info info;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	const char *ca = NULL;
	char *end = NULL;
	long days = 0;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'c') {
			ca = optarg;
		} else if (c == 'd') {
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days <= 0 || days > INT_MAX)
				return cli_usage(cmd, "--days: a number of days, not '%s'", optarg);
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--ca", ca, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_ca_rollover(s, ca, (int)days, &info, &res);
	return cli_finish(env, cmd, s, r, &res);
}
