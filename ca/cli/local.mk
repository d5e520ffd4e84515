# ca/cli: carecard-ca, the command line over the CA library.
ca_carecard_ca_SOURCES += %D%/cli.c %D%/cli.h %D%/init.c %D%/issue.c %D%/revoke.c %D%/audit.c \
	%D%/card-table.c %D%/card.c %D%/card.h \
	%D%/ra-table.c %D%/ra.h %D%/ra-cmds.h %D%/ra-common.c %D%/ra-register.c \
	%D%/ra-positions.c %D%/ra-tac.c %D%/ra-report.c %D%/ra-batch.c

CA_MANS = %D%/man/carecard-ca.1 \
	%D%/man/carecard-ca-issue-card.1 %D%/man/carecard-ca-cancel-card.1 \
	%D%/man/carecard-ca-unlock.1 %D%/man/carecard-ca-renew.1 %D%/man/carecard-ca-self-renew.1 \
	%D%/man/carecard-ca-repair.1 %D%/man/carecard-ca-tac-activate.1 \
	%D%/man/carecard-ca-tac-restore.1 \
	%D%/man/carecard-ca-register.1 %D%/man/carecard-ca-verify-identity.1 \
	%D%/man/carecard-ca-org-add.1 %D%/man/carecard-ca-position-add.1 \
	%D%/man/carecard-ca-position-remove.1 %D%/man/carecard-ca-ods-change.1 \
	%D%/man/carecard-ca-tac-add.1 %D%/man/carecard-ca-tac-list.1 %D%/man/carecard-ca-tac-use.1 \
	%D%/man/carecard-ca-report.1 %D%/man/carecard-ca-batch.1 %D%/man/carecard-ca-crl-publish.1
man1_MANS += $(CA_MANS)
EXTRA_DIST += $(CA_MANS)

# The RA managers' everyday workflows over carecard-ca (scripts/ra/*.sh).
dist_noinst_SCRIPTS += scripts/ra/new-starter.sh scripts/ra/leaver.sh scripts/ra/lost-card.sh \
	scripts/ra/replacement-arrived.sh scripts/ra/ods-change.sh scripts/ra/nightly.sh
dist_noinst_DATA += scripts/ra/ra-common.sh
