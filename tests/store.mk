# tests owned by the store work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-card-image %D%/unit/test-card-image-txn
TESTS += %D%/unit/test-card-image %D%/unit/test-card-image-txn
cc_card_image_test_ldadd = pkcs11/libcarecard-store.la $(CC_TEST_LIBS) $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS)
%C%_unit_test_card_image_SOURCES = %D%/unit/test-card-image.c \
	%D%/unit/test-card-image-fixture.c %D%/unit/test-card-image-fixture.h
%C%_unit_test_card_image_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_card_image_LDADD = $(cc_card_image_test_ldadd)
%C%_unit_test_card_image_txn_SOURCES = %D%/unit/test-card-image-txn.c \
	%D%/unit/test-card-image-fixture.c %D%/unit/test-card-image-fixture.h
%C%_unit_test_card_image_txn_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_card_image_txn_LDADD = $(cc_card_image_test_ldadd)
check_PROGRAMS += %D%/unit/test-fileio
TESTS += %D%/unit/test-fileio
%C%_unit_test_fileio_SOURCES = %D%/unit/test-fileio.c
%C%_unit_test_fileio_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_fileio_LDADD = common/libcarecard-common.la $(CC_TEST_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-config
TESTS += %D%/unit/test-config
%C%_unit_test_config_SOURCES = %D%/unit/test-config.c
%C%_unit_test_config_CFLAGS = $(CC_TEST_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
%C%_unit_test_config_LDADD = pkcs11/libcarecard-store.la $(CC_TEST_LIBS)
endif
dist_noinst_DATA += \
	%D%/data/config/bad-duplicate.yaml \
	%D%/data/config/bad-kdf.yaml \
	%D%/data/config/bad-passcode.yaml \
	%D%/data/config/bad-policy.yaml \
	%D%/data/config/bad-policy-min-max.yaml \
	%D%/data/config/bad-policy-missing.yaml \
	%D%/data/config/bad-quoted-int.yaml \
	%D%/data/config/bad-range.yaml \
	%D%/data/config/bad-reader-missing-dir.yaml \
	%D%/data/config/bad-root-list.yaml \
	%D%/data/config/bad-readers-type.yaml \
	%D%/data/config/bad-relative-dir.yaml \
	%D%/data/config/bad-state-dir.yaml \
	%D%/data/config/bad-syntax.yaml \
	%D%/data/config/bad-two-documents.yaml \
	%D%/data/config/bad-type.yaml \
	%D%/data/config/bad-unknown-key.yaml \
	%D%/data/config/durations.yaml \
	%D%/data/config/durations-policy.yaml \
	%D%/data/config/empty.yaml \
	%D%/data/config/good.yaml \
	%D%/data/config/good-policy.yaml \
	%D%/data/config/kdf-override.yaml

# carecard-card end to end; card-fixture personalises a card through the store.
check_PROGRAMS += %D%/integration/card-fixture
%C%_integration_card_fixture_SOURCES = %D%/integration/card-fixture.c
%C%_integration_card_fixture_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS)
%C%_integration_card_fixture_LDADD = pkcs11/libcarecard-store.la $(OPENSSL_LIBS)
TESTS += %D%/integration/test-card-tool.sh %D%/integration/test-card-holder.sh
EXTRA_DIST += %D%/integration/test-card-tool.sh %D%/integration/test-card-holder.sh

# Fuzz harness, standalone build: `make check` replays seeds the store makes
# plus deterministic truncations/mutations (a smoke test, not fuzzing).
check_PROGRAMS += %D%/fuzz/fuzz-card-image
TESTS += %D%/fuzz/fuzz-card-image
%C%_fuzz_fuzz_card_image_SOURCES = %D%/fuzz/fuzz-card-image.c
%C%_fuzz_fuzz_card_image_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) \
	-DCC_FUZZ_STANDALONE
%C%_fuzz_fuzz_card_image_LDADD = pkcs11/libcarecard-store.la $(OPENSSL_LIBS)

# libFuzzer build, never part of `all` or `check`:
#   make fuzz-card-image
#   tests/fuzz/fuzz-card-image --write-seeds seeds
#   tests/fuzz/fuzz-card-image-libfuzzer -max_total_time=300 corpus seeds
# The store is compiled into the fuzzer with coverage instrumentation.
STORE_FUZZ_CC = clang
STORE_FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
store_fuzz_files = $(srcdir)/%D%/fuzz/fuzz-card-image.c \
	$(srcdir)/pkcs11/card-image.c $(srcdir)/pkcs11/card-image-codec.c \
	$(srcdir)/pkcs11/card-image-crypto.c $(srcdir)/pkcs11/card-image-io.c \
	$(srcdir)/pkcs11/card-guard.c \
	$(srcdir)/common/log.c $(srcdir)/common/fileio.c
fuzz-card-image: %D%/fuzz/fuzz-card-image-libfuzzer
%D%/fuzz/fuzz-card-image-libfuzzer: $(store_fuzz_files)
	$(AM_V_CC)$(STORE_FUZZ_CC) $(STORE_FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) \
		$(CPPFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) -o $@ $(store_fuzz_files) \
		$(OPENSSL_LIBS) $(PTHREAD_LIBS)
.PHONY: fuzz-card-image
CLEANFILES += %D%/fuzz/fuzz-card-image-libfuzzer
