/*
 * Threads: several sessions signing concurrently with one shared login, plus
 * a thread listing objects and token info meanwhile. Run under helgrind /
 * ThreadSanitizer to check the locking; here every call must succeed.
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

#include <cmocka.h>

#include "tests/module/fixture.h"

#define NTHREADS 4

struct tfx {
	struct fx *fx;
	CK_OBJECT_HANDLE ec_pub, ec_priv, rsa_pub, rsa_priv;
	int rounds;
};

struct worker {
	struct tfx *t;
	int idx;
	int failures;
};

static int
setup(void **state)
{
	struct tfx *t = calloc(1, sizeof(*t));
	CK_SESSION_HANDLE s;

	t->fx = fx_new(NULL);
	t->rounds = getenv("CC_UNDER_VALGRIND") != NULL ? 5 : 40;
	fx_card_insert(t->fx, 0, FX_SERIAL_A);
	assert_int_equal(t->fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(t->fx, 0, "Threads");
	s = fx_open(t->fx, 0, true);
	fx_gen_ec(t->fx, s, false, "01", "Authentication", &t->ec_pub, &t->ec_priv);
	fx_gen_rsa(t->fx, s, 2048, "02", "Digital Signature", &t->rsa_pub, &t->rsa_priv);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tfx *t = *state;

	fx_free(t->fx);
	free(t);
	return 0;
}

static int
sign_verify(CK_FUNCTION_LIST *p11, CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE priv,
	    CK_OBJECT_HANDLE pub, int round)
{
	CK_BYTE data[64], sig[512];
	CK_ULONG n = sizeof(sig);

	memset(data, round, sizeof(data));
	if (p11->C_SignInit(s, m, priv) != CKR_OK ||
	    p11->C_Sign(s, data, sizeof(data), sig, &n) != CKR_OK ||
	    p11->C_VerifyInit(s, m, pub) != CKR_OK ||
	    p11->C_Verify(s, data, sizeof(data), sig, n) != CKR_OK)
		return 1;
	return 0;
}

static void *
signer(void *arg)
{
	struct worker *w = arg;
	CK_FUNCTION_LIST *p11 = w->t->fx->p11;
	CK_MECHANISM ec = { CKM_ECDSA_SHA256, NULL, 0 }, rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_SESSION_HANDLE s;
	int i;

	if (p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		w->failures++;
		return NULL;
	}
	for (i = 0; i < w->t->rounds; i++) {
		if (w->idx % 2 == 0)
			w->failures += sign_verify(p11, s, &ec, w->t->ec_priv, w->t->ec_pub, i);
		else
			w->failures += sign_verify(p11, s, &rsa, w->t->rsa_priv, w->t->rsa_pub, i);
	}
	if (p11->C_CloseSession(s) != CKR_OK)
		w->failures++;
	return NULL;
}

static void *
lister(void *arg)
{
	struct worker *w = arg;
	CK_FUNCTION_LIST *p11 = w->t->fx->p11;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[16];
	CK_TOKEN_INFO ti;
	CK_ULONG n;
	int i;

	if (p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		w->failures++;
		return NULL;
	}
	for (i = 0; i < w->t->rounds * 2; i++) {
		if (p11->C_FindObjectsInit(s, NULL, 0) != CKR_OK ||
		    p11->C_FindObjects(s, h, 16, &n) != CKR_OK || n != 5 ||
		    p11->C_FindObjectsFinal(s) != CKR_OK || p11->C_GetTokenInfo(0, &ti) != CKR_OK)
			w->failures++;
	}
	p11->C_CloseSession(s);
	return NULL;
}

static void
test_parallel_signing(void **state)
{
	struct tfx *t = *state;
	struct worker w[NTHREADS + 1];
	pthread_t th[NTHREADS + 1];
	int i;

	for (i = 0; i <= NTHREADS; i++) {
		w[i] = (struct worker){ t, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, i < NTHREADS ? signer : lister, &w[i]),
				 0);
	}
	for (i = 0; i <= NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
}

struct login_job {
	struct fx *fx;
	CK_RV rv;
};

static void *
login_thread(void *arg)
{
	struct login_job *j = arg;
	CK_SESSION_HANDLE s;

	j->rv = j->fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (j->rv == CKR_OK)
		j->rv = j->fx->p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FX_PIN, strlen(FX_PIN));
	return NULL;
}

/*
 * Each check takes a try before the KDF; six threads logging in at once with
 * the right passcode must not run a 3-try counter down to "locked".
 */
static void
test_parallel_logins(void **state)
{
	struct tfx *t = *state;
	struct login_job j[6];
	pthread_t th[6];
	CK_SESSION_HANDLE s = fx_open(t->fx, 0, false);
	CK_TOKEN_INFO ti;
	int i, ok = 0;

	assert_int_equal(t->fx->p11->C_Logout(s), CKR_OK);
	for (i = 0; i < 6; i++) {
		j[i] = (struct login_job){ t->fx, CKR_GENERAL_ERROR };
		assert_int_equal(pthread_create(&th[i], NULL, login_thread, &j[i]), 0);
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (j[i].rv == CKR_OK)
			ok++;
		else
			assert_int_equal(j[i].rv, CKR_USER_ALREADY_LOGGED_IN);
	}
	assert_int_equal(ok, 1);
	assert_int_equal(t->fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_int_equal(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parallel_signing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_logins, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-threads", tests, NULL, NULL);
}
