/*
 * ca/csr.c: see csr.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "common/log.h"

#define CSR_MAX 65536

struct ca_csr_reader {
	OSSL_LIB_CTX *libctx;
	OSSL_DECODER_CTX *dec;
	EVP_PKEY *out;		/* the decoder writes here: keep the address */
};

int
ca_csr_reader_new(OSSL_LIB_CTX *libctx, struct ca_csr_reader **out)
{
	struct ca_csr_reader *rd = calloc(1, sizeof(*rd));

	if (rd == NULL)
		return CA_ERR_ALLOC;
	rd->libctx = libctx;
	rd->dec = OSSL_DECODER_CTX_new_for_pkey(&rd->out, "DER", "SubjectPublicKeyInfo", NULL,
						EVP_PKEY_PUBLIC_KEY, libctx, NULL);
	if (rd->dec == NULL) {
		util_log_ossl_errors(__func__);
		free(rd);
		return CA_ERR_CRYPTO;
	}
	*out = rd;
	return CA_OK;
}

void
ca_csr_reader_free(struct ca_csr_reader *rd)
{
	if (rd == NULL)
		return;
	OSSL_DECODER_CTX_free(rd->dec);
	EVP_PKEY_free(rd->out);
	free(rd);
}

void
ca_csr_clear(struct ca_csr *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->pkey);
	X509_ALGOR_free(c->spki_alg);
	OPENSSL_free(c->spki_bits);
	memset(c, 0, sizeof(*c));
}

/* A DER SEQUENCE of exactly @min..@max elements, nothing trailing. */
static ASN1_SEQUENCE_ANY *
seq_parse(const unsigned char *der, long len, int min, int max)
{
	const unsigned char *p = der;
	ASN1_SEQUENCE_ANY *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);

	if (seq != NULL && (p != der + len || sk_ASN1_TYPE_num(seq) < min ||
			    sk_ASN1_TYPE_num(seq) > max)) {
		sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
		seq = NULL;
	}
	return seq;
}

static const ASN1_STRING *
elem(ASN1_SEQUENCE_ANY *seq, int i, int type)
{
	ASN1_TYPE *t = sk_ASN1_TYPE_value(seq, i);

	return t != NULL && ASN1_TYPE_get(t) == type ? t->value.asn1_string : NULL;
}

/* SubjectPublicKeyInfo: decoded key (reused decoder) and its raw fields. */
static int
spki_read(struct ca_csr_reader *rd, const ASN1_STRING *spki, struct ca_csr *c)
{
	ASN1_SEQUENCE_ANY *seq = NULL;
	const ASN1_STRING *alg, *bits;
	const unsigned char *p;
	size_t left;
	int r = CA_ERR_BAD_REQUEST;

	if ((seq = seq_parse(spki->data, spki->length, 2, 2)) == NULL ||
	    (alg = elem(seq, 0, V_ASN1_SEQUENCE)) == NULL ||
	    (bits = elem(seq, 1, V_ASN1_BIT_STRING)) == NULL || (bits->flags & 0x07) != 0)
		goto out;
	p = alg->data;
	if ((c->spki_alg = d2i_X509_ALGOR(NULL, &p, alg->length)) == NULL)
		goto out;
	if ((c->spki_bits = OPENSSL_memdup(bits->data, (size_t)bits->length)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	c->spki_bitslen = bits->length;
	p = spki->data;
	left = (size_t)spki->length;
	EVP_PKEY_free(rd->out);
	rd->out = NULL;
	if (OSSL_DECODER_from_data(rd->dec, &p, &left) != 1 || left != 0 || rd->out == NULL)
		goto out;
	c->pkey = rd->out;
	rd->out = NULL;
	r = CA_OK;
out:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}

/* The key may sign with the request's algorithm (no PSS: not needed). */
static int
sig_check(struct ca_csr_reader *rd, const struct ca_csr *c, const ASN1_STRING *algder,
	  const ASN1_STRING *sig, const ASN1_STRING *cri)
{
	const unsigned char *p = algder->data;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, algder->length);
	const ASN1_OBJECT *obj;
	EVP_MD_CTX *md = NULL;
	int mdnid, pknid, r = CA_ERR_BAD_REQUEST;

	if (alg == NULL || (sig->flags & 0x07) != 0)
		goto out;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (!OBJ_find_sigid_algs(OBJ_obj2nid(obj), &mdnid, &pknid) || mdnid == NID_undef ||
	    !((pknid == NID_rsaEncryption && EVP_PKEY_is_a(c->pkey, "RSA")) ||
	      (pknid == NID_X9_62_id_ecPublicKey && EVP_PKEY_is_a(c->pkey, "EC"))))
		goto out;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, OBJ_nid2sn(mdnid), rd->libctx, NULL, c->pkey,
				    NULL) != 1 ||
	    EVP_DigestVerify(md, sig->data, (size_t)sig->length, cri->data,
			     (size_t)cri->length) != 1) {
		util_log(LOG_ERR, "CSR: signature does not verify (proof of possession failed)");
		goto out;
	}
	r = CA_OK;
out:
	EVP_MD_CTX_free(md);
	X509_ALGOR_free(alg);
	return r;
}

/*
 * CertificationRequest ::= SEQUENCE { certificationRequestInfo,
 *     signatureAlgorithm, signature BIT STRING }
 * CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
 *     subjectPKInfo, attributes [0] } (RFC 2986 section 4)
 */
static int
csr_read_der(struct ca_csr_reader *rd, const unsigned char *der, long len, struct ca_csr *c)
{
	ASN1_SEQUENCE_ANY *outer = NULL, *info = NULL;
	const ASN1_STRING *cri, *alg, *sig, *name, *spki, *ver;
	const unsigned char *p;
	X509_NAME *subject = NULL;
	int r = CA_ERR_BAD_REQUEST;

	if ((outer = seq_parse(der, len, 3, 3)) == NULL ||
	    (cri = elem(outer, 0, V_ASN1_SEQUENCE)) == NULL ||
	    (alg = elem(outer, 1, V_ASN1_SEQUENCE)) == NULL ||
	    (sig = elem(outer, 2, V_ASN1_BIT_STRING)) == NULL ||
	    (info = seq_parse(cri->data, cri->length, 3, 4)) == NULL ||
	    (ver = elem(info, 0, V_ASN1_INTEGER)) == NULL ||
	    ASN1_INTEGER_get(ver) != 0 ||
	    (name = elem(info, 1, V_ASN1_SEQUENCE)) == NULL ||
	    (spki = elem(info, 2, V_ASN1_SEQUENCE)) == NULL ||
	    (sk_ASN1_TYPE_num(info) == 4 && elem(info, 3, V_ASN1_OTHER) == NULL))
		goto out;
	/* The subject is replaced from the registry, but must still parse. */
	p = name->data;
	if ((subject = d2i_X509_NAME(NULL, &p, name->length)) == NULL)
		goto out;
	if ((r = spki_read(rd, spki, c)) != CA_OK ||
	    (r = sig_check(rd, c, alg, sig, cri)) != CA_OK)
		goto out;
	if (!(EVP_PKEY_is_a(c->pkey, "RSA") && EVP_PKEY_get_bits(c->pkey) >= 2048) &&
	    !EVP_PKEY_is_a(c->pkey, "EC")) {
		util_log(LOG_ERR, "CSR: key must be RSA >= 2048 bits or EC");
		r = CA_ERR_BAD_REQUEST;
	}
out:
	X509_NAME_free(subject);
	sk_ASN1_TYPE_pop_free(info, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(outer, ASN1_TYPE_free);
	return r;
}

static int
pem_unwrap(const unsigned char *pem, size_t len, unsigned char **der, long *derlen)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *header = NULL;
	int r = CA_ERR_BAD_REQUEST;

	if (b == NULL)
		return CA_ERR_ALLOC;
	if (PEM_read_bio(b, &name, &header, der, derlen) == 1 &&
	    (strcmp(name, "CERTIFICATE REQUEST") == 0 ||
	     strcmp(name, "NEW CERTIFICATE REQUEST") == 0))
		r = CA_OK;
	if (r != CA_OK) {
		OPENSSL_free(*der);
		*der = NULL;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(b);
	return r;
}

int
ca_csr_read(struct ca_csr_reader *rd, const unsigned char *csr, size_t len, struct ca_csr *out)
{
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	unsigned char *der = NULL;
	long derlen = (long)len;
	int r = CA_ERR_BAD_REQUEST;

	if (csr == NULL || len == 0 || len > CSR_MAX)
		goto out;
	if (len > 10 && memcmp(csr, "-----BEGIN", 10) == 0) {
		if ((r = pem_unwrap(csr, len, &der, &derlen)) != CA_OK)
			goto out;
	}
	if ((r = csr_read_der(rd, der != NULL ? der : csr, derlen, &c)) != CA_OK)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	if (r != CA_OK) {
		util_log_ossl_errors("CSR");
		util_log(LOG_ERR, "the request is not an acceptable PKCS#10 CSR");
	}
	ca_csr_clear(&c);
	OPENSSL_free(der);
	return r;
}

/* The AlgorithmIdentifier parameters of a public key, duplicated. */
static int
param_dup(int ptype, const void *pval, void **out)
{
	*out = NULL;
	if (ptype == V_ASN1_OBJECT)
		*out = OBJ_dup(pval);
	else if (ptype == V_ASN1_SEQUENCE || ptype == V_ASN1_OCTET_STRING)
		*out = ASN1_STRING_dup(pval);
	else
		return CA_OK;	/* V_ASN1_NULL / V_ASN1_UNDEF: nothing to copy */
	return *out != NULL ? CA_OK : CA_ERR_ALLOC;
}

/*
 * Algorithm, parameters and key bits go over verbatim, so the certificate
 * carries exactly the key whose possession was proven, and no key passes
 * through OpenSSL's encoders (X509_set_pubkey would re-encode it).
 */
int
ca_csr_spki_copy(const struct ca_csr *c, X509 *crt)
{
	const ASN1_OBJECT *palg;
	ASN1_OBJECT *alg = NULL;
	unsigned char *bits = NULL;
	const void *pval;
	void *param = NULL;
	int ptype, r;

	X509_ALGOR_get0(&palg, &ptype, &pval, c->spki_alg);
	if ((r = param_dup(ptype, pval, &param)) != CA_OK)
		return r;
	if ((alg = OBJ_dup(palg)) == NULL ||
	    (bits = OPENSSL_memdup(c->spki_bits, (size_t)c->spki_bitslen)) == NULL ||
	    X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(crt), alg, ptype, param, bits,
				   c->spki_bitslen) != 1) {
		ASN1_OBJECT_free(alg);
		OPENSSL_free(bits);
		if (ptype == V_ASN1_OBJECT)
			ASN1_OBJECT_free(param);
		else
			ASN1_STRING_free(param);
		return CA_ERR_ALLOC;
	}
	return CA_OK;
}
