/*
 * ca/cli-ra-table.c: the registration-authority commands (registration,
 * positions, Temporary Access Cards, reports, batch import, scheduled CRLs).
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli.h"

const struct cli_cmd cli_ra_commands[] = {
	{ NULL, NULL, NULL, NULL },
};
