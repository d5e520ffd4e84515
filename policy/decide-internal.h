/* Helpers shared by the decision files. Internal to policy/. */
#ifndef CC_POLICY_DECIDE_INTERNAL_H
#define CC_POLICY_DECIDE_INTERNAL_H

#include "policy/decide.h"

/* "2026-11-21", or with the time of day when it is not midnight UTC. */
const char *pol_date(int64_t t, char *buf, size_t len);

/* "an RA agent, a sponsor or a pharmacist" (@article) or "RA agent, sponsor or pharmacist". */
const char *pol_roles_text(unsigned roles, bool article, char *buf, size_t len);

/* Does the holder have a position at @org? */
bool pol_holder_at(const struct pol_card_state *card, const char *org);

/* The retired-series prefix @serial starts with, or NULL. */
const char *pol_retired_series(const struct pol_policy *pol, const char *serial);

/* Retired series, card lifetime or (when @count_renewals) max-renewals: fills @out. */
bool pol_new_card_needed(const struct pol_policy *pol, const struct pol_card_state *card,
			 int64_t now, bool count_renewals, struct pol_decision *out);

#endif
