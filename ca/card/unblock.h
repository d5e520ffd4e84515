/*
 * ca/card/unblock: giving a card the HSM's unblock key at personalisation
 * (ca/README.md, "Self-service unlock").
 */
#ifndef CC_CA_CARD_UNBLOCK_H
#define CC_CA_CARD_UNBLOCK_H

#include "ca/card/p11card.h"
#include "ca/core/ctx.h"

/*
 * Card side of pkcs11/CARD-FORMAT.md "Self-service unlock": the module adds
 * this read-only attribute to the unblock key object (the card key sealed
 * to it). Vendor-defined: 'CC' 0001.
 */
#define CA_CKA_CC_SEALED_CARD_KEY (CKA_VENDOR_DEFINED | 0x43430001UL)
#define CA_CARD_LABEL_UNBLOCK "carecard-unblock"
#define CA_CARD_ID_UNBLOCK 0x55		/* 'U'; the pairs are 01 and 02 (cert.h) */

/*
 * As the card's SO (logged in here with the derived SO secret, logged out
 * before returning): create the unblock key object (the HSM's unblock
 * public key, made on first use), read back the card key the module sealed
 * to it and record it in the registry for @c's serial. A freshly wiped card
 * only (C_InitToken removed any earlier one).
 */
int ca_card_unblock_install(struct ca_ctx *ctx, struct ca_p11card *c);

#endif
