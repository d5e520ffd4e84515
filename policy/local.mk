# policy/: the lifecycle policy engine (libyaml), linked by the module and
# the CA, and the carecard-policy command.
# policy_lib_c is also compiled by tests/policy.mk's clang fuzz target.
policy_lib_c = \
	%D%/schema.c %D%/value.c %D%/load.c %D%/validate.c %D%/show.c \
	%D%/decide.c %D%/decide-access.c %D%/due.c
noinst_LTLIBRARIES += %D%/libcarecard-policy.la
%C%_libcarecard_policy_la_SOURCES = \
	%D%/policy.h %D%/schema.h %D%/load-internal.h \
	%D%/decide.h %D%/decide-internal.h \
	$(policy_lib_c)
%C%_libcarecard_policy_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
# It needs common/libcarecard-common.la (util_file_read_all) but does not
# LIBADD it: the module's convenience library already carries common, and
# naming it twice puts its objects twice into the archive (duplicate
# symbols). Final programs link common themselves.
%C%_libcarecard_policy_la_LIBADD = $(YAML_LIBS)

bin_PROGRAMS += %D%/carecard-policy
%C%_carecard_policy_SOURCES = %D%/cli.c %D%/cli.h %D%/cli-explain.c
%C%_carecard_policy_LDADD = %D%/libcarecard-policy.la common/libcarecard-common.la
man1_MANS += %D%/carecard-policy.1
EXTRA_DIST += %D%/carecard-policy.1

# The shipped NHS policy: $(pkgdatadir)/policy/nhs.yaml (POL_DEFAULT_PATH).
policydir = $(pkgdatadir)/policy
dist_policy_DATA = %D%/nhs.yaml
EXTRA_DIST += %D%/README.md %D%/examples/renew-3-then-new-card.yaml
