/*
 * "What is due" for a card on a date: the renewal window, expiry, the
 * passcode's age, a needed replacement, a lock. Pure, like decide.c.
 */
#include "config.h"

#include "policy/decide.h"
#include "policy/decide-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void __attribute__((format(printf, 4, 5)))
add(struct pol_due *due, unsigned what, const char *rule, const char *fmt, ...)
{
	struct pol_due_item *it;
	va_list ap;

	if (due->n == POL_DUE_MAX)
		return;
	it = &due->item[due->n++];
	due->what |= what;
	it->what = what;
	it->rule = rule;
	va_start(ap, fmt);
	vsnprintf(it->sentence, sizeof(it->sentence), fmt, ap);
	va_end(ap);
}

static void
due_certificate(const struct pol_policy *pol, const struct pol_card_state *card, int64_t now,
		struct pol_due *due)
{
	struct pol_decision d;
	char d1[40], d2[40];
	bool window;

	if (card->cert_not_after == 0)
		return;
	window = card->cert_not_after - now <= pol->renewal.window;
	if (window && pol_new_card_needed(pol, card, now, true, &d) &&
	    strcmp(d.rule, "renewal.max-renewals") == 0)
		add(due, POL_DUE_NEW_CARD, d.rule, "%s", d.sentence);
	/* Once a new card is due, "repair" or "renew" would be the wrong advice. */
	if (now > card->cert_not_after)
		add(due, POL_DUE_CERT_EXPIRED, "renewal.self-renew-after-expiry",
		    "the certificate expired on %s%s", pol_date(card->cert_not_after, d1, sizeof(d1)),
		    (due->what & POL_DUE_NEW_CARD) ? "" :
		    pol->renewal.self_renew_after_expiry ? ": renew it now" :
							   ": the RA must repair the card");
	else if (window)
		add(due, POL_DUE_RENEWAL, "renewal.window",
		    "the renewal window opened on %s; the certificate expires on %s",
		    pol_date(card->cert_not_after - pol->renewal.window, d1, sizeof(d1)),
		    pol_date(card->cert_not_after, d2, sizeof(d2)));
}

static void
due_passcode(const struct pol_policy *pol, const struct pol_card_state *card, int64_t now,
	     struct pol_due *due)
{
	const struct pol_passcode *pc = &pol->passcode;
	int64_t expires;
	char d[40];

	if (pc->max_age == 0 || card->passcode_changed_at == 0)
		return;
	expires = card->passcode_changed_at + pc->max_age;
	if (now >= expires)
		add(due, POL_DUE_PASSCODE_EXPIRED, "passcode.max-age",
		    "the passcode expired on %s: change it at the next login",
		    pol_date(expires, d, sizeof(d)));
	else if (now >= expires - pc->warning)
		add(due, POL_DUE_PASSCODE_SOON, "passcode.warning",
		    "the passcode expires on %s: change it before then",
		    pol_date(expires, d, sizeof(d)));
}

void
pol_due(const struct pol_policy *pol, const struct pol_card_state *card, int64_t now,
	struct pol_due *out)
{
	struct pol_decision d;

	memset(out, 0, sizeof(*out));
	if (pol_new_card_needed(pol, card, now, false, &d))
		add(out, POL_DUE_NEW_CARD, d.rule, "%s", d.sentence);
	due_certificate(pol, card, now, out);
	due_passcode(pol, card, now, out);
	if (card->locked)
		add(out, POL_DUE_LOCKED, "passcode.max-tries",
		    "the card is locked after %u wrong passcodes%s", pol->passcode.max_tries,
		    (out->what & POL_DUE_NEW_CARD) ? "" : ": unlock it");
}
