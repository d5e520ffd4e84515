/*
 * ca/cli: the carecard-ca command line. cli.c holds main(), the command
 * table and the one table mapping CA_ERR_* codes to exit statuses; each
 * cli-*.c file implements a group of commands.
 */
#ifndef CC_CA_CLI_H
#define CC_CA_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ca/cli/pin.h"
#include "ca/ra/report.h"
#include "ca/ra/session.h"

struct ca_ctx;

struct cli_env {
	const char *state;	/* --state, CARECARD_CA_STATE or the XDG default */
	char *state_buf;	/* owned default */
	struct cli_pins pins;	/* secrets given during this run */
	bool said;		/* the command printed its error in full */
};

/* Who a command acts as: the CA library authenticates them (ra/session.h). */
enum cli_auth {
	CLI_AUTH_NONE,		/* nobody yet (the command authenticates itself) */
	CLI_AUTH_OPERATOR,	/* an RA operator: --operator-reader N [--org ODS] */
	CLI_AUTH_HOLDER,	/* a card's holder: the card in --reader N */
	CLI_AUTH_SYSTEM,	/* the CA's own system account (timers, reports) */
};

struct cli_who {
	enum cli_auth auth;
	unsigned reader;	/* --operator-reader (operator) or --reader (holder) */
	const char *org;	/* --org: the operator's position acted in */
};

/* A command: parses its own options from argv[0..argc-1] (argv[0] is the
 * command name) and returns CA_OK or a CA_ERR_* code. */
struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_env *env);
	const char *summary;
	const char *usage;	/* option synopsis for --help */
};

/* The option ids every command accepts besides its own. */
enum {
	CLI_OPT_STATE = 0x1000,
	CLI_OPT_HELP,
	CLI_OPT_OPERATOR_READER,
	CLI_OPT_ORG,
	CLI_OPT_VERBOSE,
};

#define CLI_COMMON_OPTIONS \
	{ "state", required_argument, NULL, CLI_OPT_STATE }, \
	{ "verbose", no_argument, NULL, CLI_OPT_VERBOSE }, \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

/* The options of every command an RA operator runs with their own card. */
#define CLI_OPERATOR_OPTIONS \
	{ "operator-reader", required_argument, NULL, CLI_OPT_OPERATOR_READER }, \
	{ "org", required_argument, NULL, CLI_OPT_ORG }

#define CLI_OPERATOR_USAGE "--operator-reader N [--org ODS]"

/*
 * Handle a common option @c. Returns 1 if handled, 0 if not a common
 * option, or a CA_ERR_* (negative) code; --help prints @cmd's usage and
 * returns CLI_HELP_SHOWN.
 */
#define CLI_HELP_SHOWN 2
int cli_common_opt(int c, const char *arg, const struct cli_cmd *cmd, struct cli_env *env);

/*
 * A command's option loop, the same for every command:
 *
 *	cli_args_start(&g, argc, argv, cmd, env, opts);
 *	while (cli_args_next(&g, &c))
 *		switch (c) { ... own options ... }
 *	if ((r = cli_args_end(&g)) != CA_OK)
 *		return r;
 *
 * @opts lists CLI_COMMON_OPTIONS and the command's own, ending in a NULL
 * name; the common ones are handled inside cli_args_next().
 */
struct cli_args {
	int argc;
	char **argv;
	const struct cli_cmd *cmd;
	struct cli_env *env;
	const struct option *opts;
	int r;		/* CA_OK, or what the command returns: a usage error or
			 * CLI_HELP_SHOWN */
	struct cli_who who;	/* --operator-reader, --org (CLI_OPERATOR_OPTIONS) */
};

void cli_args_start(struct cli_args *g, int argc, char **argv, const struct cli_cmd *cmd,
		    struct cli_env *env, const struct option *opts);

/* The next option that is the command's own into *c (its argument in
 * optarg); false at the end of the options or when g->r says to stop. */
bool cli_args_next(struct cli_args *g, int *c);

/* After the loop: g->r, or a usage error if operands follow the options. */
int cli_args_end(struct cli_args *g);

/* The operands after the options: *first gets the first; returns how many. */
int cli_args_operands(const struct cli_args *g, char ***first);

/*
 * Required options: (name, value) pairs ending in a NULL name. CA_OK if
 * every value is set, else the one usage error naming them all:
 * "--a, --b and --c are required".
 */
int cli_require(const struct cli_cmd *cmd, ...);

/*
 * Open the CA (with its HSM when @hsm) as the library's front end and
 * authenticate @who. Prints why not, and returns the CA_ERR_* code.
 */
int cli_session(struct cli_env *env, const struct cli_cmd *cmd, bool hsm,
		const struct cli_who *who, struct ca_session **out);

/*
 * Show an operation's result: the done line on stdout, or on stderr one
 * line: the refusal ("carecard-ca: CMD: refused by RULE: SENTENCE", for a
 * rule or a state) or the error (the library's last word on it when the
 * operation said nothing). Returns @r.
 */
int cli_result(struct cli_env *env, const struct cli_cmd *cmd, int r,
	       const struct ca_result *res);

/* cli_result(), after closing the session @s. */
int cli_finish(struct cli_env *env, const struct cli_cmd *cmd, struct ca_session *s, int r,
	       const struct ca_result *res);

/* Usage error: message to stderr, CA_ERR_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const struct cli_cmd *cli_cmd_find(const char *name);

/* --verbose: the log on standard error as well (CARECARD_LOG_STDERR=1). */
void cli_verbose(void);

/* After a command's options: fill in the default state directory. */
int cli_env_finish(struct cli_env *env);

/*
 * Run by RA staff through the documented sudo rule (as the CA's account,
 * invoked by someone else)? Then input files must be the invoker's own or
 * world-readable, outputs go to standard output, and init is refused.
 */
bool cli_restricted(void);

/* Read a whole file ("-" = stdin) into a new buffer (max 1 MiB / @max). */
int cli_read_input(const char *path, unsigned char **out, size_t *len);
int cli_read_input_max(const char *path, size_t max, unsigned char **out, size_t *len);

/* An input file to read line by line ("-" = stdin); NULL with a message. */
FILE *cli_open_input(const char *path);

/* CA_OK unless restricted and @path (the value of option @opt) is not "-". */
int cli_output_check(const struct cli_cmd *cmd, const char *opt, const char *path);

/* PEM of @der to @path atomically, or to standard output for "-". */
int cli_pem_out(const char *path, const char *label, const unsigned char *der, size_t len);

/* Command groups defined in their own files; each ends with { NULL }. */
extern const struct cli_cmd cli_card_commands[];	/* cli-card-table.c */
extern const struct cli_cmd cli_ra_commands[];		/* cli-ra-table.c */
extern const struct cli_cmd cli_day_commands[];		/* day-table.c */

/* Parse a --format value or fail with a usage error naming @allowed. */
int cli_format(const struct cli_cmd *cmd, const char *arg, const char *allowed,
	       enum ca_report_format *out);

/* A positive number for option @opt (1..@max), or a usage error. */
int cli_number(const struct cli_cmd *cmd, const char *opt, const char *arg, long long max,
	       long long *out);

int cli_init(int argc, char **argv, struct cli_env *env);
int cli_issue_cert(int argc, char **argv, struct cli_env *env);
int cli_issue_certs(int argc, char **argv, struct cli_env *env);
int cli_revoke(int argc, char **argv, struct cli_env *env);
int cli_crl(int argc, char **argv, struct cli_env *env);
int cli_audit(int argc, char **argv, struct cli_env *env);
int cli_recover(int argc, char **argv, struct cli_env *env);
int cli_migrate(int argc, char **argv, struct cli_env *env);
int cli_ca_rollover(int argc, char **argv, struct cli_env *env);
int cli_backup(int argc, char **argv, struct cli_env *env);	/* backup.c */
int cli_restore(int argc, char **argv, struct cli_env *env);
int cli_serve(int argc, char **argv, struct cli_env *env);	/* ca/service/serve.c */

#endif
