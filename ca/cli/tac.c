/*
 * ca/cli/tac.c: the Temporary Access Card pool — tac-add, tac-list and the
 * custodian's tac-use. (tac-activate and tac-restore are card commands.)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

int
cli_ra_tac_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "custodian", required_argument, NULL, 'c' },
		{ "positions", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-add");
	const char *serial = NULL, *custodian = NULL, *positions = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'c')
			custodian = optarg;
		else if (c == 'p')
			positions = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--serial", serial, "--custodian", custodian, "--positions",
			     positions, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_tac_add(s, serial, custodian, positions, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_tac_list(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "uses", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-list");
	bool uses = false;
	enum ca_report_format f = CA_REPORT_TABLE;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct ca_table t;
	struct cli_args g;
	int c, r;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'f' && ca_report_format_parse(optarg, &f) != CA_OK)
			return cli_usage(cmd, "--format is table, csv or json");
		if (c == 'u')
			uses = true;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	/* Without an operator card: the CA's own account (a timer, the RA desk). */
	if (g.who.auth == CLI_AUTH_NONE)
		g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	/* The pool, or with --uses its ledger: who used which TAC when. */
	r = uses ? ca_op_tac_uses(s, &t, &res) : ca_op_tac_list(s, &t, &res);
	if (r == CA_OK)
		r = ca_table_write(&t, f, stdout);
	ca_table_clear(&t);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_tac_use(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "holder", required_argument, NULL, 'H' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-use");
	const char *serial = NULL, *holder = NULL, *note = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'H')
			holder = optarg;
		else if (c == 'n')
			note = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if (serial == NULL || holder == NULL || note == NULL || *note == '\0')
		return cli_usage(cmd, "--serial, --holder and a non-empty --note are required");
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_tac_use(s, serial, holder, note, &res);
	return cli_finish(env, cmd, s, r, &res);
}
