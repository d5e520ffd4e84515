/*
 * EVP_PKEY <-> PKCS#11 attributes, and the PKCS#8 form private keys are
 * sealed in. All keys live in the module's private OSSL_LIB_CTX. Pure: no
 * module state, no lock.
 */
#ifndef CC_PKEY_H
#define CC_PKEY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/attrs.h"

/* Named curves the card supports (DER OID as in CKA_EC_PARAMS). */
struct cc_curve {
	const char *name;		/* OpenSSL group name */
	const unsigned char *oid;	/* DER OBJECT IDENTIFIER */
	size_t oid_len;
	int bits;
};

/* The curve whose CKA_EC_PARAMS is @der, or NULL (CKR_CURVE_NOT_SUPPORTED for the caller). */
const struct cc_curve *cc_curve_by_params(const void *der, CK_ULONG len);

/*
 * Add the public components of @pk to @l: CKA_KEY_TYPE, CKA_PUBLIC_KEY_INFO
 * and CKA_MODULUS + CKA_PUBLIC_EXPONENT + CKA_MODULUS_BITS (RSA) or
 * CKA_EC_PARAMS (EC). With @public_obj also CKA_EC_POINT (EC, a DER OCTET
 * STRING), which only public key objects carry.
 */
CK_RV cc_pkey_public_attrs(const EVP_PKEY *pk, bool public_obj, struct cc_attrs *l);

/*
 * Build a public EVP_PKEY from attributes (RSA: CKA_MODULUS and
 * CKA_PUBLIC_EXPONENT; EC: CKA_EC_PARAMS and CKA_EC_POINT, DER OCTET STRING
 * or a bare uncompressed point). CKR_TEMPLATE_INCOMPLETE,
 * CKR_ATTRIBUTE_VALUE_INVALID, CKR_CURVE_NOT_SUPPORTED.
 */
CK_RV cc_pkey_from_attrs(OSSL_LIB_CTX *libctx, const struct cc_attrs *l, EVP_PKEY **out);

/* PKCS#8 PrivateKeyInfo DER of @pk; *der must be freed with OPENSSL_clear_free. */
CK_RV cc_pkey_to_pkcs8(const EVP_PKEY *pk, unsigned char **der, size_t *len);

/* Parse PKCS#8 DER into a key bound to @libctx. CKR_DEVICE_ERROR if unusable. */
CK_RV cc_pkey_from_pkcs8(OSSL_LIB_CTX *libctx, const unsigned char *der, size_t len,
			 EVP_PKEY **out);

/* Default CKA_ID of a generated pair: SHA-1 of the modulus or EC point (OpenSC's habit). */
CK_RV cc_pkey_default_id(OSSL_LIB_CTX *libctx, const EVP_PKEY *pk, unsigned char id[20]);

#endif
