/*
 * ca/cli/init.c: "init" — a new CA: state directory, HSM token, hierarchy,
 * registry, the first RA manager, and the policy it will obey.
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
		{ "durability", required_argument, NULL, 'D' },
		{ "policy", required_argument, NULL, 'p' },
		{ "card-module", required_argument, NULL, 'M' },
		{ "registry", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("init");
	struct ca_init_opts o;
	unsigned char *policy = NULL;
	size_t policy_len = 0;
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
		case 'D':
			if (strcmp(optarg, "full") != 0 && strcmp(optarg, "normal") != 0)
				return cli_usage(cmd, "--durability is full or normal");
			o.durability = optarg;
			break;
		case 'p': o.policy_name = optarg; break;
		case 'M': o.card_module = optarg; break;
		case 'g': o.registry = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--manager-uuid", o.manager_uuid, "--manager-name",
			     o.manager_name, NULL)) != CA_OK ||
	    (r = cli_env_finish(env)) != CA_OK)
		return r;
	/* The CA's policy is installed now and used by every operation; only
	 * an RA manager replaces it later (policy-install). */
	if (o.policy_name != NULL &&
	    (r = cli_read_input(o.policy_name, &policy, &policy_len)) != CA_OK)
		return r;
	o.policy = policy;
	o.policy_len = policy_len;
	o.dir = env->state;
	o.now = time(NULL);
	if ((r = ca_init(&o)) == CA_OK)
		printf("CA created in %s\n", o.dir);
	free(policy);
	return r;
}

