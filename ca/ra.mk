# ca/ra.mk: registration-authority operations (registration, positions,
# TACs, reports, batch import, scheduled CRLs).
%C%_carecard_ca_SOURCES += %D%/cli-ra-table.c
