# tests owned by the ca work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-registry %D%/unit/test-ca-profile %D%/unit/test-ca-issue
TESTS += %D%/unit/test-ca-registry %D%/unit/test-ca-profile %D%/unit/test-ca-issue
%C%_unit_test_ca_registry_SOURCES = %D%/unit/test-ca-registry.c
%C%_unit_test_ca_registry_CFLAGS = $(CC_TEST_CFLAGS) $(SQLITE_CFLAGS)
%C%_unit_test_ca_registry_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_profile_SOURCES = %D%/unit/test-ca-profile.c
%C%_unit_test_ca_profile_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_profile_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_issue_SOURCES = %D%/unit/test-ca-issue.c
%C%_unit_test_ca_issue_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_issue_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

TESTS += %D%/integration/test-ca-cli.sh
EXTRA_DIST += %D%/integration/test-ca-cli.sh
