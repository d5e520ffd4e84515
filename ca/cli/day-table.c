/*
 * ca/cli/day-table.c: the RA desk's commands around the card operations —
 * finding and changing people, registration requests, RA roles, holds —
 * listed in carecard-ca --help after the registration-authority ones.
 * Implemented in day.c; see carecard-ca-<command>(1).
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"

const struct cli_cmd cli_day_commands[] = {
	{ "person", cli_person, "find people, show one's record and history, change their details",
	  "search [--name TEXT] [--uuid DIGITS] [--card SERIAL] [--cert HEX]\n"
	  "              [--ods CODE] [--role ROLE] [--limit N] [--format table|csv|json]\n"
	  "       | show UUID [--limit N] [--format table|json]   (--limit: history entries)\n"
	  "       | update UUID [--name NAME --reason TEXT] [--email EMAIL] [--mobile NUMBER]\n"
	  "       [" CLI_OPERATOR_USAGE "]   (search, show: without a card, the CA's own account)" },
	{ "request", cli_request, "list, show, approve or reject registration requests",
	  "list [--status sponsored|verified|rejected|all] [--format table|csv|json]\n"
	  "       | show ID [--format table|json]\n"
	  "       | approve ID --documents DOC,DOC,DOC   (an RA agent, not the sponsor)\n"
	  "       | reject ID --reason TEXT   (an RA agent, or the sponsor withdrawing it)\n"
	  "       [" CLI_OPERATOR_USAGE "]   (list, show: without a card, the CA's own account)" },
	{ "ra-role", cli_ra_role, "RA manager: grant or revoke an RA role",
	  "grant UUID ROLE | revoke UUID ROLE   " CLI_OPERATOR_USAGE "\n"
	  "       ROLE: ra-manager, ra-agent, sponsor, lsa" },
	{ "hold", cli_hold, "put a certificate on hold (certificateHold; release ends it)",
	  "--serial HEX [--note TEXT] " CLI_OPERATOR_USAGE },
	{ "release", cli_release, "release a certificate from hold: valid again",
	  "--serial HEX [--note TEXT] " CLI_OPERATOR_USAGE },
	{ NULL, NULL, NULL, NULL },
};
