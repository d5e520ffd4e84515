/*
 * ca/cli-revoke.c: "revoke" and "crl".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ca/cli/cli.h"
#include "ca/cli/ra.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "common/fileio.h"
#include "policy/policy.h"

int
cli_revoke(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("revoke");
	struct ca_ctx *ctx = NULL;
	const char *serial = NULL, *reason = NULL;
	struct cli_args g;
	int c, code, r;

	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'r')
			reason = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--serial", serial, "--reason", reason, NULL)) != CA_OK)
		return r;
	if (ca_revoke_reason_parse(reason, &code) != CA_OK || code == 8)
		return cli_usage(cmd, "unknown revocation reason '%s'", reason);
	if ((r = cli_ctx_open(env, false, &ctx)) != CA_OK)
		return r;
	r = ca_cert_revoke(ctx, serial, code, time(NULL));
	ca_ctx_free(ctx);
	return r;
}

static int
crl_write(const char *path, const unsigned char *der, size_t len, int as_der)
{
	int e;

	if (!as_der)
		return ca_pem_write(path, "X509 CRL", der, len);
	if ((e = util_file_write_atomic(path, der, len, 0644)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		return CA_ERR_IO;
	}
	return CA_OK;
}

/*
 * nextUpdate in seconds: --next-update, else the policy's crl.next-update
 * (full) or crl.delta-next-update (delta), so an on-demand CRL is valid
 * exactly as long as one crl-publish writes on the schedule.
 */
static int
crl_next_update(const struct cli_cmd *cmd, const struct ca_crl_opts *o, const char *policy,
		int64_t *secs)
{
	struct pol_policy *pol = NULL;
	struct pol_crl sched;
	int r;

	if (o->next_update_days > 0) {
		*secs = (int64_t)o->next_update_days * 24 * 60 * 60;
		return CA_OK;
	}
	if ((r = ra_policy_load(policy, &pol)) != CA_OK)
		return r;
	pol_crl_schedule(pol, &sched);
	pol_policy_free(pol);
	*secs = o->delta ? sched.delta_next_update : sched.next_update;
	if (o->delta && (sched.delta_interval == 0 || *secs <= 0))
		return ra_refuse(cmd, "crl.delta-interval",
				 "the policy publishes no delta CRLs (delta-interval: 0): "
				 "generate a full CRL, or give --next-update DAYS for this delta");
	return CA_OK;
}

static int
crl_run(struct cli_env *env, const struct cli_cmd *cmd, const struct ca_crl_opts *o,
	const char *policy, const char *out, int as_der)
{
	struct ca_ctx *ctx = NULL;
	int64_t next = 0;
	unsigned char *der = NULL;
	char *path = NULL, rel[96];
	size_t len = 0;
	long number = 0;
	int r;

	if ((r = crl_next_update(cmd, o, policy, &next)) != CA_OK)
		return r;
	if ((r = cli_ctx_open(env, true, &ctx)) != CA_OK)
		return r;
	if ((r = ca_crl_generate_secs(ctx, o, next, &der, &len, &number)) != CA_OK)
		goto out;
	snprintf(rel, sizeof(rel), "crl/%s%s.crl%s", o->issuer, o->delta ? "-delta" : "",
		 as_der ? "" : ".pem");
	if (out == NULL && (out = path = ca_ctx_path(ctx, rel)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if ((r = crl_write(out, der, len, as_der)) == CA_OK)
		printf("%s CRL %ld written to %s\n", o->delta ? "delta" : "full", number, out);
out:
	OPENSSL_free(der);
	free(path);
	ca_ctx_free(ctx);
	return r;
}

int
cli_crl(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "issuer", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "delta", no_argument, NULL, 'D' },
		{ "der", no_argument, NULL, 'd' },
		{ "next-update", required_argument, NULL, 'n' },
		{ "policy", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("crl");
	struct ca_crl_opts o;
	const char *out = NULL, *policy = NULL;
	struct cli_args g;
	int c, r, as_der = 0;
	char *end;

	memset(&o, 0, sizeof(o));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'i': o.issuer = optarg; break;
		case 'o': out = optarg; break;
		case 'D': o.delta = 1; break;
		case 'd': as_der = 1; break;
		case 'p': policy = optarg; break;
		case 'n':
			o.next_update_days = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o.next_update_days <= 0 || o.next_update_days > 366)
				return cli_usage(cmd, "bad --next-update '%s'", optarg);
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--issuer", o.issuer, NULL)) != CA_OK)
		return r;
	o.now = time(NULL);
	return crl_run(env, cmd, &o, policy, out, as_der);
}
