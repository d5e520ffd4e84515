/*
 * ca/service/est-parse.c: see est-parse.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/service/est-parse.h"

/* "application/pkcs10", any case, parameters after ';' ignored (RFC 9110 8.3.1). */
static int
ctype_ok(const char *ctype)
{
	static const char want[] = "application/pkcs10";
	size_t n = sizeof(want) - 1;

	if (ctype == NULL)
		return 0;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	if (strncasecmp(ctype, want, n) != 0)
		return 0;
	ctype += n;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

int
svc_est_request_decode(const char *ctype, const unsigned char *body, size_t len,
		       unsigned char **der, size_t *derlen, const char **why)
{
	EVP_ENCODE_CTX *ec = NULL;
	X509_REQ *req = NULL;
	unsigned char *buf = NULL;
	const unsigned char *p;
	int n = 0, fin = 0, status = 400;

	*why = "the request must be application/pkcs10";
	if (!ctype_ok(ctype))
		return 415;
	*why = "the request is too large";
	if (len > SVC_EST_BODY_MAX)
		return 413;
	*why = "the body must be one base64 DER PKCS#10 request";
	if (body == NULL || len == 0)
		return 400;
	/* EVP_Decode* skips line breaks and whitespace; the output is at most
	 * 3/4 of the input (plus a block). */
	if ((ec = EVP_ENCODE_CTX_new()) == NULL || (buf = malloc(len / 4 * 3 + 3)) == NULL) {
		*why = "out of memory";
		status = 503;
		goto out;
	}
	EVP_DecodeInit(ec);
	if (EVP_DecodeUpdate(ec, buf, &n, body, (int)len) < 0 ||
	    EVP_DecodeFinal(ec, buf + n, &fin) != 1)
		goto out;
	n += fin;
	if (n > SVC_EST_DER_MAX) {
		*why = "the request is too large";
		status = 413;
		goto out;
	}
	p = buf;
	if (n <= 0 || (req = d2i_X509_REQ(NULL, &p, n)) == NULL || p != buf + n)
		goto out;
	*der = buf;
	*derlen = (size_t)n;
	buf = NULL;
	*why = NULL;
	status = 200;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	EVP_ENCODE_CTX_free(ec);
	free(buf);
	return status;
}

/* @der as base64 in lines of 64 characters into *out. */
static int
b64(const unsigned char *der, int len, char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ec = NULL;
	char *buf = NULL;
	int n = 0, fin = 0, r = CA_ERR_ALLOC;
	size_t cap = (size_t)len / 48 * 65 + 70;

	if ((ec = EVP_ENCODE_CTX_new()) == NULL || (buf = malloc(cap + 1)) == NULL)
		goto out;
	EVP_EncodeInit(ec);
	r = CA_ERR_CRYPTO;
	if (EVP_EncodeUpdate(ec, (unsigned char *)buf, &n, der, len) != 1)
		goto out;
	EVP_EncodeFinal(ec, (unsigned char *)buf + n, &fin);
	buf[n + fin] = '\0';
	*out = buf;
	*outlen = (size_t)(n + fin);
	buf = NULL;
	r = CA_OK;
out:
	EVP_ENCODE_CTX_free(ec);
	free(buf);
	return r;
}

int
svc_est_certs_encode(X509 *const *certs, size_t n, char **out, size_t *outlen)
{
	PKCS7 *p7 = NULL;
	unsigned char *der = NULL;
	size_t i;
	int len, r = CA_ERR_CRYPTO;

	if ((p7 = PKCS7_new()) == NULL || PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
	    PKCS7_content_new(p7, NID_pkcs7_data) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (PKCS7_add_certificate(p7, certs[i]) != 1)
			goto out;
	if ((len = i2d_PKCS7(p7, &der)) <= 0)
		goto out;
	r = b64(der, len, out, outlen);
out:
	ERR_clear_error();
	OPENSSL_free(der);
	PKCS7_free(p7);
	return r;
}

/* AttrOrOID as an Attribute { @nid, SET { @type @value } }, a SEQUENCE element. */
static int
push_attr(STACK_OF(ASN1_TYPE) *seq, int nid, int type, void *value)
{
	X509_ATTRIBUTE *a = NULL;
	ASN1_STRING *s = NULL;
	ASN1_TYPE *t = NULL;
	unsigned char *der = NULL;
	int len, r = CA_ERR_CRYPTO;

	/* @value is the attribute's from here (freed with it, or by a failed create) */
	if ((a = X509_ATTRIBUTE_create(nid, type, value)) == NULL)
		goto out;
	if ((len = i2d_X509_ATTRIBUTE(a, &der)) <= 0 || (s = ASN1_STRING_new()) == NULL ||
	    ASN1_STRING_set(s, der, len) != 1 || (t = ASN1_TYPE_new()) == NULL)
		goto out;
	ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);
	s = NULL;
	if (sk_ASN1_TYPE_push(seq, t) <= 0)
		goto out;
	t = NULL;
	r = CA_OK;
out:
	OPENSSL_free(der);
	ASN1_STRING_free(s);
	ASN1_TYPE_free(t);
	X509_ATTRIBUTE_free(a);
	return r;
}

static int
push_oid(STACK_OF(ASN1_TYPE) *seq, int nid)
{
	ASN1_TYPE *t = ASN1_TYPE_new();

	if (t == NULL)
		return CA_ERR_ALLOC;
	ASN1_TYPE_set(t, V_ASN1_OBJECT, OBJ_nid2obj(nid));
	if (sk_ASN1_TYPE_push(seq, t) <= 0) {
		ASN1_TYPE_free(t);
		return CA_ERR_ALLOC;
	}
	return CA_OK;
}

int
svc_est_csrattrs_encode(const struct pol_profile *p, char **out, size_t *outlen)
{
	STACK_OF(ASN1_TYPE) *seq = NULL;
	ASN1_INTEGER *bits = NULL;
	unsigned char *der = NULL;
	int len, r = CA_ERR_ALLOC;

	if ((seq = sk_ASN1_TYPE_new_null()) == NULL)
		goto out;
	if (p->key_type == POL_KEY_EC) {
		if ((r = push_oid(seq, NID_ecdsa_with_SHA256)) != CA_OK ||
		    (r = push_attr(seq, NID_X9_62_id_ecPublicKey, V_ASN1_OBJECT,
				   OBJ_nid2obj(p->key_bits == 384 ? NID_secp384r1
					       : NID_X9_62_prime256v1))) != CA_OK)
			goto out;
	} else {
		if ((r = push_oid(seq, NID_sha256WithRSAEncryption)) != CA_OK)
			goto out;
		r = CA_ERR_ALLOC;
		if ((bits = ASN1_INTEGER_new()) == NULL || ASN1_INTEGER_set(bits, p->key_bits) != 1)
			goto out;
		r = push_attr(seq, NID_rsaEncryption, V_ASN1_INTEGER, bits);
		bits = NULL;
		if (r != CA_OK)
			goto out;
	}
	r = CA_ERR_CRYPTO;
	if ((len = i2d_ASN1_SEQUENCE_ANY(seq, &der)) <= 0)
		goto out;
	r = b64(der, len, out, outlen);
out:
	ERR_clear_error();
	ASN1_INTEGER_free(bits);
	OPENSSL_free(der);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}
