/*
 * C_Initialize / C_Finalize edge cases (style.md trap 9), fork, bad config,
 * and the blank-padded info structures (trap 11).
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

#include "tests/module/fixture.h"

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

static CK_RV
mutex_cb(CK_VOID_PTR p)
{
	return CKR_OK;
}

static CK_RV
create_cb(CK_VOID_PTR_PTR p)
{
	*p = NULL;
	return CKR_OK;
}

static void
test_null_args(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void
test_os_locking(void **state)
{
	struct fx *fx = *state;
	CK_C_INITIALIZE_ARGS a = { .flags = CKF_OS_LOCKING_OK };

	assert_int_equal(fx->p11->C_Initialize(&a), CKR_OK);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	a.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
	assert_int_equal(fx->p11->C_Initialize(&a), CKR_OK);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
}

static void
test_app_callbacks(void **state)
{
	struct fx *fx = *state;
	CK_C_INITIALIZE_ARGS a = { create_cb, mutex_cb, mutex_cb, mutex_cb, CKF_OS_LOCKING_OK, NULL };

	/* Callbacks plus OS locking: we use our own. */
	assert_int_equal(fx->p11->C_Initialize(&a), CKR_OK);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	/* Callbacks only: we cannot use them. */
	a.flags = 0;
	assert_int_equal(fx->p11->C_Initialize(&a), CKR_CANT_LOCK);
	/* Some callbacks but not all. */
	a.flags = CKF_OS_LOCKING_OK;
	a.LockMutex = NULL;
	assert_int_equal(fx->p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_GetSlotList(CK_FALSE, NULL, &(CK_ULONG){ 0 }),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void
test_reserved(void **state)
{
	struct fx *fx = *state;
	/* p11-kit's x-init-reserved option arrives as a string: refused by design. */
	CK_C_INITIALIZE_ARGS a = { .flags = CKF_OS_LOCKING_OK, .pReserved = "verbose=yes" };

	assert_int_equal(fx->p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Finalize(&a), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
}

static void
test_repeat(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s;
	int i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
		assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
				 CKR_OK);
		assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
		/* Sessions do not survive C_Finalize. */
		assert_int_equal(fx->p11->C_CloseSession(s), CKR_CRYPTOKI_NOT_INITIALIZED);
	}
}

static void
test_fork_child_not_initialized(void **state)
{
	struct fx *fx = *state;
	CK_ULONG n = 0;
	int status;
	pid_t pid;

	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int code = 0;

		if (fx->p11->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED)
			code = 1;
		else if (fx->p11->C_Initialize(NULL) != CKR_OK)
			code = 2;
		else if (fx->p11->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 1)
			code = 3;
		else if (fx->p11->C_Finalize(NULL) != CKR_OK)
			code = 4;
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent is unaffected. */
	assert_int_equal(fx->p11->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
}

static void
test_bad_config(void **state)
{
	struct fx *fx = *state;
	FILE *f = fopen(fx->conf, "a");

	assert_non_null(f);
	fputs("no-such-key: 1\n", f);
	fclose(f);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
	assert_true(fx_log_contains(fx, "carecard.yaml:"));
	setenv("CARECARD_CONF", "/nonexistent/carecard.yaml", 1);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
}

static bool
padded(const unsigned char *field, size_t size, const char *text)
{
	size_t n = strlen(text), i;

	if (n > size || memcmp(field, text, n) != 0)
		return false;
	for (i = n; i < size; i++)
		if (field[i] != ' ')
			return false;
	return true;
}

static void
test_info_padding(void **state)
{
	struct fx *fx = *state;
	CK_INFO info;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slots[4];
	CK_ULONG n = 1;

	assert_int_equal(fx->p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	assert_true(padded(info.manufacturerID, 32, "carecard"));
	assert_true(padded(info.libraryDescription, 32, "carecard virtual smartcard"));

	/* Two-call convention for the slot list. */
	assert_int_equal(fx->p11->C_GetSlotList(CK_FALSE, slots, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 2);
	assert_int_equal(fx->p11->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	n = 4;
	assert_int_equal(fx->p11->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(slots[0], 0);

	assert_int_equal(fx->p11->C_GetSlotInfo(0, &si), CKR_OK);
	assert_true(padded(si.slotDescription, 64, "Test Reader 1"));
	assert_true(padded(si.manufacturerID, 32, "carecard"));
	assert_int_equal(si.flags, CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | CKF_TOKEN_PRESENT);
	assert_int_equal(fx->p11->C_GetSlotInfo(1, &si), CKR_OK);
	assert_int_equal(si.flags, CKF_REMOVABLE_DEVICE | CKF_HW_SLOT);
	assert_int_equal(fx->p11->C_GetSlotInfo(7, &si), CKR_SLOT_ID_INVALID);

	assert_int_equal(fx->p11->C_GetTokenInfo(1, &ti), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_true(padded(ti.label, 32, ""));
	assert_true(padded(ti.serialNumber, 16, FX_SERIAL_A));
	assert_true(padded(ti.model, 16, "virtual card"));
	assert_true(padded(ti.utcTime, 16, ""));
	/* A blank card: not initialised, no user PIN. */
	assert_int_equal(ti.flags & (CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED), 0);
	assert_true(ti.flags & CKF_RNG);
	assert_false(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH);
	assert_int_equal(ti.ulMinPinLen, 4);
	assert_int_equal(ti.ulMaxPinLen, 8);

	fx_personalise(fx, 0, "Dr Example");
	assert_int_equal(fx->p11->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_true(padded(ti.label, 32, "Dr Example"));
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	assert_true(ti.flags & CKF_LOGIN_REQUIRED);
}

static void
test_bad_arguments(void **state)
{
	struct fx *fx = *state;
	CK_SESSION_HANDLE s;
	CK_MECHANISM_INFO mi;
	CK_ULONG n;

	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_OpenSession(0, 0, NULL, NULL, &s),
			 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(fx->p11->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(fx->p11->C_OpenSession(9, CKF_SERIAL_SESSION, NULL, NULL, &s),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(fx->p11->C_CloseSession(12345), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->p11->C_GetMechanismInfo(0, CKM_MD5, &mi), CKR_MECHANISM_INVALID);
	assert_int_equal(fx->p11->C_GetMechanismInfo(0, CKM_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_GetMechanismList(0, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_GetMechanismList(0, NULL, &n), CKR_OK);
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, NULL, 4), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_Login(s, 77, (CK_UTF8CHAR_PTR)"1234", 4), CKR_USER_TYPE_INVALID);
	assert_int_equal(fx->p11->C_GetAttributeValue(s, 1, NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_FindObjects(s, NULL, 1, &n), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_FindObjects(s, &(CK_OBJECT_HANDLE){ 0 }, 1, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->p11->C_SignInit(s, NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_Sign(s, NULL, 0, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(fx->p11->C_Sign(s, (CK_BYTE_PTR)"x", 1, NULL, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fx->p11->C_Encrypt(s, NULL, 0, NULL, &n), CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(fx->p11->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
	assert_int_equal(fx->p11->C_DestroyObject(s, 424242), CKR_OBJECT_HANDLE_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_null_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_os_locking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_child_not_initialized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-init", tests, NULL, NULL);
}
