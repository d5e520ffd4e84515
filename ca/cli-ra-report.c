/*
 * ca/cli-ra-report.c: "report" (expiring, locked, renewal-limit,
 * users-per-org) and "crl-publish" (both issuing CAs' CRLs into a
 * directory a web server serves). Both run unattended (cron, systemd
 * timers), so neither needs an operator card: they only read the registry,
 * or sign what it already records.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ca/cli-ra.h"
#include "ca/cli-ra-cmds.h"
#include "ca/crl.h"
#include "ca/ctx.h"
#include "ca/error.h"
#include "ca/registry-ra.h"
#include "ca/report.h"
#include "common/fileio.h"

static int
report_run(struct ca_reg *reg, const struct pol_policy *pol, const char *kind, int days,
	   struct ca_table *t)
{
	if (strcmp(kind, "expiring") == 0)
		return ca_reg_report_expiring(reg, (int64_t)time(NULL), days, t);
	if (strcmp(kind, "locked") == 0)
		return ca_reg_report_locked(reg, t);
	if (strcmp(kind, "renewal-limit") == 0)
		return ca_reg_report_renewal_limit(reg, pol->renewal.self_renewals_before_ra,
						   pol->renewal.max_renewals, t);
	return ca_reg_report_users_per_org(reg, t);
}

int
cli_ra_report(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "days", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const kinds[] = { "expiring", "locked", "renewal-limit",
					     "users-per-org" };
	const struct cli_cmd *cmd = cli_cmd_find("report");
	enum ca_report_format f = CA_REPORT_TABLE;
	struct ra_session s;
	struct ca_table t;
	long days = -1;
	char **rest;
	char *end;
	size_t i;
	struct cli_args g;
	int c, r;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'f' && ca_report_format_parse(optarg, &f) != CA_OK)
			return cli_usage(cmd, "--format is table, csv or json");
		if (c == 'd') {
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days < 0 || days > 3650)
				return cli_usage(cmd, "bad --days '%s' (0-3650)", optarg);
		}
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 1)
		return cli_usage(cmd, "name one report");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(rest[0], kinds[i]) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return cli_usage(cmd, "unknown report '%s'", rest[0]);
	if ((days >= 0) != (i == 0))
		return cli_usage(cmd, "--days goes with (and only with) 'expiring'");
	if ((r = ra_open(env, cmd, false, false, &s)) == CA_OK &&
	    (r = report_run(s.ctx->reg, s.pol, kinds[i], (int)days, &t)) == CA_OK)
		r = ca_table_write(&t, f, stdout);
	ca_table_clear(&t);
	ra_close(&s);
	return r;
}

/* One CRL into DIR/<issuer>.crl or DIR/<issuer>-delta.crl (DER, as HTTP
 * CRL distribution points serve them: RFC 5280 4.2.1.13), atomically. */
static int
publish_one(struct ca_ctx *ctx, const char *dir, const char *issuer, int delta, int days)
{
	struct ca_crl_opts o = { issuer, delta, days, time(NULL) };
	unsigned char *der = NULL;
	char *path = NULL;
	size_t len = 0;
	long number = 0;
	int e, r;

	if ((r = ca_crl_generate(ctx, &o, &der, &len, &number)) != CA_OK) {
		if (r == CA_ERR_STATE)
			fprintf(stderr, "carecard-ca: crl-publish: no full CRL of %s yet: run "
				"crl-publish without --delta first\n", issuer);
		return r;
	}
	if (asprintf(&path, "%s/%s%s.crl", dir, issuer, delta ? "-delta" : "") < 0) {
		path = NULL;
		r = CA_ERR_ALLOC;
	} else if ((e = util_file_write_atomic(path, der, len, 0644)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		r = CA_ERR_IO;
	} else {
		printf("%s %s CRL %ld -> %s\n", issuer, delta ? "delta" : "full", number, path);
	}
	OPENSSL_free(der);
	free(path);
	return r;
}

int
cli_ra_crl_publish(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "dir", required_argument, NULL, 'o' },
		{ "delta", no_argument, NULL, 'D' },
		{ "next-update", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const issuers[] = { "authentication", "signing" };
	const struct cli_cmd *cmd = cli_cmd_find("crl-publish");
	struct ca_ctx *ctx = NULL;
	const char *dir = NULL;
	struct cli_args g;
	int c, r, delta = 0, days = 0, e;
	size_t i;
	char *end;

	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'o')
			dir = optarg;
		else if (c == 'D')
			delta = 1;
		else if (c == 'n') {
			days = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days <= 0 || days > 366)
				return cli_usage(cmd, "bad --next-update '%s' (1-366 days)",
						 optarg);
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--dir", dir, NULL)) != CA_OK)
		return r;
	if ((e = util_mkdir_p(dir, 0755)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", dir, strerror(-e));
		return CA_ERR_IO;
	}
	if ((r = cli_ctx_open(env, true, &ctx)) != CA_OK)
		return r;
	for (i = 0; i < sizeof(issuers) / sizeof(issuers[0]) && r == CA_OK; i++)
		r = publish_one(ctx, dir, issuers[i], delta, days);
	ca_ctx_free(ctx);
	return r;
}
