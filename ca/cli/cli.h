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

struct ca_ctx;

struct cli_env {
	const char *state;	/* --state, CARECARD_CA_STATE or the XDG default */
	const char *actor;	/* --actor or CARECARD_CA_ACTOR, for the audit log */
	char *state_buf;	/* owned default */
	char actor_buf[48];
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
	CLI_OPT_ACTOR,
	CLI_OPT_HELP,
};

#define CLI_COMMON_OPTIONS \
	{ "state", required_argument, NULL, CLI_OPT_STATE }, \
	{ "actor", required_argument, NULL, CLI_OPT_ACTOR }, \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

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

/* A usage error unless @reader (--operator-reader) is set: every command
 * that authenticates an operator says so in the same words. */
int cli_need_operator(const struct cli_cmd *cmd, unsigned reader);

/*
 * Fill in @env's defaults and open the CA: registry only, or with the HSM
 * when @hsm. The audit actor is @env's.
 */
int cli_ctx_open(struct cli_env *env, bool hsm, struct ca_ctx **out);

/* Usage error: message to stderr, CA_ERR_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const struct cli_cmd *cli_cmd_find(const char *name);

/* After a command's options: fill in the default state dir and actor. */
int cli_env_finish(struct cli_env *env);

/* Read a whole file ("-" = stdin) into a new buffer (max 1 MiB). */
int cli_read_input(const char *path, unsigned char **out, size_t *len);

/* Command groups defined in their own files; each ends with { NULL }. */
extern const struct cli_cmd cli_card_commands[];	/* cli-card-table.c */
extern const struct cli_cmd cli_ra_commands[];		/* cli-ra-table.c */

int cli_init(int argc, char **argv, struct cli_env *env);
int cli_person_add(int argc, char **argv, struct cli_env *env);
int cli_card_add(int argc, char **argv, struct cli_env *env);
int cli_issue_cert(int argc, char **argv, struct cli_env *env);
int cli_issue_certs(int argc, char **argv, struct cli_env *env);
int cli_revoke(int argc, char **argv, struct cli_env *env);
int cli_crl(int argc, char **argv, struct cli_env *env);
int cli_audit(int argc, char **argv, struct cli_env *env);
int cli_serve(int argc, char **argv, struct cli_env *env);	/* ca/service/serve.c */

#endif
