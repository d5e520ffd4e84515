# ca/: carecard-ca. All logic lives in the noinst library that the CLI and
# the unit tests link; the HSM is dlopen'ed at run time (-ldl via LIBS).
noinst_LTLIBRARIES += %D%/libcarecard-ca.la
%C%_libcarecard_ca_la_SOURCES = \
	%D%/error.c %D%/error.h \
	%D%/signer.c %D%/signer-keys.c %D%/signer.h %D%/signer-int.h \
	%D%/hsm-provider.c %D%/hsm-provider.h \
	%D%/registry.c %D%/registry-schema.c %D%/registry-records.c \
	%D%/registry.h %D%/registry-int.h \
	%D%/audit.c %D%/audit.h \
	%D%/secret.c %D%/secret.h \
	%D%/ctx.c %D%/ctx.h \
	%D%/x509util.c %D%/x509util.h \
	%D%/hierarchy.c %D%/hierarchy.h \
	%D%/init.c %D%/init.h \
	%D%/profile.c %D%/profile.h \
	%D%/csr.c %D%/csr.h \
	%D%/issue.c %D%/issue.h \
	%D%/crl.c %D%/crl.h %D%/crl-encode.c %D%/crl-encode.h
%C%_libcarecard_ca_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(SQLITE_CFLAGS) \
	$(YAML_CFLAGS)
%C%_libcarecard_ca_la_LIBADD = common/libcarecard-common.la policy/libcarecard-policy.la $(YAML_LIBS) \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)

bin_PROGRAMS += %D%/carecard-ca
%C%_carecard_ca_SOURCES = %D%/cli.c %D%/cli.h %D%/cli-init.c %D%/cli-issue.c \
	%D%/cli-revoke.c %D%/cli-audit.c
%C%_carecard_ca_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
%C%_carecard_ca_LDADD = %D%/libcarecard-ca.la common/libcarecard-common.la \
	$(SQLITE_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)

man1_MANS += %D%/carecard-ca.1
EXTRA_DIST += %D%/carecard-ca.1 %D%/README.md

# The card operations and the registration-authority operations each have
# their own fragment, appending to the two source lists above.
include %D%/card.mk
include %D%/ra.mk
