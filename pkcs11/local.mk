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
	%D%/keygen.c %D%/keygen.h %D%/audit.c %D%/audit.h \
	%D%/unlock.c %D%/unlock.h %D%/token-unlock.c %D%/token-unlock.h
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

# The isolated mode (README.md "Modes"): the card service carecard-serve,
# run by systemd per connection as the card account, its units, the card
# account (sysusers.d), its state directory (tmpfiles.d), the module
# configuration of the mode and the holders' p11-kit client module file.
carecardstatedir = $(localstatedir)/lib/carecard
cc_card_user = carecard
cc_holders_group = carecard-holders
cc_rundir = /run/carecard

pkglibexec_PROGRAMS += %D%/carecard-serve
%C%_carecard_serve_SOURCES = %D%/carecard-serve.c %D%/card-service.c %D%/card-service.h
%C%_carecard_serve_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCC_HOLDERSDIR='"$(carecardstatedir)/holders"' \
	-DCC_ISOLATED_CONF='"$(carecardconfdir)/isolated.yaml"' \
	-DCC_MODULE_PATH='"$(p11moduledir)/carecard-pkcs11.so"' \
	-DCC_P11KIT_TOOL='"$(P11KIT_TOOL)"' \
	-DCC_CARD_TOOL='"$(bindir)/carecard-card"' -DCC_RUNDIR='"$(cc_rundir)"'

cc_isolated_in = \
	%D%/isolated/carecard-pkcs11.socket.in %D%/isolated/carecard-pkcs11@.service.in \
	%D%/isolated/carecard-card.socket.in %D%/isolated/carecard-card@.service.in \
	%D%/isolated/carecard.sysusers.in %D%/isolated/carecard.tmpfiles.in \
	%D%/isolated/isolated.yaml.in %D%/isolated/carecard-isolated.module.in
EXTRA_DIST += $(cc_isolated_in)
cc_isolated_edit = $(SED) \
	-e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' -e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	-e 's|@carecardstatedir[@]|$(carecardstatedir)|g' \
	-e 's|@holdersdir[@]|$(carecardstatedir)/holders|g' \
	-e 's|@carduser[@]|$(cc_card_user)|g' -e 's|@holdersgroup[@]|$(cc_holders_group)|g' \
	-e 's|@rundir[@]|$(cc_rundir)|g'
cc_isolated_gen = $(AM_V_GEN)$(MKDIR_P) $(@D) && $(cc_isolated_edit) $< >$@.tmp && mv $@.tmp $@
%D%/isolated/carecard-pkcs11.socket: $(srcdir)/%D%/isolated/carecard-pkcs11.socket.in Makefile
	$(cc_isolated_gen)
%D%/isolated/carecard-pkcs11@.service: $(srcdir)/%D%/isolated/carecard-pkcs11@.service.in Makefile
	$(cc_isolated_gen)
%D%/isolated/carecard-card.socket: $(srcdir)/%D%/isolated/carecard-card.socket.in Makefile
	$(cc_isolated_gen)
%D%/isolated/carecard-card@.service: $(srcdir)/%D%/isolated/carecard-card@.service.in Makefile
	$(cc_isolated_gen)
%D%/isolated/isolated.yaml: $(srcdir)/%D%/isolated/isolated.yaml.in Makefile
	$(cc_isolated_gen)
%D%/isolated/carecard-isolated.module: $(srcdir)/%D%/isolated/carecard-isolated.module.in Makefile
	$(cc_isolated_gen)

# sysusers.d and tmpfiles.d want the same name, carecard.conf, in two places.
%D%/isolated/sysusers/carecard.conf: $(srcdir)/%D%/isolated/carecard.sysusers.in Makefile
	$(cc_isolated_gen)
%D%/isolated/tmpfiles/carecard.conf: $(srcdir)/%D%/isolated/carecard.tmpfiles.in Makefile
	$(cc_isolated_gen)

cc_isolated_units = %D%/isolated/carecard-pkcs11.socket %D%/isolated/carecard-pkcs11@.service \
	%D%/isolated/carecard-card.socket %D%/isolated/carecard-card@.service
systemdsystemunit_DATA += $(cc_isolated_units)
sysusers_DATA += %D%/isolated/sysusers/carecard.conf
tmpfiles_DATA += %D%/isolated/tmpfiles/carecard.conf
carecardconf_DATA = %D%/isolated/isolated.yaml
cc_isolateddir = $(pkgdatadir)
cc_isolated_DATA = %D%/isolated/carecard-isolated.module
CLEANFILES += $(cc_isolated_units) %D%/isolated/sysusers/carecard.conf \
	%D%/isolated/tmpfiles/carecard.conf $(carecardconf_DATA) $(cc_isolated_DATA)
