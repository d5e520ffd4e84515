/*
 * Readers and cards: removal ends the token's sessions (CKR_DEVICE_REMOVED
 * once, then CKR_SESSION_HANDLE_INVALID) and drops the login; a different
 * card is a different token; the signing calls, which trust a presence
 * check younger than CC_PRESENCE_INTERVAL_MS, notice a removal on the first
 * call after that interval; C_WaitForSlotEvent with and without blocking,
 * and C_Finalize waking a blocked waiter.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pkcs11/slot.h"	/* CC_PRESENCE_INTERVAL_MS */
#include "tests/module/fixture.h"

static void
test_remove_and_reinsert(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s1 = fx_open(fx, 0, true), s2 = fx_open(fx, 0, false);
	char away[PATH_MAX + 16];
	CK_SESSION_INFO si;
	CK_SLOT_INFO sl;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0;

	snprintf(away, sizeof(away), "%s/away.card", fx->dir);
	fx_card_remove(fx, 0, away);
	assert_int_equal(fx->p11->C_GetSessionInfo(s1, &si), CKR_DEVICE_REMOVED);
	assert_int_equal(fx->p11->C_GetSessionInfo(s1, &si), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->p11->C_FindObjectsInit(s2, NULL, 0), CKR_DEVICE_REMOVED);
	assert_int_equal(fx->p11->C_CloseSession(s2), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->p11->C_GetSlotInfo(0, &sl), CKR_OK);
	assert_false(sl.flags & CKF_TOKEN_PRESENT);
	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(fx->p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	assert_int_equal(n, 0);
	/* Back in: a new token instance, nobody logged in. */
	{
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s.card", fx->reader[0], FX_SERIAL_A);
		assert_int_equal(rename(away, path), 0);
	}
	s1 = fx_open(fx, 0, false);
	assert_int_equal(fx->p11->C_GetSessionInfo(s1, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);
	assert_true(fx_log_contains(fx, "card " FX_SERIAL_A " removed from slot 0"));
}

static void
test_replace_with_other_card(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s = fx_open(fx, 0, true);
	CK_TOKEN_INFO ti;
	CK_OBJECT_HANDLE pub, priv;

	fx_gen_ec(fx, s, false, "01", "Authentication", &pub, &priv);
	/* Swapped between two calls: never mistaken for the same token. */
	fx_card_remove(fx, 0, NULL);
	fx_card_insert(fx, 0, FX_SERIAL_B);
	assert_int_equal(fx->p11->C_GetSessionInfo(s, &(CK_SESSION_INFO){ 0 }), CKR_DEVICE_REMOVED);
	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_memory_equal(ti.serialNumber, FX_SERIAL_B, 16);
	assert_false(ti.flags & CKF_TOKEN_INITIALIZED);
	s = fx_open(fx, 0, false);
	assert_int_equal(fx_count(fx, s, NULL, 0), 1);	/* the profile object only */
}

static void
test_removal_while_signing(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s1 = fx_open(fx, 0, true), s2 = fx_open(fx, 0, false);
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_BYTE hash[32] = { 1 }, sig[64];
	CK_ULONG n = sizeof(sig);
	CK_OBJECT_HANDLE pub, priv;

	fx_gen_ec(fx, s1, false, "01", "Authentication", &pub, &priv);
	assert_int_equal(fx->p11->C_SignInit(s1, &m, priv), CKR_OK);
	assert_int_equal(fx->p11->C_Sign(s1, hash, sizeof(hash), sig, &n), CKR_OK);
	assert_int_equal(fx->p11->C_SignInit(s1, &m, priv), CKR_OK);	/* pending */
	fx_card_remove(fx, 0, NULL);
	/* Past the interval the next signing call must look at the reader. */
	usleep((CC_PRESENCE_INTERVAL_MS + 50) * 1000);
	n = sizeof(sig);
	assert_int_equal(fx->p11->C_Sign(s1, hash, sizeof(hash), sig, &n), CKR_DEVICE_REMOVED);
	assert_int_equal(fx->p11->C_SignInit(s2, &m, priv), CKR_DEVICE_REMOVED);
	assert_int_equal(fx->p11->C_SignInit(s1, &m, priv), CKR_SESSION_HANDLE_INVALID);
	assert_true(fx_log_contains(fx, "card " FX_SERIAL_A " removed from slot 0"));
}

static void
test_wait_nonblocking(void **state)
{
	struct fx *fx = *state;
	CK_SLOT_ID slot = 99;

	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	fx_card_insert(fx, 1, FX_SERIAL_B);
	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	fx_card_remove(fx, 1, NULL);
	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, (void *)1),
			 CKR_ARGUMENTS_BAD);
}

struct waiter {
	struct fx *fx;
	CK_SLOT_ID slot;
	CK_RV rv;
};

static void *
wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->rv = w->fx->p11->C_WaitForSlotEvent(0, &w->slot, NULL);
	return NULL;
}

static void
test_wait_blocking(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { fx, 99, CKR_GENERAL_ERROR };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, wait_thread, &w), 0);
	fx_card_insert(fx, 1, FX_SERIAL_B);	/* before or after it blocks: same outcome */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rv, CKR_OK);
	assert_int_equal(w.slot, 1);
}

static void
test_finalize_wakes_waiter(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { fx, 99, CKR_GENERAL_ERROR };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, wait_thread, &w), 0);
	usleep(100000);		/* let it block; the outcome is the same if it has not yet */
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remove_and_reinsert, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replace_with_other_card, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_removal_while_signing, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wait_nonblocking, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wait_blocking, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_finalize_wakes_waiter, fx_setup_card, fx_teardown),
	};

	return cmocka_run_group_tests_name("module-removal", tests, NULL, NULL);
}
