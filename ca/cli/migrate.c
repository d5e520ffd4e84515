/*
 * ca/cli/migrate.c: "migrate", the CA's SQLite registry moved to
 * PostgreSQL by an RA manager with their own card (ca_op_migrate).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

int
cli_migrate(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "no-switch", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("migrate");
	struct ca_migrate_req rq = { NULL, NULL, false };
	struct ca_migrate_report rep;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'f')
			rq.from = optarg;
		else if (c == 't')
			rq.to = optarg;
		else if (c == 'n')
			rq.no_switch = true;
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--to", rq.to, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_migrate(s, &rq, &rep, &res);
	return cli_finish(env, cmd, s, r, &res);
}
