/*
 * unlock.h: self-service unlock on the card side (pkcs11/CARD-FORMAT.md,
 * "Self-service unlock"). Pure crypto over the card key and OpenSSL keys:
 * no module lock, no card I/O. token-unlock.c does the PKCS#11 part.
 */
#ifndef CC_UNLOCK_H
#define CC_UNLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/card-image.h"

/* The CA's unblock key on the card: a token CKO_PUBLIC_KEY (RSA) only the SO creates. */
#define CC_UNLOCK_KEY_LABEL "carecard-unblock"
/* The ephemeral key pair of one unlock request: session objects, made without a login. */
#define CC_UNLOCK_EPHEMERAL_LABEL "carecard-unlock"
/* Read-only attribute of the unblock key: the card key sealed to it (RSA-OAEP, SHA-1). */
#define CKA_CC_SEALED_CARD_KEY (CKA_VENDOR_DEFINED | 0x43430001UL)

/* The response's first bytes: what tells C_Login(CKU_SO) it is not an SO secret. */
#define CC_UNLOCK_MAGIC "CCUNLK01"
#define CC_UNLOCK_MAGIC_LEN 8
#define CC_UNLOCK_MAX_LEN 4096

/* Is @label (not NUL-terminated, @len bytes) the reserved unblock-key label? */
bool cc_unlock_label_is(const void *label, CK_ULONG len, const char *want);

/* Does @pin look like an unlock response (magic prefix, bounded length)? */
bool cc_unlock_is_response(const unsigned char *pin, CK_ULONG len);

/*
 * Seal @key to the RSA public key @unblock: RSA-OAEP (SHA-1, MGF1-SHA-1,
 * no label: what SoftHSM2's C_UnwrapKey takes). *out is malloc'd.
 * CKR_KEY_TYPE_INCONSISTENT for a non-RSA key, CKR_FUNCTION_FAILED.
 */
CK_RV cc_unlock_seal(OSSL_LIB_CTX *libctx, EVP_PKEY *unblock, const struct cc_card_key *key,
		     unsigned char **out, size_t *outlen);

/*
 * Open an unlock response for card @serial: check the unblock key's
 * signature over ("carecard unlock v1" || serial || SHA-256(SPKI of
 * @ephemeral) || wrapped), then decrypt the wrapped card key with
 * @ephemeral. CKR_PIN_INCORRECT for anything malformed, a bad signature,
 * or a wrong length; *key written only on success.
 */
CK_RV cc_unlock_open(OSSL_LIB_CTX *libctx, EVP_PKEY *ephemeral, EVP_PKEY *unblock,
		     const char *serial, const unsigned char *resp, size_t len,
		     struct cc_card_key *key);

/*
 * The signed message, for the CA side and the tests: "carecard unlock v1"
 * || serial(16) || SHA-256(@spki) || @wrapped. *out is malloc'd.
 */
CK_RV cc_unlock_tbs(const char *serial, const unsigned char *spki, size_t spkilen,
		    const unsigned char *wrapped, size_t wlen, unsigned char **out, size_t *outlen);

#endif
