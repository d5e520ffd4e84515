/*
 * The PKCS#11 3.0 interface beside the 2.40 function list (issue 15): NSS
 * and Java ask for C_GetInterface first. C_GetInterfaceList lists a 3.0
 * and a 2.40 interface named "PKCS 11"; C_GetInterface picks by name,
 * version and flags; the 3.0 list works end to end (its 2.40 part is the
 * same module, C_SessionCancel and C_LoginUser work, the message-based
 * functions are not supported).
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

#include "pkcs11/api.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)

static int
setup(void **state)
{
	struct fx *fx = fx_new(NULL);

	fx_card_insert(fx, 0, FX_SERIAL_A);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static const CK_VERSION *
version_of(const CK_INTERFACE *i)
{
	return (const CK_VERSION *)i->pFunctionList;
}

static void
test_interface_list(void **state)
{
	CK_INTERFACE list[3];
	CK_ULONG n = 0;

	(void)state;
	assert_int_equal(cc_C_GetInterfaceList(NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_C_GetInterfaceList(NULL, &n), CKR_OK);
	assert_int_equal(n, 2);
	n = 1;
	assert_int_equal(cc_C_GetInterfaceList(list, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 2);
	n = 3;
	assert_int_equal(cc_C_GetInterfaceList(list, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_string_equal((const char *)list[0].pInterfaceName, "PKCS 11");
	assert_string_equal((const char *)list[1].pInterfaceName, "PKCS 11");
	assert_int_equal(version_of(&list[0])->major, 3);
	assert_int_equal(version_of(&list[0])->minor, 0);
	assert_int_equal(version_of(&list[1])->major, 2);
	assert_int_equal(version_of(&list[1])->minor, 40);
	assert_ptr_equal(list[1].pFunctionList, cc_function_list());
}

static void
test_get_interface(void **state)
{
	CK_VERSION v240 = { 2, 40 }, v30 = { 3, 0 }, v31 = { 3, 1 };
	CK_INTERFACE_PTR i = NULL;

	(void)state;
	assert_int_equal(cc_C_GetInterface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	/* The default is the 3.0 interface. */
	assert_int_equal(cc_C_GetInterface(NULL, NULL, &i, 0), CKR_OK);
	assert_int_equal(version_of(i)->major, 3);
	assert_int_equal(cc_C_GetInterface((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &i, 0), CKR_OK);
	assert_int_equal(version_of(i)->major, 3);
	assert_int_equal(cc_C_GetInterface((CK_UTF8CHAR_PTR)"PKCS 11", &v240, &i, 0), CKR_OK);
	assert_ptr_equal(i->pFunctionList, cc_function_list());
	/* No such interface: a version, a name, a flag we do not offer. */
	assert_int_equal(cc_C_GetInterface((CK_UTF8CHAR_PTR)"PKCS 11", &v31, &i, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_C_GetInterface((CK_UTF8CHAR_PTR)"Vendor X", NULL, &i, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_C_GetInterface(NULL, NULL, &i, CKF_INTERFACE_FORK_SAFE),
			 CKR_ARGUMENTS_BAD);
}

/* A whole session through the 3.0 function list, as NSS would use it. */
static void
test_use_3_0_list(void **state)
{
	struct fx *fx = *state;
	CK_INTERFACE_PTR i = NULL;
	CK_FUNCTION_LIST_3_0 *f;
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0;
	CK_INFO info;

	assert_int_equal(cc_C_GetInterface(NULL, NULL, &i, 0), CKR_OK);
	f = i->pFunctionList;
	assert_int_equal(f->v2.C_Initialize(NULL), CKR_OK);
	assert_int_equal(f->v2.C_GetInfo(&info), CKR_OK);
	assert_int_equal(f->C_GetInterfaceList(NULL, &n), CKR_OK);
	assert_int_equal(n, 2);
	fx_personalise(fx, 0, "Three");
	assert_int_equal(f->v2.C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	/* C_LoginUser: this card has no user names. */
	assert_int_equal(f->C_LoginUser(s, CKU_USER, PIN(FX_PIN), (CK_UTF8CHAR_PTR)"alice", 5),
			 CKR_USER_TYPE_INVALID);
	assert_int_equal(f->C_LoginUser(s, CKU_USER, PIN(FX_PIN), NULL, 0), CKR_OK);
	/* C_SessionCancel ends the named operations. */
	assert_int_equal(f->v2.C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(f->C_SessionCancel(s, CKF_SIGN), CKR_OK);
	assert_int_equal(f->v2.C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE);
	assert_int_equal(f->C_SessionCancel(s, CKF_DIGEST | CKF_FIND_OBJECTS), CKR_OK);
	assert_int_equal(f->v2.C_DigestUpdate(s, (CK_BYTE_PTR)"x", 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_SessionCancel(0x7777, CKF_DIGEST), CKR_SESSION_HANDLE_INVALID);
	/* Message-based functions: the card has none. */
	assert_int_equal(f->C_MessageSignInit(s, &sha, 0), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_SignMessageBegin(s, NULL, 0), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_MessageVerifyFinal(s), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_MessageEncryptFinal(s), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->v2.C_CloseSession(s), CKR_OK);
	assert_int_equal(f->v2.C_Finalize(NULL), CKR_OK);
	assert_int_equal(f->C_MessageDecryptFinal(s), CKR_CRYPTOKI_NOT_INITIALIZED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_interface_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_3_0_list, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-interface", tests, NULL, NULL);
}
