# tests for the CA registration-authority operations (issue 5)
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-ra
TESTS += %D%/unit/test-ca-ra
%C%_unit_test_ca_ra_SOURCES = %D%/unit/test-ca-ra.c %D%/unit/reg-fixture.c %D%/unit/reg-fixture.h
%C%_unit_test_ca_ra_CFLAGS = $(CC_TEST_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
%C%_unit_test_ca_ra_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

# the refusal table (issue 13): every message names its subject, rule and way forward
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-refusal
TESTS += %D%/unit/test-ca-refusal
%C%_unit_test_ca_refusal_SOURCES = %D%/unit/test-ca-refusal.c
%C%_unit_test_ca_refusal_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_refusal_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

CA_RA_TESTS = %D%/integration/test-ca-ra-cli.sh %D%/integration/test-ca-ra-scripts.sh \
	%D%/integration/test-ca-ra-day.sh %D%/integration/test-ca-messages.sh
TESTS += $(CA_RA_TESTS)
EXTRA_DIST += $(CA_RA_TESTS)
