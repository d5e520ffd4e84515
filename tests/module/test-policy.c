/*
 * The module takes its passcode rules from the policy file (issue 3: one
 * source of truth): lengths, tries, max age and warning come from
 * `policy:`; a `passcode:` section in the module config and a bad policy
 * make C_Initialize fail with a FILE:LINE:COLUMN message in the log.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkcs11/card-image.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)

/* Deliberately unlike the NHS defaults (4..8, 3 tries, 90d, 14d). */
#define POLICY "passcode:\n  min-length: 6\n  max-length: 10\n  max-tries: 5\n" \
	       "  max-age: 30d\n  warning: 7d\n"
#define GOOD_PIN "135790"

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static CK_TOKEN_INFO
token_info(struct fx *fx)
{
	CK_TOKEN_INFO ti;

	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	return ti;
}

static struct cc_card *
card_on_disk(struct fx *fx)
{
	return fx_card_load(fx, 0);
}

/* C_InitToken + C_InitPIN(@pin) as the SO; returns a R/W public session. */
static CK_SESSION_HANDLE
personalise(struct fx *fx, const char *pin)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	memcpy(label, "Policy", 6);
	assert_int_equal(fx->p11->C_InitToken(0, PIN(FX_SO_PIN), label), CKR_OK);
	s = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	/* The policy's lengths, not the NHS 4..8. */
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("12345")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("12345678901")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_InitPIN(s, PIN(pin)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	return s;
}

static void
test_rules_from_policy(void **state)
{
	struct fx *fx = fx_new_policy(NULL, POLICY);
	struct cc_card *card;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	int i;

	*state = fx;
	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	ti = token_info(fx);
	assert_int_equal(ti.ulMinPinLen, 6);
	assert_int_equal(ti.ulMaxPinLen, 10);
	s = personalise(fx, GOOD_PIN);
	card = card_on_disk(fx);
	assert_int_equal(card->user.max_tries, 5);
	assert_int_equal(card->user.tries_left, 5);
	cc_card_free(card);
	/* Four wrong passcodes leave the final try; the fifth locks. */
	for (i = 0; i < 4; i++)
		assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("000000")), CKR_PIN_INCORRECT);
	assert_true(token_info(fx).flags & CKF_USER_PIN_FINAL_TRY);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("000000")), CKR_PIN_LOCKED);
	assert_true(token_info(fx).flags & CKF_USER_PIN_LOCKED);
}

/* Move the last passcode change back by @age seconds (counters are not MAC'd). */
static void
age_passcode(struct fx *fx, int64_t age)
{
	char path[PATH_MAX];
	struct cc_card_txn *txn = NULL;

	fx_card_path(fx, 0, path, sizeof(path));
	assert_int_equal(cc_card_txn_begin(path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.changed_at -= age;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
}

static void
test_age_from_policy(void **state)
{
	struct fx *fx = fx_new_policy(NULL, POLICY);
	CK_SESSION_HANDLE s;

	*state = fx;
	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	s = personalise(fx, GOOD_PIN);
	age_passcode(fx, 22 * 86400);	/* 8 days left: outside the 7-day warning */
	assert_false(token_info(fx).flags & CKF_USER_PIN_TO_BE_CHANGED);
	age_passcode(fx, 2 * 86400);	/* 6 days left */
	assert_true(token_info(fx).flags & CKF_USER_PIN_TO_BE_CHANGED);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(GOOD_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	age_passcode(fx, 6 * 86400);	/* 30 days: expired */
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(GOOD_PIN)), CKR_PIN_EXPIRED);
}

/* A policy with only "version: 1" means the NHS rules. */
static void
test_nhs_defaults(void **state)
{
	struct fx *fx = fx_new_policy(NULL, "");
	CK_TOKEN_INFO ti;

	*state = fx;
	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	ti = token_info(fx);
	assert_int_equal(ti.ulMinPinLen, 4);
	assert_int_equal(ti.ulMaxPinLen, 8);
	fx_personalise(fx, 0, "NHS");
	{
		struct cc_card *card = card_on_disk(fx);

		assert_int_equal(card->user.max_tries, 3);
		cc_card_free(card);
	}
}

static void
test_passcode_in_config_refused(void **state)
{
	struct fx *fx = fx_new("passcode:\n  max-tries: 5\n");
	char want[PATH_MAX + 256];

	*state = fx;
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
	/* The config is readers (5 lines), kdf, state-directory: passcode is on line 8. */
	snprintf(want, sizeof(want), "%s:8:1: passcode: 'passcode' is no longer a module setting: "
		 "the passcode rules (passcode.*", fx->conf);
	assert_true(fx_log_contains(fx, want));
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void
test_bad_policy_refused(void **state)
{
	struct fx *fx = fx_new_policy(NULL, "passcode:\n  max-tries: 0\n");
	char want[PATH_MAX + 256];

	*state = fx;
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
	/* The policy loader's own message: version on line 1, max-tries on 3. */
	snprintf(want, sizeof(want), "%s:3:14: passcode.max-tries: ", fx->policy);
	assert_true(fx_log_contains(fx, want));
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void
test_missing_policy_refused(void **state)
{
	struct fx *fx = fx_new("policy: /nonexistent/carecard-policy.yaml\n");

	*state = fx;
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
	assert_true(fx_log_contains(fx, "/nonexistent/carecard-policy.yaml: cannot read"));
}

/* Rewrite the policy file (after "version: 1"). */
static void
write_policy(struct fx *fx, const char *yaml)
{
	FILE *f = fopen(fx->policy, "w");

	assert_non_null(f);
	fprintf(f, "version: 1\n%s", yaml);
	fclose(f);
}

/*
 * The cost of a guess is the policy's passcode.kdf: new passcodes are
 * wrapped with it, and a login on a card set with a cheaper one re-wraps
 * the card key with the policy's (same passcode, same counters).
 */
static void
test_kdf_from_policy(void **state)
{
	struct fx *fx = fx_new_policy(NULL, "passcode: { kdf: { n: 64, r: 8, p: 1 } }\n");
	struct cc_kdf_params k;
	struct cc_card *card;
	CK_SESSION_HANDLE s;

	*state = fx;
	fx_set_kdf(fx, 0);	/* no test switch: the policy decides */
	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(fx, 0, "Kdf");
	card = card_on_disk(fx);
	k = cc_card_user_kdf(card);
	assert_int_equal(k.n, 64);
	assert_int_equal(k.r, 8);
	assert_int_equal(k.p, 1);
	cc_card_free(card);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);

	write_policy(fx, "passcode: { kdf: { n: 256, r: 8, p: 2 } }\n");
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	s = fx_open(fx, 0, true);
	card = card_on_disk(fx);
	k = cc_card_user_kdf(card);
	assert_int_equal(k.n, 256);
	assert_int_equal(k.p, 2);
	assert_int_equal(card->user.tries_left, 3);
	cc_card_free(card);
	assert_true(fx_log_contains(fx, "passcode KDF raised to scrypt N=256 r=8 p=2"));
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	/* Still the same passcode; nothing raised a second time. */
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rules_from_policy, teardown),
		cmocka_unit_test_teardown(test_age_from_policy, teardown),
		cmocka_unit_test_teardown(test_nhs_defaults, teardown),
		cmocka_unit_test_teardown(test_passcode_in_config_refused, teardown),
		cmocka_unit_test_teardown(test_bad_policy_refused, teardown),
		cmocka_unit_test_teardown(test_missing_policy_refused, teardown),
		cmocka_unit_test_teardown(test_kdf_from_policy, teardown),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
