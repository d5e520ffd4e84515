/*
 * ca/cli-card: the card operations' commands (cli-card.c), listed by
 * cli-card-table.c.
 */
#ifndef CC_CA_CLI_CARD_H
#define CC_CA_CLI_CARD_H

#include "ca/cli/cli.h"

int cli_issue_card(int argc, char **argv, struct cli_env *env);
int cli_repair(int argc, char **argv, struct cli_env *env);
int cli_cancel_card(int argc, char **argv, struct cli_env *env);
int cli_unlock(int argc, char **argv, struct cli_env *env);
int cli_passcode_reset(int argc, char **argv, struct cli_env *env);
int cli_renew(int argc, char **argv, struct cli_env *env);
int cli_self_renew(int argc, char **argv, struct cli_env *env);
int cli_tac_activate(int argc, char **argv, struct cli_env *env);
int cli_tac_restore(int argc, char **argv, struct cli_env *env);

#endif
