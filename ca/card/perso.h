/*
 * ca/card-perso: personalising a card through the module — what issue,
 * repair and TAC activation share. The card is (re-)initialised with its
 * derived SO secret (C_InitToken: a blank card gets it, a partly
 * personalised one is wiped, so a re-run after a kill starts clean), both
 * key pairs are generated on the card, their requests signed on the card
 * and drafted, both certificates recorded pending in the registry (record
 * before you sign), then signed and written back one at a time, and
 * finally the holder's passcode set by the SO (C_InitPIN) or the card
 * locked for secure delivery. Until that last step the user passcode is a
 * random one nobody sees.
 */
#ifndef CC_CA_CARD_PERSO_H
#define CC_CA_CARD_PERSO_H

#include <stdbool.h>

#include "ca/card/cert.h"
#include "ca/card/p11card.h"

struct ca_perso {
	const struct ca_person *holder;
	const char *pin;		/* the holder's passcode, or NULL: lock for delivery */
	int64_t lifetime;		/* 0: the profiles'; else the cap (TAC activation) */
	const char *op;			/* "issue-card" etc.: pending entry, step points */
	int64_t card_op;		/* the operation's journal entry */
	struct ca_card_cert certs[2];	/* out: authentication, signing */
};

void ca_perso_clear(struct ca_perso *p);

/* Personalise @c for @p->holder. On failure the card may be half written:
 * the caller's journal entry stays pending and a re-run wipes it. */
int ca_card_personalise(struct ca_ctx *ctx, struct ca_p11card *c, struct ca_perso *p);

/* Set the holder's passcode as the SO (unlock, and the end of personalisation). */
int ca_card_set_passcode(struct ca_ctx *ctx, struct ca_p11card *c, const char *pin);

/* Wipe the card back to no objects and no user passcode (C_InitToken). */
int ca_card_wipe(struct ca_ctx *ctx, struct ca_p11card *c);

/*
 * Generate one pair @id/@label on the card (user logged in) and draft its
 * certificate into @out (nothing recorded or signed).
 */
int ca_card_pair_draft(struct ca_ctx *ctx, struct ca_p11card *c, const char *profile,
		       const struct ca_person *holder, unsigned char id, const char *label,
		       int64_t lifetime, struct ca_card_cert *out);

/*
 * Record both drafts of @certs pending for card operation @card_op (@op,
 * journal entry) on @c for @holder: one committed transaction, step
 * "<op>:pending-recorded".
 */
int ca_card_pairs_record(struct ca_ctx *ctx, struct ca_p11card *c, const char *op,
			 int64_t card_op, const struct ca_person *holder,
			 struct ca_card_cert certs[2]);

/* Sign @cc's recorded draft and write the certificate as @id/@label. */
int ca_card_pair_write(struct ca_ctx *ctx, struct ca_p11card *c, unsigned char id,
		       const char *label, struct ca_card_cert *cc);

#endif
