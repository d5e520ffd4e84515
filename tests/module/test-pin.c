/*
 * Passcode lifecycle: C_InitToken, C_InitPIN (SO unlock), C_Login with the
 * persisted retry counter, lockout, C_SetPIN, expiry, token flags, and the
 * login-state rules of PKCS#11 v2.40.
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

#include "pkcs11/card-image.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)

static int
setup(void **state)
{
	/* The passcode rules come from the policy file, not the module config. */
	struct fx *fx = fx_new_policy(NULL, "passcode: { min-length: 4, max-length: 8, "
					    "max-tries: 3, max-age: 90d, warning: 14d }\n");

	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static CK_FLAGS
flags(struct fx *fx)
{
	CK_TOKEN_INFO ti;

	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	return ti.flags;
}

static unsigned
tries_on_disk(struct fx *fx)
{
	struct cc_card *card = fx_card_load(fx, 0);
	unsigned t = card->user.tries_left;

	cc_card_free(card);
	return t;
}

static void
test_init_token(void **state)
{
	struct fx *fx = *state;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };

	memset(label, ' ', sizeof(label));
	memcpy(label, "Card", 4);
	assert_int_equal(fx->p11->C_InitToken(0, PIN("abc"), label), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_InitToken(0, PIN(FX_SO_PIN), NULL), CKR_ARGUMENTS_BAD);
	fx_personalise(fx, 0, "Card");
	s = fx_open(fx, 0, true);
	fx_gen_ec(fx, s, false, "k1", "Authentication", &pub, &priv);
	assert_int_equal(fx_count(fx, s, &t, 1), 1);
	/* Sessions open: refused. */
	assert_int_equal(fx->p11->C_InitToken(0, PIN(FX_SO_PIN), label), CKR_SESSION_EXISTS);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	/* An initialised card needs the right SO secret, and counts failures. */
	assert_int_equal(fx->p11->C_InitToken(0, PIN("wrong-so"), label), CKR_PIN_INCORRECT);
	assert_true(flags(fx) & CKF_SO_PIN_COUNT_LOW);
	assert_int_equal(fx->p11->C_InitToken(0, PIN(FX_SO_PIN), label), CKR_OK);
	assert_false(flags(fx) & CKF_SO_PIN_COUNT_LOW);
	/* Re-initialising wiped the objects and the user passcode. */
	assert_false(flags(fx) & CKF_USER_PIN_INITIALIZED);
	s = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_USER_PIN_NOT_INITIALIZED);
	assert_int_equal(fx_count(fx, s, NULL, 0), 1);	/* only the profile object */
}

static void
test_login_counter(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s, s2;
	CK_SESSION_INFO si;

	fx_personalise(fx, 0, "Card");
	s = fx_open(fx, 0, false);
	assert_int_equal(flags(fx) & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY), 0);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("9999")), CKR_PIN_INCORRECT);
	/* The failure is on disk, not just in memory. */
	assert_int_equal(tries_on_disk(fx), 2);
	assert_true(flags(fx) & CKF_USER_PIN_COUNT_LOW);
	assert_false(flags(fx) & CKF_USER_PIN_FINAL_TRY);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(tries_on_disk(fx), 3);
	assert_false(flags(fx) & CKF_USER_PIN_COUNT_LOW);
	/* Login state is shared by all of the application's sessions. */
	s2 = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_GetSessionInfo(s2, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RW_USER_FUNCTIONS);
	assert_int_equal(fx->p11->C_Login(s2, CKU_USER, PIN(FX_PIN)), CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(fx->p11->C_Login(s2, CKU_SO, PIN(FX_SO_PIN)),
			 CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	assert_int_equal(fx->p11->C_Logout(s2), CKR_OK);
	assert_int_equal(fx->p11->C_GetSessionInfo(s, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);
	assert_int_equal(fx->p11->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
	assert_true(fx_log_contains(fx, "audit: card=" FX_SERIAL_A " slot=0: user logged in"));
	assert_false(fx_log_contains(fx, FX_PIN "\n"));
}

static void
test_lockout_and_so_unlock(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s, so;

	fx_personalise(fx, 0, "Card");
	s = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
	assert_true(flags(fx) & CKF_USER_PIN_FINAL_TRY);
	/* The third consecutive failure locks. */
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_LOCKED);
	assert_true(flags(fx) & CKF_USER_PIN_LOCKED);
	assert_int_equal(tries_on_disk(fx), 0);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_PIN_LOCKED);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN("5678")), CKR_PIN_LOCKED);
	/* The SO (Sponsor/RA) unlocks with C_InitPIN, which needs a R/W session only. */
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("12")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("123456789")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("4321")), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	assert_int_equal(flags(fx) & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW), 0);
	assert_int_equal(tries_on_disk(fx), 3);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("4321")), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	/* InitPIN needs the SO. */
	assert_int_equal(fx->p11->C_InitPIN(s, PIN("4321")), CKR_USER_NOT_LOGGED_IN);
	/* SO login with a read-only session open is refused, and vice versa. */
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &so), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_SESSION_READ_ONLY_EXISTS);
	assert_int_equal(fx->p11->C_CloseSession(so), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &so),
			 CKR_SESSION_READ_WRITE_SO_EXISTS);
	assert_true(fx_log_contains(fx, "user passcode locked"));
	assert_true(fx_log_contains(fx, "user passcode set by SO"));
}

static void
test_so_lockout_is_final(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s;
	CK_UTF8CHAR label[32];
	int i;

	memset(label, ' ', sizeof(label));
	fx_personalise(fx, 0, "Card");
	s = fx_open(fx, 0, false);
	for (i = 0; i < 2; i++)
		assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN("bad-so-pin")), CKR_PIN_INCORRECT);
	assert_true(flags(fx) & CKF_SO_PIN_FINAL_TRY);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN("bad-so-pin")), CKR_PIN_LOCKED);
	assert_true(flags(fx) & CKF_SO_PIN_LOCKED);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_PIN_LOCKED);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	assert_int_equal(fx->p11->C_InitToken(0, PIN(FX_SO_PIN), label), CKR_PIN_LOCKED);
	/* The holder can still use the card. */
	s = fx_open(fx, 0, true);
}

static void
test_set_pin(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s, ro;

	fx_personalise(fx, 0, "Card");
	s = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	assert_int_equal(fx->p11->C_SetPIN(ro, PIN(FX_PIN), PIN("5678")), CKR_SESSION_READ_ONLY);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN("567")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN("567890123")), CKR_PIN_LEN_RANGE);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN("1111"), PIN("5678")), CKR_PIN_INCORRECT);
	assert_int_equal(tries_on_disk(fx), 2);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN("5678")), CKR_OK);
	assert_int_equal(tries_on_disk(fx), 3);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("5678")), CKR_OK);
	/* Logged in: C_SetPIN still checks the old passcode. */
	assert_int_equal(fx->p11->C_SetPIN(s, PIN("5678"), PIN("24680")), CKR_OK);
	assert_true(fx_log_contains(fx, "user passcode change: 0x0"));
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
test_expiry(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s;
	char path[PATH_MAX];
	struct cc_card_txn *txn = NULL;

	fx_personalise(fx, 0, "Card");
	assert_false(flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	/* must_change (an SO reset under a policy that wants it) sets the flag too. */
	fx_card_path(fx, 0, path, sizeof(path));
	assert_int_equal(cc_card_txn_begin(path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.must_change = true;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_true(flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	s = fx_open(fx, 0, true);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN(FX_PIN)), CKR_OK);
	assert_false(flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	age_passcode(fx, 80 * 86400);	/* inside the 14-day warning window */
	assert_true(flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	s = fx_open(fx, 0, true);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	age_passcode(fx, 20 * 86400);	/* 100 days: expired */
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_PIN_EXPIRED);
	/* The right passcode gave its try back even though login was refused. */
	assert_int_equal(tries_on_disk(fx), 3);
	assert_int_equal(fx->p11->C_SetPIN(s, PIN(FX_PIN), PIN("7777")), CKR_OK);
	assert_false(flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("7777")), CKR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_and_so_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_so_lockout_is_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-pin", tests, NULL, NULL);
}
