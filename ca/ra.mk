# ca/ra.mk: registration-authority operations (registration, positions,
# TACs, reports, batch import, scheduled CRLs).
%C%_libcarecard_ca_la_SOURCES += %D%/registry-ra.h %D%/registry-people.c \
	%D%/registry-positions.c %D%/registry-tac.c %D%/registry-reports.c \
	%D%/report.c %D%/report.h %D%/batch.c %D%/batch.h
%C%_carecard_ca_SOURCES += %D%/cli-ra-table.c %D%/cli-ra.h %D%/cli-ra-cmds.h \
	%D%/cli-ra-common.c %D%/cli-ra-register.c %D%/cli-ra-positions.c \
	%D%/cli-ra-tac.c %D%/cli-ra-report.c %D%/cli-ra-batch.c
%C%_carecard_ca_CFLAGS += $(YAML_CFLAGS)

CA_RA_MANS = %D%/carecard-ca-register.1 %D%/carecard-ca-verify-identity.1 \
	%D%/carecard-ca-org-add.1 %D%/carecard-ca-position-add.1 \
	%D%/carecard-ca-position-remove.1 %D%/carecard-ca-ods-change.1 \
	%D%/carecard-ca-tac-add.1 %D%/carecard-ca-tac-list.1 %D%/carecard-ca-tac-use.1 \
	%D%/carecard-ca-report.1 %D%/carecard-ca-batch.1 %D%/carecard-ca-crl-publish.1
man1_MANS += $(CA_RA_MANS)
EXTRA_DIST += $(CA_RA_MANS)

# The RA managers' everyday workflows over carecard-ca (scripts/ra/*.sh).
dist_noinst_SCRIPTS += scripts/ra/new-starter.sh scripts/ra/leaver.sh scripts/ra/lost-card.sh \
	scripts/ra/replacement-arrived.sh scripts/ra/ods-change.sh scripts/ra/nightly.sh
dist_noinst_DATA += scripts/ra/ra-common.sh
