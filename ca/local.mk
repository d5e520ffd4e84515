# ca/: carecard-ca. All logic lives in the noinst library that the CLI and
# the unit tests link; the HSM is dlopen'ed at run time (-ldl via LIBS).
noinst_LTLIBRARIES += %D%/libcarecard-ca.la
%C%_libcarecard_ca_la_SOURCES = \
	%D%/error.c %D%/error.h \
	%D%/signer.c %D%/signer-keys.c %D%/signer.h %D%/signer-int.h \
	%D%/hsm-provider.c %D%/hsm-provider.h
%C%_libcarecard_ca_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(SQLITE_CFLAGS)
%C%_libcarecard_ca_la_LIBADD = common/libcarecard-common.la \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)
