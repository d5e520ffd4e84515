#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "pkcs11/pkey.h"

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

static const struct cc_curve curves[] = {
	{ "prime256v1", oid_p256, sizeof(oid_p256), 256 },
	{ "secp384r1", oid_p384, sizeof(oid_p384), 384 },
};

const struct cc_curve *
cc_curve_by_params(const void *der, CK_ULONG len)
{
	size_t i;

	for (i = 0; der != NULL && i < sizeof(curves) / sizeof(curves[0]); i++)
		if (len == curves[i].oid_len && memcmp(der, curves[i].oid, len) == 0)
			return &curves[i];
	return NULL;
}

static const struct cc_curve *
curve_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(name, curves[i].name) == 0 ||
		    (strcmp(name, "P-256") == 0 && curves[i].bits == 256) ||
		    (strcmp(name, "P-384") == 0 && curves[i].bits == 384))
			return &curves[i];
	return NULL;
}

static CK_RV
set_bn(const EVP_PKEY *pk, const char *name, CK_ATTRIBUTE_TYPE t, struct cc_attrs *l)
{
	BIGNUM *bn = NULL;
	unsigned char *buf = NULL;
	int n;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		goto out;
	n = BN_num_bytes(bn);
	if ((buf = OPENSSL_malloc(n > 0 ? n : 1)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_bn2bin(bn, buf);
	rv = cc_attrs_set(l, t, buf, (CK_ULONG)n);
out:
	OPENSSL_free(buf);
	BN_free(bn);
	return rv;
}

/* CKA_EC_POINT: the uncompressed point wrapped in a DER OCTET STRING (X9.62). */
static CK_RV
set_ec_point(const EVP_PKEY *pk, struct cc_attrs *l)
{
	unsigned char pt[256], *der = NULL;
	size_t ptlen = 0;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	int dlen;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (os == NULL ||
	    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
					    &ptlen) != 1 ||
	    ASN1_OCTET_STRING_set(os, pt, (int)ptlen) != 1 || (dlen = i2d_ASN1_OCTET_STRING(os, &der)) <= 0)
		goto out;
	rv = cc_attrs_set(l, CKA_EC_POINT, der, (CK_ULONG)dlen);
out:
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(os);
	return rv;
}

static CK_RV
set_spki(const EVP_PKEY *pk, struct cc_attrs *l)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pk, &der);
	CK_RV rv;

	if (len <= 0)
		return CKR_FUNCTION_FAILED;
	rv = cc_attrs_set(l, CKA_PUBLIC_KEY_INFO, der, (CK_ULONG)len);
	OPENSSL_free(der);
	return rv;
}

static CK_RV
ec_public_attrs(const EVP_PKEY *pk, bool public_obj, struct cc_attrs *l)
{
	char group[64];
	const struct cc_curve *c;
	CK_RV rv;

	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) != 1 ||
	    (c = curve_by_name(group)) == NULL)
		return CKR_CURVE_NOT_SUPPORTED;
	if ((rv = cc_attrs_set_ulong(l, CKA_KEY_TYPE, CKK_EC)) != CKR_OK ||
	    (rv = cc_attrs_set(l, CKA_EC_PARAMS, c->oid, c->oid_len)) != CKR_OK)
		return rv;
	return public_obj ? set_ec_point(pk, l) : CKR_OK;
}

CK_RV
cc_pkey_public_attrs(const EVP_PKEY *pk, bool public_obj, struct cc_attrs *l)
{
	CK_RV rv;

	if (EVP_PKEY_is_a(pk, "EC")) {
		rv = ec_public_attrs(pk, public_obj, l);
	} else if (EVP_PKEY_is_a(pk, "RSA")) {
		if ((rv = cc_attrs_set_ulong(l, CKA_KEY_TYPE, CKK_RSA)) == CKR_OK &&
		    (rv = set_bn(pk, OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS, l)) == CKR_OK &&
		    (rv = set_bn(pk, OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT, l)) == CKR_OK)
			rv = cc_attrs_set_ulong(l, CKA_MODULUS_BITS,
						(CK_ULONG)EVP_PKEY_get_bits(pk));
	} else {
		rv = CKR_KEY_TYPE_INCONSISTENT;
	}
	if (rv == CKR_OK)
		rv = set_spki(pk, l);
	if (rv == CKR_FUNCTION_FAILED)
		util_log_ossl_errors(__func__);
	return rv;
}

/* The bare point inside CKA_EC_POINT; accepts a DER OCTET STRING or a raw point. */
static ASN1_OCTET_STRING *
ec_point_parse(const CK_ATTRIBUTE *a)
{
	const unsigned char *p = a->pValue;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)a->ulValueLen);

	if (os != NULL && p == (const unsigned char *)a->pValue + a->ulValueLen)
		return os;
	ASN1_OCTET_STRING_free(os);
	ERR_clear_error();
	if ((os = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(os, a->pValue, (int)a->ulValueLen) == 1)
		return os;
	ASN1_OCTET_STRING_free(os);
	return NULL;
}

static CK_RV
build_params(const struct cc_attrs *l, OSSL_PARAM_BLD *bld, const char **type,
	     ASN1_OCTET_STRING **os, BIGNUM **n, BIGNUM **e)
{
	CK_ULONG kt = cc_attrs_ulong(l, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	const CK_ATTRIBUTE *a, *b;
	const struct cc_curve *c;

	if (kt == CKK_RSA) {
		*type = "RSA";
		a = cc_attrs_find(l, CKA_MODULUS);
		b = cc_attrs_find(l, CKA_PUBLIC_EXPONENT);
		if (a == NULL || b == NULL)
			return CKR_TEMPLATE_INCOMPLETE;
		if (a->ulValueLen == 0 || b->ulValueLen == 0 || a->ulValueLen > 1024 ||
		    (*n = BN_bin2bn(a->pValue, (int)a->ulValueLen, NULL)) == NULL ||
		    (*e = BN_bin2bn(b->pValue, (int)b->ulValueLen, NULL)) == NULL)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, *n) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e) != 1)
			return CKR_HOST_MEMORY;
		return CKR_OK;
	}
	if (kt != CKK_EC)
		return kt == CK_UNAVAILABLE_INFORMATION ? CKR_TEMPLATE_INCOMPLETE
							: CKR_ATTRIBUTE_VALUE_INVALID;
	*type = "EC";
	a = cc_attrs_find(l, CKA_EC_PARAMS);
	b = cc_attrs_find(l, CKA_EC_POINT);
	if (a == NULL || b == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if ((c = cc_curve_by_params(a->pValue, a->ulValueLen)) == NULL)
		return CKR_CURVE_NOT_SUPPORTED;
	if (b->ulValueLen == 0 || (*os = ec_point_parse(b)) == NULL)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     ASN1_STRING_get0_data(*os),
					     (size_t)ASN1_STRING_length(*os)) != 1)
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

/*
 * The module's own objects carry CKA_PUBLIC_KEY_INFO (derived when they were
 * made). Decoding it needs no EVP_PKEY_CTX, so it also works in processes
 * whose default ENGINE captures key contexts (see mech.c), and is cheaper.
 */
static EVP_PKEY *
from_spki(OSSL_LIB_CTX *libctx, const struct cc_attrs *l)
{
	const CK_ATTRIBUTE *a = cc_attrs_find(l, CKA_PUBLIC_KEY_INFO);
	const unsigned char *p;
	EVP_PKEY *pk;

	if (a == NULL || a->ulValueLen == 0)
		return NULL;
	p = a->pValue;
	if ((pk = d2i_PUBKEY_ex(NULL, &p, (long)a->ulValueLen, libctx, NULL)) == NULL)
		ERR_clear_error();
	return pk;
}

CK_RV
cc_pkey_from_attrs(OSSL_LIB_CTX *libctx, const struct cc_attrs *l, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pk = NULL;
	ASN1_OCTET_STRING *os = NULL;
	BIGNUM *n = NULL, *e = NULL;
	const char *type = NULL;
	CK_RV rv = CKR_HOST_MEMORY;

	if ((pk = from_spki(libctx, l)) != NULL) {
		*out = pk;
		return CKR_OK;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    (rv = build_params(l, bld, &type, &os, &n, &e)) != CKR_OK)
		goto out;
	rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(libctx, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	*out = pk;
	pk = NULL;
	rv = CKR_OK;
out:
	ERR_clear_error();	/* bad caller input is not a module error */
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(os);
	BN_free(n);
	BN_free(e);
	return rv;
}

CK_RV
cc_pkey_to_pkcs8(const EVP_PKEY *pk, unsigned char **der, size_t *len)
{
	OSSL_ENCODER_CTX *ectx;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*der = NULL;
	ectx = OSSL_ENCODER_CTX_new_for_pkey(pk, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
	if (ectx != NULL && OSSL_ENCODER_to_data(ectx, der, len) == 1)
		rv = CKR_OK;
	else
		util_log_ossl_errors(__func__);
	OSSL_ENCODER_CTX_free(ectx);
	return rv;
}

CK_RV
cc_pkey_from_pkcs8(OSSL_LIB_CTX *libctx, const unsigned char *der, size_t len, EVP_PKEY **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_AutoPrivateKey_ex(NULL, &p, (long)len, libctx, NULL);

	if (pk == NULL) {
		util_log_ossl_errors(__func__);
		return CKR_DEVICE_ERROR;
	}
	*out = pk;
	return CKR_OK;
}

CK_RV
cc_pkey_default_id(OSSL_LIB_CTX *libctx, const EVP_PKEY *pk, unsigned char id[20])
{
	struct cc_attrs l = { 0 };
	const CK_ATTRIBUTE *a;
	EVP_MD *md = NULL;
	CK_RV rv;

	if ((rv = cc_pkey_public_attrs(pk, true, &l)) != CKR_OK)
		goto out;
	a = cc_attrs_find(&l, CKA_MODULUS);
	if (a == NULL)
		a = cc_attrs_find(&l, CKA_EC_POINT);
	rv = CKR_FUNCTION_FAILED;
	if (a == NULL || (md = EVP_MD_fetch(libctx, "SHA1", NULL)) == NULL ||
	    EVP_Digest(a->pValue, a->ulValueLen, id, NULL, md, NULL) != 1) {
		util_log_ossl_errors(__func__);
		goto out;
	}
	rv = CKR_OK;
out:
	EVP_MD_free(md);
	cc_attrs_clear(&l);
	return rv;
}
