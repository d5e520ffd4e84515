# ca/card.mk: card operations through the PKCS#11 module (issue, renew,
# repair, cancel, unlock, TAC) and operator authentication.
%C%_libcarecard_ca_la_SOURCES += \
	%D%/operator.c %D%/operator.h \
	%D%/p11card.c %D%/p11card-obj.c %D%/p11card.h %D%/signer-attach.c \
	%D%/registry-cards.c %D%/registry-cards.h \
	%D%/card-common.c %D%/card-common.h \
	%D%/card-pin.c %D%/card-pin.h \
	%D%/card-cert.c %D%/card-cert.h \
	%D%/card-perso.c %D%/card-perso.h \
	%D%/card-issue.c %D%/card-admin.c %D%/card-renew.c %D%/card-ops.h
%C%_carecard_ca_SOURCES += %D%/cli-card-table.c %D%/cli-card.c %D%/cli-card.h
# cli-card.c sees the card headers, which carry PKCS#11 types.
%C%_carecard_ca_CFLAGS += $(P11KIT_CFLAGS) $(YAML_CFLAGS)

CA_CARD_MANS = %D%/carecard-ca-issue-card.1 %D%/carecard-ca-cancel-card.1 \
	%D%/carecard-ca-unlock.1 %D%/carecard-ca-renew.1 %D%/carecard-ca-self-renew.1 \
	%D%/carecard-ca-repair.1 %D%/carecard-ca-tac-activate.1 %D%/carecard-ca-tac-restore.1
man1_MANS += $(CA_CARD_MANS)
EXTRA_DIST += $(CA_CARD_MANS)
