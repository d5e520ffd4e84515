# tests for network self-renewal (EST, issue 12): real cards and real clients
# (curl and openssl through the PKCS#11 engine), and the EST request parsing
# fuzz target in replay mode.
EST_TESTS = %D%/integration/test-est-renew.sh %D%/integration/test-card-renew.sh \
	%D%/integration/test-est-renew-pg.sh
TESTS += $(EST_TESTS)
EXTRA_DIST += $(EST_TESTS)

# The EST request parsing fuzz target in replay mode (every seed of
# tests/fuzz/corpus-est through the libFuzzer entry point, as TAP; so it runs
# under ASan and valgrind with "make check" and "make memcheck").
check_PROGRAMS += %D%/fuzz/fuzz-est-request-replay
TESTS += %D%/fuzz/fuzz-est-request-replay
%C%_fuzz_fuzz_est_request_replay_SOURCES = %D%/fuzz/fuzz-est-request.c \
	%D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_est_request_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_est_request_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_est_request_replay_LDADD = $(SVC_FUZZ_LIBS)
EXTRA_DIST += %D%/fuzz/corpus-est

# libFuzzer build (clang), outside the default build: "make fuzz-est-run
# FUZZ_SECONDS=60" writes new inputs to tests/fuzz/corpus-est-new in the
# build tree, crashes to tests/fuzz/crash-*.
# (the parser needs OpenSSL only: no CA, no registry, no libevent to link)
fuzz-est:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(SVC_FUZZ_BUILD) -o $(abs_top_builddir)/tests/fuzz/fuzz-est-request \
		tests/fuzz/fuzz-est-request.c ca/service/est-parse.c $(OPENSSL_LIBS)
fuzz-est-run: fuzz-est
	@mkdir -p tests/fuzz/corpus-est-new
	top_srcdir='$(abs_top_srcdir)' tests/fuzz/fuzz-est-request -max_total_time=$(FUZZ_SECONDS) \
		-max_len=32768 -artifact_prefix=tests/fuzz/ tests/fuzz/corpus-est-new \
		$(top_srcdir)/tests/fuzz/corpus-est
CLEANFILES += tests/fuzz/fuzz-est-request
.PHONY: fuzz-est fuzz-est-run

if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-est-parse
TESTS += %D%/unit/test-est-parse
%C%_unit_test_est_parse_SOURCES = %D%/unit/test-est-parse.c
%C%_unit_test_est_parse_CFLAGS = $(CC_TEST_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_unit_test_est_parse_LDADD = ca/service/libcarecard-service.la ca/libcarecard-ca.la \
	common/libcarecard-common.la $(CC_TEST_LIBS) $(LIBEVENT_LIBS) $(SQLITE_LIBS) \
	$(OPENSSL_LIBS) $(P11KIT_LIBS)

# carecard-card renew's on-card OpenSSL key against the real module in-process
# (so it runs under valgrind too).
check_PROGRAMS += %D%/unit/test-card-p11key
TESTS += %D%/unit/test-card-p11key
%C%_unit_test_card_p11key_SOURCES = %D%/unit/test-card-p11key.c pkcs11/card-tool-p11key.c \
	%D%/module/fixture.c %D%/module/fixture.h
%C%_unit_test_card_p11key_CFLAGS = $(CC_TEST_CFLAGS) $(LIBSSL_CFLAGS)
%C%_unit_test_card_p11key_LDADD = $(cc_module_test_ldadd) $(LIBSSL_LIBS)
endif

# The EST benchmark: run only by "make bench-est" (never timed in make
# check). See tests/bench/README-service.md.
EXTRA_DIST += %D%/bench/run-bench-est.sh
bench-est: %D%/bench/bench-ca$(EXEEXT) ca/carecard-ca$(EXEEXT) $(p11module_LTLIBRARIES) \
		$(bin_PROGRAMS)
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	CC_MODULE='$(abs_top_builddir)/pkcs11/.libs/carecard-pkcs11.so' \
	SOFTHSM_MODULE='$(softhsm_module)' $(SHELL) $(top_srcdir)/tests/bench/run-bench-est.sh \
	$(BENCH_EST_ARGS)
.PHONY: bench-est

# What the holder tools read from the service (pkcs11/card-tool-answer.c):
# the replay of tests/fuzz/corpus-card-answer in make check (and memcheck);
# "make fuzz-card-answer-run FUZZ_SECONDS=60" runs libFuzzer on it.
check_PROGRAMS += %D%/fuzz/fuzz-card-answer-replay
TESTS += %D%/fuzz/fuzz-card-answer-replay
%C%_fuzz_fuzz_card_answer_replay_SOURCES = %D%/fuzz/fuzz-card-answer.c \
	pkcs11/card-tool-answer.c %D%/fuzz/fuzz-http-fixture.c %D%/fuzz/fuzz-http-fixture.h
%C%_fuzz_fuzz_card_answer_replay_CPPFLAGS = $(SVC_FUZZ_CPPFLAGS)
%C%_fuzz_fuzz_card_answer_replay_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)
%C%_fuzz_fuzz_card_answer_replay_LDADD = $(SVC_FUZZ_LIBS)
EXTRA_DIST += %D%/fuzz/fuzz-card-answer.c %D%/fuzz/corpus-card-answer
fuzz-card-answer:
	@mkdir -p tests/fuzz
	cd $(top_srcdir) && $(SVC_FUZZ_BUILD) -o $(abs_top_builddir)/tests/fuzz/fuzz-card-answer \
		tests/fuzz/fuzz-card-answer.c pkcs11/card-tool-answer.c $(OPENSSL_LIBS)
fuzz-card-answer-run: fuzz-card-answer
	@mkdir -p tests/fuzz/corpus-card-answer-new
	tests/fuzz/fuzz-card-answer -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-artifact_prefix=tests/fuzz/ tests/fuzz/corpus-card-answer-new \
		$(top_srcdir)/tests/fuzz/corpus-card-answer
CLEANFILES += tests/fuzz/fuzz-card-answer
.PHONY: fuzz-card-answer fuzz-card-answer-run
