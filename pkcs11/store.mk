# pkcs11 store: card images and module configuration (the only disk code).
# libcarecard-store.la is linked by the module core (pkcs11/local.mk), the
# carecard-card tool and the tests.
noinst_LTLIBRARIES += %D%/libcarecard-store.la
%C%_libcarecard_store_la_SOURCES = \
	%D%/card-image.c %D%/card-image.h %D%/card-image-int.h \
	%D%/card-image-codec.c %D%/card-image-crypto.c %D%/card-image-io.c \
	%D%/card-guard.c %D%/card-guard.h \
	%D%/config.c %D%/config.h
%C%_libcarecard_store_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(YAML_CFLAGS)
# The policy library (passcode rules, pol_passcode_rules) comes in here so
# the module, the carecard-card tool and the tests all get it once. It does
# not carry common itself (policy/local.mk), so common is named only here.
%C%_libcarecard_store_la_LIBADD = common/libcarecard-common.la policy/libcarecard-policy.la \
	$(OPENSSL_LIBS) $(YAML_LIBS)

bin_PROGRAMS += %D%/carecard-card
%C%_carecard_card_SOURCES = %D%/carecard-card.c %D%/card-tool-show.c %D%/card-tool.h \
	%D%/card-tool-service.c %D%/card-service.c %D%/card-service.h \
	%D%/card-tool-p11.c %D%/card-tool-passcode.c %D%/card-tool-http.c \
	%D%/card-tool-doctor.c %D%/card-tool-status.c %D%/card-tool-unlock.c \
	%D%/card-tool-renew.c %D%/card-tool-contact.c \
	%D%/card-tool-answer.c %D%/card-tool-answer.h %D%/card-tool-p11key.c
%C%_carecard_card_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCC_MODULE_PATH='"$(p11moduledir)/carecard-pkcs11.so"'
%C%_carecard_card_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBSSL_CFLAGS) $(P11KIT_CFLAGS) \
	$(CURL_CFLAGS)
%C%_carecard_card_LDADD = %D%/libcarecard-store.la $(OPENSSL_LIBS) $(LIBSSL_LIBS) $(P11KIT_LIBS) \
	$(CURL_LIBS)
man1_MANS += %D%/carecard-card.1

# The holder's optional daily renewal check: a systemd user timer.
systemduserunit_DATA = %D%/holder/carecard-renewal-check.service \
	%D%/holder/carecard-renewal-check.timer
EXTRA_DIST += %D%/holder/carecard-renewal-check.service.in %D%/holder/carecard-renewal-check.timer
CLEANFILES += %D%/holder/carecard-renewal-check.service
%D%/holder/carecard-renewal-check.service: $(srcdir)/%D%/holder/carecard-renewal-check.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) %D%/holder && \
	$(SED) -e 's|@bindir[@]|$(bindir)|g' <$(srcdir)/%D%/holder/carecard-renewal-check.service.in >$@
EXTRA_DIST += %D%/carecard-card.1 %D%/CARD-FORMAT.md
