# tests owned by the policy work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-policy-load
TESTS += %D%/unit/test-policy-load
%C%_unit_test_policy_load_SOURCES = %D%/unit/test-policy-load.c
%C%_unit_test_policy_load_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_policy_load_CPPFLAGS = $(AM_CPPFLAGS) -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_policy_load_LDADD = policy/libcarecard-policy.la $(CC_TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-policy-decide
TESTS += %D%/unit/test-policy-decide
%C%_unit_test_policy_decide_SOURCES = %D%/unit/test-policy-decide.c
%C%_unit_test_policy_decide_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_policy_decide_CPPFLAGS = $(AM_CPPFLAGS) -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_policy_decide_LDADD = policy/libcarecard-policy.la $(CC_TEST_LIBS)
endif
