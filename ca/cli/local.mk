# ca/cli: carecard-ca, the command line over the CA library.
CA_CLI_SOURCES = %D%/cli.c %D%/cli.h %D%/cmds.h %D%/pin.c %D%/pin.h \
	%D%/test-hooks.c %D%/test-hooks.h \
	%D%/init.c %D%/issue.c %D%/revoke.c %D%/audit.c %D%/migrate.c %D%/rollover.c %D%/backup.c \
	%D%/card-table.c %D%/card.c %D%/card.h \
	%D%/ra-table.c %D%/people.c %D%/org.c %D%/tac.c %D%/report.c \
	%D%/day-table.c %D%/day.c
ca_carecard_ca_SOURCES += $(CA_CLI_SOURCES)

CA_MANS = %D%/man/carecard-ca.1 \
	%D%/man/carecard-ca-issue-card.1 %D%/man/carecard-ca-cancel-card.1 \
	%D%/man/carecard-ca-unlock.1 %D%/man/carecard-ca-renew.1 %D%/man/carecard-ca-self-renew.1 \
	%D%/man/carecard-ca-repair.1 %D%/man/carecard-ca-tac-activate.1 \
	%D%/man/carecard-ca-tac-restore.1 \
	%D%/man/carecard-ca-register.1 %D%/man/carecard-ca-verify-identity.1 \
	%D%/man/carecard-ca-org-add.1 %D%/man/carecard-ca-position-add.1 \
	%D%/man/carecard-ca-position-remove.1 %D%/man/carecard-ca-ods-change.1 \
	%D%/man/carecard-ca-tac-add.1 %D%/man/carecard-ca-tac-list.1 %D%/man/carecard-ca-tac-use.1 \
	%D%/man/carecard-ca-report.1 %D%/man/carecard-ca-batch.1 %D%/man/carecard-ca-crl-publish.1 \
	%D%/man/carecard-ca-policy-install.1 %D%/man/carecard-ca-recover.1 %D%/man/carecard-ca-serve.1 \
	%D%/man/carecard-ca-person.1 %D%/man/carecard-ca-request.1 %D%/man/carecard-ca-ra-role.1 \
	%D%/man/carecard-ca-hold.1 %D%/man/carecard-ca-release.1 \
	%D%/man/carecard-ca-passcode-reset.1 %D%/man/carecard-ca-migrate.1 \
	%D%/man/carecard-ca-ca-rollover.1 %D%/man/carecard-ca-backup.1 %D%/man/carecard-ca-restore.1
man1_MANS += $(CA_MANS)
EXTRA_DIST += $(CA_MANS)

# The RA managers' everyday workflows over carecard-ca (scripts/ra/*.sh).
dist_noinst_SCRIPTS += scripts/ra/new-starter.sh scripts/ra/leaver.sh scripts/ra/lost-card.sh \
	scripts/ra/replacement-arrived.sh scripts/ra/ods-change.sh scripts/ra/nightly.sh
dist_noinst_DATA += scripts/ra/ra-common.sh

# The documented sudo rule for RA staff (a template: @bindir@ filled in).
sudoersdir = $(pkgdatadir)/sudoers.d
sudoers_DATA = %D%/deploy/carecard-ca
CLEANFILES += %D%/deploy/carecard-ca
EXTRA_DIST += %D%/deploy/carecard-ca.sudoers
%D%/deploy/carecard-ca: %D%/deploy/carecard-ca.sudoers
	$(AM_V_GEN)mkdir -p $(@D) && sed 's|@bindir@|$(bindir)|g' $< >$@
