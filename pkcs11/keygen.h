/*
 * C_GenerateKeyPair: template checks, the (slow) generation itself, and the
 * attribute lists of the two new objects. Pure: no module state, no lock,
 * so the caller runs cc_keygen_run() with the module lock released.
 */
#ifndef CC_KEYGEN_H
#define CC_KEYGEN_H

#include <stdbool.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/attrs.h"
#include "pkcs11/pkey.h"

struct cc_keygen_req {
	CK_MECHANISM_TYPE mech;
	CK_ULONG bits;			/* RSA */
	BIGNUM *e;			/* RSA public exponent; NULL = 65537 */
	const struct cc_curve *curve;	/* EC */
	bool token;			/* both objects on the card (CKA_TOKEN of the private key) */
	struct cc_attrs pub;		/* the caller's templates, copied */
	struct cc_attrs priv;
};

/*
 * Check the mechanism and both templates (schema, sizes, curve, values the
 * card cannot honour: CKA_SENSITIVE false or CKA_EXTRACTABLE true give
 * CKR_TEMPLATE_INCONSISTENT) and fill @req. Caller clears @req with
 * cc_keygen_req_clear() whatever the result.
 */
CK_RV cc_keygen_parse(const CK_MECHANISM *mech, const CK_ATTRIBUTE *pub, CK_ULONG npub,
		      const CK_ATTRIBUTE *priv, CK_ULONG npriv, struct cc_keygen_req *req);
void cc_keygen_req_clear(struct cc_keygen_req *req);

/* Generate the key pair (slow; no lock held). CKR_FUNCTION_FAILED (logged). */
CK_RV cc_keygen_run(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, EVP_PKEY **out);

/*
 * The complete attribute lists of the public and private key objects for
 * @pk (empty @pub / @priv on entry). Both share one CKA_ID: the caller's,
 * or SHA-1 of the modulus / EC point. The module implements no decryption
 * or wrapping, so CKA_DECRYPT, CKA_UNWRAP, CKA_ENCRYPT and CKA_WRAP are
 * always false whatever the template asked.
 */
CK_RV cc_keygen_attrs(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, const EVP_PKEY *pk,
		      struct cc_attrs *pub, struct cc_attrs *priv);

/* A generated pair on its way to the card or to the session. */
struct cc_keypair {
	struct cc_attrs pub, priv;
	EVP_PKEY *pk;
	unsigned char *der;		/* PKCS#8 of the private key: token keys only */
	size_t derlen;
};

/* Free and wipe everything @p holds; leaves it empty. */
void cc_keypair_clear(struct cc_keypair *p);

/*
 * The slow part of C_GenerateKeyPair, without the lock: generate, describe
 * both objects, and for a token pair encode the private key (PKCS#8) for
 * sealing. @always_auth: the configured CKA_ALWAYS_AUTHENTICATE for signing
 * keys (token keys get it when read back from the card).
 */
CK_RV cc_keygen_pair(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, bool always_auth,
		     struct cc_keypair *p);

#endif
