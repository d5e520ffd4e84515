# tests for the CA card operations (issue 5): the registry records in a
# cmocka unit test, and shell integration tests on real card images in real
# readers through the PKCS#11 module.
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-card-registry
TESTS += %D%/unit/test-ca-card-registry
%C%_unit_test_ca_card_registry_SOURCES = %D%/unit/test-ca-card-registry.c %D%/unit/reg-fixture.c \
	%D%/unit/reg-fixture.h
%C%_unit_test_ca_card_registry_CFLAGS = $(CC_TEST_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
%C%_unit_test_ca_card_registry_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

CA_CARD_TESTS = \
	%D%/integration/test-ca-card-issue.sh \
	%D%/integration/test-ca-card-admin.sh \
	%D%/integration/test-ca-card-renew.sh \
	%D%/integration/test-ca-card-tac.sh \
	%D%/integration/test-ca-card-kill.sh \
	%D%/integration/test-ca-card-kill-tac.sh
TESTS += $(CA_CARD_TESTS)
EXTRA_DIST += $(CA_CARD_TESTS) %D%/integration/test-ca-card-lib.sh
