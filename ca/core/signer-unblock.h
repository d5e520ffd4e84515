/*
 * ca/signer-unblock: the HSM half of self-service unlock (signer-unblock.c;
 * protocol in ca/README.md "Self-service unlock" and pkcs11/CARD-FORMAT.md).
 */
#ifndef CC_CA_SIGNER_UNBLOCK_H
#define CC_CA_SIGNER_UNBLOCK_H

#include <stddef.h>

#include <openssl/types.h>

#include "ca/core/signer.h"

#define CA_LABEL_UNBLOCK "carecard-unblock"
#define CA_UNBLOCK_KEY_ID 5		/* root 1, authentication 2, signing 3, audit 4 */

/*
 * Make the unblock key pair @label (RSA-2048; private half sensitive,
 * non-extractable, CKA_UNWRAP + CKA_SIGN only) unless the token has it.
 * CA_OK when it exists afterwards.
 */
int ca_signer_unblock_ensure(struct ca_signer *s, const char *label, unsigned char id);

/* Its public half (a software EVP_PKEY the caller frees). */
int ca_signer_unblock_public(struct ca_signer *s, const char *label, EVP_PKEY **out);

/*
 * The response for card @serial: unwrap @sealed (the card key sealed to
 * the unblock key at personalisation) inside the token, wrap it with
 * RSA-OAEP to @eph (the request's ephemeral RSA key, 2048-4096 bits),
 * destroy the session objects, and sign ("carecard unlock v1" || serial ||
 * SHA-256(SPKI(@eph)) || wrapped) with the unblock key (PKCS#1 v1.5,
 * SHA-256). *out (malloc'd) = "CCUNLK01" || len(2) || wrapped || len(2) ||
 * signature. CA_ERR_INPUT for an unusable @eph, CA_ERR_STATE for a sealed
 * key that does not open (logged).
 */
int ca_signer_unblock_respond(struct ca_signer *s, const char *label, const char *serial,
			      const unsigned char *sealed, size_t slen, EVP_PKEY *eph,
			      unsigned char **out, size_t *outlen);

/*
 * HMAC-SHA256 with the token secret @label (the one-time codes' key; made
 * on first use, sensitive, non-extractable, HMAC only) over @data.
 */
int ca_signer_unblock_code_mac(struct ca_signer *s, const char *label, const void *data,
			       size_t len, unsigned char mac[32]);

#define CA_LABEL_UNLOCK_CODES "carecard-unlock-codes"

/*
 * RSA public key @pk as the bytes of CKA_MODULUS and CKA_PUBLIC_EXPONENT
 * (for C_CreateObject: the HSM's wrapping key, the card's unblock key).
 * CA_OK, or CA_ERR_CRYPTO for a key that is not RSA or larger than 4096 bits.
 */
struct ca_rsa_public {
	unsigned char n[512], e[16];
	unsigned long nlen, elen;
};
int ca_rsa_public_bytes(EVP_PKEY *pk, struct ca_rsa_public *out);

#endif
