# tests owned by the policy work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-policy-load
TESTS += %D%/unit/test-policy-load
%C%_unit_test_policy_load_SOURCES = %D%/unit/test-policy-load.c
%C%_unit_test_policy_load_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_policy_load_CPPFLAGS = $(AM_CPPFLAGS) -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_policy_load_LDADD = policy/libcarecard-policy.la common/libcarecard-common.la $(CC_TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-policy-decide
TESTS += %D%/unit/test-policy-decide
%C%_unit_test_policy_decide_SOURCES = %D%/unit/test-policy-decide.c
%C%_unit_test_policy_decide_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_policy_decide_CPPFLAGS = $(AM_CPPFLAGS) -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_policy_decide_LDADD = policy/libcarecard-policy.la common/libcarecard-common.la $(CC_TEST_LIBS)
endif

# The loader's fuzz harness in replay mode: every seed and malformed file
# through the libFuzzer entry point, as TAP (runs under valgrind/sanitizers
# with the rest of "make check").
check_PROGRAMS += %D%/fuzz/fuzz-policy-replay
TESTS += %D%/fuzz/fuzz-policy-replay
%C%_fuzz_fuzz_policy_replay_SOURCES = %D%/fuzz/fuzz-policy.c
%C%_fuzz_fuzz_policy_replay_CPPFLAGS = $(AM_CPPFLAGS) -DPOL_FUZZ_REPLAY \
	-DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_fuzz_fuzz_policy_replay_LDADD = policy/libcarecard-policy.la common/libcarecard-common.la
EXTRA_DIST += %D%/fuzz/corpus-policy %D%/policy/bad

# libFuzzer build, outside the default build: "make fuzz-policy" builds
# tests/fuzz/fuzz-policy with clang; "make fuzz-policy-run FUZZ_SECONDS=60"
# runs it, writing new inputs to tests/fuzz/corpus-policy-new in the build
# tree (libFuzzer writes to its first corpus directory; the seeds in the
# source tree stay untouched) and crashes to tests/fuzz/crash-*.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
fuzz-policy:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(FUZZ_CC) $(FUZZ_FLAGS) $(DEFS) -I$(abs_top_builddir) -I. \
		-DCC_PKGDATADIR='"$(pkgdatadir)"' \
		$(YAML_CFLAGS) -o $(abs_top_builddir)/tests/fuzz/fuzz-policy \
		tests/fuzz/fuzz-policy.c $(policy_lib_c) common/fileio.c common/yaml-doc.c \
		$(YAML_LIBS)
FUZZ_SECONDS = 60
fuzz-policy-run: fuzz-policy
	@mkdir -p tests/fuzz/corpus-policy-new
	tests/fuzz/fuzz-policy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=tests/fuzz/ tests/fuzz/corpus-policy-new \
		$(top_srcdir)/tests/fuzz/corpus-policy $(top_srcdir)/tests/policy/bad
CLEANFILES += tests/fuzz/fuzz-policy
.PHONY: fuzz-policy fuzz-policy-run

TESTS += %D%/integration/test-policy-cli.sh
EXTRA_DIST += %D%/integration/test-policy-cli.sh
