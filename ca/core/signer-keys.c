/*
 * ca/signer-keys.c: generating CA keys and the card-management secret on
 * the token, and reading public keys back. Private and secret values are
 * created with CKA_SENSITIVE=TRUE and CKA_EXTRACTABLE=FALSE, so the token
 * refuses to reveal them (PKCS#11 v2.40 section 4.9).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "ca/core/error.h"
#include "ca/core/signer-int.h"
#include "common/log.h"

static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

/* DER OBJECT IDENTIFIER of the P-256 curve, for CKA_EC_PARAMS. */
static int
p256_params(unsigned char **der, int *len)
{
	*der = NULL;
	*len = i2d_ASN1_OBJECT(OBJ_nid2obj(NID_X9_62_prime256v1), der);
	return *len > 0 ? CA_OK : CA_ERR_CRYPTO;
}

int
ca_signer_keygen(struct ca_signer *s, const char *label, unsigned char id,
		 enum ca_key_type type)
{
	CK_BYTE exp[] = { 0x01, 0x00, 0x01 };
	CK_ULONG bits = type == CA_KEY_RSA3072 ? 3072 : 2048;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	unsigned char *ecp = NULL;
	int eclen = 0, r;
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_VERIFY, &ck_true, sizeof(ck_true) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, &id, 1 },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },	/* [4], replaced for EC */
		{ CKA_PUBLIC_EXPONENT, exp, sizeof(exp) },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
		{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
		{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
		{ CKA_SIGN, &ck_true, sizeof(ck_true) },
		{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, &id, 1 },
	};
	CK_ULONG npub = 6;
	CK_RV rv;

	if (!s->logged_in)
		return CA_ERR_STATE;
	if (ca_signer_find(s, CKO_PRIVATE_KEY, label, &priv) != CA_ERR_NOT_FOUND) {
		util_log(LOG_ERR, "HSM: a key labelled '%s' already exists", label);
		return CA_ERR_EXISTS;
	}
	if (type == CA_KEY_EC_P256) {
		if ((r = p256_params(&ecp, &eclen)) != CA_OK)
			return r;
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		pubt[4].type = CKA_EC_PARAMS;
		pubt[4].pValue = ecp;
		pubt[4].ulValueLen = (CK_ULONG)eclen;
		npub = 5;
	}
	rv = s->fl->C_GenerateKeyPair(s->session, &mech, pubt, npub, privt,
				      sizeof(privt) / sizeof(privt[0]), &pub, &priv);
	OPENSSL_free(ecp);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_GenerateKeyPair", rv);
	util_log(LOG_NOTICE, "HSM: generated %s key pair '%s'", ca_key_type_name(type), label);
	return CA_OK;
}

int
ca_signer_secret_generate(struct ca_signer *s, const char *label)
{
	CK_MECHANISM mech = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG len = 32;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &klass, sizeof(klass) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
		{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
		{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
		{ CKA_SIGN, &ck_true, sizeof(ck_true) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_RV rv;

	if (!s->logged_in)
		return CA_ERR_STATE;
	if (ca_signer_find(s, CKO_SECRET_KEY, label, &h) != CA_ERR_NOT_FOUND) {
		util_log(LOG_ERR, "HSM: a secret labelled '%s' already exists", label);
		return CA_ERR_EXISTS;
	}
	rv = s->fl->C_GenerateKey(s->session, &mech, t, sizeof(t) / sizeof(t[0]), &h);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_GenerateKey", rv);
	return CA_OK;
}

/* Read one variable-length attribute into a new buffer. */
static int
attr_get(struct ca_signer *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
	 unsigned char **out, CK_ULONG *outlen)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if ((rv = s->fl->C_GetAttributeValue(s->session, h, &a, 1)) != CKR_OK)
		return ca_signer_ck_fail("C_GetAttributeValue", rv);
	if (a.ulValueLen == 0 || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return CA_ERR_HSM;
	if ((a.pValue = malloc(a.ulValueLen)) == NULL)
		return CA_ERR_ALLOC;
	if ((rv = s->fl->C_GetAttributeValue(s->session, h, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return ca_signer_ck_fail("C_GetAttributeValue", rv);
	}
	*out = a.pValue;
	*outlen = a.ulValueLen;
	return CA_OK;
}

static int
pkey_from_params(OSSL_LIB_CTX *libctx, const char *alg, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int r = CA_ERR_CRYPTO;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(libctx, alg, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

static int
rsa_public(struct ca_signer *s, CK_OBJECT_HANDLE h, OSSL_PARAM_BLD *bld, BIGNUM **n, BIGNUM **e)
{
	unsigned char *mod = NULL, *exp = NULL;
	CK_ULONG modlen, explen;
	int r;

	if ((r = attr_get(s, h, CKA_MODULUS, &mod, &modlen)) != CA_OK ||
	    (r = attr_get(s, h, CKA_PUBLIC_EXPONENT, &exp, &explen)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((*n = BN_bin2bn(mod, (int)modlen, NULL)) == NULL ||
	    (*e = BN_bin2bn(exp, (int)explen, NULL)) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, *n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e) != 1)
		goto out;
	r = CA_OK;
out:
	free(mod);
	free(exp);
	return r;
}

/* CKA_EC_POINT is the DER OCTET STRING around the point (PKCS#11 v2.40). */
static int
ec_public(struct ca_signer *s, CK_OBJECT_HANDLE h, OSSL_PARAM_BLD *bld, ASN1_OCTET_STRING **pt)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	CK_ULONG len;
	int r;

	if ((r = attr_get(s, h, CKA_EC_POINT, &der, &len)) != CA_OK)
		return r;
	p = der;
	r = CA_ERR_CRYPTO;
	if ((*pt = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len)) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
					    0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     ASN1_STRING_get0_data(*pt),
					     (size_t)ASN1_STRING_length(*pt)) != 1)
		goto out;
	r = CA_OK;
out:
	free(der);
	return r;
}

int
ca_signer_read_public(struct ca_signer *s, const char *label, enum ca_key_type type,
		      EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_OCTET_STRING *pt = NULL;
	CK_OBJECT_HANDLE h;
	int r;

	if ((r = ca_signer_find(s, CKO_PUBLIC_KEY, label, &h)) != CA_OK)
		return r;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return CA_ERR_ALLOC;
	if (type == CA_KEY_EC_P256)
		r = ec_public(s, h, bld, &pt);
	else
		r = rsa_public(s, h, bld, &n, &e);
	if (r == CA_OK)
		r = pkey_from_params(s->libctx, type == CA_KEY_EC_P256 ? "EC" : "RSA", bld, out);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(pt);
	BN_free(n);
	BN_free(e);
	return r;
}
