# tests for carecard-ca serve (issue 11): the OCSP responder's library half
# with a real HSM, the service's own units, integration scripts with real
# clients (openssl ocsp, curl, openssl s_server), fuzz replays, benchmark.
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-ocsp
TESTS += %D%/unit/test-ca-ocsp
%C%_unit_test_ca_ocsp_SOURCES = %D%/unit/test-ca-ocsp.c
%C%_unit_test_ca_ocsp_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_ocsp_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

SERVICE_TESTS = \
	%D%/integration/test-service-ocsp.sh \
	%D%/integration/test-service-badinput.sh \
	%D%/integration/test-service-tls.sh \
	%D%/integration/test-service-kill.sh
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS) %D%/integration/test-service-lib.sh \
	%D%/integration/test-service-rawhttp.py
