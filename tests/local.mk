# tests/: each owner's fragment appends to TESTS/check_PROGRAMS.
EXTRA_DIST += %D%/lib/tap.sh %D%/valgrind.supp

# cmocka unit and module tests link these.
CC_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(YAML_CFLAGS)
CC_TEST_LIBS = $(CMOCKA_LIBS)

include %D%/store.mk
include %D%/module.mk
include %D%/policy.mk
include %D%/ca.mk
include %D%/ca-card.mk
include %D%/ca-ra.mk
include %D%/integration.mk
include %D%/service.mk
include %D%/est.mk

TESTS += $(CC_INTEGRATION_TESTS)
include %D%/unlock.mk
