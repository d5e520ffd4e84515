/*
 * ca/x509util.c: see x509util.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "common/fileio.h"
#include "common/log.h"

int
ca_serial_random(OSSL_LIB_CTX *libctx, ASN1_INTEGER **serial, char **hex)
{
	BN_CTX *bctx = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	char *h = NULL;
	int r = CA_ERR_CRYPTO;

	/* RFC 5280 4.1.2.2: positive, at most 20 octets; CA/B forum style
	 * unpredictability (>= 64 random bits) defeats chosen-prefix games. */
	if ((bctx = BN_CTX_new_ex(libctx)) == NULL || (bn = BN_new()) == NULL ||
	    BN_priv_rand_ex(bn, 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY, 0, bctx) != 1 ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || (h = BN_bn2hex(bn)) == NULL)
		goto out;
	*serial = ai;
	*hex = h;
	ai = NULL;
	h = NULL;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	OPENSSL_free(h);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	BN_CTX_free(bctx);
	return r;
}

int
ca_serial_normalize(const char *in, char **out)
{
	size_t n = strlen(in), i, j = 0;
	char *s;

	if (n > 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	if ((s = malloc(strlen(in) + 2)) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == ':')
			continue;
		if (!isxdigit((unsigned char)in[i]) || j >= 40) {	/* 20 octets */
			free(s);
			return CA_ERR_USAGE;
		}
		if (j == 0 && in[i] == '0')
			continue;
		s[j++] = (char)toupper((unsigned char)in[i]);
	}
	if (j == 0)
		s[j++] = '0';
	s[j] = '\0';
	*out = s;
	return CA_OK;
}

int
ca_name_add(X509_NAME *n, int nid, const char *utf8)
{
	if (X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)utf8, -1,
				       -1, 0) != 1) {
		util_log_ossl_errors(OBJ_nid2sn(nid));
		return CA_ERR_INPUT;
	}
	return CA_OK;
}

/* Encode @obj as extension @nid into *out, then free @obj with @fr. */
static int
ext_make(int nid, int crit, void *obj, void (*fr)(void *), X509_EXTENSION **out)
{
	X509_EXTENSION *ext;

	if (obj == NULL)
		return CA_ERR_ALLOC;
	ext = X509V3_EXT_i2d(nid, crit, obj);
	fr(obj);
	if (ext == NULL) {
		util_log_ossl_errors(OBJ_nid2sn(nid));
		return CA_ERR_CRYPTO;
	}
	*out = ext;
	return CA_OK;
}

static void
bc_free(void *p)
{
	BASIC_CONSTRAINTS_free(p);
}

int
ca_ext_basic_constraints(int ca, int pathlen, X509_EXTENSION **out)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

	if (bc != NULL) {
		bc->ca = ca ? 0xff : 0;		/* DEFAULT FALSE: omitted when false */
		if (ca && pathlen >= 0 && ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
					   ASN1_INTEGER_set(bc->pathlen, pathlen) != 1)) {
			BASIC_CONSTRAINTS_free(bc);
			bc = NULL;
		}
	}
	return ext_make(NID_basic_constraints, 1, bc, bc_free, out);
}

static void
bits_free(void *p)
{
	ASN1_BIT_STRING_free(p);
}

int
ca_ext_key_usage(unsigned bits, X509_EXTENSION **out)
{
	ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
	int i;

	for (i = 0; bs != NULL && i < 9; i++)
		if ((bits & (1u << i)) && ASN1_BIT_STRING_set_bit(bs, i, 1) != 1) {
			ASN1_BIT_STRING_free(bs);
			bs = NULL;
		}
	return ext_make(NID_key_usage, 1, bs, bits_free, out);
}

static void
eku_free(void *p)
{
	sk_ASN1_OBJECT_pop_free(p, ASN1_OBJECT_free);
}

int
ca_ext_ext_key_usage(const char *const *oids, size_t n, X509_EXTENSION **out)
{
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	ASN1_OBJECT *o;
	size_t i;

	for (i = 0; eku != NULL && i < n; i++) {
		/* 1: numerical form only, the OID is never taken for a name */
		if ((o = OBJ_txt2obj(oids[i], 1)) == NULL) {
			util_log_ossl_errors(oids[i]);
			eku_free(eku);
			return CA_ERR_USAGE;
		}
		if (!sk_ASN1_OBJECT_push(eku, o)) {
			ASN1_OBJECT_free(o);
			eku_free(eku);
			eku = NULL;
		}
	}
	return ext_make(NID_ext_key_usage, 0, eku, eku_free, out);
}

static void
akid_free(void *p)
{
	AUTHORITY_KEYID_free(p);
}

int
ca_ext_authority_key_id(const X509 *issuer, X509_EXTENSION **out)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id((X509 *)issuer);
	AUTHORITY_KEYID *akid;

	if (ski == NULL) {
		util_log(LOG_ERR, "the issuing CA certificate has no subjectKeyIdentifier");
		return CA_ERR_STATE;
	}
	if ((akid = AUTHORITY_KEYID_new()) != NULL &&
	    (akid->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL) {
		AUTHORITY_KEYID_free(akid);
		akid = NULL;
	}
	return ext_make(NID_authority_key_identifier, 0, akid, akid_free, out);
}

/* A uniformResourceIdentifier GeneralName holding @url as is (IA5String). */
static GENERAL_NAME *
uri_name(const char *url)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (gn == NULL || ia5 == NULL || ASN1_STRING_set(ia5, url, -1) != 1) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(ia5);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
	return gn;
}

static void
cdp_free(void *p)
{
	CRL_DIST_POINTS_free(p);
}

int
ca_ext_crl_url(const char *url, X509_EXTENSION **out)
{
	CRL_DIST_POINTS *cdp = CRL_DIST_POINTS_new();
	DIST_POINT *dp = DIST_POINT_new();
	GENERAL_NAME *gn = uri_name(url);

	if (cdp == NULL || dp == NULL || gn == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
	    (dp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL)
		goto fail;
	dp->distpoint->type = 0;	/* fullName */
	if (!sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gn))
		goto fail;
	gn = NULL;
	if (!sk_DIST_POINT_push(cdp, dp))
		goto fail;
	return ext_make(NID_crl_distribution_points, 0, cdp, cdp_free, out);
fail:
	GENERAL_NAME_free(gn);
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(cdp);
	return CA_ERR_ALLOC;
}

static void
aia_free(void *p)
{
	AUTHORITY_INFO_ACCESS_free(p);
}

/* One access description of @nid (id-ad-ocsp, id-ad-caIssuers) onto @aia. */
static int
aia_push(AUTHORITY_INFO_ACCESS *aia, int nid, const char *url)
{
	ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
	GENERAL_NAME *gn = uri_name(url);

	if (ad == NULL || gn == NULL)
		goto fail;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(nid);
	GENERAL_NAME_free(ad->location);
	ad->location = gn;
	gn = NULL;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
		goto fail;
	return CA_OK;
fail:
	GENERAL_NAME_free(gn);
	ACCESS_DESCRIPTION_free(ad);
	return CA_ERR_ALLOC;
}

int
ca_ext_push(X509 *crt, int r, X509_EXTENSION *ext)
{
	if (r == CA_OK && X509_add_ext(crt, ext, -1) != 1)
		r = CA_ERR_CRYPTO;
	X509_EXTENSION_free(ext);
	return r;
}

static void
null_free(void *p)
{
	ASN1_NULL_free(p);
}

int
ca_ext_ocsp_nocheck(X509_EXTENSION **out)
{
	return ext_make(NID_id_pkix_OCSP_noCheck, 0, ASN1_NULL_new(), null_free, out);
}

int
ca_ext_aia(const char *ocsp_url, const char *ca_issuers_url, X509_EXTENSION **out)
{
	AUTHORITY_INFO_ACCESS *aia = AUTHORITY_INFO_ACCESS_new();

	if (aia == NULL || aia_push(aia, NID_ad_OCSP, ocsp_url) != CA_OK ||
	    (ca_issuers_url != NULL && ca_issuers_url[0] != '\0' &&
	     aia_push(aia, NID_ad_ca_issuers, ca_issuers_url) != CA_OK)) {
		AUTHORITY_INFO_ACCESS_free(aia);
		return CA_ERR_ALLOC;
	}
	return ext_make(NID_info_access, 0, aia, aia_free, out);
}

int
ca_ext_subject_key_id_add(X509 *crt, const EVP_MD *sha1)
{
	const ASN1_BIT_STRING *pk = X509_get0_pubkey_bitstr(crt);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	ASN1_OCTET_STRING *os = NULL;
	int r = CA_ERR_CRYPTO;

	if (pk == NULL || EVP_Digest(pk->data, (size_t)pk->length, md, &mdlen, sha1, NULL) != 1)
		goto out;
	r = CA_ERR_ALLOC;
	if ((os = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1)
		goto out;
	r = X509_add1_ext_i2d(crt, NID_subject_key_identifier, os, 0, X509V3_ADD_APPEND) == 1
	    ? CA_OK : CA_ERR_CRYPTO;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	ASN1_OCTET_STRING_free(os);
	return r;
}

int
ca_validity_set(X509 *crt, time_t now, int days)
{
	if (days <= 0)
		return CA_ERR_USAGE;
	if (X509_time_adj_ex(X509_getm_notBefore(crt), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(crt), days, 0, &now) == NULL)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

/*
 * PEM as PEM_write_bio writes it (EVP_EncodeUpdate's 64-column lines), but
 * into one buffer sized up front: through a memory BIO a 47 MB CRL was
 * copied and cleansed at every doubling of the buffer.
 */
int
ca_pem_encode(const char *label, const unsigned char *der, size_t len, char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ec = NULL;
	char *pem = NULL;
	size_t cap, n;
	int chunk, o, r = CA_ERR_ALLOC;

	if (len > (size_t)INT32_MAX / 2 || strlen(label) > 64)
		return CA_ERR_USAGE;
	cap = EVP_ENCODE_LENGTH(len) + 2 * strlen(label) + 64;
	if ((pem = malloc(cap)) == NULL || (ec = EVP_ENCODE_CTX_new()) == NULL)
		goto out;
	n = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
	EVP_EncodeInit(ec);
	r = CA_ERR_CRYPTO;
	for (; len > 0; der += chunk, len -= (size_t)chunk) {
		chunk = len > 1 << 20 ? 1 << 20 : (int)len;
		if (EVP_EncodeUpdate(ec, (unsigned char *)pem + n, &o, der, chunk) != 1)
			goto out;
		n += (size_t)o;
	}
	EVP_EncodeFinal(ec, (unsigned char *)pem + n, &o);
	n += (size_t)o;
	n += (size_t)snprintf(pem + n, cap - n, "-----END %s-----\n", label);
	*out = pem;
	*outlen = n;
	pem = NULL;
	r = CA_OK;
out:
	EVP_ENCODE_CTX_free(ec);
	free(pem);
	return r;
}

int
ca_pem_write(const char *path, const char *label, const unsigned char *der, size_t len)
{
	char *pem = NULL;
	size_t n;
	int e, r;

	if ((r = ca_pem_encode(label, der, len, &pem, &n)) != CA_OK)
		return r;
	if ((e = util_file_write_atomic(path, pem, n, 0644)) != 0) {
		util_log(LOG_ERR, "cannot write %s: %s", path, strerror(-e));
		r = CA_ERR_IO;
	}
	free(pem);
	return r;
}

int
ca_x509_der(X509 *crt, unsigned char **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509(crt, &p);

	if (n <= 0)
		return CA_ERR_CRYPTO;
	*der = p;
	*len = (size_t)n;
	return CA_OK;
}
