/*
 * ca/cli/report.c: report, crl-publish and batch import. Reports and
 * crl-publish run unattended (cron, systemd timers) as the CA's own system
 * account; an RA operator may run reports with their card too. A batch
 * import is the RA manager's, with their card; its dry run reads only.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/core/error.h"
#include "ca/ra/batch.h"
#include "ca/ra/ops.h"
#include "common/fileio.h"

int
cli_ra_report(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "days", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct {
		const char *name;
		enum ca_report_kind kind;
	} kinds[] = {
		{ "expiring", CA_REPORT_EXPIRING }, { "locked", CA_REPORT_LOCKED },
		{ "renewal-limit", CA_REPORT_RENEWAL_LIMIT },
		{ "users-per-org", CA_REPORT_USERS_PER_ORG },
	};
	const struct cli_cmd *cmd = cli_cmd_find("report");
	enum ca_report_format f = CA_REPORT_TABLE;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct ca_table t;
	long days = -1;
	char **rest;
	char *end;
	size_t i;
	struct cli_args g;
	int c, r;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
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
		if (strcmp(rest[0], kinds[i].name) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return cli_usage(cmd, "unknown report '%s'", rest[0]);
	if (days >= 0 && i != 0)
		return cli_usage(cmd, "--days goes only with 'expiring'");
	if (g.who.auth == CLI_AUTH_NONE)
		g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	if ((r = ca_op_report(s, kinds[i].kind, (int)days, &t, &res)) == CA_OK)
		r = ca_table_write(&t, f, stdout);
	ca_table_clear(&t);
	return cli_finish(env, cmd, s, r, &res);
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
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("crl-publish");
	struct ca_publish_req rq;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	long days;
	char *end;
	int c, r;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'o')
			rq.dir = optarg;
		else if (c == 'D')
			rq.delta = true;
		else if (c == 'I')
			rq.if_due = true;
		else if (c == 'n') {
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days <= 0 || days > 366)
				return cli_usage(cmd, "bad --next-update '%s' (1-366 days)",
						 optarg);
			rq.next_update = days * 24 * 60 * 60;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--dir", rq.dir, NULL)) != CA_OK ||
	    (r = cli_output_check(cmd, "--dir", NULL)) != CA_OK)
		return r;
	if (rq.if_due && rq.delta)
		return cli_usage(cmd, "--if-due decides full and delta CRLs itself: drop --delta");
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_crl_publish(s, &rq, &res);
	return cli_finish(env, cmd, s, r, &res);
}

#define BATCH_FILE_MAX (64u << 20)
#define BATCH_PROGRESS_ROWS 1000	/* smaller files finish before anyone waits */

/* "batch: checked 5000 of 20000 rows", rewritten in place on a terminal. */
static void
batch_progress(void *arg, const char *phase, size_t done, size_t total)
{
	(void)arg;
	fprintf(stderr, "\rbatch: %s %zu of %zu rows%s", phase, done, total,
		done == total ? "\n" : "");
	fflush(stderr);
}

int
cli_ra_batch(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("batch");
	struct ca_batch_progress prog = { batch_progress, NULL };
	struct ca_batch_req rq;
	struct ca_session *s = NULL;
	struct ca_result res;
	unsigned char *buf = NULL;
	char *problems = NULL, *changes = NULL, **rest;
	size_t len = 0, i, lines = 0;
	struct cli_args g;
	bool dry = false;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'n')
			dry = true;
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 2 || strcmp(rest[0], "import") != 0)
		return cli_usage(cmd, "usage: batch import FILE.csv");
	if ((r = cli_read_input_max(rest[1], BATCH_FILE_MAX, &buf, &len)) != CA_OK) {
		env->said = true;
		return r;
	}
	/* A dry run only reads, so the CA's own account runs it without a card
	 * (a card login is itself audited, and a dry run must change nothing). */
	if (g.who.auth == CLI_AUTH_NONE)
		g.who.auth = dry ? CLI_AUTH_SYSTEM : CLI_AUTH_OPERATOR;
	memset(&rq, 0, sizeof(rq));
	rq.name = rest[1];
	rq.csv = buf;
	rq.len = len;
	rq.dry_run = dry;
	rq.problems = &problems;
	rq.changes = dry ? &changes : NULL;
	/* A progress line only where someone watches, and only for a long file. */
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (isatty(STDERR_FILENO) && lines >= BATCH_PROGRESS_ROWS)
		rq.progress = &prog;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) == CA_OK) {
		r = ca_op_batch(s, &rq, &res);
		if (problems != NULL)
			fputs(problems, stderr);
		if (changes != NULL)
			fputs(changes, stdout);
		r = cli_finish(env, cmd, s, r, &res);
	}
	free(problems);
	free(changes);
	free(buf);
	return r;
}
