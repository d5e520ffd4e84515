#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stddef.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/log.h"
#include "pkcs11/mech.h"

/*
 * CKF_HW: the (virtual) card performs every mechanism itself; clients such
 * as pkcs11-tool --test skip mechanisms without it unless told otherwise.
 */
#define SIGN_VERIFY (CKF_HW | CKF_SIGN | CKF_VERIFY)
#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)

/*
 * Everything advertised is implemented below; nothing else is advertised
 * (client-requirements.md "Advertise only what works"). RSA signing accepts
 * keys from 1024 bits so imported public keys can be verified; keys the card
 * generates are 2048 or 3072 bits.
 */
static const struct cc_mech mechs[] = {
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, CC_MECH_KEYGEN, CKK_RSA, NULL,
	  { 2048, 3072, CKF_HW | CKF_GENERATE_KEY_PAIR } },
	{ CKM_EC_KEY_PAIR_GEN, CC_MECH_KEYGEN, CKK_EC, NULL,
	  { 256, 384, CKF_HW | CKF_GENERATE_KEY_PAIR | EC_FLAGS } },
	{ CKM_RSA_PKCS, CC_MECH_RSA_PKCS, CKK_RSA, NULL, { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA256_RSA_PKCS, CC_MECH_RSA_PKCS, CKK_RSA, "SHA256", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA384_RSA_PKCS, CC_MECH_RSA_PKCS, CKK_RSA, "SHA384", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA512_RSA_PKCS, CC_MECH_RSA_PKCS, CKK_RSA, "SHA512", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_RSA_PKCS_PSS, CC_MECH_RSA_PSS, CKK_RSA, NULL, { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA256_RSA_PKCS_PSS, CC_MECH_RSA_PSS, CKK_RSA, "SHA256", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA384_RSA_PKCS_PSS, CC_MECH_RSA_PSS, CKK_RSA, "SHA384", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_SHA512_RSA_PKCS_PSS, CC_MECH_RSA_PSS, CKK_RSA, "SHA512", { 1024, 4096, SIGN_VERIFY } },
	{ CKM_ECDSA, CC_MECH_ECDSA, CKK_EC, NULL, { 256, 384, SIGN_VERIFY | EC_FLAGS } },
	{ CKM_ECDSA_SHA256, CC_MECH_ECDSA, CKK_EC, "SHA256", { 256, 384, SIGN_VERIFY | EC_FLAGS } },
	{ CKM_ECDSA_SHA384, CC_MECH_ECDSA, CKK_EC, "SHA384", { 256, 384, SIGN_VERIFY | EC_FLAGS } },
	{ CKM_SHA256, CC_MECH_DIGEST, 0, "SHA256", { 0, 0, CKF_HW | CKF_DIGEST } },
	{ CKM_SHA384, CC_MECH_DIGEST, 0, "SHA384", { 0, 0, CKF_HW | CKF_DIGEST } },
	{ CKM_SHA512, CC_MECH_DIGEST, 0, "SHA512", { 0, 0, CKF_HW | CKF_DIGEST } },
};

#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

/* Hashes usable in CK_RSA_PKCS_PSS_PARAMS, with their MGF1 partner. */
static const struct {
	CK_MECHANISM_TYPE hash;
	CK_ULONG mgf;
	const char *name;
	int len;
} hashes[] = {
	{ CKM_SHA256, CKG_MGF1_SHA256, "SHA256", 32 },
	{ CKM_SHA384, CKG_MGF1_SHA384, "SHA384", 48 },
	{ CKM_SHA512, CKG_MGF1_SHA512, "SHA512", 64 },
};

#define NHASHES (sizeof(hashes) / sizeof(hashes[0]))

const struct cc_mech *
cc_mech_find(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < NMECHS; i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

CK_RV
cc_mech_list(CK_MECHANISM_TYPE *out, CK_ULONG *n)
{
	size_t i;

	if (out != NULL && *n < NMECHS) {
		*n = NMECHS;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (out != NULL)
		for (i = 0; i < NMECHS; i++)
			out[i] = mechs[i].type;
	*n = NMECHS;
	return CKR_OK;
}

const char *
cc_mech_md_name(CK_MECHANISM_TYPE hash)
{
	size_t i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].hash == hash)
			return hashes[i].name;
	return NULL;
}

const char *
cc_mech_mgf_name(CK_ULONG mgf)
{
	size_t i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].mgf == mgf)
			return hashes[i].name;
	return NULL;
}

static int
md_len(const char *name)
{
	size_t i;

	for (i = 0; i < NHASHES; i++)
		if (strcmp(hashes[i].name, name) == 0)
			return hashes[i].len;
	return 0;
}

/*
 * PKCS#11 v2.40 section 2.1.14: hashAlg and mgf come from the caller; we
 * require MGF1 over the same hash (mixing is legal in the spec but no
 * client does it and OpenSSL CMS never asks for it), and for
 * CKM_SHAxxx_RSA_PKCS_PSS the hash of the mechanism itself. Any salt length
 * RFC 8017 allows: 0 .. emLen - hLen - 2, emLen = ceil((modBits - 1) / 8).
 */
static CK_RV
pss_params(struct cc_sign_ctx *ctx, const CK_MECHANISM *mp, int bits)
{
	const CK_RSA_PKCS_PSS_PARAMS *pp = mp->pParameter;
	const char *md, *mgf;
	long em_len = ((long)bits - 1 + 7) / 8;

	if (pp == NULL || mp->ulParameterLen != sizeof(*pp))
		return CKR_MECHANISM_PARAM_INVALID;
	md = cc_mech_md_name(pp->hashAlg);
	mgf = cc_mech_mgf_name(pp->mgf);
	if (md == NULL || mgf == NULL || strcmp(md, mgf) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (ctx->mech->md != NULL && strcmp(ctx->mech->md, md) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((long)pp->sLen > em_len - md_len(md) - 2)
		return CKR_MECHANISM_PARAM_INVALID;
	ctx->pss_md = md;
	ctx->pss_salt = (int)pp->sLen;
	return CKR_OK;
}

CK_RV
cc_sign_ctx_init(struct cc_sign_ctx *ctx, OSSL_LIB_CTX *libctx, const struct cc_mech *m,
		 const CK_MECHANISM *mp, EVP_PKEY *pkey)
{
	const char *kt = m->key_type == CKK_RSA ? "RSA" : "EC";
	int bits;
	CK_RV rv;

	/* Not the whole struct: the input buffer is only read up to buflen. */
	memset(ctx, 0, offsetof(struct cc_sign_ctx, buf));
	ctx->mech = m;
	ctx->libctx = libctx;
	if (m->kind != CC_MECH_RSA_PKCS && m->kind != CC_MECH_RSA_PSS && m->kind != CC_MECH_ECDSA)
		return CKR_MECHANISM_INVALID;
	if (!EVP_PKEY_is_a(pkey, kt))
		return CKR_KEY_TYPE_INCONSISTENT;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < (int)m->info.ulMinKeySize || bits > (int)m->info.ulMaxKeySize)
		return CKR_KEY_SIZE_RANGE;
	if (m->kind == CC_MECH_RSA_PSS && (rv = pss_params(ctx, mp, bits)) != CKR_OK)
		return rv;
	if (m->md != NULL) {
		EVP_MD *md = EVP_MD_fetch(libctx, m->md, NULL);

		if ((ctx->mdctx = EVP_MD_CTX_new()) == NULL || md == NULL ||
		    EVP_DigestInit_ex(ctx->mdctx, md, NULL) != 1) {
			EVP_MD_free(md);
			util_log_ossl_errors(__func__);
			cc_sign_ctx_clear(ctx);
			return CKR_HOST_MEMORY;
		}
		EVP_MD_free(md);
	}
	if (EVP_PKEY_up_ref(pkey) != 1) {
		cc_sign_ctx_clear(ctx);
		return CKR_HOST_MEMORY;
	}
	ctx->pkey = pkey;
	return CKR_OK;
}

void
cc_sign_ctx_clear(struct cc_sign_ctx *ctx)
{
	EVP_MD_CTX_free(ctx->mdctx);
	EVP_PKEY_CTX_free(ctx->pctx);
	EVP_PKEY_free(ctx->pkey);
	OPENSSL_cleanse(ctx->buf, ctx->buflen <= sizeof(ctx->buf) ? ctx->buflen : sizeof(ctx->buf));
	memset(ctx, 0, offsetof(struct cc_sign_ctx, buf));
}

/* The digest pkey_ctx() sets on the context: none for ECDSA (it signs the hash given). */
static const char *
ctx_md(const struct cc_sign_ctx *ctx)
{
	switch (ctx->mech->kind) {
	case CC_MECH_RSA_PSS:
		return ctx->pss_md;
	case CC_MECH_RSA_PKCS:
		return ctx->mech->md;
	default:
		return NULL;
	}
}

static bool
same_md(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void
cc_sign_ctx_adopt(struct cc_sign_ctx *ctx, struct cc_sign_cache *cache)
{
	if (cache->pctx == NULL || ctx->pctx != NULL || cache->pkey != ctx->pkey ||
	    cache->kind != ctx->mech->kind || !same_md(cache->md, ctx_md(ctx)) ||
	    (cache->kind == CC_MECH_RSA_PSS && cache->pss_salt != ctx->pss_salt))
		return;
	ctx->pctx = cache->pctx;	/* the key reference stays with the context's pkey */
	cache->pctx = NULL;
	cc_sign_cache_clear(cache);
}

void
cc_sign_ctx_stash(struct cc_sign_ctx *ctx, struct cc_sign_cache *cache)
{
	if (ctx->pctx == NULL || ctx->pkey == NULL || EVP_PKEY_up_ref(ctx->pkey) != 1)
		return;
	cc_sign_cache_clear(cache);
	cache->pkey = ctx->pkey;
	cache->kind = ctx->mech->kind;
	cache->md = ctx_md(ctx);
	cache->pss_salt = ctx->pss_salt;
	cache->pctx = ctx->pctx;
	ctx->pctx = NULL;
}

void
cc_sign_cache_clear(struct cc_sign_cache *cache)
{
	EVP_PKEY_CTX_free(cache->pctx);
	EVP_PKEY_free(cache->pkey);
	memset(cache, 0, sizeof(*cache));
}

static CK_ULONG
field_len(const EVP_PKEY *pkey)
{
	return (CK_ULONG)(EVP_PKEY_get_bits(pkey) + 7) / 8;
}

CK_ULONG
cc_sign_ctx_siglen(const struct cc_sign_ctx *ctx)
{
	if (ctx->mech->kind == CC_MECH_ECDSA)
		return 2 * field_len(ctx->pkey);
	return (CK_ULONG)EVP_PKEY_get_size(ctx->pkey);
}

CK_RV
cc_sign_ctx_update(struct cc_sign_ctx *ctx, const unsigned char *data, size_t len)
{
	if (ctx->mdctx != NULL) {
		if (EVP_DigestUpdate(ctx->mdctx, data, len) != 1) {
			util_log_ossl_errors(__func__);
			return CKR_FUNCTION_FAILED;
		}
		return CKR_OK;
	}
	if (len > sizeof(ctx->buf) - ctx->buflen)
		return CKR_DATA_LEN_RANGE;
	if (len > 0)
		memcpy(ctx->buf + ctx->buflen, data, len);
	ctx->buflen += len;
	return CKR_OK;
}

/* The string EVP_PKEY_sign/verify works on: the finished hash, or the raw input. */
static CK_RV
tbs_finish(struct cc_sign_ctx *ctx, unsigned char *hash, const unsigned char **tbs, size_t *len)
{
	unsigned int hl = 0;
	size_t k = (size_t)EVP_PKEY_get_size(ctx->pkey);

	if (ctx->mdctx != NULL) {
		if (EVP_DigestFinal_ex(ctx->mdctx, hash, &hl) != 1) {
			util_log_ossl_errors(__func__);
			return CKR_FUNCTION_FAILED;
		}
		*tbs = hash;
		*len = hl;
		return CKR_OK;
	}
	*tbs = ctx->buf;
	*len = ctx->buflen;
	switch (ctx->mech->kind) {
	case CC_MECH_RSA_PKCS:	/* DigestInfo; PKCS#1 needs 11 bytes of padding */
		return *len + 11 <= k ? CKR_OK : CKR_DATA_LEN_RANGE;
	case CC_MECH_RSA_PSS:	/* a hash of the PSS parameters' hash algorithm */
		return (int)*len == md_len(ctx->pss_md) ? CKR_OK : CKR_DATA_LEN_RANGE;
	default:		/* ECDSA: a hash of any size; OpenSSL truncates */
		return *len > 0 && *len <= 64 ? CKR_OK : CKR_DATA_LEN_RANGE;
	}
}

/*
 * An EVP_PKEY_CTX set up for the mechanism: padding, digest, PSS salt.
 *
 * Set through the EVP_PKEY_CTX_set_rsa_* / set_signature_md helpers, not
 * OSSL_PARAMs: when the host application made an ENGINE the default for RSA
 * (openssl -engine pkcs11, i.e. libp11 driving this very module), OpenSSL 3.0
 * gives even our private-context keys a legacy EVP_PKEY_CTX, on which
 * EVP_PKEY_CTX_set_params() fails but the helpers work (libp11 passes keys
 * that are not its own to OpenSSL's implementation).
 */
static EVP_PKEY_CTX *
pkey_ctx(struct cc_sign_ctx *ctx, bool verify)
{
	enum cc_mech_kind kind = ctx->mech->kind;
	const char *mdname = kind == CC_MECH_RSA_PSS ? ctx->pss_md : ctx->mech->md;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(ctx->libctx, ctx->pkey, NULL);
	EVP_MD *md = NULL;
	int ok;

	if (pctx == NULL)
		return NULL;
	ok = (verify ? EVP_PKEY_verify_init(pctx) : EVP_PKEY_sign_init(pctx)) == 1;
	if (ok && kind != CC_MECH_ECDSA) {
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, kind == CC_MECH_RSA_PSS ? RSA_PKCS1_PSS_PADDING
									 : RSA_PKCS1_PADDING) > 0;
		if (ok && mdname != NULL)
			ok = (md = EVP_MD_fetch(ctx->libctx, mdname, NULL)) != NULL &&
			     EVP_PKEY_CTX_set_signature_md(pctx, md) > 0;
		if (ok && kind == CC_MECH_RSA_PSS)
			ok = EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0 &&
			     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, ctx->pss_salt) > 0;
	}
	EVP_MD_free(md);
	if (!ok) {
		EVP_PKEY_CTX_free(pctx);
		return NULL;
	}
	return pctx;
}

/* ECDSA: DER SEQUENCE { r, s } -> the fixed-width r || s PKCS#11 returns. */
static CK_RV
ecdsa_der_to_raw(const unsigned char *der, size_t len, unsigned char *out, CK_ULONG flen)
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
	const BIGNUM *r, *s;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (es == NULL)
		return rv;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)flen) == (int)flen &&
	    BN_bn2binpad(s, out + flen, (int)flen) == (int)flen)
		rv = CKR_OK;
	ECDSA_SIG_free(es);
	return rv;
}

/*
 * The context is prepared once (or adopted from the session's cache, see
 * cc_sign_ctx_adopt) and kept: EVP_PKEY_sign() may be repeated on it. After
 * a failure it is dropped, so a context in an unknown state is never reused.
 */
CK_RV
cc_sign_ctx_sign(struct cc_sign_ctx *ctx, unsigned char *sig, CK_ULONG *siglen)
{
	unsigned char hash[EVP_MAX_MD_SIZE], der[160];
	const unsigned char *tbs = NULL;
	size_t tbslen = 0, outlen, hl;
	bool ec = ctx->mech->kind == CC_MECH_ECDSA;
	CK_RV rv;

	if ((rv = tbs_finish(ctx, hash, &tbs, &tbslen)) != CKR_OK)
		goto out;
	rv = CKR_FUNCTION_FAILED;
	outlen = ec ? sizeof(der) : cc_sign_ctx_siglen(ctx);
	if (ctx->pctx == NULL && (ctx->pctx = pkey_ctx(ctx, false)) == NULL)
		goto out;
	if (EVP_PKEY_sign(ctx->pctx, ec ? der : sig, &outlen, tbs, tbslen) != 1)
		goto out;
	if (ec) {
		if ((rv = ecdsa_der_to_raw(der, outlen, sig, field_len(ctx->pkey))) != CKR_OK)
			goto out;
		outlen = 2 * field_len(ctx->pkey);
	}
	*siglen = outlen;
	rv = CKR_OK;
out:
	if (rv == CKR_FUNCTION_FAILED) {
		util_log_ossl_errors(__func__);
		EVP_PKEY_CTX_free(ctx->pctx);
		ctx->pctx = NULL;
	}
	hl = ctx->mdctx != NULL ? tbslen : 0;	/* only a finished hash is in @hash */
	OPENSSL_cleanse(hash, hl);
	return rv;
}

/* ECDSA: raw r || s -> DER for EVP_PKEY_verify; *der is OPENSSL_malloc'd. */
static CK_RV
ecdsa_raw_to_der(const unsigned char *raw, CK_ULONG flen, unsigned char **der, int *len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)flen, NULL), *s = BN_bin2bn(raw + flen, (int)flen, NULL);
	CK_RV rv = CKR_HOST_MEMORY;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	*der = NULL;
	if ((*len = i2d_ECDSA_SIG(es, der)) <= 0)
		goto out;
	rv = CKR_OK;
out:
	ECDSA_SIG_free(es);
	return rv;
}

CK_RV
cc_sign_ctx_verify(struct cc_sign_ctx *ctx, const unsigned char *sig, CK_ULONG siglen)
{
	unsigned char hash[EVP_MAX_MD_SIZE], *der = NULL;
	const unsigned char *tbs = NULL;
	size_t tbslen = 0;
	int derlen = 0, ok;
	EVP_PKEY_CTX *pctx = NULL;
	bool ec = ctx->mech->kind == CC_MECH_ECDSA;
	CK_RV rv;

	if ((rv = tbs_finish(ctx, hash, &tbs, &tbslen)) != CKR_OK)
		goto out;
	if (siglen != cc_sign_ctx_siglen(ctx)) {
		rv = CKR_SIGNATURE_LEN_RANGE;
		goto out;
	}
	if (ec && (rv = ecdsa_raw_to_der(sig, siglen / 2, &der, &derlen)) != CKR_OK)
		goto out;
	rv = CKR_FUNCTION_FAILED;
	if ((pctx = pkey_ctx(ctx, true)) == NULL)
		goto out;
	ok = EVP_PKEY_verify(pctx, ec ? der : sig, ec ? (size_t)derlen : siglen, tbs, tbslen);
	/* A bad signature is the caller's news, not an error worth logging. */
	ERR_clear_error();
	rv = ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
	if (rv == CKR_FUNCTION_FAILED)
		util_log_ossl_errors(__func__);
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(pctx);
	return rv;
}

CK_RV
cc_digest_new(OSSL_LIB_CTX *libctx, const struct cc_mech *m, EVP_MD_CTX **out)
{
	EVP_MD *md = NULL;
	EVP_MD_CTX *c = NULL;
	CK_RV rv = CKR_HOST_MEMORY;

	if (m->kind != CC_MECH_DIGEST)
		return CKR_MECHANISM_INVALID;
	if ((md = EVP_MD_fetch(libctx, m->md, NULL)) == NULL || (c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, md, NULL) != 1)
		goto out;
	*out = c;
	c = NULL;
	rv = CKR_OK;
out:
	if (rv != CKR_OK)
		util_log_ossl_errors(__func__);
	EVP_MD_CTX_free(c);
	EVP_MD_free(md);
	return rv;
}

CK_ULONG
cc_digest_len(const EVP_MD_CTX *md)
{
	return (CK_ULONG)EVP_MD_get_size(EVP_MD_CTX_get0_md(md));
}
