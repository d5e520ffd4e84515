# pkcs11/: libcarecard-pkcs11.so and the carecard-card tool.
include %D%/store.mk

# All module logic, linked by the shipped module and by the tests.
noinst_LTLIBRARIES += %D%/libcarecard-p11.la
%C%_libcarecard_p11_la_SOURCES = \
	%D%/api.h %D%/api-general.c %D%/api-session.c %D%/api-object.c \
	%D%/api-crypto.c %D%/api-keygen.c %D%/api-stubs.c %D%/api-stubs.h %D%/pkcs11-3.h \
	%D%/funclist.c \
	%D%/state.c %D%/state.h %D%/slot.c %D%/slot.h %D%/token.c %D%/token.h \
	%D%/token-pin.c %D%/token-pin.h %D%/token-objects.c %D%/token-objects.h \
	%D%/session.c %D%/session.h %D%/object.c %D%/object.h \
	%D%/schema.c %D%/schema.h %D%/attrs.c %D%/attrs.h %D%/pad.c %D%/pad.h \
	%D%/mech.c %D%/mech.h %D%/pkey.c %D%/pkey.h %D%/create.c %D%/create.h \
	%D%/keygen.c %D%/keygen.h %D%/audit.c %D%/audit.h
%C%_libcarecard_p11_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(YAML_CFLAGS)
# (common/libcarecard-common.la comes in through the store library; naming
# it twice puts its objects twice into this convenience archive.)
%C%_libcarecard_p11_la_LIBADD = %D%/libcarecard-store.la \
	$(OPENSSL_LIBS) $(YAML_LIBS) $(PTHREAD_LIBS)

# The module: exports exactly C_GetFunctionList, C_GetInterfaceList, C_GetInterface.
p11module_LTLIBRARIES += %D%/carecard-pkcs11.la
%C%_carecard_pkcs11_la_SOURCES = %D%/export.c
%C%_carecard_pkcs11_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
%C%_carecard_pkcs11_la_LIBADD = %D%/libcarecard-p11.la
%C%_carecard_pkcs11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined -shared \
	-export-symbols-regex '^C_Get(FunctionList|InterfaceList|Interface)$$'

p11moduleconf_DATA += %D%/carecard.module
EXTRA_DIST += %D%/carecard.module %D%/README.md
