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
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/cli/test-hooks.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
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
exit_report(const struct cli_env *env, const struct cli_cmd *cmd, int err)
{
	size_t i = exit_find(err);

	if (env->said || (i < sizeof(exit_table) / sizeof(exit_table[0]) && exit_table[i].said_all))
		return;
	fprintf(stderr, "carecard-ca: %s: %s\n", cmd->name, ca_strerror(err));
}

static const struct cli_cmd commands[] = {
	{ "init", cli_init, "create a CA: state directory, HSM token, hierarchy, registry, policy",
	  "--manager-uuid UUID --manager-name NAME [--manager-email EMAIL]\n"
	  "       [--policy FILE] [--card-module PATH] [--registry sqlite:PATH|postgresql://...]\n"
	  "       [--hsm-module PATH] [--token-uri URI|LABEL] [--key-type rsa|ec]\n"
	  "       [--root-key-type rsa3072|rsa2048|ec]\n"
	  "       [--durability full|normal]\n"
	  "       certificate profiles and their CRL/OCSP URLs come from the policy" },
	{ "person-add", cli_person_add, "register a person whose identity you checked in person",
	  "--uuid UUID --name NAME --documents DOC,DOC,DOC [--email EMAIL]\n"
	  "       [--mobile NUMBER] [--ra-role ra-manager|ra-agent|sponsor|lsa]\n"
	  "       " CLI_OPERATOR_USAGE },
	{ "card-add", cli_card_add, "register a card (blank, or issued to a holder)",
	  "--serial SERIAL [--holder UUID] [--tac] " CLI_OPERATOR_USAGE },
	{ "issue-cert", cli_issue_cert, "issue a certificate from a PKCS#10 request",
	  "--profile authentication|signing --csr FILE --holder UUID --out FILE\n"
	  "       [--card SERIAL] " CLI_OPERATOR_USAGE },
	{ "issue-certs", cli_issue_certs, "issue many certificates from a list of requests",
	  "--list FILE --out-dir DIR [--batch N] " CLI_OPERATOR_USAGE "\n"
	  "       FILE: one request per line, PROFILE HOLDER CSR-FILE [CARD]; '#' comments\n"
	  "       one commit (fsync) per N requests, default 64; prints LINE SERIAL FILE" },
	{ "revoke", cli_revoke, "revoke a certificate",
	  "--serial HEX --reason REASON " CLI_OPERATOR_USAGE "\n"
	  "       REASON: keyCompromise (lost, stolen), affiliationChanged (leaver),\n"
	  "       cessationOfOperation (death), superseded, cACompromise,\n"
	  "       privilegeWithdrawn, certificateHold, aACompromise, unspecified" },
	{ "crl", cli_crl, "generate a full or delta CRL (the CA's own account)",
	  "--issuer authentication|signing|root [--out FILE] [--delta] [--next-update DAYS]\n"
	  "       [--der]\n"
	  "       after a rollover the newer generation is authentication-N or signing-N\n"
	  "       nextUpdate: --next-update, else the policy's crl.next-update\n"
	  "       (crl.delta-next-update with --delta)" },
	{ "audit", cli_audit, "verify or show the hash-chained audit log (the CA's own account)",
	  "verify [--anchor FILE.crl] | show [--limit N]\n"
	  "       verify: the chain, and where it ends against the checkpoint signed into\n"
	  "       a published CRL (--anchor, else the newest in DIR/crl and the crl-publish\n"
	  "       directory), the registry's newest checkpoint and every certificate\n"
	  "       show: the newest N entries" },
	{ "recover", cli_recover, "revoke certificates of interrupted operations (the CA's own "
	  "account)",
	  "\n"
	  "       revokes certificates pending longer than the policy's integrity.pending-lease;\n"
	  "       signs the audit log's head when integrity.checkpoint-interval has passed" },
	{ "migrate", cli_migrate, "RA manager: move the registry from SQLite to PostgreSQL",
	  "--to postgresql://... [--from sqlite:PATH] [--no-switch] " CLI_OPERATOR_USAGE "\n"
	  "       the target: an empty database (createdb), no password in the URI;\n"
	  "       verified by row counts and the audit log before it commits; then\n"
	  "       DIR/registry.uri names it (not with --no-switch)" },
	{ "ca-rollover", cli_ca_rollover, "RA manager: a new key and certificate for an issuing CA",
	  "--ca authentication|signing [--days N] " CLI_OPERATOR_USAGE "\n"
	  "       the new CA issues from now on; the one it replaces keeps its CRLs and\n"
	  "       OCSP (and stays in the CA bundles) until its last certificate expires" },
	{ "backup", cli_backup, "copy the CA's whole state, verified (its administrator)",
	  "--out DIR\n"
	  "       DIR: a new directory (0700): the HSM token, the registry (SQLite: an online\n"
	  "       copy; PostgreSQL: use pg_dump), the audit log, CRLs, policy, MANIFEST" },
	{ "restore", cli_restore, "put a backup back into a new state directory (its "
	  "administrator)",
	  "--from DIR [--force] [--publish-dir DIR] [--crl-floor N]\n"
	  "       the backup is checked against its MANIFEST before anything is written;\n"
	  "       --state names the new (or empty) state directory; --force moves an old one\n"
	  "       aside; the next CRL numbers go above every CRL found in the publication\n"
	  "       directory (--publish-dir, else the one recorded) and --crl-floor" },
	{ "serve", cli_serve, "run the service: OCSP, CRLs and CA certificates over HTTP",
	  "[--config FILE] [--http ADDR:PORT]... [--https ADDR:PORT]... [--workers N]\n"
	  "       [--no-jobs | --jobs-only] [--access-log FILE|-|off]" },
};

/*
 * The command groups: the foundation commands above, the card operations
 * (cli-card-table.c) and the registration-authority operations
 * (cli-ra-table.c). Each group's table ends with a NULL name.
 */
static const struct cli_cmd *const groups[] = { NULL, cli_card_commands, cli_ra_commands,
						 cli_day_commands };

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
	fprintf(f, "usage: carecard-ca %s [--state DIR] [--verbose] %s\n  %s\n",
		c->name, c->usage, c->summary);
}

static void
usage_all(FILE *f)
{
	size_t g, i;

	fprintf(f, "usage: carecard-ca [--state DIR] [--verbose] COMMAND [OPTIONS]\n"
		"       carecard-ca COMMAND --help\n       carecard-ca --version\n\n"
		"commands:\n");
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (i = 0; i < group_len(g); i++)
			fprintf(f, "  %-15s %s\n", group_cmd(g, i)->name, group_cmd(g, i)->summary);
	fprintf(f, "\nstate directory: --state, else $CARECARD_CA_STATE, else "
		"$XDG_DATA_HOME/carecard/ca\n--verbose: the log (audit trail, card module) on "
		"standard error too\nexit status: 0 ok, 1 error, 2 usage, 3 not found,"
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
	case CLI_OPT_VERBOSE:
		cli_verbose();
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
	memset(&g->who, 0, sizeof(g->who));
	optind = 0;	/* argv[0] is the command name; 0 also resets getopt */
}

static int
operator_opt(struct cli_args *g, int c, const char *arg)
{
	char *end;
	long v;

	g->who.auth = CLI_AUTH_OPERATOR;
	if (c == CLI_OPT_ORG) {
		g->who.org = arg;
		return CA_OK;
	}
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || v < 1 || v > 64)
		return cli_usage(g->cmd, "bad --operator-reader '%s' (1-64)", arg);
	g->who.reader = (unsigned)v;
	return CA_OK;
}

bool
cli_args_next(struct cli_args *g, int *c)
{
	int h;

	while (g->r == CA_OK && (*c = getopt_long(g->argc, g->argv, "", g->opts, NULL)) != -1) {
		if (*c == CLI_OPT_OPERATOR_READER || *c == CLI_OPT_ORG) {
			g->r = operator_opt(g, *c, optarg);
			continue;
		}
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

/*
 * The CA's own readers: DIR/readers.yaml, when the CA has one, is the card
 * module's configuration for this process (sudo resets the environment,
 * and RA staff must not point the CA's account at other readers).
 */
static int
readers_conf(const struct cli_env *env)
{
	char *path = NULL;
	int r = CA_OK;

	if (asprintf(&path, "%s/readers.yaml", env->state) < 0)
		return CA_ERR_ALLOC;
	if (access(path, R_OK) == 0 && setenv("CARECARD_CONF", path, 1) != 0)
		r = CA_ERR_INTERNAL;
	free(path);
	return r;
}

int
cli_session(struct cli_env *env, const struct cli_cmd *cmd, bool hsm, const struct cli_who *who,
	    struct ca_session **out)
{
	struct ca_session *s = NULL;
	struct ca_result res;
	struct ca_front f;
	int r;

	memset(&res, 0, sizeof(res));
	memset(&f, 0, sizeof(f));
	if ((r = cli_env_finish(env)) != CA_OK)
		return r;
	if ((r = readers_conf(env)) != CA_OK)
		return r;
	f.state = env->state;
	f.secret = cli_secret;
	f.secret_arg = &env->pins;
	cli_test_hooks(&f.hooks);
	r = hsm || (who != NULL && who->auth != CLI_AUTH_NONE) ? ca_session_open(&f, &s, &res)
		: ca_session_open_registry(&f, &s, &res);
	if (r == CA_OK && who != NULL) {
		switch (who->auth) {
		case CLI_AUTH_OPERATOR:
			/* Without a card nobody is authenticated: the operation itself
			 * refuses (and audits) that, and changes nothing. */
			if (who->reader != 0)
				r = ca_session_operator(s, who->reader, who->org, &res);
			break;
		case CLI_AUTH_HOLDER:
			r = ca_session_holder(s, who->reader, &res);
			break;
		case CLI_AUTH_SYSTEM:
			r = ca_session_system(s, &res);
			break;
		case CLI_AUTH_NONE:
			break;
		}
	}
	if (r != CA_OK) {
		ca_session_close(s);
		return cli_result(env, cmd, r, &res);
	}
	*out = s;
	return CA_OK;
}

int
cli_finish(struct cli_env *env, const struct cli_cmd *cmd, struct ca_session *s, int r,
	   const struct ca_result *res)
{
	ca_session_close(s);
	return cli_result(env, cmd, r, res);
}

int
cli_result(struct cli_env *env, const struct cli_cmd *cmd, int r, const struct ca_result *res)
{
	struct ca_result all = *res;

	if (r == CA_OK) {
		if (res->done[0] != '\0')
			printf("%s\n", res->done);
		return r;
	}
	ca_result_complete(&all, r);
	if (all.rule != NULL && (r == CA_ERR_DENIED || r == CA_ERR_STATE))
		fprintf(stderr, "carecard-ca: %s: refused by %s: %s\n", cmd->name, all.rule,
			all.text);
	else if (all.text[0] != '\0')
		fprintf(stderr, "carecard-ca: %s: %s\n", cmd->name, all.text);
	else
		return r;
	env->said = true;
	return r;
}

void
cli_verbose(void)
{
	setenv("CARECARD_LOG_STDERR", "1", 1);
}

int
cli_format(const struct cli_cmd *cmd, const char *arg, const char *allowed,
	   enum ca_report_format *out)
{
	if (ca_report_format_parse(arg, out) != CA_OK || strstr(allowed, arg) == NULL)
		return cli_usage(cmd, "--format is %s, not '%s'", allowed, arg);
	return CA_OK;
}

int
cli_number(const struct cli_cmd *cmd, const char *opt, const char *arg, long long max,
	   long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < 1 || v > max)
		return cli_usage(cmd, "bad %s '%s' (1-%lld)", opt, arg, max);
	*out = v;
	return CA_OK;
}

bool
cli_restricted(void)
{
	const char *by = getenv("SUDO_UID");

	/* sudo sets SUDO_UID (and resets the rest of the environment), so it
	 * cannot be forged through the sudo rule; an administrator (root)
	 * acting as the CA's account is not restricted. */
	return by != NULL && *by != '\0' && strcmp(by, "0") != 0;
}

/*
 * An input file, opened for the person at the keyboard: under sudo the
 * CA's account could read files that person cannot (the registry, the HSM
 * PIN), so only a file they own, or anyone may read, is accepted.
 */
static FILE *
input_open(const char *path)
{
	struct stat st;
	FILE *f;
	long by;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((f = fopen(path, "rb")) == NULL || !cli_restricted())
		return f;
	by = strtol(getenv("SUDO_UID"), NULL, 10);
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((long)st.st_uid != by && (st.st_mode & S_IROTH) == 0)) {
		fclose(f);
		errno = EACCES;
		return NULL;
	}
	return f;
}

FILE *
cli_open_input(const char *path)
{
	FILE *f = input_open(path);

	if (f == NULL)
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(errno));
	return f;
}

int
cli_read_input_max(const char *path, size_t max, unsigned char **out, size_t *len)
{
	FILE *f = cli_open_input(path);
	unsigned char *buf = NULL;
	size_t n;
	int c;

	if (f == NULL)
		return errno == ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_IO;
	if ((buf = malloc(max + 1)) == NULL) {
		if (f != stdin)
			fclose(f);
		return CA_ERR_ALLOC;
	}
	n = fread(buf, 1, max, f);
	c = n == max ? fgetc(f) : EOF;
	if (f != stdin)
		fclose(f);
	if (c != EOF) {
		fprintf(stderr, "carecard-ca: %s: larger than %zu bytes\n", path, max);
		free(buf);
		return CA_ERR_INPUT;
	}
	/* Kept at its own size: issue-certs holds thousands of requests, and a
	 * buffer of @max each is a mapping of its own for the allocator. */
	if ((*out = malloc(n + 1)) == NULL) {
		free(buf);
		return CA_ERR_ALLOC;
	}
	memcpy(*out, buf, n);
	free(buf);
	*len = n;
	return CA_OK;
}

int
cli_read_input(const char *path, unsigned char **out, size_t *len)
{
	return cli_read_input_max(path, 1 << 20, out, len);
}

int
cli_output_check(const struct cli_cmd *cmd, const char *opt, const char *path)
{
	if (!cli_restricted() || (path != NULL && strcmp(path, "-") == 0))
		return CA_OK;
	/* Written as the CA's account, a file could land on its registry. */
	fprintf(stderr, "carecard-ca: %s: through sudo the output goes to standard output "
		"(%s -): redirect it where you want it\n", cmd->name, opt);
	return CA_ERR_PERM;
}

int
cli_pem_out(const char *path, const char *label, const unsigned char *der, size_t len)
{
	BIO *b;
	int ok;

	if (strcmp(path, "-") != 0)
		return ca_pem_write(path, label, der, len);
	if ((b = BIO_new_fp(stdout, BIO_NOCLOSE)) == NULL)
		return CA_ERR_ALLOC;
	ok = PEM_write_bio(b, label, "", der, (long)len) > 0;
	BIO_free(b);
	return ok && fflush(stdout) == 0 ? CA_OK : CA_ERR_IO;
}

/* The state directory: --state, the environment, or XDG. (Who acts is never
 * a default: the CA library authenticates them.) */
static int
env_defaults(struct cli_env *env)
{
	const char *s = getenv("CARECARD_CA_STATE"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

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
		if (strcmp(o, "--verbose") == 0) {
			cli_verbose();
			(*argc)--;
			(*argv)++;
			continue;
		}
		if (strcmp(o, "--version") == 0) {
			printf("carecard-ca %s%s\n", PACKAGE_VERSION, cli_test_hooks_built() ?
			       " (test hooks compiled in: not for production)" : "");
			return CLI_HELP_SHOWN;
		}
		if (strcmp(o, "--state") != 0 || *argc < 3) {
			usage_all(stderr);
			return CA_ERR_USAGE;
		}
		env->state = (*argv)[2];
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
	/* Standard output carries the result, standard error one line per
	 * error or refusal (cli_result, which shows the library's own word
	 * when an operation failed without one). The log — every audited
	 * step, the card module's lines — goes to syslog and the audit log,
	 * and to the terminal only with --verbose (or CARECARD_LOG_STDERR=1). */
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
	if (cli_restricted() && (strcmp(cmd->name, "init") == 0 ||
				 strcmp(cmd->name, "backup") == 0 ||
				 strcmp(cmd->name, "restore") == 0)) {
		fprintf(stderr, "carecard-ca: %s: the CA's whole state (its HSM PINs too) is its "
			"administrator's, not for the RA staff's sudo rule\n", cmd->name);
		return exit_status(CA_ERR_PERM);
	}
	r = cmd->run(argc - 1, argv + 1, &env);
	if (r == CLI_HELP_SHOWN)
		r = CA_OK;
	if (r < 0)
		exit_report(&env, cmd, r);
	cli_pins_clear(&env.pins);
	free(env.state_buf);
	return exit_status(r);
}

int
cli_env_finish(struct cli_env *env)
{
	return env_defaults(env);
}
