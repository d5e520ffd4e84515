# ca/: carecard-ca. A folder per layer (see ca/README.md):
#   core/      CA context, HSM signer and provider, issuance, CSRs, CRLs, audit chain
#   registry/  the registry interface and its SQLite backend (the only SQL)
#   card/      personalising and administering cards through PKCS#11
#   ra/        the RA and PKI operations and the one authorization gate
#   cli/       the command line: arguments, prompts, output formats, exit codes, man pages
# Everything but cli/ is the noinst library libcarecard-ca.la, which the command
# line, the service and the tests link; the HSM is dlopen'ed at run time.
noinst_LTLIBRARIES += %D%/libcarecard-ca.la
ca_libcarecard_ca_la_SOURCES =
ca_libcarecard_ca_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) \
	$(YAML_CFLAGS)
ca_libcarecard_ca_la_LIBADD = common/libcarecard-common.la policy/libcarecard-policy.la \
	$(YAML_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS) $(UNISTRING_LIBS)

bin_PROGRAMS += %D%/carecard-ca
ca_carecard_ca_SOURCES =
ca_carecard_ca_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(YAML_CFLAGS)
ca_carecard_ca_LDADD = %D%/libcarecard-ca.la common/libcarecard-common.la \
	$(SQLITE_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS) $(P11KIT_LIBS)

EXTRA_DIST += %D%/README.md

include %D%/core/local.mk
include %D%/registry/local.mk
include %D%/card/local.mk
include %D%/ra/local.mk
include %D%/cli/local.mk
include %D%/service/local.mk
