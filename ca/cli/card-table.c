/*
 * ca/cli-card-table.c: the card operations' commands (issue, renew, repair,
 * cancel, unlock, TAC), listed in carecard-ca --help after the foundation
 * ones. Implemented in cli-card.c; see carecard-ca-<command>(1).
 */
#include "config.h"

#include <stddef.h>

#include "ca/cli/card.h"

#define CARD_COMMON "[--org ODS]"

const struct cli_cmd cli_card_commands[] = {
	{ "issue-card", cli_issue_card, "personalise a blank card for a holder",
	  "--holder UUID --reader N --operator-reader M [--locked]\n"
	  "       | --bootstrap --holder UUID --reader N\n       " CARD_COMMON },
	{ "cancel-card", cli_cancel_card, "cancel a card and revoke its certificates",
	  "--card SERIAL --reason lost|stolen|damaged|leaver|death --operator-reader M\n"
	  "       " CARD_COMMON },
	{ "unlock", cli_unlock, "unlock a locked card; the holder sets a new passcode",
	  "--reader N --operator-reader M " CARD_COMMON },
	{ "passcode-reset", cli_passcode_reset,
	  "a new passcode for a holder who forgot theirs (locked or not)",
	  "--reader N --operator-reader M " CARD_COMMON "\n"
	  "       the same people as unlock; the holder present types the new passcode" },
	{ "renew", cli_renew, "renew a card's certificates with the holder present (RA-assisted)",
	  "--reader N --operator-reader M " CARD_COMMON },
	{ "self-renew", cli_self_renew, "the holder renews their own card in the renewal window",
	  "--reader N   (the holder's own card and passcode; no operator)" },
	{ "repair", cli_repair, "new key pairs and certificates (also after expiry)",
	  "--reader N --operator-reader M [--locked] " CARD_COMMON },
	{ "tac-activate", cli_tac_activate, "activate a Temporary Access Card for a holder",
	  "--holder UUID --reader N --operator-reader M --period 7d --reason TEXT\n"
	  "       " CARD_COMMON },
	{ "tac-restore", cli_tac_restore, "revoke and wipe a TAC back to blank",
	  "--reader N --operator-reader M " CARD_COMMON },
	{ NULL, NULL, NULL, NULL },
};
