# ca/card: cards through the carecard PKCS#11 module, as a card management
# system talks to real cards: who is at a reader, personalisation (key pairs
# generated on the card, requests signed on it, certificates written back).
ca_libcarecard_ca_la_SOURCES += \
	%D%/operator.c %D%/operator.h \
	%D%/p11card.c %D%/p11card-obj.c %D%/p11card.h %D%/signer-attach.c \
	%D%/cert.c %D%/cert.h \
	%D%/perso.c %D%/perso.h \
	%D%/unblock.c %D%/unblock.h
