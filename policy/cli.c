/*
 * carecard-policy: check, show and explain lifecycle policies.
 * Exit statuses come from one table in cli.h: 0 ok, 1 invalid policy,
 * 2 usage. See carecard-policy(1).
 */
#include "config.h"

#include "policy/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: carecard-policy check FILE...\n"
	"       carecard-policy show [FILE]\n"
	"       carecard-policy explain [--policy FILE] [--at DATE] CARD-STATE [ACTOR] [--json]\n"
	"       carecard-policy --help | --version\n"
	"\n"
	"  check    validate policy files; prints FILE:LINE:COLUMN: KEY: problem\n"
	"  show     print the effective policy, defaults filled in\n"
	"           (no FILE: $CARECARD_POLICY, else the installed default\n"
	"           " POL_DEFAULT_PATH ")\n"
	"  explain  every lifecycle decision for one card on one date, with the rule\n"
	"           that decided; see 'carecard-policy explain --help'\n"
	"\n"
	"exit status: 0 ok, 1 invalid policy, 2 usage error\n";

static int
usage(FILE *fp, int status)
{
	fputs(usage_text, fp);
	return status;
}

struct pol_policy *
cli_policy_load(const char *path)
{
	const char *env = getenv("CARECARD_POLICY");
	struct pol_policy *pol = NULL;
	struct pol_error err;
	int r;

	/* A tool for trying policies out: a file named on the command line,
	 * else $CARECARD_POLICY, else the installed default. (carecard-ca uses
	 * only the policy installed in its state directory.) */
	if (path == NULL && env != NULL && *env != '\0')
		path = env;
	r = pol_policy_load_default(path, &pol, &err);

	if (r == POL_ERR_NOMEM || r == POL_ERR_ARG)
		fprintf(stderr, "carecard-policy: %s\n", pol_strerror(r));
	else if (r != POL_OK)
		fprintf(stderr, "%s\n", err.text);
	return r == POL_OK ? pol : NULL;
}

int
cli_date_parse(const char *text, int64_t base, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
	struct tm tm = { 0 }, back;
	int64_t delta;
	time_t t;

	if (text[0] == '+' || text[0] == '-') {
		if (pol_duration_parse(text + 1, &delta) != POL_OK)
			return -1;
		*out = text[0] == '+' ? base + delta : base - delta;
		return 0;
	}
	if (text[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(text + 1, &end, 10);
		if (errno != 0 || end == text + 1 || *end != '\0')
			return -1;
		*out = v;
		return 0;
	}
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	if (text[n] == 'T' || text[n] == ' ') {
		int m = 0;

		if (sscanf(text + n + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3)
			return -1;
		n += 1 + m;
		if (text[n] == 'Z')
			n++;
	}
	if (text[n] != '\0')
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	/* timegm normalises 2026-02-30; a round trip catches such dates. */
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != mo - 1 || back.tm_hour != h || back.tm_min != mi || back.tm_sec != s)
		return -1;
	*out = (int64_t)t;
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	int i, status = CLI_OK;

	if (argc < 2)
		return usage(stderr, CLI_USAGE);
	for (i = 1; i < argc; i++) {
		struct pol_policy *pol = cli_policy_load(argv[i]);

		if (pol == NULL) {
			status = CLI_INVALID;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		pol_policy_free(pol);
	}
	return status;
}

static int
cmd_show(int argc, char **argv)
{
	struct pol_policy *pol;
	int status = CLI_OK;

	if (argc > 2)
		return usage(stderr, CLI_USAGE);
	if ((pol = cli_policy_load(argc == 2 ? argv[1] : NULL)) == NULL)
		return CLI_INVALID;
	if (pol_policy_write(pol, stdout) != POL_OK) {
		fprintf(stderr, "carecard-policy: cannot write the policy: %s\n", strerror(errno));
		status = CLI_INVALID;
	}
	pol_policy_free(pol);
	return status;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL)
		return usage(stderr, CLI_USAGE);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout, CLI_OK);
	if (strcmp(cmd, "--version") == 0) {
		printf("carecard-policy %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(cmd, "explain") == 0)
		return cli_explain(argc - 1, argv + 1);
	fprintf(stderr, "carecard-policy: unknown command '%s'\n", cmd);
	return usage(stderr, CLI_USAGE);
}
