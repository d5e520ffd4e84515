/*
 * Lifecycle decisions, table-driven: one row per rule and boundary, run
 * against the NHS default and against the alternative example policy
 * (self-renew three times, then a new card; one-year certificates).
 * Each row names the expected verdict, deciding rule and a phrase the
 * sentence must contain.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/decide.h"
#include "policy/policy.h"

#define DAY (24 * 60 * 60LL)
#define NOW 1795000000LL	/* 2026-11-18 08:26:40 UTC */

enum op { SELF_RENEW, ASSISTED, REPAIR, UNLOCK, SELF_UNLOCK, PASSCODE, TAC, ISSUE };
/* NHS: built-in; ALT: the example file; CUSTOM: NHS with the switches flipped (setup) */
enum pol_id { NHS, ALT, CUSTOM, NPOLICIES };

struct row {
	const char *name;
	enum pol_id pol;
	enum op op;
	struct pol_card_state card;
	struct pol_actor actor;		/* ISSUE: the sponsor */
	struct pol_actor actor2;	/* ISSUE: the RA agent */
	int64_t arg;			/* PASSCODE: length; TAC: period */
	bool allow;
	const char *rule;
	const char *says;		/* substring of the sentence */
};

/* A card of series 04 at FXX01 whose certificate expires in @exp seconds. */
#define CARD(exp, ...) { .serial = "0412345678901234", .holder_id = "100000000001", \
	.orgs = { "FXX01" }, .norgs = 1, .cert_not_after = NOW + (exp), __VA_ARGS__ }
#define CARD_S(ser, exp, ...) { .serial = (ser), .holder_id = "100000000001", \
	.orgs = { "FXX01" }, .norgs = 1, .cert_not_after = NOW + (exp), __VA_ARGS__ }
#define RAA { "200000000002", POL_ROLE_RA_AGENT, "Y12345", false }
#define PHARM(org) { "300000000003", POL_ROLE_PHARMACIST, org, false }
#define LOCUM_PHARM(org) { "300000000003", POL_ROLE_PHARMACIST, org, true }
#define SPONSOR(id, org) { id, POL_ROLE_SPONSOR, org, false }
#define HOLDER_AS_RAA { "100000000001", POL_ROLE_RA_AGENT, "Y12345", false }

static const struct row rows[] = {
	/* self-renewal: the 90-day window, to the second */
	{ "self-renew exactly 90 days before expiry", NHS, SELF_RENEW, CARD(90 * DAY),
	  .allow = true, .rule = "renewal.window", .says = "self-renewal 1 of 2" },
	{ "self-renew 90 days + 1s before expiry", NHS, SELF_RENEW, CARD(90 * DAY + 1),
	  .allow = false, .rule = "renewal.window", .says = "renewal opens on" },
	{ "self-renew at the notAfter second", NHS, SELF_RENEW, CARD(0),
	  .allow = true, .rule = "renewal.window" },
	{ "self-renew one second after expiry", NHS, SELF_RENEW, CARD(-1),
	  .allow = false, .rule = "renewal.self-renew-after-expiry",
	  .says = "ask your RA to repair the card" },
	{ "self-renew without a certificate", NHS, SELF_RENEW, { .serial = "04000001" },
	  .allow = false, .rule = "renewal.self-renew-after-expiry", .says = "repair" },
	{ "second self-renewal", NHS, SELF_RENEW, CARD(30 * DAY, .self_renewals = 1),
	  .allow = true, .rule = "renewal.window",
	  .says = "2 of 2; the next renewal will need your RA" },
	{ "third self-renewal needs the RA", NHS, SELF_RENEW, CARD(30 * DAY, .self_renewals = 2),
	  .allow = false, .rule = "renewal.self-renewals-before-ra",
	  .says = "must be done with your RA" },
	{ "series 03 cannot self-renew", NHS, SELF_RENEW, CARD_S("0312345678901234", DAY),
	  .allow = false, .rule = "card.retired-series", .says = "new card" },
	{ "series 04 can self-renew", NHS, SELF_RENEW, CARD_S("0412345678901234", DAY),
	  .allow = true, .rule = "renewal.window" },
	{ "series 01 cannot self-renew", NHS, SELF_RENEW, CARD_S("0100000000000000", DAY),
	  .allow = false, .rule = "card.retired-series" },

	/* RA-assisted renewal */
	{ "RA agent renews after two self-renewals", NHS, ASSISTED,
	  CARD(30 * DAY, .self_renewals = 2, .renewals = 2), RAA,
	  .allow = true, .rule = "separation-of-duties.operations.renew", .says = "resets" },
	{ "pharmacist at the holder's organisation renews", NHS, ASSISTED, CARD(30 * DAY),
	  PHARM("FXX01"), .allow = true, .rule = "separation-of-duties.operations.renew" },
	{ "pharmacist elsewhere may not renew", NHS, ASSISTED, CARD(30 * DAY), PHARM("FZZ99"),
	  .allow = false, .rule = "separation-of-duties.same-organisation", .says = "FZZ99" },
	{ "locum pharmacist may not renew", NHS, ASSISTED, CARD(30 * DAY), LOCUM_PHARM("FXX01"),
	  .allow = false, .rule = "separation-of-duties.locum-may-act", .says = "locum" },
	{ "sponsor may not renew", NHS, ASSISTED, CARD(30 * DAY), SPONSOR("4", "FXX01"),
	  .allow = false, .rule = "separation-of-duties.operations.renew", .says = "only" },
	{ "RA agent may not renew own card", NHS, ASSISTED, CARD(30 * DAY), HOLDER_AS_RAA,
	  .allow = false, .rule = "separation-of-duties.own-card", .says = "another" },
	{ "assisted renewal after expiry: repair instead", NHS, ASSISTED, CARD(-1), RAA,
	  .allow = false, .rule = "renewal.self-renew-after-expiry", .says = "repair" },
	{ "assisted renewal before the window", NHS, ASSISTED, CARD(91 * DAY), RAA,
	  .allow = false, .rule = "renewal.window" },
	{ "assisted renewal of series 03", NHS, ASSISTED, CARD_S("03999", DAY), RAA,
	  .allow = false, .rule = "card.retired-series" },

	/* repair */
	{ "RA agent repairs an expired card", NHS, REPAIR, CARD(-1), RAA,
	  .allow = true, .rule = "separation-of-duties.operations.repair", .says = "expired" },
	{ "pharmacist may not repair", NHS, REPAIR, CARD(-1), PHARM("FXX01"),
	  .allow = false, .rule = "separation-of-duties.operations.repair" },
	{ "series 02 cannot be repaired", NHS, REPAIR, CARD_S("0211", -1), RAA,
	  .allow = false, .rule = "card.retired-series" },

	/* unlock by someone else */
	{ "RA agent unlocks any holder's card", NHS, UNLOCK, CARD(DAY * 200, .locked = true), RAA,
	  .allow = true, .rule = "unlock.roles", .says = "second reader" },
	{ "pharmacist at the same organisation unlocks", NHS, UNLOCK,
	  CARD(DAY * 200, .locked = true), PHARM("FXX01"), .allow = true, .rule = "unlock.roles",
	  .says = "a pharmacist at FXX01" },
	{ "pharmacist elsewhere may not unlock", NHS, UNLOCK, CARD(DAY * 200, .locked = true),
	  PHARM("FZZ99"), .allow = false, .rule = "unlock.same-organisation" },
	{ "locum pharmacist may not unlock", NHS, UNLOCK, CARD(DAY * 200, .locked = true),
	  LOCUM_PHARM("FXX01"), .allow = false, .rule = "unlock.locum-may-unlock",
	  .says = "locum position may not unlock" },
	{ "RA manager is not an unlocker", NHS, UNLOCK, CARD(DAY * 200, .locked = true),
	  { "5", POL_ROLE_RA_MANAGER, "Y12345", false }, .allow = false, .rule = "unlock.roles" },
	{ "nothing to unlock", NHS, UNLOCK, CARD(DAY * 200), RAA,
	  .allow = false, .rule = "passcode.max-tries", .says = "not locked" },
	{ "series 03 cannot be unlocked", NHS, UNLOCK,
	  CARD_S("0312345678901234", DAY * 200, .locked = true), RAA,
	  .allow = false, .rule = "card.retired-series" },
	{ "series 04 can be unlocked", NHS, UNLOCK,
	  CARD_S("0412345678901234", DAY * 200, .locked = true), RAA,
	  .allow = true, .rule = "unlock.roles" },
	{ "nobody unlocks their own card in person", NHS, UNLOCK,
	  CARD(DAY * 200, .locked = true), HOLDER_AS_RAA,
	  .allow = false, .rule = "separation-of-duties.own-card", .says = "self-service" },

	/* self-service unlock */
	{ "self-service unlock with a registered email", NHS, SELF_UNLOCK,
	  CARD(DAY, .locked = true, .contacts = POL_CONTACT_EMAIL),
	  .allow = true, .rule = "unlock.self-service" },
	{ "self-service unlock with a registered mobile", NHS, SELF_UNLOCK,
	  CARD(DAY, .locked = true, .contacts = POL_CONTACT_MOBILE),
	  .allow = true, .rule = "unlock.self-service" },
	{ "self-service unlock with nothing registered", NHS, SELF_UNLOCK,
	  CARD(DAY, .locked = true), .allow = false, .rule = "unlock.self-service-requires",
	  .says = "email address or mobile number" },
	{ "a photo is not enough under the NHS policy", NHS, SELF_UNLOCK,
	  CARD(DAY, .locked = true, .contacts = POL_CONTACT_PHOTO),
	  .allow = false, .rule = "unlock.self-service-requires" },

	/* passcode length */
	{ "3-character passcode", NHS, PASSCODE, .arg = 3,
	  .allow = false, .rule = "passcode.min-length", .says = "too short" },
	{ "4-character passcode", NHS, PASSCODE, .arg = 4, .allow = true },
	{ "8-character passcode", NHS, PASSCODE, .arg = 8, .allow = true },
	{ "9-character passcode", NHS, PASSCODE, .arg = 9,
	  .allow = false, .rule = "passcode.max-length", .says = "too long" },

	/* Temporary Access Cards */
	{ "sponsor activates a TAC for 14 days", NHS, TAC, CARD(DAY * 300, .tac = true),
	  SPONSOR("6", "FXX01"), .arg = 14 * DAY, .allow = true, .rule = "tac.max-activation",
	  .says = "the custodian must record each use" },
	{ "TAC for 14 days + 1s", NHS, TAC, CARD(DAY * 300, .tac = true), SPONSOR("6", "FXX01"),
	  .arg = 14 * DAY + 1, .allow = false, .rule = "tac.max-activation", .says = "at most 14d" },
	{ "RA agent may not activate a TAC", NHS, TAC, CARD(DAY * 300, .tac = true), RAA,
	  .arg = DAY, .allow = false, .rule = "separation-of-duties.operations.tac-activate" },
	{ "sponsor elsewhere may not activate a TAC", NHS, TAC, CARD(DAY * 300, .tac = true),
	  SPONSOR("6", "FZZ99"), .arg = DAY, .allow = false,
	  .rule = "separation-of-duties.same-organisation" },
	{ "a normal card is not a TAC", NHS, TAC, CARD(DAY * 300), SPONSOR("6", "FXX01"),
	  .arg = DAY, .allow = false, .rule = "tac.positions" },

	/* issuing: separation of duties */
	{ "sponsor and RA agent are different people", NHS, ISSUE, CARD(0),
	  SPONSOR("7", "FXX01"), RAA, .allow = true,
	  .rule = "separation-of-duties.sponsor-not-ra-agent" },
	{ "sponsor = RA agent", NHS, ISSUE, CARD(0), SPONSOR("7", "FXX01"),
	  { "7", POL_ROLE_RA_AGENT, "Y12345", false }, .allow = false,
	  .rule = "separation-of-duties.sponsor-not-ra-agent", .says = "different people" },
	{ "no sponsor role", NHS, ISSUE, CARD(0), PHARM("FXX01"), RAA, .allow = false,
	  .rule = "separation-of-duties.operations.sponsor" },
	{ "RA agent role needed to issue", NHS, ISSUE, CARD(0), SPONSOR("7", "FXX01"),
	  PHARM("FXX01"), .allow = false, .rule = "separation-of-duties.operations.issue" },
	{ "nobody issues their own card", NHS, ISSUE, CARD(0), SPONSOR("7", "FXX01"),
	  HOLDER_AS_RAA, .allow = false, .rule = "separation-of-duties.own-card" },

	/* the alternative policy: self-renew 3 times, then a new card; 1y, 60d window */
	{ "ALT: third self-renewal is allowed", ALT, SELF_RENEW,
	  CARD(30 * DAY, .self_renewals = 2, .renewals = 2), .allow = true,
	  .rule = "renewal.window", .says = "3 of 3" },
	{ "ALT: fourth renewal needs a new card", ALT, SELF_RENEW,
	  CARD(30 * DAY, .self_renewals = 3, .renewals = 3), .allow = false,
	  .rule = "renewal.max-renewals", .says = "new card" },
	{ "ALT: not even the RA renews a fourth time", ALT, ASSISTED,
	  CARD(30 * DAY, .self_renewals = 0, .renewals = 3), RAA, .allow = false,
	  .rule = "renewal.max-renewals" },
	{ "NHS: the RA renews a fourth time", NHS, ASSISTED,
	  CARD(30 * DAY, .self_renewals = 0, .renewals = 3), RAA, .allow = true },
	{ "ALT: 61 days before expiry is outside the 60-day window", ALT, SELF_RENEW,
	  CARD(61 * DAY), .allow = false, .rule = "renewal.window", .says = "60d" },
	{ "NHS: 61 days before expiry is inside the 90-day window", NHS, SELF_RENEW,
	  CARD(61 * DAY), .allow = true, .rule = "renewal.window" },

	/* the remaining switches, flipped in CUSTOM */
	{ "card lifetime reached to the second", CUSTOM, SELF_RENEW,
	  CARD(DAY, .card_issued_at = NOW - 5 * 365 * DAY), .allow = false,
	  .rule = "card.lifetime", .says = "new card" },
	{ "card lifetime one second short", CUSTOM, SELF_RENEW,
	  CARD(DAY, .card_issued_at = NOW - 5 * 365 * DAY + 1), .allow = true },
	{ "self-renewal after expiry when the policy allows it", CUSTOM, SELF_RENEW, CARD(-1),
	  .allow = true, .rule = "renewal.window" },
	{ "no self-service unlock", CUSTOM, SELF_UNLOCK,
	  CARD(DAY, .locked = true, .contacts = POL_CONTACT_EMAIL), .allow = false,
	  .rule = "unlock.self-service", .says = "ask" },
	{ "locum may unlock when allowed", CUSTOM, UNLOCK, CARD(DAY * 200, .locked = true),
	  LOCUM_PHARM("FXX01"), .allow = true, .rule = "unlock.roles" },
	{ "sponsor = RA agent when the rule is off", CUSTOM, ISSUE, CARD(0),
	  { "7", POL_ROLE_SPONSOR | POL_ROLE_RA_AGENT, "FXX01", false },
	  { "7", POL_ROLE_RA_AGENT, "Y12345", false }, .allow = true },
	{ "TAC activation names the positions it carries", CUSTOM, TAC, CARD(DAY * 300, .tac = true),
	  SPONSOR("6", "FXX01"), .arg = DAY, .allow = true, .says = "positions pharmacist" },
};

static struct pol_policy *policies[NPOLICIES];

static int
setup(void **state)
{
	const char *top = getenv("top_srcdir");
	struct pol_error err;
	char path[4096];

	if (top == NULL)
		top = CC_TOP_SRCDIR;
	snprintf(path, sizeof(path), "%s/policy/examples/renew-3-then-new-card.yaml", top);
	if (pol_policy_new_default(&policies[NHS]) != POL_OK)
		return -1;
	if (pol_policy_load(path, &policies[ALT], &err) != POL_OK) {
		print_error("%s\n", err.text);
		return -1;
	}
	if (pol_policy_new_default(&policies[CUSTOM]) != POL_OK)
		return -1;
	policies[CUSTOM]->card.lifetime = 5 * 365 * DAY;
	policies[CUSTOM]->renewal.self_renew_after_expiry = true;
	policies[CUSTOM]->unlock.self_service = false;
	policies[CUSTOM]->unlock.locum_may_unlock = true;
	policies[CUSTOM]->duties.sponsor_not_ra_agent = false;
	policies[CUSTOM]->tac.record_each_use = false;
	return pol_policy_validate(policies[CUSTOM], NULL) == POL_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	pol_policy_free(policies[NHS]);
	pol_policy_free(policies[ALT]);
	pol_policy_free(policies[CUSTOM]);
	return 0;
}

static void
run(const struct row *r, struct pol_decision *d)
{
	const struct pol_policy *p = policies[r->pol];

	switch (r->op) {
	case SELF_RENEW:	pol_decide_self_renew(p, &r->card, NOW, d); break;
	case ASSISTED:		pol_decide_assisted_renew(p, &r->card, &r->actor, NOW, d); break;
	case REPAIR:		pol_decide_repair(p, &r->card, &r->actor, NOW, d); break;
	case UNLOCK:		pol_decide_unlock(p, &r->card, &r->actor, d); break;
	case SELF_UNLOCK:	pol_decide_self_unlock(p, &r->card, d); break;
	case PASSCODE:		pol_decide_passcode(p, (size_t)r->arg, d); break;
	case TAC:		pol_decide_tac_activate(p, &r->card, &r->actor, r->arg, d); break;
	case ISSUE:
		pol_decide_issue(p, r->card.holder_id, &r->actor, &r->actor2, d);
		break;
	}
}

static void
test_decision_table(void **state)
{
	size_t i, failed = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pol_decision d;

		memset(&d, 0xa5, sizeof(d));	/* every field must be written */
		run(r, &d);
		if (d.allow != r->allow || d.rule == NULL ||
		    (r->rule != NULL && strcmp(d.rule, r->rule) != 0) ||
		    (r->says != NULL && strstr(d.sentence, r->says) == NULL) ||
		    strlen(d.sentence) < 20) {
			print_message("# FAILED %s: got %s %s: %s\n", r->name,
				      d.allow ? "allow" : "deny", d.rule ? d.rule : "(null)",
				      d.sentence);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Every refusal says what to do instead. */
static void
test_refusals_say_what_to_do(void **state)
{
	static const char *const advice[] = { "ask", "renew then", "repair", "new card",
					      "choose", "register", "activate", "book",
					      "use self-service", "must be done with your RA",
					      "log in", "find one" };
	size_t i, j;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pol_decision d;
		bool found = false;

		run(&rows[i], &d);
		if (d.allow)
			continue;
		for (j = 0; j < sizeof(advice) / sizeof(advice[0]); j++)
			found = found || strstr(d.sentence, advice[j]) != NULL;
		if (!found)
			print_message("# no advice in: %s\n", d.sentence);
		assert_true(found);
	}
}

struct due_row {
	const char *name;
	enum pol_id pol;
	struct pol_card_state card;
	unsigned what;
};

static const struct due_row due_rows[] = {
	{ "renewal window opens at exactly 90 days", NHS, CARD(90 * DAY), POL_DUE_RENEWAL },
	{ "nothing due at 90 days + 1s", NHS, CARD(90 * DAY + 1), 0 },
	{ "at the notAfter second: still renewal", NHS, CARD(0), POL_DUE_RENEWAL },
	{ "one second after expiry", NHS, CARD(-1), POL_DUE_CERT_EXPIRED },
	{ "passcode warning starts 14 days before max-age", NHS,
	  CARD(DAY * 300, .passcode_changed_at = NOW - 76 * DAY), POL_DUE_PASSCODE_SOON },
	{ "passcode fine a second earlier", NHS,
	  CARD(DAY * 300, .passcode_changed_at = NOW - 76 * DAY + 1), 0 },
	{ "passcode expired at 90 days", NHS,
	  CARD(DAY * 300, .passcode_changed_at = NOW - 90 * DAY), POL_DUE_PASSCODE_EXPIRED },
	{ "locked card", NHS, CARD(DAY * 300, .locked = true), POL_DUE_LOCKED },
	{ "series 03 needs a new card", NHS, CARD_S("0312", DAY * 300), POL_DUE_NEW_CARD },
	{ "ALT: third renewal done, window open: new card", ALT,
	  CARD(30 * DAY, .renewals = 3), POL_DUE_NEW_CARD | POL_DUE_RENEWAL },
	{ "NHS: the same card just needs renewal", NHS, CARD(30 * DAY, .renewals = 3),
	  POL_DUE_RENEWAL },
	{ "several at once", NHS,
	  CARD(-1, .locked = true, .passcode_changed_at = NOW - 100 * DAY),
	  POL_DUE_CERT_EXPIRED | POL_DUE_LOCKED | POL_DUE_PASSCODE_EXPIRED },
};

/* When a new card is due, the other items must not advise repair or unlock. */
static void
test_due_new_card_advice(void **state)
{
	struct pol_card_state card = CARD_S("0312345678901234", -1, .locked = true);
	struct pol_due due;
	unsigned i;

	pol_due(policies[NHS], &card, NOW, &due);
	assert_int_equal(due.what, POL_DUE_NEW_CARD | POL_DUE_CERT_EXPIRED | POL_DUE_LOCKED);
	for (i = 1; i < due.n; i++) {
		assert_null(strstr(due.item[i].sentence, "repair"));
		assert_null(strstr(due.item[i].sentence, "unlock"));
	}
}

static void
test_due_table(void **state)
{
	size_t i, j;

	for (i = 0; i < sizeof(due_rows) / sizeof(due_rows[0]); i++) {
		struct pol_due due;

		pol_due(policies[due_rows[i].pol], &due_rows[i].card, NOW, &due);
		print_message("# %s: %#x\n", due_rows[i].name, due.what);
		assert_int_equal(due.what, due_rows[i].what);
		for (j = 0; j < due.n; j++) {
			assert_non_null(due.item[j].rule);
			assert_true(strlen(due.item[j].sentence) > 20);
		}
	}
}

/* The decisions cite only keys that exist: each rule is a path "show" prints. */
static void
test_rules_are_policy_keys(void **state)
{
	char *shown = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&shown, &len);

	assert_int_equal(pol_policy_write(policies[NHS], fp), POL_OK);
	fclose(fp);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pol_decision d;
		const char *leaf;

		run(&rows[i], &d);
		leaf = strrchr(d.rule, '.');
		assert_non_null(leaf);
		/* "renewal.window" -> "window:" appears in the YAML */
		{
			char key[64];

			snprintf(key, sizeof(key), "%s:", leaf + 1);
			assert_non_null(strstr(shown, key));
		}
	}
	free(shown);
}

/* pol_crl_due at the edges: never published, one second short of the
 * interval, exactly on it, a clock stepped back, deltas switched off. */
static void
test_crl_due(void **state)
{
	static const struct {
		const char *name;
		bool delta, nodelta;	/* nodelta: delta-interval 0 */
		int64_t last, now;
		bool due;
	} crl_rows[] = {
		{ "full, never published", false, false, 0, NOW, true },
		{ "full, 1d - 1s old", false, false, NOW - DAY + 1, NOW, false },
		{ "full, exactly 1d old", false, false, NOW - DAY, NOW, true },
		{ "full, just published", false, false, NOW, NOW, false },
		{ "full, published in the future", false, false, NOW + 60, NOW, true },
		{ "delta, 59m59s old", true, false, NOW - 3599, NOW, false },
		{ "delta, 1h old", true, false, NOW - 3600, NOW, true },
		{ "delta, never published", true, false, 0, NOW, true },
		{ "delta off, never published", true, true, 0, NOW, false },
		{ "delta off, a year old", true, true, NOW - 365 * DAY, NOW, false },
		{ "delta off, full still due", false, true, NOW - 2 * DAY, NOW, true },
	};
	size_t i;

	for (i = 0; i < sizeof(crl_rows) / sizeof(crl_rows[0]); i++) {
		struct pol_crl c;

		pol_crl_schedule(policies[NHS], &c);
		if (crl_rows[i].nodelta)
			c.delta_interval = 0;
		print_message("# %s\n", crl_rows[i].name);
		assert_int_equal(pol_crl_due(&c, crl_rows[i].delta, crl_rows[i].last, crl_rows[i].now),
				 crl_rows[i].due);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_refusals_say_what_to_do),
		cmocka_unit_test(test_due_table),
		cmocka_unit_test(test_due_new_card_advice),
		cmocka_unit_test(test_rules_are_policy_keys),
		cmocka_unit_test(test_crl_due),
	};

	return cmocka_run_group_tests_name("policy-decide", tests, setup, teardown);
}
