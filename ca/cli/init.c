/*
 * ca/cli-init.c: "init", and the registry records "person-add", "card-add".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/cli/cli.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/init.h"

int
cli_init(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "hsm-module", required_argument, NULL, 'm' },
		{ "token-uri", required_argument, NULL, 't' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "root-key-type", required_argument, NULL, 'R' },
		{ "manager-uuid", required_argument, NULL, 'u' },
		{ "manager-name", required_argument, NULL, 'n' },
		{ "manager-email", required_argument, NULL, 'e' },
		{ "crl-base-url", required_argument, NULL, 'c' },
		{ "ocsp-url", required_argument, NULL, 'o' },
		{ "durability", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("init");
	struct ca_init_opts o;
	struct cli_args g;
	int c, r;

	memset(&o, 0, sizeof(o));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'm': o.hsm_module = optarg; break;
		case 't': o.token = optarg; break;
		case 'k':
			if (ca_key_type_parse(optarg, &o.key_type) != CA_OK)
				return cli_usage(cmd, "unknown key type '%s'", optarg);
			break;
		case 'R':
			if (ca_key_type_parse(optarg, &o.root_key_type) != CA_OK)
				return cli_usage(cmd, "unknown key type '%s'", optarg);
			break;
		case 'u': o.manager_uuid = optarg; break;
		case 'n': o.manager_name = optarg; break;
		case 'e': o.manager_email = optarg; break;
		case 'c': o.crl_base_url = optarg; break;
		case 'o': o.ocsp_url = optarg; break;
		case 'D':
			if (strcmp(optarg, "full") != 0 && strcmp(optarg, "normal") != 0)
				return cli_usage(cmd, "--durability is full or normal");
			o.durability = optarg;
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--manager-uuid", o.manager_uuid, "--manager-name",
			     o.manager_name, NULL)) != CA_OK ||
	    (r = cli_env_finish(env)) != CA_OK)
		return r;
	o.dir = env->state;
	o.now = time(NULL);
	if ((r = ca_init(&o)) == CA_OK)
		printf("CA created in %s\n", o.dir);
	return r;
}

static int
person_add(struct ca_ctx *ctx, const struct ca_person *p, const char *role, time_t now)
{
	const char *kv[] = { "name", p->name, "ra_role", role, NULL };
	char *details = NULL;
	int r;

	if ((r = ca_json_object(&details, kv)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(ctx->reg)) == CA_OK) {
		if ((r = ca_reg_person_add(ctx->reg, p)) != CA_OK ||
		    (role != NULL && (r = ca_reg_ra_role_add(ctx->reg, p->uuid, role)) != CA_OK) ||
		    (r = ca_audit_append(ctx->reg, now, ctx->actor, "person-add", p->uuid,
					 details)) != CA_OK ||
		    (r = ca_reg_commit(ctx->reg)) != CA_OK)
			ca_reg_rollback(ctx->reg);
	}
	free(details);
	return r;
}

int
cli_person_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "uuid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "mobile", required_argument, NULL, 'M' },
		{ "ra-role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("person-add");
	struct ca_person p = { NULL, NULL, NULL, NULL };
	struct ca_ctx *ctx = NULL;
	const char *role = NULL;
	struct cli_args g;
	int c, r;

	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'u': p.uuid = optarg; break;
		case 'n': p.name = optarg; break;
		case 'e': p.email = optarg; break;
		case 'M': p.mobile = optarg; break;
		case 'r': role = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--uuid", p.uuid, "--name", p.name, NULL)) != CA_OK ||
	    (r = cli_ctx_open(env, false, &ctx)) != CA_OK)
		return r;
	r = person_add(ctx, &p, role, time(NULL));
	ca_ctx_free(ctx);
	return r;
}

static int
card_add(struct ca_ctx *ctx, const char *serial, int tac, const char *holder, time_t now)
{
	const char *kv[] = { "holder", holder, "tac", tac ? "yes" : "no", NULL };
	char *details = NULL;
	int r;

	if ((r = ca_json_object(&details, kv)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(ctx->reg)) == CA_OK) {
		if ((r = ca_reg_card_add(ctx->reg, serial, tac, holder)) != CA_OK ||
		    (r = ca_audit_append(ctx->reg, now, ctx->actor, "card-add", serial,
					 details)) != CA_OK ||
		    (r = ca_reg_commit(ctx->reg)) != CA_OK)
			ca_reg_rollback(ctx->reg);
	}
	free(details);
	return r;
}

int
cli_card_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "holder", required_argument, NULL, 'H' },
		{ "tac", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("card-add");
	const char *serial = NULL, *holder = NULL;
	struct ca_ctx *ctx = NULL;
	struct cli_args g;
	int c, r, tac = 0;

	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'H')
			holder = optarg;
		else if (c == 't')
			tac = 1;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--serial", serial, NULL)) != CA_OK ||
	    (r = cli_ctx_open(env, false, &ctx)) != CA_OK)
		return r;
	r = card_add(ctx, serial, tac, holder, time(NULL));
	ca_ctx_free(ctx);
	return r;
}
