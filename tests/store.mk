# tests owned by the store work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-card-image
TESTS += %D%/unit/test-card-image
%C%_unit_test_card_image_SOURCES = %D%/unit/test-card-image.c
%C%_unit_test_card_image_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_card_image_LDADD = pkcs11/libcarecard-store.la $(CC_TEST_LIBS) $(OPENSSL_LIBS)
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
	%D%/data/config/bad-duration.yaml \
	%D%/data/config/bad-kdf.yaml \
	%D%/data/config/bad-min-max.yaml \
	%D%/data/config/bad-quoted-int.yaml \
	%D%/data/config/bad-range.yaml \
	%D%/data/config/bad-reader-missing-dir.yaml \
	%D%/data/config/bad-readers-type.yaml \
	%D%/data/config/bad-relative-dir.yaml \
	%D%/data/config/bad-syntax.yaml \
	%D%/data/config/bad-type.yaml \
	%D%/data/config/bad-unknown-key.yaml \
	%D%/data/config/durations.yaml \
	%D%/data/config/empty.yaml \
	%D%/data/config/good.yaml

# carecard-card end to end; card-fixture personalises a card through the store.
check_PROGRAMS += %D%/integration/card-fixture
%C%_integration_card_fixture_SOURCES = %D%/integration/card-fixture.c
%C%_integration_card_fixture_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS)
%C%_integration_card_fixture_LDADD = pkcs11/libcarecard-store.la $(OPENSSL_LIBS)
TESTS += %D%/integration/test-card-tool.sh
EXTRA_DIST += %D%/integration/test-card-tool.sh
