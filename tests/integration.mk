# Integration tests: real clients (pkcs11-tool, p11-kit, p11tool, openssl)
# on real card images, through the built module.
check_LTLIBRARIES += %D%/lib/libp11-client.la
%C%_lib_libp11_client_la_SOURCES = %D%/lib/p11-client.c %D%/lib/p11-client.h
%C%_lib_libp11_client_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
%C%_lib_libp11_client_la_LIBADD = $(LIBS)

# Preloaded with the sanitizer runtimes into client programs (see the file).
# A real shared object (-rpath), and no sanitizer flags of its own.
check_LTLIBRARIES += %D%/lib/libcc-asan-client-shim.la
%C%_lib_libcc_asan_client_shim_la_SOURCES = %D%/lib/asan-client-shim.c
%C%_lib_libcc_asan_client_shim_la_CFLAGS = $(WARN_CFLAGS)
%C%_lib_libcc_asan_client_shim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

check_PROGRAMS += %D%/integration/p11-stress
%C%_integration_p11_stress_SOURCES = %D%/integration/p11-stress.c
%C%_integration_p11_stress_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
%C%_integration_p11_stress_LDADD = %D%/lib/libp11-client.la $(PTHREAD_LIBS)

CC_INTEGRATION_TESTS = \
	%D%/integration/test-module-exports.sh \
	%D%/integration/test-module-pkcs11-tool.sh \
	%D%/integration/test-module-p11kit.sh \
	%D%/integration/test-module-lockout.sh \
	%D%/integration/test-module-stress.sh \
	%D%/integration/test-client-mechanisms.sh \
	%D%/integration/test-client-p11kit-server.sh \
	%D%/integration/test-client-openssl.sh \
	%D%/integration/test-client-tls.sh \
	%D%/integration/test-client-nss.sh \
	%D%/integration/test-client-java.sh \
	%D%/integration/test-client-browser.sh \
	%D%/integration/test-demo.sh
EXTRA_DIST += $(CC_INTEGRATION_TESTS) %D%/lib/card.sh %D%/lib/tls.sh %D%/lib/browser.sh %D%/asan-clients.supp \
	%D%/integration/java/CardSign.java

# Benchmarks: built with the tests, run only by `make bench` (never timed in make check).
check_PROGRAMS += %D%/bench/bench-sign
%C%_bench_bench_sign_SOURCES = %D%/bench/bench-sign.c
%C%_bench_bench_sign_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(OPENSSL_CFLAGS)
%C%_bench_bench_sign_LDADD = %D%/lib/libp11-client.la $(OPENSSL_LIBS) $(PTHREAD_LIBS)
EXTRA_DIST += %D%/bench/run-bench.sh
check_PROGRAMS += %D%/bench/bench-kdf
%C%_bench_bench_kdf_SOURCES = %D%/bench/bench-kdf.c
%C%_bench_bench_kdf_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
%C%_bench_bench_kdf_LDADD = $(OPENSSL_LIBS) -lm

bench: $(check_PROGRAMS) $(p11module_LTLIBRARIES) $(bin_PROGRAMS)
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	CC_MODULE='$(abs_top_builddir)/pkcs11/.libs/carecard-pkcs11.so' \
	SOFTHSM_MODULE='$(softhsm_module)' $(SHELL) $(top_srcdir)/tests/bench/run-bench.sh $(BENCH_SECONDS)
.PHONY: bench
