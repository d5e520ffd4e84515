# Self-service unlock (issue 12): the card side in a cmocka module test
# (module.mk: test-unlock), and both ends on real components in an
# integration test driven by unlock-driver (the CA library as the service
# calls it, the module as the holder's client drives it).
check_PROGRAMS += %D%/integration/unlock-driver
%C%_integration_unlock_driver_SOURCES = %D%/integration/unlock-driver.c
%C%_integration_unlock_driver_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) \
	$(YAML_CFLAGS)
%C%_integration_unlock_driver_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)

UNLOCK_TESTS = %D%/integration/test-unlock-library.sh
TESTS += $(UNLOCK_TESTS)
EXTRA_DIST += $(UNLOCK_TESTS)
