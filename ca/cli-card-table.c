/*
 * ca/cli-card-table.c: the card operations' commands (issue, renew, repair,
 * cancel, unlock), listed in carecard-ca --help after the foundation ones.
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli.h"

const struct cli_cmd cli_card_commands[] = {
	{ NULL, NULL, NULL, NULL },
};
