/*
 * Decisions about access rather than certificates: unlocking, Temporary
 * Access Cards, issuing a card, and what is due for a card. Pure, like
 * decide.c.
 */
#include "config.h"

#include "policy/decide.h"
#include "policy/decide-internal.h"

#include <stdio.h>
#include <string.h>

static bool
unlockable(const struct pol_policy *pol, const struct pol_card_state *card,
	   struct pol_decision *out)
{
	const char *series = pol_retired_series(pol, card->serial);

	if (series != NULL) {
		pol_say(out, false, "card.retired-series",
			"cards of series %s can be neither renewed nor unlocked: ask your RA for a new card",
			series);
		return false;
	}
	if (!card->locked) {
		pol_say(out, false, "passcode.max-tries",
			"the card is not locked (it locks after %u wrong passcodes): nothing to unlock; the holder can log in with their passcode",
			pol->passcode.max_tries);
		return false;
	}
	return true;
}

void
pol_decide_unlock(const struct pol_policy *pol, const struct pol_card_state *card,
		  const struct pol_actor *actor, struct pol_decision *out)
{
	const struct pol_unlock *u = &pol->unlock;
	char who[96], org[64];
	unsigned acting;

	if (!unlockable(pol, card, out))
		return;
	pol_roles_text(u->roles, true, who, sizeof(who));
	if (actor == NULL || (acting = actor->roles & u->roles) == 0) {
		pol_say(out, false, "unlock.roles",
			"only %s may unlock a card: ask one of them, with the holder present", who);
		return;
	}
	if (!pol->duties.own_card && actor->person_id != NULL && card->holder_id != NULL &&
	    strcmp(actor->person_id, card->holder_id) == 0) {
		pol_say(out, false, "separation-of-duties.own-card",
			"nobody may unlock their own card in person: use self-service unlock or ask a colleague (%s)",
			who);
		return;
	}
	if (actor->locum && !u->locum_may_unlock) {
		pol_say(out, false, "unlock.locum-may-unlock",
			"a locum position may not unlock cards: ask %s at the holder's organisation",
			who);
		return;
	}
	snprintf(org, sizeof(org), "%s", actor->org != NULL ? actor->org : "no organisation");
	if ((acting & ~u->same_organisation) == 0 && !pol_holder_at(card, actor->org)) {
		pol_say(out, false, "unlock.same-organisation",
			"%s at %s may unlock only cards of holders at %s: ask someone at the holder's organisation, or an RA agent",
			pol_roles_text(acting, true, who, sizeof(who)), org, org);
		return;
	}
	pol_say(out, true, "unlock.roles",
		"%s at %s may unlock the card in a second reader with the holder present; the holder then sets a new passcode",
		pol_roles_text(acting, true, who, sizeof(who)), org);
}

void
pol_decide_self_unlock(const struct pol_policy *pol, const struct pol_card_state *card,
		       struct pol_decision *out)
{
	const struct pol_unlock *u = &pol->unlock;
	char who[96];

	if (!unlockable(pol, card, out))
		return;
	pol_roles_text(u->roles, true, who, sizeof(who));
	if (!u->self_service) {
		pol_say(out, false, "unlock.self-service",
			"self-service unlock is not offered: ask %s to unlock the card with you present",
			who);
		return;
	}
	if ((card->contacts & u->self_service_requires) == 0) {
		pol_say(out, false, "unlock.self-service-requires",
			"self-service unlock needs a registered %s%s%s: register one with your RA; for now ask %s to unlock the card",
			(u->self_service_requires & POL_CONTACT_EMAIL) ? "email address" : "",
			(u->self_service_requires & POL_CONTACT_MOBILE) ?
				((u->self_service_requires & POL_CONTACT_EMAIL) ?
					 " or mobile number" : "mobile number") : "",
			(u->self_service_requires & POL_CONTACT_PHOTO) ? " or photo" : "", who);
		return;
	}
	pol_say(out, true, "unlock.self-service",
		"you may unlock the card yourself (self-service), using your registered contact details");
}

static void
positions_text(const struct pol_strlist *l, char *buf, size_t len)
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < l->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", l->item[i]);
}

void
pol_decide_tac_activate(const struct pol_policy *pol, const struct pol_card_state *card,
			const struct pol_actor *actor, int64_t period, struct pol_decision *out)
{
	const struct pol_tac *t = &pol->tac;
	char max[32], want[32], pos[POL_LIST_MAX * POL_ITEM_MAX];

	if (!card->tac) {
		pol_say(out, false, "tac.positions",
			"this is not a Temporary Access Card: activate one of the organisation's TACs instead");
		return;
	}
	if (!pol_actor_may(pol, card, actor, pol->duties.tac_activate,
			   "separation-of-duties.operations.tac-activate",
			   "activate a Temporary Access Card", out))
		return;
	if (t->same_organisation && card->norgs > 0 && !pol_holder_at(card, actor->org)) {
		pol_say(out, false, "tac.same-organisation",
			"this TAC belongs to %s: only someone working there may activate it",
			card->orgs[0] != NULL ? card->orgs[0] : "another organisation");
		return;
	}
	pol_duration_format(t->max_activation, max, sizeof(max));
	pol_duration_format(period, want, sizeof(want));
	if (period <= 0 || period > t->max_activation) {
		pol_say(out, false, "tac.max-activation",
			"a TAC may be activated for at most %s, not %s: activate it for %s or less and chase the permanent replacement card",
			max, want, max);
		return;
	}
	positions_text(&t->positions, pos, sizeof(pos));
	pol_say(out, true, "tac.max-activation",
		"you may activate this TAC for %s (at most %s), carrying the positions %s%s", want,
		max, pos,
		t->record_each_use ? "; the custodian must record each use" : "");
}

void
pol_decide_issue(const struct pol_policy *pol, const char *holder_id,
		 const struct pol_actor *sponsor, const struct pol_actor *ra_agent,
		 struct pol_decision *out)
{
	const struct pol_duties *du = &pol->duties;
	char who[96];

	if (sponsor == NULL || (sponsor->roles & du->sponsor) == 0) {
		pol_say(out, false, "separation-of-duties.operations.sponsor",
			"the request needs %s to vouch for the holder: find one at the holder's organisation",
			pol_roles_text(du->sponsor, true, who, sizeof(who)));
		return;
	}
	if (ra_agent == NULL || (ra_agent->roles & du->issue) == 0) {
		pol_say(out, false, "separation-of-duties.operations.issue",
			"identity must be checked by %s: book the holder in with one",
			pol_roles_text(du->issue, true, who, sizeof(who)));
		return;
	}
	if (du->sponsor_not_ra_agent && sponsor->person_id != NULL &&
	    ra_agent->person_id != NULL && strcmp(sponsor->person_id, ra_agent->person_id) == 0) {
		pol_say(out, false, "separation-of-duties.sponsor-not-ra-agent",
			"the sponsor and the RA agent who checks identity must be different people: ask another %s to check identity",
			pol_roles_text(du->issue, false, who, sizeof(who)));
		return;
	}
	if (!du->own_card && holder_id != NULL &&
	    ((ra_agent->person_id != NULL && strcmp(ra_agent->person_id, holder_id) == 0) ||
	     (sponsor->person_id != NULL && strcmp(sponsor->person_id, holder_id) == 0))) {
		pol_say(out, false, "separation-of-duties.own-card",
			"nobody may sponsor or issue their own card: ask a colleague");
		return;
	}
	pol_say(out, true, "separation-of-duties.sponsor-not-ra-agent",
		"the card may be issued: sponsored by one person, identity checked by another");
}
