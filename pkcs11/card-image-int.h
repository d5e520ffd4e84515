/*
 * card-image internals shared by card-image*.c only (not by the module).
 * The byte layout these structures map to is in CARD-FORMAT.md.
 */
#ifndef CC_CARD_IMAGE_INT_H
#define CC_CARD_IMAGE_INT_H

#include "pkcs11/card-image.h"

#define CC_IMG_MAGIC		"\x89" "CCARD\r\n"
#define CC_IMG_MAGIC_LEN	8
#define CC_IMG_VERSION		2	/* written; CARD-FORMAT.md "Versions" */
#define CC_IMG_VERSION_MIN	1	/* oldest still read (migrated on the next write) */
#define CC_IMG_HEADER_LEN	304	/* fixed part, up to and including content length */
#define CC_IMG_SUM_LEN		32	/* SHA-256 trailer */
#define CC_IMG_MAC_LEN		32	/* HMAC-SHA256 content MAC */
#define CC_SLOT_LEN		96
#define CC_SALT_LEN		16
#define CC_NONCE_LEN		12
#define CC_TAG_LEN		16
#define CC_SEAL_VERSION		1
#define CC_SEAL_OVERHEAD	(1 + CC_NONCE_LEN + CC_TAG_LEN)

/* Sanity limits applied while decoding (a crafted file must not make us allocate much). */
#define CC_MAX_OBJECTS		4096
#define CC_MAX_ATTRS		128

/* One wrapped copy of the card key (user or SO). */
struct cc_key_slot {
	bool present;
	struct cc_kdf_params kdf;
	unsigned char salt[CC_SALT_LEN];
	unsigned char nonce[CC_NONCE_LEN];
	unsigned char wrapped[CC_CARD_KEY_LEN];
	unsigned char tag[CC_TAG_LEN];
};

struct cc_card_slots {
	struct cc_key_slot user;
	struct cc_key_slot so;
	unsigned char mac[CC_IMG_MAC_LEN];	/* content MAC as stored */
	unsigned char *content;			/* content bytes the MAC covers */
	size_t content_len;
};

/* card-image.c */
CK_RV cc_card_new_blank(const char *serial, struct cc_card **out);

/* card-image-codec.c */
CK_RV cc_card_encode_content(const struct cc_card *card, unsigned char **out, size_t *len);
CK_RV cc_card_encode(const struct cc_card *card, uint64_t generation, unsigned char **out,
		     size_t *len);

/* card-image-crypto.c */
CK_RV cc_card_content_mac(const char *serial, const struct cc_card_key *key,
			  const unsigned char *content, size_t len,
			  unsigned char mac[CC_IMG_MAC_LEN]);
CK_RV cc_card_sha256(const unsigned char *data, size_t len, unsigned char out[32]);
CK_RV cc_card_refresh_mac(struct cc_card *card, const struct cc_card_key *key);

#endif
