/*
 * ca/cli.c: carecard-ca main(), command table and exit statuses.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/cli/cli.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "common/log.h"

/*
 * Exit statuses: the one table (documented in carecard-ca(1) and each
 * command's page). Codes not listed (internal, memory, crypto, database,
 * I/O) exit 1. @said_all: the command printed the whole story already (the
 * usage, the refusal with its rule, each bad input row), so main() adds no
 * generic last line. Scripts test 8 for a refusal: keep it.
 */
static const struct {
	int err;
	int status;
	bool said_all;
} exit_table[] = {
	{ CA_OK, 0, true },
	{ CA_ERR_USAGE, 2, true },
	{ CA_ERR_NOT_FOUND, 3, false },
	{ CA_ERR_EXISTS, 4, false },
	{ CA_ERR_BAD_REQUEST, 5, false },
	{ CA_ERR_INPUT, 5, true },
	{ CA_ERR_AUDIT, 6, false },
	{ CA_ERR_HSM, 7, false },
	{ CA_ERR_STATE, 8, false },
	{ CA_ERR_DENIED, 8, true },
	{ CA_ERR_PERM, 9, false },
	{ CA_ERR_AUTH, 9, false },
};

static size_t
exit_find(int err)
{
	size_t i;

	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].err == err)
			break;
	return i;
}

static int
exit_status(int err)
{
	size_t i = exit_find(err);

	return i < sizeof(exit_table) / sizeof(exit_table[0]) ? exit_table[i].status : 1;
}

/* The generic last line, unless the command said everything itself. */
static void
exit_report(const struct cli_cmd *cmd, int err)
{
	size_t i = exit_find(err);

	if (i < sizeof(exit_table) / sizeof(exit_table[0]) && exit_table[i].said_all)
		return;
	fprintf(stderr, "carecard-ca: %s: %s\n", cmd->name, ca_strerror(err));
}

static const struct cli_cmd commands[] = {
	{ "init", cli_init, "create a CA: state directory, HSM token, hierarchy, registry",
	  "--manager-uuid UUID --manager-name NAME [--manager-email EMAIL]\n"
	  "       [--hsm-module PATH] [--token-uri URI|LABEL] [--key-type rsa|ec]\n"
	  "       [--root-key-type rsa3072|rsa2048|ec]\n"
	  "       [--crl-base-url URL] [--ocsp-url URL] [--durability full|normal]" },
	{ "person-add", cli_person_add, "register a person (holder, sponsor, RA staff)",
	  "--uuid UUID --name NAME [--email EMAIL] [--mobile NUMBER]\n"
	  "       [--ra-role ra-manager|ra-agent|sponsor|lsa]" },
	{ "card-add", cli_card_add, "register a card (blank, or issued to a holder)",
	  "--serial SERIAL [--holder UUID] [--tac]" },
	{ "issue-cert", cli_issue_cert, "issue a certificate from a PKCS#10 request",
	  "--profile authentication|signing --csr FILE --holder UUID --out FILE\n"
	  "       [--card SERIAL] [--days N] [--crl-url URL] [--ocsp-url URL]" },
	{ "issue-certs", cli_issue_certs, "issue many certificates from a list of requests",
	  "--list FILE --out-dir DIR [--batch N] [--days N] [--crl-url URL]\n"
	  "       [--ocsp-url URL]\n"
	  "       FILE: one request per line, PROFILE HOLDER CSR-FILE [CARD]; '#' comments\n"
	  "       one commit (fsync) per N requests, default 32; prints LINE SERIAL FILE" },
	{ "revoke", cli_revoke, "revoke a certificate",
	  "--serial HEX --reason REASON\n"
	  "       REASON: keyCompromise (lost, stolen), affiliationChanged (leaver),\n"
	  "       cessationOfOperation (death), superseded, cACompromise,\n"
	  "       privilegeWithdrawn, certificateHold, aACompromise, unspecified" },
	{ "crl", cli_crl, "generate a full or delta CRL",
	  "--issuer authentication|signing|root [--out FILE] [--delta] [--next-update DAYS]\n"
	  "       [--der] [--policy FILE]\n"
	  "       nextUpdate: --next-update, else the policy's crl.next-update\n"
	  "       (crl.delta-next-update with --delta)" },
	{ "audit", cli_audit, "verify or show the hash-chained audit log",
	  "verify | show [--limit N]" },
	{ "serve", cli_serve, "run the service: OCSP, CRLs and CA certificates over HTTP",
	  "[--config FILE] [--http ADDR:PORT]... [--https ADDR:PORT]... [--workers N]\n"
	  "       [--no-jobs | --jobs-only] [--access-log FILE|-|off]" },
};

/*
 * The command groups: the foundation commands above, the card operations
 * (cli-card-table.c) and the registration-authority operations
 * (cli-ra-table.c). Each group's table ends with a NULL name.
 */
static const struct cli_cmd *const groups[] = { NULL, cli_card_commands, cli_ra_commands };

static size_t
group_len(size_t g)
{
	size_t n = 0;

	if (g == 0)
		return sizeof(commands) / sizeof(commands[0]);
	while (groups[g][n].name != NULL)
		n++;
	return n;
}

static const struct cli_cmd *
group_cmd(size_t g, size_t i)
{
	return g == 0 ? &commands[i] : &groups[g][i];
}

const struct cli_cmd *
cli_cmd_find(const char *name)
{
	size_t g, i;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (i = 0; i < group_len(g); i++)
			if (strcmp(group_cmd(g, i)->name, name) == 0)
				return group_cmd(g, i);
	return NULL;
}

static void
usage_cmd(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: carecard-ca %s [--state DIR] [--actor UUID] %s\n  %s\n",
		c->name, c->usage, c->summary);
}

static void
usage_all(FILE *f)
{
	size_t g, i;

	fprintf(f, "usage: carecard-ca [--state DIR] [--actor UUID] COMMAND [OPTIONS]\n"
		"       carecard-ca COMMAND --help\n\ncommands:\n");
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (i = 0; i < group_len(g); i++)
			fprintf(f, "  %-12s %s\n", group_cmd(g, i)->name, group_cmd(g, i)->summary);
	fprintf(f, "\nstate directory: --state, else $CARECARD_CA_STATE, else "
		"$XDG_DATA_HOME/carecard/ca\nexit status: 0 ok, 1 error, 2 usage, 3 not found,"
		" 4 exists, 5 bad request or input,\n  6 audit log broken, 7 HSM error,"
		" 8 refused (rule or state), 9 not authenticated or permission denied\n");
}

int
cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "carecard-ca: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_cmd(stderr, cmd);
	return CA_ERR_USAGE;
}

int
cli_common_opt(int c, const char *arg, const struct cli_cmd *cmd, struct cli_env *env)
{
	switch (c) {
	case CLI_OPT_STATE:
		env->state = arg;
		return 1;
	case CLI_OPT_ACTOR:
		env->actor = arg;
		return 1;
	case CLI_OPT_HELP:
		usage_cmd(stdout, cmd);
		return CLI_HELP_SHOWN;
	case '?':
		usage_cmd(stderr, cmd);
		return CA_ERR_USAGE;
	}
	return 0;
}

void
cli_args_start(struct cli_args *g, int argc, char **argv, const struct cli_cmd *cmd,
	       struct cli_env *env, const struct option *opts)
{
	g->argc = argc;
	g->argv = argv;
	g->cmd = cmd;
	g->env = env;
	g->opts = opts;
	g->r = CA_OK;
	optind = 0;	/* argv[0] is the command name; 0 also resets getopt */
}

bool
cli_args_next(struct cli_args *g, int *c)
{
	int h;

	while (g->r == CA_OK && (*c = getopt_long(g->argc, g->argv, "", g->opts, NULL)) != -1) {
		if ((h = cli_common_opt(*c, optarg, g->cmd, g->env)) == 0)
			return true;
		if (h < 0 || h == CLI_HELP_SHOWN)
			g->r = h;
	}
	return false;
}

int
cli_args_end(struct cli_args *g)
{
	if (g->r == CA_OK && optind != g->argc)
		return cli_usage(g->cmd, "unexpected argument '%s'", g->argv[optind]);
	return g->r;
}

int
cli_args_operands(const struct cli_args *g, char ***first)
{
	*first = g->argv + optind;
	return g->argc - optind;
}

int
cli_require(const struct cli_cmd *cmd, ...)
{
	const char *names[8], *name;
	size_t n = 0, i;
	bool missing = false;
	char msg[256] = "";
	va_list ap;

	va_start(ap, cmd);
	while ((name = va_arg(ap, const char *)) != NULL) {
		if (va_arg(ap, const void *) == NULL)
			missing = true;
		if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = name;
	}
	va_end(ap);
	if (!missing)
		return CA_OK;
	for (i = 0; i < n; i++)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s",
			 i == 0 ? "" : i + 1 == n ? " and " : ", ", names[i]);
	return cli_usage(cmd, "%s %s required", msg, n == 1 ? "is" : "are");
}

int
cli_need_operator(const struct cli_cmd *cmd, unsigned reader)
{
	if (reader != 0)
		return CA_OK;
	return cli_usage(cmd, "--operator-reader is required: the operator authenticates "
			 "with their own card");
}

int
cli_ctx_open(struct cli_env *env, bool hsm, struct ca_ctx **out)
{
	int r;

	if ((r = cli_env_finish(env)) != CA_OK)
		return r;
	r = hsm ? ca_ctx_open(env->state, out) : ca_ctx_open_registry(env->state, out);
	if (r == CA_OK)
		(*out)->actor = env->actor;
	return r;
}

int
cli_read_input(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(errno));
		return errno == ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_IO;
	}
	if ((buf = malloc(1 << 20)) == NULL) {
		if (f != stdin)
			fclose(f);
		return CA_ERR_ALLOC;
	}
	n = fread(buf, 1, 1 << 20, f);
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return CA_OK;
}

/* Defaults: state from the environment or XDG; actor from the environment
 * or the invoking Unix user. */
static int
env_defaults(struct cli_env *env)
{
	const char *s = getenv("CARECARD_CA_STATE"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (env->actor == NULL)
		env->actor = getenv("CARECARD_CA_ACTOR");
	if (env->actor == NULL) {
		snprintf(env->actor_buf, sizeof(env->actor_buf), "uid:%ld", (long)getuid());
		env->actor = env->actor_buf;
	}
	if (env->state != NULL)
		return CA_OK;
	if (s != NULL && *s != '\0') {
		env->state = s;
		return CA_OK;
	}
	if (xdg != NULL && *xdg == '/') {
		if (asprintf(&env->state_buf, "%s/carecard/ca", xdg) < 0)
			return CA_ERR_ALLOC;
	} else if (home != NULL && *home == '/') {
		if (asprintf(&env->state_buf, "%s/.local/share/carecard/ca", home) < 0)
			return CA_ERR_ALLOC;
	} else {
		fprintf(stderr, "carecard-ca: no --state, CARECARD_CA_STATE or HOME\n");
		return CA_ERR_USAGE;
	}
	env->state = env->state_buf;
	return CA_OK;
}

/* Global options come before the command; commands accept them too. */
static int
global_opts(int *argc, char ***argv, struct cli_env *env)
{
	while (*argc > 1 && strncmp((*argv)[1], "--", 2) == 0) {
		const char *o = (*argv)[1];

		if (strcmp(o, "--help") == 0) {
			usage_all(stdout);
			return CLI_HELP_SHOWN;
		}
		if ((strcmp(o, "--state") != 0 && strcmp(o, "--actor") != 0) || *argc < 3) {
			usage_all(stderr);
			return CA_ERR_USAGE;
		}
		if (strcmp(o, "--state") == 0)
			env->state = (*argv)[2];
		else
			env->actor = (*argv)[2];
		*argc -= 2;
		*argv += 2;
	}
	return CA_OK;
}

int
main(int argc, char **argv)
{
	struct cli_env env;
	const struct cli_cmd *cmd;
	int r;

	memset(&env, 0, sizeof(env));
	util_log_set_ident("carecard-ca");
	/* A CLI user needs the reasons on the terminal; syslog gets them too. */
	setenv("CARECARD_LOG_STDERR", "1", 0);
	if ((r = global_opts(&argc, &argv, &env)) != CA_OK)
		return r == CLI_HELP_SHOWN ? 0 : exit_status(r);
	if (argc < 2) {
		usage_all(stderr);
		return exit_status(CA_ERR_USAGE);
	}
	if ((cmd = cli_cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "carecard-ca: unknown command '%s'\n", argv[1]);
		usage_all(stderr);
		return exit_status(CA_ERR_USAGE);
	}
	r = cmd->run(argc - 1, argv + 1, &env);
	if (r == CLI_HELP_SHOWN)
		r = CA_OK;
	if (r < 0)
		exit_report(cmd, r);
	free(env.state_buf);
	return exit_status(r);
}

int
cli_env_finish(struct cli_env *env)
{
	return env_defaults(env);
}
