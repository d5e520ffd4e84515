/*
 * Lifecycle decisions (decide.h). Pure: no I/O, no clock, no allocation;
 * the time is an argument. Each function checks its rules in a fixed
 * order, and the first rule that refuses decides, so the sentence always
 * names the most fundamental obstacle first (a retired card before an
 * unopened renewal window).
 */
#include "config.h"

#include "policy/decide.h"
#include "policy/decide-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
pol_say(struct pol_decision *out, bool allow, const char *rule, const char *fmt, ...)
{
	va_list ap;

	out->allow = allow;
	out->rule = rule;
	va_start(ap, fmt);
	vsnprintf(out->sentence, sizeof(out->sentence), fmt, ap);
	va_end(ap);
}

const char *
pol_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "(invalid date)");
		return buf;
	}
	if (tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0)
		strftime(buf, len, "%Y-%m-%d", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/* How sentences name each role, with its article ("an RA agent"). */
static const struct {
	unsigned role;
	const char *article, *name;
} role_words[] = {
	{ POL_ROLE_RA_AGENT, "an", "RA agent" },
	{ POL_ROLE_RA_MANAGER, "an", "RA manager" },
	{ POL_ROLE_SPONSOR, "a", "sponsor" },
	{ POL_ROLE_LSA, "an", "LSA" },
	{ POL_ROLE_PHARMACIST, "a", "pharmacist" },
};

#define NROLE_WORDS (sizeof(role_words) / sizeof(role_words[0]))

const char *
pol_roles_text(unsigned roles, bool article, char *buf, size_t len)
{
	unsigned left = roles & (POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER | POL_ROLE_SPONSOR |
				 POL_ROLE_LSA | POL_ROLE_PHARMACIST);
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NROLE_WORDS && left != 0 && used < len; i++) {
		if (!(left & role_words[i].role))
			continue;
		left &= ~role_words[i].role;
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s",
					 used == 0 ? "" : left == 0 ? " or " : ", ",
					 article ? role_words[i].article : "",
					 article ? " " : "", role_words[i].name);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "nobody");
	return buf;
}

bool
pol_holder_at(const struct pol_card_state *card, const char *org)
{
	unsigned i;

	if (org == NULL)
		return false;
	for (i = 0; i < card->norgs && i < POL_HOLDER_ORGS_MAX; i++)
		if (card->orgs[i] != NULL && strcmp(card->orgs[i], org) == 0)
			return true;
	return false;
}

static bool
same_person(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

const char *
pol_retired_series(const struct pol_policy *pol, const char *serial)
{
	unsigned i;

	if (serial == NULL)
		return NULL;
	for (i = 0; i < pol->card.retired_series.n; i++) {
		const char *p = pol->card.retired_series.item[i];

		if (strncmp(serial, p, strlen(p)) == 0)
			return p;
	}
	return NULL;
}

bool
pol_new_card_needed(const struct pol_policy *pol, const struct pol_card_state *card,
		    int64_t now, bool count_renewals, struct pol_decision *out)
{
	const char *series = pol_retired_series(pol, card->serial);
	char d[40];

	if (series != NULL) {
		pol_say(out, false, "card.retired-series",
			"cards of series %s can be neither renewed nor unlocked: ask your RA for a new card",
			series);
		return true;
	}
	if (pol->card.lifetime != 0 && card->card_issued_at != 0 &&
	    now >= card->card_issued_at + pol->card.lifetime) {
		pol_say(out, false, "card.lifetime",
			"the card reached the end of its life on %s: ask your RA for a new card",
			pol_date(card->card_issued_at + pol->card.lifetime, d, sizeof(d)));
		return true;
	}
	if (count_renewals && pol->renewal.max_renewals != 0 &&
	    card->renewals >= pol->renewal.max_renewals) {
		pol_say(out, false, "renewal.max-renewals",
			"this card has been renewed %u times, the most allowed: ask your RA for a new card",
			card->renewals);
		return true;
	}
	return false;
}

/*
 * May @actor perform an RA operation open to @allowed roles on @card?
 * Checks the role, the own-card rule, then locum and organisation limits
 * for roles bound to an organisation. Fills @out and returns false if not.
 */
bool
pol_actor_may(const struct pol_policy *pol, const struct pol_card_state *card,
	      const struct pol_actor *actor, unsigned allowed, const char *rule,
	      const char *what, struct pol_decision *out)
{
	const struct pol_duties *du = &pol->duties;
	char who[96];
	unsigned acting;

	if (actor == NULL || (acting = actor->roles & allowed) == 0) {
		pol_say(out, false, rule, "only %s may %s: ask one of them",
			pol_roles_text(allowed, true, who, sizeof(who)), what);
		return false;
	}
	if (!du->own_card && same_person(actor->person_id, card->holder_id)) {
		pol_say(out, false, "separation-of-duties.own-card",
			"nobody may %s for themselves: ask another %s", what,
			pol_roles_text(allowed, false, who, sizeof(who)));
		return false;
	}
	if ((acting & ~du->same_organisation) != 0)
		return true;	/* acts for any organisation, e.g. an RA agent */
	if (actor->locum && !du->locum_may_act) {
		pol_say(out, false, "separation-of-duties.locum-may-act",
			"a locum position may not %s: ask %s at the holder's organisation", what,
			pol_roles_text(allowed, true, who, sizeof(who)));
		return false;
	}
	if (!pol_holder_at(card, actor->org)) {
		pol_say(out, false, "separation-of-duties.same-organisation",
			"%s at %s may %s only for holders at %s: ask someone at the holder's organisation, or an RA agent",
			pol_roles_text(acting, true, who, sizeof(who)),
			actor->org != NULL ? actor->org : "no organisation", what,
			actor->org != NULL ? actor->org : "their organisation");
		return false;
	}
	return true;
}

void
pol_decide_self_renew(const struct pol_policy *pol, const struct pol_card_state *card,
		      int64_t now, struct pol_decision *out)
{
	const struct pol_renewal *rn = &pol->renewal;
	char d1[40], d2[40], w[32];

	pol_duration_format(rn->window, w, sizeof(w));
	if (pol_new_card_needed(pol, card, now, true, out))
		return;
	if (card->cert_not_after == 0) {
		pol_say(out, false, "renewal.self-renew-after-expiry",
			"the card holds no certificate to renew: ask your RA to repair the card");
		return;
	}
	if (now > card->cert_not_after && !rn->self_renew_after_expiry) {
		pol_say(out, false, "renewal.self-renew-after-expiry",
			"the certificate expired on %s and cannot be self-renewed after expiry: ask your RA to repair the card",
			pol_date(card->cert_not_after, d1, sizeof(d1)));
		return;
	}
	if (card->self_renewals >= rn->self_renewals_before_ra) {
		if (rn->self_renewals_before_ra == 0)
			pol_say(out, false, "renewal.self-renewals-before-ra",
				"this policy allows no self-renewal: renew with your RA (assisted renewal)");
		else
			pol_say(out, false, "renewal.self-renewals-before-ra",
				"you have renewed %u times in a row yourself, the most allowed: this renewal must be done with your RA (assisted renewal)",
				card->self_renewals);
		return;
	}
	if (card->cert_not_after - now > rn->window) {
		pol_say(out, false, "renewal.window",
			"renewal opens on %s (%s before the certificate expires on %s): renew then",
			pol_date(card->cert_not_after - rn->window, d1, sizeof(d1)), w,
			pol_date(card->cert_not_after, d2, sizeof(d2)));
		return;
	}
	pol_say(out, true, "renewal.window",
		"the certificate expires on %s and the %s renewal window is open: you may renew it yourself (self-renewal %u of %u%s)",
		pol_date(card->cert_not_after, d1, sizeof(d1)), w, card->self_renewals + 1,
		rn->self_renewals_before_ra,
		card->self_renewals + 1 == rn->self_renewals_before_ra ?
			"; the next renewal will need your RA" : "");
}

void
pol_decide_assisted_renew(const struct pol_policy *pol, const struct pol_card_state *card,
			  const struct pol_actor *actor, int64_t now, struct pol_decision *out)
{
	const struct pol_renewal *rn = &pol->renewal;
	char d1[40], d2[40], w[32];

	pol_duration_format(rn->window, w, sizeof(w));
	if (!pol_actor_may(pol, card, actor, pol->duties.renew,
			   "separation-of-duties.operations.renew", "renew a card", out))
		return;
	if (pol_new_card_needed(pol, card, now, true, out))
		return;
	if (card->cert_not_after == 0 || now > card->cert_not_after) {
		pol_say(out, false, "renewal.self-renew-after-expiry",
			"the certificate has expired, so it cannot be renewed: repair the card instead");
		return;
	}
	if (card->cert_not_after - now > rn->window) {
		pol_say(out, false, "renewal.window",
			"renewal opens on %s (%s before the certificate expires on %s): renew then",
			pol_date(card->cert_not_after - rn->window, d1, sizeof(d1)), w,
			pol_date(card->cert_not_after, d2, sizeof(d2)));
		return;
	}
	pol_say(out, true, "separation-of-duties.operations.renew",
		"the renewal window is open (expiry %s): you may renew the card with the holder present; this resets the self-renewal count",
		pol_date(card->cert_not_after, d1, sizeof(d1)));
}

void
pol_decide_repair(const struct pol_policy *pol, const struct pol_card_state *card,
		  const struct pol_actor *actor, int64_t now, struct pol_decision *out)
{
	char d[40];

	if (!pol_actor_may(pol, card, actor, pol->duties.repair,
			   "separation-of-duties.operations.repair", "repair a card", out))
		return;
	if (pol_new_card_needed(pol, card, now, false, out))
		return;
	if (card->cert_not_after != 0 && now > card->cert_not_after)
		pol_say(out, true, "separation-of-duties.operations.repair",
			"the certificate expired on %s: you may repair the card (new certificates; the holder sets a new passcode)",
			pol_date(card->cert_not_after, d, sizeof(d)));
	else
		pol_say(out, true, "separation-of-duties.operations.repair",
			"you may repair the card (new certificates; the holder sets a new passcode)");
}

void
pol_decide_passcode(const struct pol_policy *pol, size_t len, struct pol_decision *out)
{
	const struct pol_passcode *pc = &pol->passcode;

	if (len < pc->min_length)
		pol_say(out, false, "passcode.min-length",
			"a passcode of %zu characters is too short: choose %u to %u characters", len,
			pc->min_length, pc->max_length);
	else if (len > pc->max_length)
		pol_say(out, false, "passcode.max-length",
			"a passcode of %zu characters is too long: choose %u to %u characters", len,
			pc->min_length, pc->max_length);
	else
		pol_say(out, true, "passcode.min-length",
			"a passcode of %zu characters is acceptable (%u to %u)", len, pc->min_length,
			pc->max_length);
}
