/*
 * Lifecycle decisions: pure functions of (policy, card state, actor, time).
 * No I/O and no clock reads: @now is an argument (unix seconds, UTC), so
 * the module, the CA and "carecard-policy explain" get the same answer.
 *
 * Each decision fills a struct pol_decision: allow or deny, the policy key
 * that decided ("renewal.self-renewals-before-ra"), and a sentence for a
 * person. Every refusal says what to do instead.
 *
 * Certificate expiry follows X.509: a certificate is valid up to and
 * including its notAfter second, expired one second later.
 */
#ifndef CC_POLICY_DECIDE_H
#define CC_POLICY_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

#define POL_SENTENCE_MAX 320

struct pol_decision {
	bool allow;
	const char *rule;		/* key path of the deciding rule (static text) */
	char sentence[POL_SENTENCE_MAX];
};

#define POL_HOLDER_ORGS_MAX 8

/* What is known about a card and its holder; inputs only, never changed. */
struct pol_card_state {
	const char *serial;		/* card serial (digits; series = its prefix) */
	const char *holder_id;		/* holder's UUID, NULL if unknown */
	const char *orgs[POL_HOLDER_ORGS_MAX];	/* ODS codes of the holder's positions */
	unsigned norgs;
	int64_t cert_not_after;		/* latest certificate notAfter; 0 = none issued */
	int64_t card_issued_at;		/* 0 = unknown */
	unsigned renewals;		/* renewals of this card so far (self + assisted) */
	unsigned self_renewals;		/* self-renewals since the last RA-assisted one */
	bool locked;			/* passcode tries exhausted */
	int64_t passcode_changed_at;	/* 0 = unknown */
	unsigned contacts;		/* POL_CONTACT_* the holder has registered */
	bool tac;			/* this is a Temporary Access Card */
};

/* Who asks. */
struct pol_actor {
	const char *person_id;		/* UUID of the person acting */
	unsigned roles;			/* POL_ROLE_* held in this position */
	const char *org;		/* ODS code of the position acted in */
	bool locum;			/* acting in a locum position */
};

/* The holder renews their own certificates at login. */
void pol_decide_self_renew(const struct pol_policy *pol, const struct pol_card_state *card,
			   int64_t now, struct pol_decision *out);

/* An RA operator renews with the holder present. */
void pol_decide_assisted_renew(const struct pol_policy *pol, const struct pol_card_state *card,
			       const struct pol_actor *actor, int64_t now,
			       struct pol_decision *out);

/* The RA repairs the card: new certificates, new passcode (also after expiry). */
void pol_decide_repair(const struct pol_policy *pol, const struct pol_card_state *card,
		       const struct pol_actor *actor, int64_t now, struct pol_decision *out);

/* @actor unlocks a locked card with the holder present. */
void pol_decide_unlock(const struct pol_policy *pol, const struct pol_card_state *card,
		       const struct pol_actor *actor, struct pol_decision *out);

/* The holder unlocks their own card (self-service). */
void pol_decide_self_unlock(const struct pol_policy *pol, const struct pol_card_state *card,
			    struct pol_decision *out);

/* Is a passcode of @len characters acceptable? (Length only: never pass the passcode.) */
void pol_decide_passcode(const struct pol_policy *pol, size_t len, struct pol_decision *out);

/* @actor activates TAC @card for @period seconds (holder in card->holder_id). */
void pol_decide_tac_activate(const struct pol_policy *pol, const struct pol_card_state *card,
			     const struct pol_actor *actor, int64_t period,
			     struct pol_decision *out);

/* A new card for @holder_id, sponsored by @sponsor, identity checked by @ra_agent. */
void pol_decide_issue(const struct pol_policy *pol, const char *holder_id,
		      const struct pol_actor *sponsor, const struct pol_actor *ra_agent,
		      struct pol_decision *out);

/*
 * Fill @out: @allow, the deciding @rule (a policy key, borrowed: it must
 * outlive @out) and the sentence from @fmt (truncated to
 * POL_SENTENCE_MAX). For callers that decide on the policy's behalf and
 * want their answer in the same form as pol_decide_*().
 */
void pol_say(struct pol_decision *out, bool allow, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * May @actor (NULL: nobody authenticated) perform an RA operation open to
 * the @allowed POL_ROLE_* roles on @card? Checks the role, the own-card
 * rule, then the locum and organisation limits (separation-of-duties) for
 * roles bound to an organisation. @rule and @what word the refusal ("renew
 * the card"). Returns true and leaves @out untouched if allowed; else
 * fills @out with the refusal and returns false. Pure: no I/O.
 */
bool pol_actor_may(const struct pol_policy *pol, const struct pol_card_state *card,
		   const struct pol_actor *actor, unsigned allowed, const char *rule,
		   const char *what, struct pol_decision *out);

/* What is due for a card on a date. */
enum {
	POL_DUE_RENEWAL = 1u << 0,		/* renewal window open */
	POL_DUE_CERT_EXPIRED = 1u << 1,		/* certificate expired: repair */
	POL_DUE_PASSCODE_SOON = 1u << 2,	/* passcode in its warning window */
	POL_DUE_PASSCODE_EXPIRED = 1u << 3,	/* passcode past max-age */
	POL_DUE_NEW_CARD = 1u << 4,		/* retired series, card lifetime, max renewals */
	POL_DUE_LOCKED = 1u << 5,		/* card locked: unlock */
};

#define POL_DUE_MAX 6

struct pol_due_item {
	unsigned what;				/* one POL_DUE_* bit */
	const char *rule;
	char sentence[POL_SENTENCE_MAX];
};

struct pol_due {
	unsigned what;				/* all POL_DUE_* bits that apply */
	unsigned n;
	struct pol_due_item item[POL_DUE_MAX];
};

void pol_due(const struct pol_policy *pol, const struct pol_card_state *card, int64_t now,
	     struct pol_due *out);

#endif
