/*
 * CKO_DATA objects, a card's small files (issue 15): created, found, read
 * and destroyed, public and private. A private token data object's value
 * is sealed on the card (not in the image in clear), exists for the
 * application only after login, and is readable by another process that
 * logs in; a public one is readable by anyone.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pkcs11/card-image.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)
#define PUBLIC_VALUE	"ward 7, bay 3"
#define PRIVATE_VALUE	"GMC 7654321: prescriber notes"

static const CK_OBJECT_CLASS data_class = CKO_DATA;
static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
/* DER of OID 1.2.826.0.1 */
static const unsigned char oid[] = { 0x06, 0x04, 0x2a, 0x86, 0x3a, 0x00 };

struct dfx {
	struct fx *fx;
	CK_SESSION_HANDLE s;
};

static int
setup(void **state)
{
	struct dfx *d = calloc(1, sizeof(*d));

	d->fx = fx_new(NULL);
	fx_card_insert(d->fx, 0, FX_SERIAL_A);
	assert_int_equal(d->fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(d->fx, 0, "Files");
	d->s = fx_open(d->fx, 0, false);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dfx *d = *state;

	fx_free(d->fx);
	free(d);
	return 0;
}

static CK_RV
create(struct dfx *d, bool token, bool private, const char *label, const char *value,
       CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, (void *)&data_class, sizeof(data_class) },
		{ CKA_TOKEN, (void *)(token ? &yes : &no), sizeof(CK_BBOOL) },
		{ CKA_PRIVATE, (void *)(private ? &yes : &no), sizeof(CK_BBOOL) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_APPLICATION, "carecard", 8 },
		{ CKA_OBJECT_ID, (void *)oid, sizeof(oid) },
		{ CKA_VALUE, (void *)value, strlen(value) },
	};

	return d->fx->p11->C_CreateObject(d->s, t, 7, out);
}

static CK_ULONG
count_data(struct dfx *d)
{
	CK_ATTRIBUTE t = { CKA_CLASS, (void *)&data_class, sizeof(data_class) };

	return fx_count(d->fx, d->s, &t, 1);
}

static void
assert_value(struct dfx *d, CK_OBJECT_HANDLE o, const char *want)
{
	CK_ULONG len = 0;
	unsigned char *v = fx_attr(d->fx, d->s, o, CKA_VALUE, &len);

	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
	free(v);
}

/* Is @needle anywhere in the card image of reader 0? */
static bool
image_contains(struct dfx *d, const char *needle)
{
	char path[4096], buf[65536];
	size_t n, k = strlen(needle);
	FILE *f;

	fx_card_path(d->fx, 0, path, sizeof(path));
	assert_non_null(f = fopen(path, "rb"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(buf + i, needle, k) == 0)
			return true;
	return false;
}

static void
test_public_and_private(void **state)
{
	struct dfx *d = *state;
	CK_OBJECT_HANDLE pub, priv, sess;
	CK_ATTRIBUTE find_app = { CKA_APPLICATION, "carecard", 8 };
	CK_ULONG before = count_data(d);

	/* Token objects need the user; so do private ones of any kind. */
	assert_int_equal(create(d, true, false, "ward", PUBLIC_VALUE, &pub), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(create(d, false, true, "notes", PRIVATE_VALUE, &sess),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(d->fx->p11->C_Login(d->s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(create(d, true, false, "ward", PUBLIC_VALUE, &pub), CKR_OK);
	assert_int_equal(create(d, true, true, "notes", PRIVATE_VALUE, &priv), CKR_OK);
	assert_int_equal(create(d, false, false, "scratch", "temporary", &sess), CKR_OK);
	assert_int_equal(count_data(d), before + 3);
	assert_int_equal(fx_count(d->fx, d->s, &find_app, 1), 3);
	assert_value(d, pub, PUBLIC_VALUE);
	assert_value(d, priv, PRIVATE_VALUE);
	assert_value(d, sess, "temporary");
	/* On the card: the public value in clear, the private one sealed. */
	assert_true(image_contains(d, PUBLIC_VALUE));
	assert_false(image_contains(d, PRIVATE_VALUE));

	/* Logged out: the private object does not exist for the application. */
	assert_int_equal(d->fx->p11->C_Logout(d->s), CKR_OK);
	assert_int_equal(count_data(d), before + 2);
	assert_value(d, pub, PUBLIC_VALUE);
	assert_int_equal(d->fx->p11->C_GetAttributeValue(d->s, priv, &(CK_ATTRIBUTE){ CKA_VALUE,
							 NULL, 0 }, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(d->fx->p11->C_DestroyObject(d->s, priv), CKR_OBJECT_HANDLE_INVALID);
	/* ... and back after login, the value unsealed again. */
	assert_int_equal(d->fx->p11->C_Login(d->s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_value(d, priv, PRIVATE_VALUE);

	/* Destroyed: gone from the card. */
	assert_int_equal(d->fx->p11->C_DestroyObject(d->s, priv), CKR_OK);
	assert_int_equal(d->fx->p11->C_DestroyObject(d->s, pub), CKR_OK);
	assert_int_equal(d->fx->p11->C_DestroyObject(d->s, sess), CKR_OK);
	assert_int_equal(count_data(d), before);
	assert_false(image_contains(d, PUBLIC_VALUE));
}

/* Another process of the holder logs in and reads the private file. */
static void
test_other_process_reads(void **state)
{
	struct dfx *d = *state;
	CK_OBJECT_HANDLE priv;
	int status;
	pid_t pid;

	assert_int_equal(d->fx->p11->C_Login(d->s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(create(d, true, true, "notes", PRIVATE_VALUE, &priv), CKR_OK);
	if ((pid = fork()) == 0) {
		CK_ATTRIBUTE t[] = { { CKA_CLASS, (void *)&data_class, sizeof(data_class) },
				     { CKA_LABEL, "notes", 5 } };
		CK_OBJECT_HANDLE h;
		CK_SESSION_HANDLE s;
		CK_ULONG n = 0;
		char v[64];
		CK_ATTRIBUTE val = { CKA_VALUE, v, sizeof(v) };
		CK_FUNCTION_LIST *p = d->fx->p11;

		if (p->C_Initialize(NULL) != CKR_OK ||
		    p->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
			_exit(2);
		/* Not logged in: nothing to find. */
		if (p->C_FindObjectsInit(s, t, 2) != CKR_OK || p->C_FindObjects(s, &h, 1, &n) != CKR_OK ||
		    n != 0 || p->C_FindObjectsFinal(s) != CKR_OK)
			_exit(3);
		if (p->C_Login(s, CKU_USER, PIN(FX_PIN)) != CKR_OK ||
		    p->C_FindObjectsInit(s, t, 2) != CKR_OK || p->C_FindObjects(s, &h, 1, &n) != CKR_OK ||
		    n != 1 || p->C_FindObjectsFinal(s) != CKR_OK ||
		    p->C_GetAttributeValue(s, h, &val, 1) != CKR_OK ||
		    val.ulValueLen != strlen(PRIVATE_VALUE) || memcmp(v, PRIVATE_VALUE, val.ulValueLen))
			_exit(4);
		p->C_Finalize(NULL);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_template_rules(void **state)
{
	struct dfx *d = *state;
	CK_OBJECT_HANDLE h;
	const unsigned char bad_oid[] = { 0x06, 0x09, 0x2a };
	CK_ATTRIBUTE badoid[] = {
		{ CKA_CLASS, (void *)&data_class, sizeof(data_class) },
		{ CKA_OBJECT_ID, (void *)bad_oid, sizeof(bad_oid) },
	};
	CK_ATTRIBUTE sign[] = {
		{ CKA_CLASS, (void *)&data_class, sizeof(data_class) },
		{ CKA_SIGN, (void *)&yes, sizeof(yes) },
	};
	CK_ATTRIBUTE empty[] = { { CKA_CLASS, (void *)&data_class, sizeof(data_class) } };
	CK_ATTRIBUTE relabel = { CKA_LABEL, "renamed", 7 };
	CK_ATTRIBUTE revalue = { CKA_VALUE, "x", 1 };
	CK_ULONG len;
	unsigned char *v;

	assert_int_equal(d->fx->p11->C_CreateObject(d->s, badoid, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(d->fx->p11->C_CreateObject(d->s, sign, 2, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	/* All attributes default (a session object needs no login). */
	assert_int_equal(d->fx->p11->C_CreateObject(d->s, empty, 1, &h), CKR_OK);
	v = fx_attr(d->fx, d->s, h, CKA_VALUE, &len);
	assert_int_equal(len, 0);
	free(v);
	v = fx_attr(d->fx, d->s, h, CKA_APPLICATION, &len);
	assert_int_equal(len, 0);
	free(v);
	assert_int_equal(d->fx->p11->C_SetAttributeValue(d->s, h, &relabel, 1), CKR_OK);
	assert_int_equal(d->fx->p11->C_SetAttributeValue(d->s, h, &revalue, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	/* An empty private token object round-trips too. */
	assert_int_equal(d->fx->p11->C_Login(d->s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(create(d, true, true, "empty", "", &h), CKR_OK);
	v = fx_attr(d->fx, d->s, h, CKA_VALUE, &len);
	assert_int_equal(len, 0);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_public_and_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_process_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_rules, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-data", tests, NULL, NULL);
}
