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

TESTS += %D%/integration/test-ca-cli.sh %D%/integration/test-ca-man.sh
EXTRA_DIST += %D%/integration/test-ca-cli.sh %D%/integration/test-ca-man.sh

# CA benchmark: built with the tests so it cannot rot, run only by
# `make bench-ca` (never timed in make check). See tests/bench/README-ca.md.
check_PROGRAMS += %D%/bench/bench-ca
%C%_bench_bench_ca_SOURCES = %D%/bench/bench-ca.c
%C%_bench_bench_ca_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS)
%C%_bench_bench_ca_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
EXTRA_DIST += %D%/bench/run-bench-ca.sh %D%/bench/README-ca.md

bench-ca: %D%/bench/bench-ca$(EXEEXT) ca/carecard-ca$(EXEEXT) $(p11module_LTLIBRARIES) \
		$(bin_PROGRAMS)
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	CC_MODULE='$(abs_top_builddir)/pkcs11/.libs/carecard-pkcs11.so' \
	SOFTHSM_MODULE='$(softhsm_module)' $(SHELL) $(top_srcdir)/tests/bench/run-bench-ca.sh \
	$(BENCH_CA_ARGS)
.PHONY: bench-ca
