# tests for carecard-ca serve (issue 11): the OCSP responder's library half
# with a real HSM, the service's own units, integration scripts with real
# clients (openssl ocsp, curl, openssl s_server), fuzz replays, benchmark.
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-ca-ocsp
TESTS += %D%/unit/test-ca-ocsp
%C%_unit_test_ca_ocsp_SOURCES = %D%/unit/test-ca-ocsp.c
%C%_unit_test_ca_ocsp_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_ca_ocsp_LDADD = ca/libcarecard-ca.la common/libcarecard-common.la \
	$(CC_TEST_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
check_PROGRAMS += %D%/unit/test-svc-units
TESTS += %D%/unit/test-svc-units
%C%_unit_test_svc_units_SOURCES = %D%/unit/test-svc-units.c
%C%_unit_test_svc_units_CFLAGS = $(CC_TEST_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_unit_test_svc_units_CPPFLAGS = $(AM_CPPFLAGS) -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_svc_units_LDADD = ca/service/libcarecard-service.la ca/libcarecard-ca.la \
	common/libcarecard-common.la $(CC_TEST_LIBS) $(LIBEVENT_LIBS) $(SQLITE_LIBS) \
	$(OPENSSL_LIBS) $(P11KIT_LIBS)
endif

SERVICE_TESTS = \
	%D%/integration/test-service-ocsp.sh \
	%D%/integration/test-service-badinput.sh \
	%D%/integration/test-service-tls.sh \
	%D%/integration/test-service-kill.sh \
	%D%/integration/test-card-doctor.sh \
	%D%/integration/test-service-unlock.sh \
	%D%/integration/test-service-contact.sh \
	%D%/integration/test-service-api.sh \
	%D%/integration/test-service-api-search.sh \
	%D%/integration/test-service-api-reports.sh \
	%D%/integration/test-service-api-actions.sh \
	%D%/integration/test-service-api-terms.sh \
	%D%/integration/test-service-api-requests.sh \
	%D%/integration/test-portal-browser.sh \
	%D%/integration/test-portal-reports-browser.sh \
	%D%/integration/test-portal-security-browser.sh \
	%D%/integration/test-portal-terms-browser.sh \
	%D%/integration/test-portal-requests-browser.sh
TESTS += $(SERVICE_TESTS)
# One Chromium at a time, even under make -j: Chromium merges every managed
# policy file, so two tests' AutoSelectCertificateForUrls would collide.
%D%/integration/test-portal-browser.log: %D%/integration/test-client-browser.log
%D%/integration/test-portal-reports-browser.log: %D%/integration/test-portal-browser.log
%D%/integration/test-portal-security-browser.log: %D%/integration/test-portal-reports-browser.log
%D%/integration/test-portal-terms-browser.log: %D%/integration/test-portal-security-browser.log
%D%/integration/test-portal-requests-browser.log: %D%/integration/test-portal-terms-browser.log
EXTRA_DIST += $(SERVICE_TESTS) %D%/integration/test-service-lib.sh \
	%D%/integration/test-service-rawhttp.py
# the same service tests with the registry on PostgreSQL (issue 14;
# tests/lib/pg.sh's pg_variant: normal pass only)
SERVICE_PG_TESTS = %D%/integration/test-service-ocsp-pg.sh \
	%D%/integration/test-service-unlock-pg.sh %D%/integration/test-service-api-pg.sh \
	%D%/integration/test-service-contact-pg.sh %D%/integration/test-service-kill-pg.sh \
	%D%/integration/test-service-api-search-pg.sh \
	%D%/integration/test-service-api-reports-pg.sh %D%/integration/test-service-api-actions-pg.sh \
	%D%/integration/test-service-api-terms-pg.sh %D%/integration/test-service-api-requests-pg.sh
TESTS += $(SERVICE_PG_TESTS)
EXTRA_DIST += $(SERVICE_PG_TESTS)

# Scale-out (issue 14): three instances on PostgreSQL behind haproxy, under
# load for a fixed time (normal pass only: the script skips under the
# sanitizers). tests/lib/scale.sh is also the deployer's local try-out.
TESTS += %D%/integration/test-scale-pg.sh %D%/integration/test-scale-fault-pg.sh
# one load test at a time, even under make -j
%D%/integration/test-scale-fault-pg.log: %D%/integration/test-scale-pg.log
EXTRA_DIST += %D%/integration/test-scale-pg.sh %D%/integration/test-scale-fault-pg.sh \
	%D%/integration/test-scale-lib.sh %D%/integration/test-scale-holders.py \
	%D%/lib/scale.sh ca/service/deploy/haproxy.cfg.in

# The service's fuzz targets in replay mode: every seed through the
# libFuzzer entry point, as TAP (so they run under ASan and valgrind with
# "make check" and "make memcheck").
SVC_FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -DSVC_FUZZ_REPLAY -DCC_TOP_SRCDIR='"$(abs_top_srcdir)"' \
	-I$(top_srcdir)/tests/fuzz
SVC_FUZZ_LIBS = ca/service/libcarecard-service.la ca/libcarecard-ca.la \
	common/libcarecard-common.la $(LIBEVENT_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
check_PROGRAMS += %D%/fuzz/fuzz-ocsp-request-replay %D%/fuzz/fuzz-http-request-replay
TESTS += %D%/fuzz/fuzz-ocsp-request-replay %D%/fuzz/fuzz-http-request-replay
%C%_fuzz_fuzz_ocsp_request_replay_SOURCES = %D%/fuzz/fuzz-ocsp-request.c \
	%D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_ocsp_request_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_ocsp_request_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_ocsp_request_replay_LDADD = $(SVC_FUZZ_LIBS)
%C%_fuzz_fuzz_http_request_replay_SOURCES = %D%/fuzz/fuzz-http-request.c \
	%D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_http_request_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_http_request_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_http_request_replay_LDADD = $(SVC_FUZZ_LIBS)
EXTRA_DIST += %D%/fuzz/corpus-ocsp %D%/fuzz/corpus-http %D%/fuzz/fuzz-ocsp-issuer.pem
# The portal API's JSON bodies (ca/service/api-body.c), the same way.
check_PROGRAMS += %D%/fuzz/fuzz-api-body-replay
TESTS += %D%/fuzz/fuzz-api-body-replay
%C%_fuzz_fuzz_api_body_replay_SOURCES = %D%/fuzz/fuzz-api-body.c \
	%D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_api_body_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_api_body_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_api_body_replay_LDADD = $(SVC_FUZZ_LIBS)
EXTRA_DIST += %D%/fuzz/corpus-api

# libFuzzer builds, outside the default build (clang): "make fuzz-service"
# builds tests/fuzz/fuzz-ocsp-request and tests/fuzz/fuzz-http-request;
# "make fuzz-service-run FUZZ_SECONDS=60" runs each, new inputs going to
# tests/fuzz/corpus-*-new in the build tree, crashes to tests/fuzz/crash-*.
SVC_FUZZ_ALL = $(ca_service_libcarecard_service_la_SOURCES) $(ca_libcarecard_ca_la_SOURCES) \
	$(common_libcarecard_common_la_SOURCES) $(policy_lib_c) tests/fuzz/fuzz-http-fixture.c
SVC_FUZZ_BUILD = $(FUZZ_CC) $(FUZZ_FLAGS) $(DEFS) -DOPENSSL_API_COMPAT=30000 \
	-DOPENSSL_NO_DEPRECATED -DCC_PKGDATADIR='"$(pkgdatadir)"' \
	-DCC_TOP_SRCDIR='"$(abs_top_srcdir)"' -I$(abs_top_builddir) -I. -Itests/fuzz \
	$(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(SQLITE_CFLAGS) $(P11KIT_CFLAGS) \
	$(LIBPQ_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
SVC_FUZZ_LINK = $(LIBEVENT_LIBS) $(YAML_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS) \
	$(LIBPQ_LIBS) $(CURL_LIBS) $(JANSSON_LIBS) $(UNISTRING_LIBS) -lpthread -ldl
fuzz-service:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && src=`for f in $(SVC_FUZZ_ALL); do \
		case $$f in *.c) echo $$f ;; esac; done` && \
	for t in ocsp-request http-request; do \
		$(SVC_FUZZ_BUILD) -o $(abs_top_builddir)/tests/fuzz/fuzz-$$t tests/fuzz/fuzz-$$t.c \
			$$src $(SVC_FUZZ_LINK) || exit 1; done
fuzz-service-run: fuzz-service
	@mkdir -p tests/fuzz/corpus-ocsp-new tests/fuzz/corpus-http-new
	top_srcdir='$(abs_top_srcdir)' tests/fuzz/fuzz-ocsp-request -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 -artifact_prefix=tests/fuzz/ tests/fuzz/corpus-ocsp-new \
		$(top_srcdir)/tests/fuzz/corpus-ocsp
	top_srcdir='$(abs_top_srcdir)' tests/fuzz/fuzz-http-request -max_total_time=$(FUZZ_SECONDS) \
		-max_len=16384 -artifact_prefix=tests/fuzz/ tests/fuzz/corpus-http-new \
		$(top_srcdir)/tests/fuzz/corpus-http
CLEANFILES += tests/fuzz/fuzz-ocsp-request tests/fuzz/fuzz-http-request
.PHONY: fuzz-service fuzz-service-run

# "make fuzz-api-run FUZZ_SECONDS=60": the API's JSON bodies (jansson).
fuzz-api:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(SVC_FUZZ_BUILD) -o $(abs_top_builddir)/tests/fuzz/fuzz-api-body \
		tests/fuzz/fuzz-api-body.c ca/service/api-body.c ca/service/holder-form.c \
		$(JANSSON_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS) -lpthread
fuzz-api-run: fuzz-api
	@mkdir -p tests/fuzz/corpus-api-new
	top_srcdir='$(abs_top_srcdir)' tests/fuzz/fuzz-api-body -max_total_time=$(FUZZ_SECONDS) \
		-max_len=8192 -artifact_prefix=tests/fuzz/ tests/fuzz/corpus-api-new \
		$(top_srcdir)/tests/fuzz/corpus-api
.PHONY: fuzz-api fuzz-api-run

# The service benchmark: run only by "make bench-service" (never timed in
# make check). See tests/bench/README-service.md.
EXTRA_DIST += %D%/bench/run-bench-service.sh %D%/bench/README-service.md
bench-service: ca/carecard-ca$(EXEEXT) $(p11module_LTLIBRARIES) $(bin_PROGRAMS)
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	CC_MODULE='$(abs_top_builddir)/pkcs11/.libs/carecard-pkcs11.so' \
	SOFTHSM_MODULE='$(softhsm_module)' $(SHELL) $(top_srcdir)/tests/bench/run-bench-service.sh \
	$(BENCH_SERVICE_ARGS)
.PHONY: bench-service

# The holder's unlock request bodies (ca/service/holder-form.c): the replay
# of tests/fuzz/corpus-holder in make check (and memcheck); "make
# fuzz-holder-run FUZZ_SECONDS=60" runs libFuzzer on it (libevent's form
# parser and OpenSSL's base64 only: no CA to link).
check_PROGRAMS += %D%/fuzz/fuzz-holder-form-replay
TESTS += %D%/fuzz/fuzz-holder-form-replay
%C%_fuzz_fuzz_holder_form_replay_SOURCES = %D%/fuzz/fuzz-holder-form.c \
	%D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_holder_form_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_holder_form_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_holder_form_replay_LDADD = $(SVC_FUZZ_LIBS)
EXTRA_DIST += %D%/fuzz/fuzz-holder-form.c %D%/fuzz/corpus-holder
fuzz-holder:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(SVC_FUZZ_BUILD) -o $(abs_top_builddir)/tests/fuzz/fuzz-holder-form \
		tests/fuzz/fuzz-holder-form.c ca/service/holder-form.c $(LIBEVENT_LIBS) $(OPENSSL_LIBS)
fuzz-holder-run: fuzz-holder
	@mkdir -p tests/fuzz/corpus-holder-new
	tests/fuzz/fuzz-holder-form -max_total_time=$(FUZZ_SECONDS) -max_len=9000 \
		-artifact_prefix=tests/fuzz/ tests/fuzz/corpus-holder-new \
		$(top_srcdir)/tests/fuzz/corpus-holder
CLEANFILES += tests/fuzz/fuzz-holder-form
.PHONY: fuzz-holder fuzz-holder-run
