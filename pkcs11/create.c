#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <openssl/err.h>
#include <openssl/x509.h>

#include "pkcs11/create.h"
#include "pkcs11/pkey.h"
#include "pkcs11/schema.h"

CK_RV
cc_attrs_default(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len)
{
	if (cc_attrs_find(l, t) != NULL)
		return CKR_OK;
	return cc_attrs_set(l, t, v, len);
}

CK_RV
cc_attrs_default_bool(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool v)
{
	CK_BBOOL b = v ? CK_TRUE : CK_FALSE;

	return cc_attrs_default(l, t, &b, sizeof(b));
}

/* Derive one DER field of @x into @t when the template did not give it. */
static CK_RV
derive(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, unsigned char *der, int len)
{
	CK_RV rv = len > 0 ? cc_attrs_default(l, t, der, (CK_ULONG)len)
			   : CKR_ATTRIBUTE_VALUE_INVALID;

	OPENSSL_free(der);
	return rv;
}

static CK_RV
certificate_attrs(OSSL_LIB_CTX *libctx, struct cc_attrs *l)
{
	const CK_ATTRIBUTE *v = cc_attrs_find(l, CKA_VALUE);
	const unsigned char *p;
	unsigned char *der;
	X509 *x = NULL;
	CK_ULONG zero = 0;
	int len;
	CK_RV rv = CKR_TEMPLATE_INCOMPLETE;

	if (v == NULL || cc_attrs_find(l, CKA_CERTIFICATE_TYPE) == NULL)
		goto out;
	rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (cc_attrs_ulong(l, CKA_CERTIFICATE_TYPE, 0) != CKC_X_509 || v->ulValueLen == 0)
		goto out;
	p = v->pValue;
	if ((x = X509_new_ex(libctx, NULL)) == NULL || d2i_X509(&x, &p, (long)v->ulValueLen) == NULL ||
	    p != (const unsigned char *)v->pValue + v->ulValueLen)
		goto out;
	der = NULL;
	len = i2d_X509_NAME(X509_get_subject_name(x), &der);
	if ((rv = derive(l, CKA_SUBJECT, der, len)) != CKR_OK)
		goto out;
	der = NULL;
	len = i2d_X509_NAME(X509_get_issuer_name(x), &der);
	if ((rv = derive(l, CKA_ISSUER, der, len)) != CKR_OK)
		goto out;
	/* NSS searches with the DER INTEGER, tag and length included. */
	der = NULL;
	len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &der);
	if ((rv = derive(l, CKA_SERIAL_NUMBER, der, len)) != CKR_OK)
		goto out;
	der = NULL;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if ((rv = derive(l, CKA_PUBLIC_KEY_INFO, der, len)) != CKR_OK)
		goto out;
	if ((rv = cc_attrs_default_bool(l, CKA_TRUSTED, false)) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_CERTIFICATE_CATEGORY, &zero, sizeof(zero))) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_JAVA_MIDP_SECURITY_DOMAIN, &zero, sizeof(zero))) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_ID, NULL, 0)) != CKR_OK)
		goto out;
	rv = CKR_OK;
out:
	ERR_clear_error();	/* a bad certificate is the caller's error, not ours */
	X509_free(x);
	return rv;
}

static CK_RV
public_key_attrs(OSSL_LIB_CTX *libctx, struct cc_attrs *l)
{
	EVP_PKEY *pk = NULL;
	CK_ULONG none = CK_UNAVAILABLE_INFORMATION;
	CK_RV rv;

	if ((rv = cc_pkey_from_attrs(libctx, l, &pk)) != CKR_OK)
		return rv;
	/* Derived from the key itself: CKA_MODULUS_BITS, CKA_PUBLIC_KEY_INFO. */
	rv = cc_pkey_public_attrs(pk, true, l);
	EVP_PKEY_free(pk);
	if (rv != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_ID, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_SUBJECT, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_VERIFY, true)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_ENCRYPT, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_VERIFY_RECOVER, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_WRAP, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_DERIVE, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_TRUSTED, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_LOCAL, false)) != CKR_OK)
		return rv;
	return cc_attrs_set(l, CKA_KEY_GEN_MECHANISM, &none, sizeof(none));
}

/* Data objects: application, object id (DER, when given) and value, empty by default. */
static CK_RV
data_attrs(struct cc_attrs *l)
{
	const CK_ATTRIBUTE *oid = cc_attrs_find(l, CKA_OBJECT_ID);
	const unsigned char *p;
	ASN1_OBJECT *obj = NULL;
	CK_RV rv;

	if (oid != NULL && oid->ulValueLen > 0) {
		p = oid->pValue;
		obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid->ulValueLen);
		rv = obj != NULL && p == (const unsigned char *)oid->pValue + oid->ulValueLen
			     ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
		ASN1_OBJECT_free(obj);
		ERR_clear_error();	/* a bad OID is the caller's error, not ours */
		if (rv != CKR_OK)
			return rv;
	}
	if ((rv = cc_attrs_default(l, CKA_APPLICATION, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_OBJECT_ID, NULL, 0)) != CKR_OK)
		return rv;
	return cc_attrs_default(l, CKA_VALUE, NULL, 0);
}

CK_RV
cc_create_attrs(OSSL_LIB_CTX *libctx, const CK_ATTRIBUTE *tmpl, CK_ULONG n, struct cc_attrs *out)
{
	CK_ULONG klass = CK_UNAVAILABLE_INFORMATION, i;
	CK_RV rv;

	if ((rv = cc_tmpl_ulong(tmpl, n, CKA_CLASS, &klass)) != CKR_OK)
		return rv;
	if (klass == CK_UNAVAILABLE_INFORMATION)
		return CKR_TEMPLATE_INCOMPLETE;
	if (klass != CKO_CERTIFICATE && klass != CKO_PUBLIC_KEY && klass != CKO_DATA)
		return CKR_ATTRIBUTE_VALUE_INVALID;	/* private keys are generated on the card */
	if ((rv = cc_schema_check_template(klass, tmpl, n, CC_ATTR_CREATE)) != CKR_OK)
		return rv;
	for (i = 0; i < n; i++)
		if ((rv = cc_attrs_set(out, tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen)) != CKR_OK)
			goto out;
	if ((rv = cc_attrs_default_bool(out, CKA_TOKEN, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(out, CKA_PRIVATE, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(out, CKA_MODIFIABLE, true)) != CKR_OK ||
	    (rv = cc_attrs_default(out, CKA_LABEL, NULL, 0)) != CKR_OK)
		goto out;
	if (klass == CKO_DATA)
		rv = data_attrs(out);
	else if (klass == CKO_CERTIFICATE)
		rv = certificate_attrs(libctx, out);
	else
		rv = public_key_attrs(libctx, out);
out:
	if (rv != CKR_OK)
		cc_attrs_clear(out);
	return rv;
}
