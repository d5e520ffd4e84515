# ca/card.mk: card operations through the PKCS#11 module (issue, renew,
# repair, cancel, unlock) and operator authentication.
%C%_carecard_ca_SOURCES += %D%/cli-card-table.c
