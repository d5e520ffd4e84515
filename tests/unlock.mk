# Self-service unlock (issue 12): the card side in a cmocka module test
# (module.mk: test-unlock), and both ends on real components in an
# integration test driven by unlock-driver (the CA library as the service
# calls it, the module as the holder's client drives it).
check_PROGRAMS += %D%/integration/unlock-driver
%C%_integration_unlock_driver_SOURCES = %D%/integration/unlock-driver.c
%C%_integration_unlock_driver_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) \
	$(YAML_CFLAGS)
%C%_integration_unlock_driver_LDADD = ca/service/libcarecard-service.la ca/libcarecard-ca.la \
	common/libcarecard-common.la $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS) $(CURL_LIBS)

# (the holder's client through carecard-ca serve: service.mk, test-service-unlock.sh)
UNLOCK_TESTS = %D%/integration/test-unlock-library.sh
TESTS += $(UNLOCK_TESTS)
EXTRA_DIST += $(UNLOCK_TESTS) %D%/lib/smtp-sink.py %D%/lib/http-sink.py

# The unlock response parser (what C_Login(CKU_SO) gets from the network):
# standalone replay in `make check`, libFuzzer with `make fuzz-unlock-response`.
check_PROGRAMS += %D%/fuzz/fuzz-unlock-response
TESTS += %D%/fuzz/fuzz-unlock-response
%C%_fuzz_fuzz_unlock_response_SOURCES = %D%/fuzz/fuzz-unlock-response.c
%C%_fuzz_fuzz_unlock_response_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) \
	-DCC_FUZZ_STANDALONE
%C%_fuzz_fuzz_unlock_response_LDADD = pkcs11/libcarecard-p11.la $(OPENSSL_LIBS)
UNLOCK_FUZZ_CC = clang
UNLOCK_FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
unlock_fuzz_files = $(srcdir)/%D%/fuzz/fuzz-unlock-response.c $(srcdir)/pkcs11/unlock.c \
	$(srcdir)/common/log.c
fuzz-unlock-response: %D%/fuzz/fuzz-unlock-response-libfuzzer
%D%/fuzz/fuzz-unlock-response-libfuzzer: $(unlock_fuzz_files)
	$(AM_V_CC)$(UNLOCK_FUZZ_CC) $(UNLOCK_FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) \
		$(CPPFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) -o $@ $(unlock_fuzz_files) \
		$(OPENSSL_LIBS) $(PTHREAD_LIBS)
.PHONY: fuzz-unlock-response
CLEANFILES += %D%/fuzz/fuzz-unlock-response-libfuzzer
