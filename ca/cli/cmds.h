/*
 * ca/cli/cmds: entry points of the commands listed in cli.c and the
 * group tables (card-table.c, ra-table.c). Each parses its own options
 * (argv[0] is the command name), calls one CA library operation and
 * shows its result; returns CA_OK or a CA_ERR_* code.
 */
#ifndef CC_CA_CLI_CMDS_H
#define CC_CA_CLI_CMDS_H

struct cli_env;

/* people.c */
int cli_person_add(int argc, char **argv, struct cli_env *env);
int cli_card_add(int argc, char **argv, struct cli_env *env);
int cli_ra_register(int argc, char **argv, struct cli_env *env);
int cli_ra_verify_identity(int argc, char **argv, struct cli_env *env);
int cli_policy_install(int argc, char **argv, struct cli_env *env);
/* org.c */
int cli_ra_org_add(int argc, char **argv, struct cli_env *env);
int cli_ra_position_add(int argc, char **argv, struct cli_env *env);
int cli_ra_position_remove(int argc, char **argv, struct cli_env *env);
int cli_ra_ods_change(int argc, char **argv, struct cli_env *env);
/* tac.c */
int cli_ra_tac_add(int argc, char **argv, struct cli_env *env);
int cli_ra_tac_list(int argc, char **argv, struct cli_env *env);
int cli_ra_tac_use(int argc, char **argv, struct cli_env *env);
/* report.c */
int cli_ra_report(int argc, char **argv, struct cli_env *env);
int cli_ra_crl_publish(int argc, char **argv, struct cli_env *env);
int cli_ra_batch(int argc, char **argv, struct cli_env *env);
/* day.c */
int cli_person(int argc, char **argv, struct cli_env *env);
int cli_request(int argc, char **argv, struct cli_env *env);
int cli_ra_role(int argc, char **argv, struct cli_env *env);
int cli_hold(int argc, char **argv, struct cli_env *env);
int cli_release(int argc, char **argv, struct cli_env *env);

#endif
