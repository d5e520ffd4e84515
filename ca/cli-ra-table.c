/*
 * ca/cli-ra-table.c: the registration-authority commands (registration,
 * positions, Temporary Access Cards, reports, batch import, scheduled CRLs).
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli.h"
#include "ca/cli-ra.h"
#include "ca/cli-ra-cmds.h"

const struct cli_cmd cli_ra_commands[] = {
	{ "register", cli_ra_register, "record a sponsor's request for a new holder's card",
	  "--uuid UUID --name NAME [--email E] [--mobile M]\n"
	  "       --sponsor UUID --position ROLE@ODS " RA_OPERATOR_USAGE },
	{ "verify-identity", cli_ra_verify_identity,
	  "record the RA agent's identity check of a request",
	  "--request ID --documents DOC,DOC,DOC " RA_OPERATOR_USAGE "\n"
	  "       DOC: passport driving-licence national-id residence-permit\n"
	  "       birth-certificate marriage-certificate utility-bill bank-statement\n"
	  "       council-tax mortgage-statement tenancy-agreement payslip p60 nhs-letter" },
	{ "org-add", cli_ra_org_add, "register an organisation (ODS code)",
	  "--ods CODE --name NAME [--locum] " RA_OPERATOR_USAGE },
	{ "position-add", cli_ra_position_add, "grant a holder a position (role at an ODS)",
	  "--holder UUID --role ROLE --ods CODE " RA_OPERATOR_USAGE },
	{ "position-remove", cli_ra_position_remove, "remove a holder's position",
	  "--holder UUID --role ROLE --ods CODE " RA_OPERATOR_USAGE },
	{ "ods-change", cli_ra_ods_change, "move a whole organisation to a new ODS code",
	  "--from OLD --to NEW " RA_OPERATOR_USAGE },
	{ NULL, NULL, NULL, NULL },
};
