# tests owned by the ca work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-registry %D%/unit/test-ca-audit-chain %D%/unit/test-ca-profile \
	%D%/unit/test-ca-issue %D%/unit/test-ca-validate %D%/unit/test-ca-builder %D%/unit/test-ca-gate
TESTS += %D%/unit/test-ca-registry %D%/unit/test-ca-audit-chain %D%/unit/test-ca-profile \
	%D%/unit/test-ca-issue %D%/unit/test-ca-validate %D%/unit/test-ca-builder %D%/unit/test-ca-gate
%C%_unit_test_ca_gate_SOURCES = %D%/unit/test-ca-gate.c
%C%_unit_test_ca_gate_CFLAGS = $(CC_TEST_CFLAGS) $(P11KIT_CFLAGS)
%C%_unit_test_ca_gate_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS) $(UNISTRING_LIBS)
%C%_unit_test_ca_registry_SOURCES = %D%/unit/test-ca-registry.c %D%/unit/reg-fixture.c \
	%D%/unit/reg-fixture.h
%C%_unit_test_ca_registry_CFLAGS = $(CC_TEST_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
%C%_unit_test_ca_registry_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_audit_chain_SOURCES = %D%/unit/test-ca-audit-chain.c %D%/unit/reg-fixture.c \
	%D%/unit/reg-fixture.h
%C%_unit_test_ca_audit_chain_CFLAGS = $(CC_TEST_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
%C%_unit_test_ca_audit_chain_LDADD = $(%C%_unit_test_ca_registry_LDADD)
%C%_unit_test_ca_profile_SOURCES = %D%/unit/test-ca-profile.c
%C%_unit_test_ca_profile_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_profile_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_validate_SOURCES = %D%/unit/test-ca-validate.c
%C%_unit_test_ca_validate_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_validate_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_issue_SOURCES = %D%/unit/test-ca-issue.c %D%/unit/ca-fixture.c \
	%D%/unit/ca-fixture.h
%C%_unit_test_ca_issue_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_issue_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
%C%_unit_test_ca_builder_SOURCES = %D%/unit/test-ca-builder.c %D%/unit/ca-fixture.c \
	%D%/unit/ca-fixture.h
%C%_unit_test_ca_builder_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_builder_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

TESTS += %D%/integration/test-ca-cli.sh %D%/integration/test-ca-privsep.sh \
	%D%/integration/test-ca-authz.sh %D%/integration/test-ca-library-purity.sh \
	%D%/integration/test-ca-man.sh %D%/integration/test-ca-audit-anchor.sh \
	%D%/integration/test-ca-issue-kill.sh %D%/integration/test-ca-rollover.sh %D%/integration/test-ca-backup.sh
EXTRA_DIST += %D%/integration/test-ca-cli.sh %D%/integration/test-ca-privsep.sh \
	%D%/integration/test-ca-authz.sh %D%/integration/test-ca-library-purity.sh \
	%D%/integration/test-ca-man.sh %D%/integration/test-ca-audit-anchor.sh \
	%D%/integration/test-ca-issue-kill.sh %D%/integration/test-ca-rollover.sh %D%/integration/test-ca-backup.sh

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

# `make bench-scale`: the registry on PostgreSQL against SQLite (never timed
# in make check). See tests/bench/README-scale.md.
EXTRA_DIST += %D%/bench/run-bench-scale.sh %D%/bench/bench-scale-ocsp.sh %D%/bench/ocsp-post.lua %D%/bench/ocsp-pipeline.lua \
	%D%/bench/README-scale.md
bench-scale: %D%/bench/bench-ca$(EXEEXT) ca/carecard-ca$(EXEEXT) $(p11module_LTLIBRARIES) \
		$(bin_PROGRAMS)
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	CC_MODULE='$(abs_top_builddir)/pkcs11/.libs/carecard-pkcs11.so' \
	SOFTHSM_MODULE='$(softhsm_module)' $(SHELL) $(top_srcdir)/tests/bench/run-bench-scale.sh \
	$(BENCH_SCALE_ARGS)
.PHONY: bench-scale

# The command line as a release build has it: the same sources without
# the test switches (only ca/cli/test-hooks.c differs between the builds),
# so the suite can show that a release binary ignores them.
check_PROGRAMS += %D%/carecard-ca-release
%C%_carecard_ca_release_SOURCES = $(CA_CLI_SOURCES)
%C%_carecard_ca_release_CPPFLAGS = $(AM_CPPFLAGS) -DCC_RELEASE_VARIANT
%C%_carecard_ca_release_CFLAGS = $(ca_carecard_ca_CFLAGS)
%C%_carecard_ca_release_LDADD = $(ca_carecard_ca_LDADD)
TESTS += %D%/integration/test-ca-release.sh
EXTRA_DIST += %D%/integration/test-ca-release.sh

# The CA input checks' fuzz harness in replay mode: the seed corpus through
# the libFuzzer entry point, as TAP (under valgrind/sanitizers with the rest).
check_PROGRAMS += %D%/fuzz/fuzz-ca-validate-replay
TESTS += %D%/fuzz/fuzz-ca-validate-replay
%C%_fuzz_fuzz_ca_validate_replay_SOURCES = %D%/fuzz/fuzz-ca-validate.c
%C%_fuzz_fuzz_ca_validate_replay_CPPFLAGS = $(AM_CPPFLAGS) -DCA_FUZZ_REPLAY \
	-DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_fuzz_fuzz_ca_validate_replay_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
EXTRA_DIST += %D%/fuzz/corpus-ca-validate

# libFuzzer build, outside the default build (FUZZ_CC, FUZZ_FLAGS: policy.mk):
# "make fuzz-ca-validate-run FUZZ_SECONDS=60" writes new inputs to
# tests/fuzz/corpus-ca-validate-new in the build tree, crashes to tests/fuzz/.
fuzz-ca-validate:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(FUZZ_CC) $(FUZZ_FLAGS) $(DEFS) -I$(abs_top_builddir) -I. \
		-DCC_PKGDATADIR='"$(pkgdatadir)"' \
		$(YAML_CFLAGS) -o $(abs_top_builddir)/tests/fuzz/fuzz-ca-validate \
		tests/fuzz/fuzz-ca-validate.c ca/core/validate.c $(policy_lib_c) common/fileio.c \
		$(YAML_LIBS) $(UNISTRING_LIBS)
fuzz-ca-validate-run: fuzz-ca-validate
	@mkdir -p tests/fuzz/corpus-ca-validate-new
	tests/fuzz/fuzz-ca-validate -max_total_time=$(FUZZ_SECONDS) -max_len=1024 \
		-artifact_prefix=tests/fuzz/ tests/fuzz/corpus-ca-validate-new \
		$(top_srcdir)/tests/fuzz/corpus-ca-validate
CLEANFILES += tests/fuzz/fuzz-ca-validate
.PHONY: fuzz-ca-validate fuzz-ca-validate-run
# the registry on PostgreSQL (issue 14): tests/lib/pg.sh starts the server
TESTS += %D%/integration/test-ca-registry-pg.sh %D%/integration/test-ca-audit-chain-pg.sh \
	%D%/integration/test-ca-pg.sh \
	%D%/integration/test-ca-card-admin-pg.sh %D%/integration/test-ca-migrate-pg.sh \
	%D%/integration/test-ca-card-renew-pg.sh %D%/integration/test-ca-card-kill-pg.sh \
	%D%/integration/test-ca-ra-day-pg.sh %D%/integration/test-ca-rollover-pg.sh %D%/integration/test-ca-backup-pg.sh
EXTRA_DIST += %D%/integration/test-ca-registry-pg.sh %D%/integration/test-ca-audit-chain-pg.sh \
	%D%/integration/test-ca-pg.sh %D%/lib/pg.sh %D%/lib/pg-unit.sh \
	%D%/integration/test-ca-card-admin-pg.sh %D%/integration/test-ca-migrate-pg.sh \
	%D%/integration/test-ca-card-renew-pg.sh %D%/integration/test-ca-card-kill-pg.sh \
	%D%/integration/test-ca-ra-day-pg.sh %D%/integration/test-ca-rollover-pg.sh %D%/integration/test-ca-backup-pg.sh
