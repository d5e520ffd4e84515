/*
 * ca/hsm-provider.c: see hsm-provider.h. The dispatch tables follow
 * provider-keymgmt(7) and provider-signature(7) of OpenSSL 3.0: a key
 * manager needs new/free/has plus matching import and get_params pairs; a
 * signature needs newctx/freectx and one complete signing set, here
 * digest_sign_init/update/final.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/core/hsm-provider.h"
#include "common/log.h"

#define HSM_PROV_NAME "carecard-hsm"
#define HSM_PARAM_KEY "carecard-hsm-key"	/* octet string: the pointer */

struct hsm_key {
	struct ca_signer_key *k;
	OSSL_LIB_CTX *libctx;
	EVP_MD *sha256;		/* fetched once at import: the digest we always use */
};

struct hsm_sig {
	OSSL_LIB_CTX *libctx;
	struct ca_signer_key *k;
	EVP_MD_CTX *md;
	int md_nid;
};

/* ---- key manager ---- */

static void *
km_new(void *provctx)
{
	struct hsm_key *hk = calloc(1, sizeof(*hk));

	if (hk != NULL)
		hk->libctx = provctx;
	return hk;
}

static void
km_free(void *kd)
{
	struct hsm_key *hk = kd;

	if (hk == NULL)
		return;
	EVP_MD_free(hk->sha256);
	free(hk);
}

static int
km_has(const void *kd, int selection)
{
	const struct hsm_key *hk = kd;

	return hk != NULL && hk->k != NULL;
}

static int
km_import(void *kd, int selection, const OSSL_PARAM params[])
{
	struct hsm_key *hk = kd;
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, HSM_PARAM_KEY);

	if (p == NULL || p->data_type != OSSL_PARAM_OCTET_STRING ||
	    p->data_size != sizeof(hk->k))
		return 0;
	memcpy(&hk->k, p->data, sizeof(hk->k));
	/* Fetching per signature showed in profiles; the key never changes
	 * after import, so neither does this (no lazy state to race on). */
	if (hk->sha256 == NULL)
		hk->sha256 = EVP_MD_fetch(hk->libctx, "SHA256", "provider=default");
	return hk->k != NULL && hk->sha256 != NULL;
}

static const OSSL_PARAM km_import_list[] = {
	OSSL_PARAM_octet_string(HSM_PARAM_KEY, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
km_import_types(int selection)
{
	return km_import_list;
}

/* Key facts OpenSSL caches on the EVP_PKEY (EVP_PKEY_get_size etc.). */
static int
km_get_params(void *kd, OSSL_PARAM params[])
{
	struct hsm_key *hk = kd;
	OSSL_PARAM *p;
	int bits = ca_signer_key_bits(hk->k);
	int sec = ca_signer_key_type(hk->k) == CA_KEY_EC_P256 ? 128
		: ca_signer_key_type(hk->k) == CA_KEY_RSA3072 ? 128 : 112;

	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) != NULL &&
	    !OSSL_PARAM_set_int(p, bits))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) != NULL &&
	    !OSSL_PARAM_set_int(p, sec))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) != NULL &&
	    !OSSL_PARAM_set_int(p, (int)ca_signer_key_max_sig(hk->k)))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST)) != NULL &&
	    !OSSL_PARAM_set_utf8_string(p, "SHA256"))
		return 0;
	return 1;
}

static const OSSL_PARAM km_gettable_list[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
km_gettable_params(void *provctx)
{
	return km_gettable_list;
}

static const OSSL_DISPATCH km_fns[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))km_new },
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))km_free },
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))km_has },
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))km_import },
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))km_import_types },
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))km_get_params },
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))km_gettable_params },
	{ 0, NULL }
};

/* ---- signature ---- */

static void *
sig_newctx(void *provctx, const char *propq)
{
	struct hsm_sig *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->libctx = provctx;
	if ((c->md = EVP_MD_CTX_new()) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
sig_freectx(void *vc)
{
	struct hsm_sig *c = vc;

	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

/* EVP_DigestSignFinal duplicates the context unless told it is final. */
static void *
sig_dupctx(void *vc)
{
	struct hsm_sig *c = vc, *d = sig_newctx(c->libctx, NULL);

	if (d == NULL)
		return NULL;
	d->k = c->k;
	d->md_nid = c->md_nid;
	if (EVP_MD_CTX_copy_ex(d->md, c->md) != 1) {
		sig_freectx(d);
		return NULL;
	}
	return d;
}

static int
sig_digest_sign_init(void *vc, const char *mdname, void *kd, const OSSL_PARAM params[])
{
	struct hsm_sig *c = vc;
	struct hsm_key *hk = kd;
	EVP_MD *md = NULL;
	int ok = 0;

	if (hk != NULL)
		c->k = hk->k;
	if (c->k == NULL)
		return 0;
	/* Hash with the default provider: the token only sees the digest. */
	if (hk != NULL && hk->sha256 != NULL && (mdname == NULL || EVP_MD_is_a(hk->sha256, mdname))) {
		c->md_nid = EVP_MD_get_type(hk->sha256);
		return EVP_DigestInit_ex2(c->md, hk->sha256, NULL);
	}
	md = EVP_MD_fetch(c->libctx, mdname != NULL ? mdname : "SHA256", "provider=default");
	if (md == NULL)
		return 0;
	c->md_nid = EVP_MD_get_type(md);
	ok = EVP_DigestInit_ex2(c->md, md, NULL);
	EVP_MD_free(md);
	return ok;
}

static int
sig_digest_sign_update(void *vc, const unsigned char *data, size_t len)
{
	struct hsm_sig *c = vc;

	return EVP_DigestUpdate(c->md, data, len);
}

static int
sig_digest_sign_final(void *vc, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct hsm_sig *c = vc;
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int diglen = 0;
	size_t n = sigsize;

	if (sig == NULL) {	/* size query */
		*siglen = ca_signer_key_max_sig(c->k);
		return 1;
	}
	if (EVP_DigestFinal_ex(c->md, dig, &diglen) != 1)
		return 0;
	if (ca_signer_sign_digest(c->k, c->md_nid, dig, diglen, sig, &n) != CA_OK)
		return 0;
	*siglen = n;
	return 1;
}

/*
 * One-shot EVP_DigestSign (what X509_sign and X509_CRL_sign call): without
 * it OpenSSL 3.0 duplicates the whole signing context in
 * EVP_DigestSignFinal before finishing.
 */
static int
sig_digest_sign(void *vc, unsigned char *sig, size_t *siglen, size_t sigsize,
		const unsigned char *tbs, size_t tbslen)
{
	struct hsm_sig *c = vc;

	if (sig == NULL)
		return sig_digest_sign_final(vc, NULL, siglen, 0);
	if (EVP_DigestUpdate(c->md, tbs, tbslen) != 1)
		return 0;
	return sig_digest_sign_final(vc, sig, siglen, sigsize);
}

/* AlgorithmIdentifier for the certificate/CRL: sha256WithRSAEncryption
 * (NULL parameters, RFC 4055) or ecdsa-with-SHA256 (absent, RFC 5758). */
static int
sig_algorithm_id(const struct hsm_sig *c, OSSL_PARAM *p)
{
	X509_ALGOR *alg = NULL;
	unsigned char *der = NULL;
	int ec = ca_signer_key_type(c->k) == CA_KEY_EC_P256;
	int sigid, len, ok = 0;

	if (!OBJ_find_sigid_by_algs(&sigid, c->md_nid,
				    ec ? NID_X9_62_id_ecPublicKey : NID_rsaEncryption))
		return 0;
	if ((alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(sigid), ec ? V_ASN1_UNDEF : V_ASN1_NULL,
			    NULL) != 1 ||
	    (len = i2d_X509_ALGOR(alg, &der)) <= 0)
		goto out;
	ok = OSSL_PARAM_set_octet_string(p, der, (size_t)len);
out:
	OPENSSL_free(der);
	X509_ALGOR_free(alg);
	return ok;
}

static int
sig_get_ctx_params(void *vc, OSSL_PARAM params[])
{
	struct hsm_sig *c = vc;
	OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);

	if (p != NULL && (c->k == NULL || !sig_algorithm_id(c, p)))
		return 0;
	return 1;
}

static const OSSL_PARAM sig_gettable_list[] = {
	OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
sig_gettable_ctx_params(void *vc, void *provctx)
{
	return sig_gettable_list;
}

static const OSSL_DISPATCH sig_fns[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx },
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sig_digest_sign_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))sig_digest_sign_update },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))sig_digest_sign_final },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))sig_digest_sign },
	{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))sig_get_ctx_params },
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))sig_gettable_ctx_params },
	{ 0, NULL }
};

/* ---- provider ---- */

static const OSSL_ALGORITHM hsm_keymgmt[] = {
	{ "CC-HSM-RSA", "provider=" HSM_PROV_NAME, km_fns, "carecard HSM RSA key" },
	{ "CC-HSM-EC", "provider=" HSM_PROV_NAME, km_fns, "carecard HSM EC key" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM hsm_signature[] = {
	{ "CC-HSM-RSA", "provider=" HSM_PROV_NAME, sig_fns, "carecard HSM RSA signing" },
	{ "CC-HSM-EC", "provider=" HSM_PROV_NAME, sig_fns, "carecard HSM ECDSA signing" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *
hsm_query(void *provctx, int operation_id, int *no_cache)
{
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_KEYMGMT:
		return hsm_keymgmt;
	case OSSL_OP_SIGNATURE:
		return hsm_signature;
	}
	return NULL;
}

static const OSSL_DISPATCH hsm_prov_fns[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))hsm_query },
	{ 0, NULL }
};

/*
 * The provider context is the library context we live in (a built-in
 * provider shares libcrypto with us, so the core's context is an
 * OSSL_LIB_CTX), used to fetch digests.
 */
static int
hsm_prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
	      const OSSL_DISPATCH **out, void **provctx)
{
	OSSL_FUNC_core_get_libctx_fn *get_libctx = NULL;

	for (; in->function_id != 0; in++)
		if (in->function_id == OSSL_FUNC_CORE_GET_LIBCTX)
			get_libctx = OSSL_FUNC_core_get_libctx(in);
	if (get_libctx == NULL)
		return 0;
	*provctx = (void *)get_libctx(handle);
	*out = hsm_prov_fns;
	return 1;
}

int
ca_hsm_provider_load(OSSL_LIB_CTX *libctx, OSSL_PROVIDER **out)
{
	OSSL_PROVIDER *p;

	if (OSSL_PROVIDER_add_builtin(libctx, HSM_PROV_NAME, hsm_prov_init) != 1 ||
	    (p = OSSL_PROVIDER_load(libctx, HSM_PROV_NAME)) == NULL) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	*out = p;
	return CA_OK;
}

int
ca_hsm_pkey_new(OSSL_LIB_CTX *libctx, struct ca_signer_key *k, EVP_PKEY **out)
{
	const char *alg = ca_signer_key_type(k) == CA_KEY_EC_P256 ? "CC-HSM-EC" : "CC-HSM-RSA";
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[2];
	int r = CA_ERR_CRYPTO;

	params[0] = OSSL_PARAM_construct_octet_string(HSM_PARAM_KEY, &k, sizeof(k));
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(libctx, alg, "provider=" HSM_PROV_NAME)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	*out = pkey;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	EVP_PKEY_CTX_free(ctx);
	return r;
}
