# ca/card: cards through the carecard PKCS#11 module, as a card management
# system talks to real cards: operator login, personalisation, renewal,
# unlock, cancellation, TACs.
ca_libcarecard_ca_la_SOURCES += \
	%D%/operator.c %D%/operator.h \
	%D%/p11card.c %D%/p11card-obj.c %D%/p11card.h %D%/signer-attach.c \
	%D%/common.c %D%/common.h \
	%D%/pin.c %D%/pin.h \
	%D%/cert.c %D%/cert.h \
	%D%/perso.c %D%/perso.h \
	%D%/issue.c %D%/admin.c %D%/renew.c %D%/ops.h
