# tests owned by the module work; appends to TESTS
# Module tests drive the CK_FUNCTION_LIST in-process (libcarecard-p11.la)
# on temporary reader directories; unit tests cover the pure parts.
if HAVE_CMOCKA
cc_module_test_ldadd = pkcs11/libcarecard-p11.la $(CC_TEST_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)
cc_module_tests = \
	%D%/module/test-init \
	%D%/module/test-pin \
	%D%/module/test-objects \
	%D%/module/test-sign \
	%D%/module/test-removal \
	%D%/module/test-threads \
	%D%/module/test-killlogin \
	%D%/module/test-policy \
	%D%/module/test-multilogin \
	%D%/module/test-rollback \
	%D%/module/test-oplife \
	%D%/module/test-data \
	%D%/module/test-interface \
	%D%/module/test-unlock \
	%D%/unit/test-attrs \
	%D%/unit/test-mech

check_PROGRAMS += $(cc_module_tests)
TESTS += $(cc_module_tests)

%C%_module_test_init_SOURCES = %D%/module/test-init.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_init_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_init_LDADD = $(cc_module_test_ldadd)

%C%_module_test_unlock_SOURCES = %D%/module/test-unlock.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_unlock_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_unlock_LDADD = $(cc_module_test_ldadd)

%C%_module_test_pin_SOURCES = %D%/module/test-pin.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_pin_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_pin_LDADD = $(cc_module_test_ldadd)

%C%_module_test_objects_SOURCES = %D%/module/test-objects.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_objects_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_objects_LDADD = $(cc_module_test_ldadd)

%C%_module_test_sign_SOURCES = %D%/module/test-sign.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_sign_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_sign_LDADD = $(cc_module_test_ldadd)

%C%_module_test_removal_SOURCES = %D%/module/test-removal.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_removal_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_removal_LDADD = $(cc_module_test_ldadd)

%C%_module_test_threads_SOURCES = %D%/module/test-threads.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_threads_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_threads_LDADD = $(cc_module_test_ldadd)

%C%_module_test_killlogin_SOURCES = %D%/module/test-killlogin.c %D%/module/fixture.c \
	%D%/module/fixture.h
%C%_module_test_killlogin_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_killlogin_LDADD = $(cc_module_test_ldadd)

%C%_module_test_policy_SOURCES = %D%/module/test-policy.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_policy_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_policy_LDADD = $(cc_module_test_ldadd)

%C%_module_test_multilogin_SOURCES = %D%/module/test-multilogin.c %D%/module/fixture.c \
	%D%/module/fixture.h
%C%_module_test_multilogin_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_multilogin_LDADD = $(cc_module_test_ldadd)

%C%_module_test_rollback_SOURCES = %D%/module/test-rollback.c %D%/module/fixture.c \
	%D%/module/fixture.h
%C%_module_test_rollback_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_rollback_LDADD = $(cc_module_test_ldadd)

%C%_module_test_oplife_SOURCES = %D%/module/test-oplife.c %D%/module/fixture.c \
	%D%/module/fixture.h
%C%_module_test_oplife_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_oplife_LDADD = $(cc_module_test_ldadd)

%C%_module_test_data_SOURCES = %D%/module/test-data.c %D%/module/fixture.c %D%/module/fixture.h
%C%_module_test_data_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_data_LDADD = $(cc_module_test_ldadd)

%C%_module_test_interface_SOURCES = %D%/module/test-interface.c %D%/module/fixture.c \
	%D%/module/fixture.h
%C%_module_test_interface_CFLAGS = $(CC_TEST_CFLAGS)
%C%_module_test_interface_LDADD = $(cc_module_test_ldadd)

%C%_unit_test_attrs_SOURCES = %D%/unit/test-attrs.c
%C%_unit_test_attrs_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_attrs_LDADD = $(cc_module_test_ldadd)

%C%_unit_test_mech_SOURCES = %D%/unit/test-mech.c
%C%_unit_test_mech_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_mech_LDADD = $(cc_module_test_ldadd)
endif

# The module and `carecard-policy explain` agree on the passcode rules.
TESTS += %D%/integration/test-module-policy.sh
EXTRA_DIST += %D%/integration/test-module-policy.sh

# The isolated mode: the card account, the holders, the two sockets.
TESTS += %D%/integration/test-module-isolated.sh
EXTRA_DIST += %D%/integration/test-module-isolated.sh
