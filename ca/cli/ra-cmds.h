/*
 * ca/cli-ra-cmds: entry points of the registration-authority commands,
 * listed in cli-ra-table.c. Each parses its own options (argv[0] is the
 * command name) and returns CA_OK or a CA_ERR_* code.
 */
#ifndef CC_CA_CLI_RA_CMDS_H
#define CC_CA_CLI_RA_CMDS_H

struct cli_env;

int cli_ra_register(int argc, char **argv, struct cli_env *env);
int cli_ra_verify_identity(int argc, char **argv, struct cli_env *env);
int cli_ra_org_add(int argc, char **argv, struct cli_env *env);
int cli_ra_position_add(int argc, char **argv, struct cli_env *env);
int cli_ra_position_remove(int argc, char **argv, struct cli_env *env);
int cli_ra_ods_change(int argc, char **argv, struct cli_env *env);
int cli_ra_tac_add(int argc, char **argv, struct cli_env *env);
int cli_ra_tac_list(int argc, char **argv, struct cli_env *env);
int cli_ra_tac_use(int argc, char **argv, struct cli_env *env);
int cli_ra_report(int argc, char **argv, struct cli_env *env);
int cli_ra_crl_publish(int argc, char **argv, struct cli_env *env);
int cli_ra_batch(int argc, char **argv, struct cli_env *env);

#endif
