/*
 * ca/cli/org.c: org-add, position-add, position-remove and ods-change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

/* Options shared by the four commands; unset ones stay NULL. */
struct pos_args {
	const char *ods, *name, *holder, *role, *from, *to;
	bool locum;
	struct cli_who who;
};

static int
parse(int argc, char **argv, struct cli_env *env, const struct cli_cmd *cmd,
      struct pos_args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "ods", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "locum", no_argument, NULL, 'l' },
		{ "holder", required_argument, NULL, 'H' },
		{ "role", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args g;
	int c, r;

	memset(a, 0, sizeof(*a));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'o': a->ods = optarg; break;
		case 'n': a->name = optarg; break;
		case 'l': a->locum = true; break;
		case 'H': a->holder = optarg; break;
		case 'r': a->role = optarg; break;
		case 'f': a->from = optarg; break;
		case 't': a->to = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	a->who = g.who;
	a->who.auth = CLI_AUTH_OPERATOR;
	return CA_OK;
}

enum what { ORG_ADD, POSITION_ADD, POSITION_REMOVE, ODS_CHANGE };

static int
run(int argc, char **argv, struct cli_env *env, const char *name, enum what w)
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct ca_session *s = NULL;
	struct ca_result res;
	struct pos_args a;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = parse(argc, argv, env, cmd, &a)) != CA_OK)
		return r;
	if ((w == ORG_ADD && (r = cli_require(cmd, "--ods", a.ods, "--name", a.name,
					      NULL)) != CA_OK) ||
	    ((w == POSITION_ADD || w == POSITION_REMOVE) &&
	     (r = cli_require(cmd, "--holder", a.holder, "--role", a.role, "--ods", a.ods,
			      NULL)) != CA_OK) ||
	    (w == ODS_CHANGE && (r = cli_require(cmd, "--from", a.from, "--to", a.to,
						 NULL)) != CA_OK))
		return r;
	if ((r = cli_session(env, cmd, true, &a.who, &s)) != CA_OK)
		return r;
	switch (w) {
	case ORG_ADD:
		r = ca_op_org_add(s, a.ods, a.name, a.locum, &res);
		break;
	case POSITION_ADD:
		r = ca_op_position_add(s, a.holder, a.role, a.ods, &res);
		break;
	case POSITION_REMOVE:
		r = ca_op_position_remove(s, a.holder, a.role, a.ods, &res);
		break;
	case ODS_CHANGE:
		r = ca_op_ods_change(s, a.from, a.to, &res);
		break;
	}
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_org_add(int argc, char **argv, struct cli_env *env)
{
	return run(argc, argv, env, "org-add", ORG_ADD);
}

int
cli_ra_position_add(int argc, char **argv, struct cli_env *env)
{
	return run(argc, argv, env, "position-add", POSITION_ADD);
}

int
cli_ra_position_remove(int argc, char **argv, struct cli_env *env)
{
	return run(argc, argv, env, "position-remove", POSITION_REMOVE);
}

int
cli_ra_ods_change(int argc, char **argv, struct cli_env *env)
{
	return run(argc, argv, env, "ods-change", ODS_CHANGE);
}
