/*
 * ca/cli/people.c: person-add, card-add, register, verify-identity and
 * policy-install. Each is one library operation (ca/ra/ops.h) run by the
 * RA operator at --operator-reader.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/core/error.h"
#include "ca/core/policy.h"
#include "ca/ra/ops.h"
#include "ca/registry/registry-ra.h"

int
cli_person_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "uuid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "mobile", required_argument, NULL, 'M' },
		{ "ra-role", required_argument, NULL, 'r' },
		{ "documents", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("person-add");
	struct ca_person_req rq;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'u': rq.uuid = optarg; break;
		case 'n': rq.name = optarg; break;
		case 'e': rq.email = optarg; break;
		case 'M': rq.mobile = optarg; break;
		case 'r': rq.ra_role = optarg; break;
		case 'd': rq.documents = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--uuid", rq.uuid, "--name", rq.name, "--documents",
			     rq.documents, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_person_add(s, &rq, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_card_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "holder", required_argument, NULL, 'H' },
		{ "tac", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("card-add");
	const char *serial = NULL, *holder = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	bool tac = false;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'H')
			holder = optarg;
		else if (c == 't')
			tac = true;
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--serial", serial, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_card_add(s, serial, holder, tac, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_register(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "uuid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "mobile", required_argument, NULL, 'M' },
		{ "sponsor", required_argument, NULL, 's' },
		{ "position", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("register");
	struct ca_register_req rq;
	struct ca_session *s = NULL;
	struct ca_result res;
	const char *sponsor = NULL, *position = NULL;
	char role[CA_ROLE_NAME_MAX], ods[CA_ODS_MAX + 1];
	int64_t id = 0;
	struct cli_args g;
	int c, r;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'u': rq.uuid = optarg; break;
		case 'n': rq.name = optarg; break;
		case 'e': rq.email = optarg; break;
		case 'M': rq.mobile = optarg; break;
		case 's': sponsor = optarg; break;
		case 'p': position = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--uuid", rq.uuid, "--name", rq.name, "--position", position,
			     NULL)) != CA_OK)
		return r;
	if (ca_position_parse(position, role, ods) != CA_OK)
		return cli_usage(cmd, "--position is ROLE@ODS, e.g. pharmacist@FA123");
	rq.role = role;
	rq.ods = ods;
	rq.sponsor = sponsor;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_register(s, &rq, &id, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_verify_identity(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "request", required_argument, NULL, 'r' },
		{ "documents", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("verify-identity");
	struct ca_session *s = NULL;
	struct ca_result res;
	const char *docs = NULL;
	long long id = 0;
	char *end;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'r') {
			id = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || id <= 0)
				return cli_usage(cmd, "bad --request '%s'", optarg);
		} else if (c == 'd') {
			docs = optarg;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if (id == 0 || docs == NULL)
		return cli_usage(cmd, "--request and --documents are required");
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_verify_identity(s, id, docs, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_policy_install(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("policy-install");
	struct ca_session *s = NULL;
	struct ca_result res;
	unsigned char *buf = NULL;
	size_t len = 0;
	char **rest;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c))
		;
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 1)
		return cli_usage(cmd, "name the policy file (- for standard input)");
	if ((r = cli_read_input(rest[0], &buf, &len)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) == CA_OK) {
		r = ca_op_policy_install(s, rest[0], buf, len, &res);
		r = cli_finish(env, cmd, s, r, &res);
	}
	free(buf);
	return r;
}
