/*
 * The rollback guard through the module (issue 15): copy the card image
 * after a wrong try, make wrong tries until it locks, put the copy back.
 * The module must refuse the copy as a rollback (no session, an audit
 * line), in this process and in a fresh one, in any reader of the
 * installation, until the SO re-initialises the card with C_InitToken.
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

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static CK_RV
open_session(struct fx *fx, CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = fx->p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);

	if (rv == CKR_OK)
		fx->p11->C_CloseSession(s);
	return rv;
}

/* Wrong tries until the card locks; returns after the locking one. */
static void
lock_card(struct fx *fx, CK_SESSION_HANDLE s)
{
	CK_RV rv;

	while ((rv = fx->p11->C_Login(s, CKU_USER, PIN("0000"))) == CKR_PIN_INCORRECT)
		;
	assert_int_equal(rv, CKR_PIN_LOCKED);
}

static void
test_restored_copy_refused(void **state)
{
	struct fx *fx = *state;
	char img[PATH_MAX + 64], copy[PATH_MAX + 16];
	CK_SESSION_HANDLE s = fx_open(fx, 0, false);
	CK_TOKEN_INFO ti;

	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
	fx_card_path(fx, 0, img, sizeof(img));
	snprintf(copy, sizeof(copy), "%s/copy.card.bak", fx->dir);
	copy_file(img, copy);			/* two tries left on the copy */
	lock_card(fx, s);
	assert_int_equal(fx_tries_on_disk(fx, 0), 0);

	copy_file(copy, img);			/* put the copy back */
	assert_int_equal(fx_tries_on_disk(fx, 0), 2);
	/* The token is still there (so the SO can re-initialise it), but unusable. */
	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_int_equal(open_session(fx, 0), CKR_TOKEN_NOT_RECOGNIZED);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_DEVICE_REMOVED);
	assert_true(fx_log_contains(fx, "card image refused as a rollback"));
	assert_true(fx_log_contains(fx, "refused as a rollback; an SO can re-initialise"));
	assert_int_equal(fx_tries_on_disk(fx, 0), 2);	/* and nothing was written */

	/* A fresh process of the same installation refuses it too. */
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	assert_int_equal(open_session(fx, 0), CKR_TOKEN_NOT_RECOGNIZED);

	/* So does any other reader of the installation. */
	fx_card_remove(fx, 0, NULL);
	snprintf(img, sizeof(img), "%s/%s%s", fx->reader[1], FX_SERIAL_A, CC_CARD_EXT);
	copy_file(copy, img);
	assert_int_equal(open_session(fx, 1), CKR_TOKEN_NOT_RECOGNIZED);
	assert_int_equal(open_session(fx, 0), CKR_TOKEN_NOT_PRESENT);
}

/* The SO re-personalises a card refused as a rollback: usable again. */
static void
test_so_reinitialises(void **state)
{
	struct fx *fx = *state;
	char img[PATH_MAX], copy[PATH_MAX + 16];
	CK_SESSION_HANDLE s = fx_open(fx, 0, false);
	CK_UTF8CHAR label[32];

	fx_card_path(fx, 0, img, sizeof(img));
	snprintf(copy, sizeof(copy), "%s/copy.card.bak", fx->dir);
	copy_file(img, copy);
	lock_card(fx, s);
	copy_file(copy, img);
	assert_int_equal(open_session(fx, 0), CKR_TOKEN_NOT_RECOGNIZED);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->p11->C_InitToken(0, PIN("wrong-so"), label), CKR_PIN_INCORRECT);
	/* A wrong SO try on it does not make the copy acceptable. */
	assert_int_equal(open_session(fx, 0), CKR_TOKEN_NOT_RECOGNIZED);
	fx_personalise(fx, 0, "Again");
	s = fx_open(fx, 0, true);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	assert_int_equal(fx_tries_on_disk(fx, 0), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restored_copy_refused, fx_setup_card, fx_teardown),
		cmocka_unit_test_setup_teardown(test_so_reinitialises, fx_setup_card, fx_teardown),
	};

	return cmocka_run_group_tests_name("module-rollback", tests, NULL, NULL);
}
