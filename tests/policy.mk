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

# libFuzzer build, outside the default build:
#   make fuzz-policy && tests/fuzz/fuzz-policy -max_total_time=60 \
#	$(top_srcdir)/tests/fuzz/corpus-policy
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
fuzz-policy:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(FUZZ_CC) $(FUZZ_FLAGS) $(DEFS) -I$(abs_top_builddir) -I. \
		$(YAML_CFLAGS) -o $(abs_top_builddir)/tests/fuzz/fuzz-policy \
		tests/fuzz/fuzz-policy.c $(policy_lib_c) common/fileio.c $(YAML_LIBS)
CLEANFILES += tests/fuzz/fuzz-policy
.PHONY: fuzz-policy

TESTS += %D%/integration/test-policy-cli.sh
EXTRA_DIST += %D%/integration/test-policy-cli.sh
