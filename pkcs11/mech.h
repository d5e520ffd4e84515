/*
 * Mechanisms: one table (what C_GetMechanismList/Info report is exactly
 * what the code below implements), and the sign / verify / digest engine.
 *
 * The engine reduces every signature mechanism to "sign a to-be-signed
 * string with EVP_PKEY_sign": hash-and-sign mechanisms hash their input
 * (multi-part friendly), raw ones (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS,
 * CKM_ECDSA) buffer it. No module state, no lock: the caller runs these
 * without the module lock on a context it owns.
 */
#ifndef CC_MECH_H
#define CC_MECH_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

enum cc_mech_kind {
	CC_MECH_RSA_PKCS,	/* PKCS#1 v1.5 */
	CC_MECH_RSA_PSS,
	CC_MECH_ECDSA,
	CC_MECH_DIGEST,
	CC_MECH_KEYGEN,
};

struct cc_mech {
	CK_MECHANISM_TYPE type;
	enum cc_mech_kind kind;
	CK_KEY_TYPE key_type;	/* CKK_RSA / CKK_EC; unused for digests */
	const char *md;		/* hash-and-sign / digest: OpenSSL digest name; NULL = raw */
	CK_MECHANISM_INFO info;	/* key sizes in bits */
};

/* The table entry for @type, or NULL. */
const struct cc_mech *cc_mech_find(CK_MECHANISM_TYPE type);

/* C_GetMechanismList two-call convention: CKR_OK / CKR_BUFFER_TOO_SMALL. */
CK_RV cc_mech_list(CK_MECHANISM_TYPE *out, CK_ULONG *n);

/* Digest name for a CKM_SHA* / CKG_MGF1_* value, or NULL. */
const char *cc_mech_md_name(CK_MECHANISM_TYPE hash);
const char *cc_mech_mgf_name(CK_ULONG mgf);

/* ---- sign / verify ------------------------------------------------------ */

#define CC_RAW_INPUT_MAX 1024	/* buffered input of the raw mechanisms */

struct cc_sign_ctx {
	const struct cc_mech *mech;
	OSSL_LIB_CTX *libctx;		/* borrowed */
	EVP_PKEY *pkey;			/* owned reference */
	EVP_MD_CTX *mdctx;		/* hash-and-sign: running hash */
	EVP_PKEY_CTX *pctx;		/* signing: prepared on first use (or adopted), reusable */
	const char *pss_md;		/* PSS: hash and MGF1 hash (must match) */
	int pss_salt;
	size_t buflen;
	unsigned char buf[CC_RAW_INPUT_MAX];	/* raw mechanisms: buffered input (last: only
						 * buflen bytes are ever touched) */
};

/*
 * A prepared signing EVP_PKEY_CTX kept between operations (one per session):
 * building one means fetching the key manager and signature implementation
 * from the library context and setting padding and digest, which for a
 * P-256 signature costs a noticeable share of the signature itself.
 * EVP_PKEY_sign() may be called again on the same context, so an operation
 * with the same key and the same signing parameters adopts it instead.
 * Holds a reference to the private key: clear it at logout.
 */
struct cc_sign_cache {
	EVP_PKEY *pkey;			/* owned reference; NULL = empty */
	enum cc_mech_kind kind;
	const char *md;			/* digest set on the context (NULL: none) */
	int pss_salt;
	EVP_PKEY_CTX *pctx;
};

/*
 * Prepare @ctx for @m with the caller's @mp (parameters) on @pkey (takes a
 * new reference). CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_SIZE_RANGE,
 * CKR_MECHANISM_PARAM_INVALID (PSS hash/MGF1 mismatch, salt out of 0 ..
 * emLen - hLen - 2), CKR_HOST_MEMORY. On failure @ctx is left clean.
 */
CK_RV cc_sign_ctx_init(struct cc_sign_ctx *ctx, OSSL_LIB_CTX *libctx, const struct cc_mech *m,
		       const CK_MECHANISM *mp, EVP_PKEY *pkey);

/* Release everything @ctx holds; it may be initialised again. */
void cc_sign_ctx_clear(struct cc_sign_ctx *ctx);

/*
 * After cc_sign_ctx_init() for signing: take @cache's prepared context when
 * it was made for the same key and parameters (else leave both alone).
 */
void cc_sign_ctx_adopt(struct cc_sign_ctx *ctx, struct cc_sign_cache *cache);

/* When a signing operation ends: keep its prepared context in @cache. */
void cc_sign_ctx_stash(struct cc_sign_ctx *ctx, struct cc_sign_cache *cache);

/* Empty @cache (drops its key reference). */
void cc_sign_cache_clear(struct cc_sign_cache *cache);

/* Signature length for @ctx's key (RSA: modulus bytes; ECDSA: 2 x field bytes). */
CK_ULONG cc_sign_ctx_siglen(const struct cc_sign_ctx *ctx);

/* Feed input: hashed, or buffered (CKR_DATA_LEN_RANGE past CC_RAW_INPUT_MAX). */
CK_RV cc_sign_ctx_update(struct cc_sign_ctx *ctx, const unsigned char *data, size_t len);

/*
 * Produce the signature over everything fed so far into @sig (room for
 * cc_sign_ctx_siglen() bytes); *siglen gets the length. ECDSA output is the
 * raw r || s of PKCS#11, not DER. CKR_DATA_LEN_RANGE for raw input of the
 * wrong size, CKR_FUNCTION_FAILED (OpenSSL errors logged and drained).
 */
CK_RV cc_sign_ctx_sign(struct cc_sign_ctx *ctx, unsigned char *sig, CK_ULONG *siglen);

/* Verify @sig over everything fed so far: CKR_OK, CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE. */
CK_RV cc_sign_ctx_verify(struct cc_sign_ctx *ctx, const unsigned char *sig, CK_ULONG siglen);

/* ---- digest ----------------------------------------------------------------- */

/* A new running digest for @m (CC_MECH_DIGEST). CKR_MECHANISM_INVALID, CKR_HOST_MEMORY. */
CK_RV cc_digest_new(OSSL_LIB_CTX *libctx, const struct cc_mech *m, EVP_MD_CTX **out);
CK_ULONG cc_digest_len(const EVP_MD_CTX *md);

#endif
