/*
 * ca/cli-ra-report.c: "report" (expiring, locked, renewal-limit,
 * users-per-org) and "crl-publish" (the CAs' CRLs into a directory a web
 * server serves, on the policy's crl schedule, under the names of the
 * policy's CRL URLs: ca/core/publish.h). Both run
 * unattended (cron, systemd timers), so neither needs an operator card:
 * they only read the registry, or sign what it already records.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca/cli/ra.h"
#include "ca/cli/ra-cmds.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/publish.h"
#include "ca/registry/registry-ra.h"
#include "ca/ra/report.h"
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

/* Larger than a CRL of a few million revocations (about 40 bytes each). */
#define CRL_FILE_MAX	(256 * 1024 * 1024)

/* What one crl-publish run works with. */
struct publish {
	struct ca_ctx *ctx;
	const char *dir;
	struct pol_crl sched;	/* from the policy */
	struct ca_pub_names names;	/* from the policy's CRL URLs */
	int64_t next_update;	/* --next-update in seconds; 0: the policy's */
	time_t now;
};

/*
 * DIR/<name> into *path (malloc'ed): the last segment of the CRL's URL in
 * the policy (profiles.*.crl-url, publication.root-crl-url), "-delta"
 * before ".crl" for a delta CRL — the names the certificates' CRL
 * distribution points and carecard-ca serve use.
 */
static int
publish_path(const struct publish *p, const char *issuer, int delta, char **path)
{
	struct ca_issuer *is = ca_ctx_issuer(p->ctx, issuer);
	const struct ca_pub_item *it = NULL;

	if (is != NULL)
		it = ca_pub_find(&p->names, delta ? CA_PUB_DELTA_CRL : CA_PUB_CRL,
				 (enum ca_issuer_id)(is - p->ctx->issuers));
	if (it == NULL)
		return CA_ERR_USAGE;
	if (asprintf(path, "%s/%s", p->dir, ca_pub_file(it)) < 0) {
		*path = NULL;
		return CA_ERR_ALLOC;
	}
	return CA_OK;
}

/* One CRL into its stable name (DER, as HTTP CRL distribution points serve
 * them: RFC 5280 4.2.1.13), atomically. nextUpdate: --next-update, else
 * the policy's crl.next-update or crl.delta-next-update. */
static int
publish_one(const struct publish *p, const char *issuer, int delta)
{
	struct ca_crl_opts o = { issuer, delta, 0, p->now };
	int64_t next = p->next_update > 0 ? p->next_update :
		       delta ? p->sched.delta_next_update : p->sched.next_update;
	unsigned char *der = NULL;
	char *path = NULL;
	size_t len = 0;
	long number = 0;
	int e, r;

	if ((r = ca_crl_generate_secs(p->ctx, &o, next, &der, &len, &number)) != CA_OK) {
		if (r == CA_ERR_STATE)
			fprintf(stderr, "carecard-ca: crl-publish: no full CRL of %s yet: run "
				"crl-publish without --delta first\n", issuer);
		return r;
	}
	if ((r = publish_path(p, issuer, delta, &path)) != CA_OK)
		goto out;
	if ((e = util_file_write_atomic(path, der, len, 0644)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		r = CA_ERR_IO;
	} else {
		printf("%s %s CRL %ld -> %s\n", issuer, delta ? "delta" : "full", number, path);
	}
out:
	OPENSSL_free(der);
	free(path);
	return r;
}

/*
 * thisUpdate of the CRL published at @path into *when; 0 when there is
 * none, or when it is not a CRL (a broken file is replaced, not trusted).
 */
static int
published_at(const char *path, int64_t *when)
{
	unsigned char *buf = NULL;
	const unsigned char *q;
	X509_CRL *crl = NULL;
	size_t len = 0;
	struct tm tm;
	int e;

	*when = 0;
	if ((e = util_file_read_all(path, CRL_FILE_MAX, &buf, &len)) == -ENOENT)
		return CA_OK;
	if (e != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		return CA_ERR_IO;
	}
	q = buf;
	if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL &&
	    ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm) == 1)
		*when = (int64_t)timegm(&tm);
	else
		fprintf(stderr, "carecard-ca: %s: not a DER CRL; publishing a new one\n", path);
	ERR_clear_error();
	X509_CRL_free(crl);
	free(buf);
	return CA_OK;
}

/*
 * --if-due: a full CRL when the published one is crl.full-interval old (or
 * missing); a delta when deltas are on and the published delta is
 * crl.delta-interval old or older than the full CRL it extends, so a new
 * full CRL is always followed by a delta naming it as base.
 */
static int
publish_if_due(const struct publish *p, const char *issuer)
{
	char *full = NULL, *delta = NULL;
	int64_t lf = 0, ld = 0;
	bool new_full = false, root = strcmp(issuer, "root") == 0;
	int r;

	if ((r = publish_path(p, issuer, 0, &full)) != CA_OK ||
	    (!root && (r = publish_path(p, issuer, 1, &delta)) != CA_OK) ||
	    (r = published_at(full, &lf)) != CA_OK)
		goto out;
	if (pol_crl_due(&p->sched, false, lf, p->now)) {
		if ((r = publish_one(p, issuer, 0)) != CA_OK)
			goto out;
		new_full = true;	/* the old delta's base is gone, even within a second */
	}
	/* The root's CRL lists only issuing CAs: full CRLs only. */
	if (root || p->sched.delta_interval == 0 || (r = published_at(delta, &ld)) != CA_OK)
		goto out;
	if (new_full || ld < lf || pol_crl_due(&p->sched, true, ld, p->now))
		r = publish_one(p, issuer, 1);
out:
	free(full);
	free(delta);
	return r;
}

static int
publish_all(const struct cli_cmd *cmd, const struct publish *p, int delta, bool if_due)
{
	static const char *const issuers[] = { "authentication", "signing", "root" };
	size_t i;
	int r = CA_OK;

	if (delta && p->sched.delta_interval == 0)
		return ra_refuse(cmd, "crl.delta-interval",
				 "the policy publishes no delta CRLs (delta-interval: 0): "
				 "publish full CRLs only, or enable deltas in the policy");
	for (i = 0; i < sizeof(issuers) / sizeof(issuers[0]) && r == CA_OK; i++)
		if (!delta || strcmp(issuers[i], "root") != 0)
			r = if_due ? publish_if_due(p, issuers[i])
				   : publish_one(p, issuers[i], delta);
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
		{ "if-due", no_argument, NULL, 'I' },
		{ "policy", required_argument, NULL, RA_OPT_POLICY },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("crl-publish");
	struct publish p;
	struct ra_session s;
	struct cli_args g;
	int c, r, delta = 0, e;
	bool if_due = false;
	long days;
	char *end;

	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		if (c == 'o')
			p.dir = optarg;
		else if (c == 'D')
			delta = 1;
		else if (c == 'I')
			if_due = true;
		else if (c == 'n') {
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days <= 0 || days > 366)
				return cli_usage(cmd, "bad --next-update '%s' (1-366 days)",
						 optarg);
			p.next_update = days * 24 * 60 * 60;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--dir", p.dir, NULL)) != CA_OK)
		return r;
	if (if_due && delta)
		return cli_usage(cmd, "--if-due decides full and delta CRLs itself: drop --delta");
	if ((e = util_mkdir_p(p.dir, 0755)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", p.dir, strerror(-e));
		return CA_ERR_IO;
	}
	if ((r = ra_open(env, cmd, true, false, &s)) == CA_OK) {
		char why[256];

		p.ctx = s.ctx;
		p.now = time(NULL);
		pol_crl_schedule(s.pol, &p.sched);
		if ((r = ca_pub_names(s.pol, &p.names, why, sizeof(why))) != CA_OK)
			fprintf(stderr, "carecard-ca: crl-publish: policy %s: %s\n",
				s.pol->source, why);
		else
			r = publish_all(cmd, &p, delta, if_due);
	}
	ra_close(&s);
	return r;
}
