# tests owned by the store work; appends to TESTS
if HAVE_CMOCKA
check_PROGRAMS += %D%/unit/test-card-image
TESTS += %D%/unit/test-card-image
%C%_unit_test_card_image_SOURCES = %D%/unit/test-card-image.c
%C%_unit_test_card_image_CFLAGS = $(CC_TEST_CFLAGS)
%C%_unit_test_card_image_LDADD = pkcs11/libcarecard-store.la $(CC_TEST_LIBS) $(OPENSSL_LIBS)
endif
