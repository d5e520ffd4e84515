/*
 * ca/cli: the carecard-ca command line. cli.c holds main(), the command
 * table and the one table mapping CA_ERR_* codes to exit statuses; each
 * cli-*.c file implements a group of commands.
 */
#ifndef CC_CA_CLI_H
#define CC_CA_CLI_H

#include <getopt.h>
#include <stddef.h>

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
int cli_revoke(int argc, char **argv, struct cli_env *env);
int cli_crl(int argc, char **argv, struct cli_env *env);
int cli_audit(int argc, char **argv, struct cli_env *env);

#endif
