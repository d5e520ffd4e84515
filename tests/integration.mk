# Integration tests: real clients (pkcs11-tool, p11-kit, p11tool, openssl)
# on real card images, through the built module.
check_LTLIBRARIES += %D%/lib/libp11-client.la
%C%_lib_libp11_client_la_SOURCES = %D%/lib/p11-client.c %D%/lib/p11-client.h
%C%_lib_libp11_client_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
%C%_lib_libp11_client_la_LIBADD = $(LIBS)

check_PROGRAMS += %D%/integration/p11-stress
%C%_integration_p11_stress_SOURCES = %D%/integration/p11-stress.c
%C%_integration_p11_stress_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
%C%_integration_p11_stress_LDADD = %D%/lib/libp11-client.la $(PTHREAD_LIBS)

CC_INTEGRATION_TESTS = \
	%D%/integration/test-module-exports.sh \
	%D%/integration/test-module-pkcs11-tool.sh \
	%D%/integration/test-module-p11kit.sh \
	%D%/integration/test-module-lockout.sh \
	%D%/integration/test-module-stress.sh
EXTRA_DIST += $(CC_INTEGRATION_TESTS) %D%/lib/card.sh
