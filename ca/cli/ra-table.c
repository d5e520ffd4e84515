/*
 * ca/cli-ra-table.c: the registration-authority commands (registration,
 * positions, Temporary Access Cards, reports, batch import, scheduled CRLs).
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"

const struct cli_cmd cli_ra_commands[] = {
	{ "register", cli_ra_register, "record a sponsor's request for a new holder's card",
	  "--uuid UUID --name NAME [--email E] [--mobile M]\n"
	  "       --sponsor UUID --position ROLE@ODS " CLI_OPERATOR_USAGE },
	{ "verify-identity", cli_ra_verify_identity,
	  "record the RA agent's identity check of a request",
	  "--request ID --documents DOC,DOC,DOC " CLI_OPERATOR_USAGE "\n"
	  "       DOC: passport driving-licence national-id residence-permit\n"
	  "       birth-certificate marriage-certificate utility-bill bank-statement\n"
	  "       council-tax mortgage-statement tenancy-agreement payslip p60 nhs-letter" },
	{ "org-add", cli_ra_org_add, "register an organisation (ODS code)",
	  "--ods CODE --name NAME [--locum] " CLI_OPERATOR_USAGE },
	{ "position-add", cli_ra_position_add, "grant a holder a position (role at an ODS)",
	  "--holder UUID --role ROLE --ods CODE " CLI_OPERATOR_USAGE },
	{ "position-remove", cli_ra_position_remove, "remove a holder's position",
	  "--holder UUID --role ROLE --ods CODE " CLI_OPERATOR_USAGE },
	{ "ods-change", cli_ra_ods_change, "move a whole organisation to a new ODS code",
	  "--from OLD --to NEW " CLI_OPERATOR_USAGE },
	{ "tac-add", cli_ra_tac_add, "add a blank Temporary Access Card to an organisation's pool",
	  "--serial SERIAL --custodian UUID --positions ROLE@ODS[,ROLE@ODS...]\n"
	  "       " CLI_OPERATOR_USAGE },
	{ "tac-list", cli_ra_tac_list, "list the Temporary Access Card pool or its uses",
	  "[--uses] [--format table|csv|json] [" CLI_OPERATOR_USAGE "]" },
	{ "tac-use", cli_ra_tac_use, "custodian: record who used a Temporary Access Card",
	  "--serial SERIAL --holder UUID --note TEXT " CLI_OPERATOR_USAGE },
	{ "report", cli_ra_report, "RA reports from the registry and the policy",
	  "expiring [--days N] | locked | renewal-limit | users-per-org\n"
	  "       [--format table|csv|json] [" CLI_OPERATOR_USAGE "]\n"
	  "       --days: default the policy's renewal.window (NHS: 90)\n"
	  "       without an operator card: the CA's own account (timers)" },
	{ "crl-publish", cli_ra_crl_publish,
	  "write the CAs' CRLs into a web server's directory (for a timer)",
	  "--dir DIR [--if-due | --delta] [--next-update DAYS]\n"
	  "       nextUpdate and the schedule (--if-due) come from the policy's crl section" },
	{ "policy-install", cli_policy_install,
	  "RA manager: replace the CA's policy (audited with both hashes)",
	  "FILE|- " CLI_OPERATOR_USAGE "\n"
	  "       check the file first with carecard-policy check FILE" },
	{ "batch", cli_ra_batch,
	  "RA manager: add, update and remove people and positions from CSV, all or nothing",
	  "import FILE.csv " CLI_OPERATOR_USAGE "\n"
	  "       | import FILE.csv --dry-run   (the exact changes; no operator card)\n"
	  "       columns: uuid,name,role,ods (required), email,mobile,action,reason\n"
	  "       action: add (default), update (name with a reason, email, mobile), remove" },
	{ NULL, NULL, NULL, NULL },
};
