/*
 * ca/crl-encode.c: see crl-encode.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "ca/core/crl-encode.h"
#include "ca/core/error.h"
#include "common/log.h"

#define REASON_MAX 10

struct entry {
	uint64_t key;		/* serial length and first 7 octets: sort key */
	size_t off;		/* into buf: the entry's SEQUENCE */
	unsigned len;		/* whole entry */
	unsigned char hdr;	/* SEQUENCE header length: the serial follows */
};

struct ca_crl_entries {
	unsigned char *buf;
	size_t len, cap;
	struct entry *v;
	size_t n, vcap;
	unsigned char *ext[REASON_MAX + 1];	/* DER "SEQUENCE OF Extension" */
	int extlen[REASON_MAX + 1];
	ASN1_INTEGER *serial;
	ASN1_TIME *when;
	int64_t last_when;	/* revocation times repeat: encode each once */
	unsigned char when_der[24];
	int when_len;
};

/* The crlEntryExtensions for reason code @code, encoded once. */
static int
reason_ext(int code, unsigned char **der, int *len)
{
	STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
	ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
	X509_EXTENSION *ext = NULL;
	int r = CA_ERR_CRYPTO;

	*der = NULL;
	if (sk == NULL || e == NULL || ASN1_ENUMERATED_set(e, code) != 1 ||
	    (ext = X509V3_EXT_i2d(NID_crl_reason, 0, e)) == NULL ||
	    !sk_X509_EXTENSION_push(sk, ext))
		goto out;
	ext = NULL;
	if ((*len = i2d_X509_EXTENSIONS(sk, der)) <= 0)
		goto out;
	r = CA_OK;
out:
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	ASN1_ENUMERATED_free(e);
	return r;
}

int
ca_crl_entries_new(struct ca_crl_entries **out)
{
	struct ca_crl_entries *e = calloc(1, sizeof(*e));
	int i, r = CA_ERR_ALLOC;

	if (e == NULL)
		return r;
	if ((e->serial = ASN1_INTEGER_new()) == NULL ||
	    (e->when = ASN1_TIME_new()) == NULL)
		goto out;
	for (i = 1; i <= REASON_MAX; i++)
		if (i != 7 && (r = reason_ext(i, &e->ext[i], &e->extlen[i])) != CA_OK)
			goto out;	/* 7 is unassigned */
	*out = e;
	e = NULL;
	r = CA_OK;
out:
	ca_crl_entries_free(e);
	return r;
}

void
ca_crl_entries_free(struct ca_crl_entries *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i <= REASON_MAX; i++)
		OPENSSL_free(e->ext[i]);
	ASN1_TIME_free(e->when);
	ASN1_INTEGER_free(e->serial);
	OPENSSL_free(e->buf);
	free(e->v);
	free(e);
}

size_t
ca_crl_entries_count(const struct ca_crl_entries *e)
{
	return e->n;
}

static int
reserve(struct ca_crl_entries *e, size_t bytes)
{
	unsigned char *nb;
	struct entry *nv;
	size_t cap;

	if (e->len + bytes > e->cap) {
		cap = e->cap ? e->cap * 2 : 65536;
		while (cap < e->len + bytes)
			cap *= 2;
		if ((nb = OPENSSL_realloc(e->buf, cap)) == NULL)
			return CA_ERR_ALLOC;
		e->buf = nb;
		e->cap = cap;
	}
	if (e->n == e->vcap) {
		cap = e->vcap ? e->vcap * 2 : 1024;
		if ((nv = realloc(e->v, cap * sizeof(*nv))) == NULL)
			return CA_ERR_ALLOC;
		e->v = nv;
		e->vcap = cap;
	}
	return CA_OK;
}

/*
 * RFC 5280 4.1.2.5 / 5.1.2.6: UTCTime through 2049, GeneralizedTime from
 * 2050 (ASN1_TIME_set's choice). The digits are formatted here and the
 * DER is OpenSSL's (i2d_ASN1_TIME): ASN1_TIME_set formats through
 * BIO_snprintf, which was a sixth of a 1M-entry CRL. Rows arrive ordered
 * by revocation time, so a repeated time is encoded once.
 */
static int
when_der(struct ca_crl_entries *e, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	unsigned char *p = e->when_der;
	char s[24];
	int n, year;

	if (e->when_len > 0 && e->last_when == when)
		return CA_OK;
	e->when_len = 0;
	if (OPENSSL_gmtime(&t, &tm) == NULL || (year = tm.tm_year + 1900) < 1950 || year > 9999)
		return CA_ERR_CRYPTO;
	n = snprintf(s, sizeof(s), "%0*d%02d%02d%02d%02d%02dZ", year < 2050 ? 2 : 4,
		     year < 2050 ? year % 100 : year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec);
	if (ASN1_STRING_set(e->when, s, n) != 1)
		return CA_ERR_ALLOC;
	e->when->type = year < 2050 ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME;
	if (i2d_ASN1_TIME(e->when, NULL) > (int)sizeof(e->when_der))
		return CA_ERR_CRYPTO;
	if ((e->when_len = i2d_ASN1_TIME(e->when, &p)) <= 0)
		return CA_ERR_CRYPTO;
	e->last_when = when;
	return CA_OK;
}

/* The registry's hex serial (<= 20 octets) as a positive ASN1_INTEGER. */
static int
serial_set(struct ca_crl_entries *e, const char *hex)
{
	unsigned char b[21];
	size_t n = strlen(hex), i, nb = (n + 1) / 2, skip = 0;
	int hi, lo;

	if (n == 0 || n > 40)
		return CA_ERR_USAGE;
	for (i = 0; i < nb; i++) {
		/* An odd count means an implied leading zero nibble. */
		hi = (n % 2 == 1 && i == 0) ? 0 : OPENSSL_hexchar2int((unsigned char)*hex++);
		lo = OPENSSL_hexchar2int((unsigned char)*hex++);
		if (hi < 0 || lo < 0)
			return CA_ERR_USAGE;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	while (skip + 1 < nb && b[skip] == 0)
		skip++;
	if (ASN1_STRING_set(e->serial, b + skip, (int)(nb - skip)) != 1)
		return CA_ERR_ALLOC;
	e->serial->type = V_ASN1_INTEGER;	/* non-negative */
	return CA_OK;
}

/* Serial DER: tag, short length (<= 21 octets), content. */
static uint64_t
sort_key(const unsigned char *ser)
{
	uint64_t k = (uint64_t)ser[1] << 56;
	int i;

	for (i = 0; i < 7 && i < ser[1]; i++)
		k |= (uint64_t)ser[2 + i] << (48 - 8 * i);
	return k;
}

/* RFC 5280 5.1.2.6: SEQUENCE { userCertificate, revocationDate,
 * crlEntryExtensions OPTIONAL }. */
int
ca_crl_entries_add(struct ca_crl_entries *e, const char *serial, int64_t when, int reason)
{
	int slen, xlen, content, total, r;
	unsigned char *p;

	if ((r = serial_set(e, serial)) != CA_OK || (r = when_der(e, when)) != CA_OK)
		return r;
	slen = i2d_ASN1_INTEGER(e->serial, NULL);
	xlen = reason > 0 && reason <= REASON_MAX ? e->extlen[reason] : 0;
	if (slen <= 0 || slen > 23)
		return CA_ERR_CRYPTO;
	content = slen + e->when_len + xlen;
	total = ASN1_object_size(1, content, V_ASN1_SEQUENCE);
	if ((r = reserve(e, (size_t)total)) != CA_OK)
		return r;
	p = e->buf + e->len;
	ASN1_put_object(&p, 1, content, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	e->v[e->n].off = e->len;
	e->v[e->n].len = (unsigned)total;
	e->v[e->n].hdr = (unsigned char)(p - (e->buf + e->len));
	i2d_ASN1_INTEGER(e->serial, &p);
	e->v[e->n].key = sort_key(p - slen);
	memcpy(p, e->when_der, (size_t)e->when_len);
	p += e->when_len;
	if (xlen > 0) {
		memcpy(p, e->ext[reason], (size_t)xlen);
		p += xlen;
	}
	e->len += (size_t)total;
	e->n++;
	return CA_OK;
}

/*
 * Order by serial number. Serials are non-negative minimal DER INTEGERs
 * of at most 21 content octets (short-form length), so a longer encoding
 * is a larger number and equal lengths compare bytewise.
 */
static int
entry_cmp(const void *a, const void *b, void *arg)
{
	const unsigned char *buf = arg;
	const struct entry *x = a, *y = b;
	const unsigned char *sx, *sy;

	if (x->key != y->key)	/* decides almost always, without touching buf */
		return x->key < y->key ? -1 : 1;
	sx = buf + x->off + x->hdr;
	sy = buf + y->off + y->hdr;
	return memcmp(sx + 2, sy + 2, sx[1]);
}

/* The revokedCertificates SEQUENCE, entries in serial order. */
static int
entries_der(struct ca_crl_entries *e, unsigned char **out, int *outlen)
{
	unsigned char *der, *p;
	size_t i;
	int total;

	if (e->len > (size_t)INT32_MAX / 2)
		return CA_ERR_USAGE;
	qsort_r(e->v, e->n, sizeof(*e->v), entry_cmp, e->buf);
	total = ASN1_object_size(1, (int)e->len, V_ASN1_SEQUENCE);
	if ((der = OPENSSL_malloc((size_t)total)) == NULL)
		return CA_ERR_ALLOC;
	p = der;
	ASN1_put_object(&p, 1, (int)e->len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	for (i = 0; i < e->n; i++) {
		memcpy(p, e->buf + e->v[i].off, e->v[i].len);
		p += e->v[i].len;
	}
	*out = der;
	*outlen = total;
	return CA_OK;
}

/* An ASN1_TYPE holding a complete DER element, taking ownership of @der. */
static ASN1_TYPE *
opaque_take(int type, unsigned char *der, int len)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);
	ASN1_TYPE *t = ASN1_TYPE_new();

	if (s == NULL || t == NULL) {
		ASN1_STRING_free(s);
		ASN1_TYPE_free(t);
		OPENSSL_free(der);
		return NULL;
	}
	ASN1_STRING_set0(s, der, len);
	ASN1_TYPE_set(t, type, s);
	return t;
}

/*
 * TBSCertList (RFC 5280 5.1): version, signature, issuer, thisUpdate,
 * nextUpdate, revokedCertificates OPTIONAL, [0] crlExtensions. @tbs is the
 * entry-less TBS; the list goes in right after nextUpdate.
 */
static int
tbs_splice(struct ca_crl_entries *e, const unsigned char *tbs, int tbslen,
	   unsigned char **out, int *outlen)
{
	const unsigned char *p = tbs;
	ASN1_SEQUENCE_ANY *seq = NULL;
	ASN1_TYPE *list = NULL;
	unsigned char *der = NULL;
	int len, r = CA_ERR_CRYPTO;

	if ((seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, tbslen)) == NULL ||
	    sk_ASN1_TYPE_num(seq) != 6 ||
	    ASN1_TYPE_get(sk_ASN1_TYPE_value(seq, 4)) == V_ASN1_SEQUENCE)
		goto out;	/* not the shape we built */
	if (e->n > 0) {
		if ((r = entries_der(e, &der, &len)) != CA_OK)
			goto out;
		r = CA_ERR_ALLOC;
		if ((list = opaque_take(V_ASN1_SEQUENCE, der, len)) == NULL ||
		    !sk_ASN1_TYPE_insert(seq, list, 5))
			goto out;
		list = NULL;
	}
	*out = NULL;
	r = CA_ERR_CRYPTO;
	if ((*outlen = i2d_ASN1_SEQUENCE_ANY(seq, out)) <= 0)
		goto out;
	r = CA_OK;
out:
	ASN1_TYPE_free(list);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}

static int
tbs_sign(const unsigned char *tbs, int tbslen, EVP_PKEY *pkey, const EVP_MD *md,
	 OSSL_LIB_CTX *libctx, ASN1_BIT_STRING **out)
{
	EVP_MD_CTX *mctx = NULL;
	ASN1_BIT_STRING *bs = NULL;
	unsigned char *sig = NULL;
	size_t siglen = (size_t)EVP_PKEY_get_size(pkey);
	int r = CA_ERR_CRYPTO;

	if ((mctx = EVP_MD_CTX_new()) == NULL || (sig = OPENSSL_malloc(siglen)) == NULL ||
	    EVP_DigestSignInit_ex(mctx, NULL, EVP_MD_get0_name(md), libctx, NULL, pkey,
				  NULL) != 1 ||
	    EVP_DigestSign(mctx, sig, &siglen, tbs, (size_t)tbslen) != 1 ||
	    (bs = ASN1_BIT_STRING_new()) == NULL)
		goto out;
	ASN1_STRING_set0(bs, sig, (int)siglen);
	sig = NULL;
	/* Whole octets: say "0 unused bits" rather than letting the encoder
	 * infer unused bits from trailing zeros (as X509_CRL_sign does). */
	bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	*out = bs;
	bs = NULL;
	r = CA_OK;
out:
	ASN1_BIT_STRING_free(bs);
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mctx);
	return r;
}

static int
push_take(ASN1_SEQUENCE_ANY *seq, ASN1_TYPE *t)
{
	if (t == NULL)
		return 0;
	if (!sk_ASN1_TYPE_push(seq, t)) {
		ASN1_TYPE_free(t);
		return 0;
	}
	return 1;
}

/*
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signature }.
 * Consumes @tbs and @sig whatever happens.
 */
static int
crl_assemble(unsigned char *tbs, int tbslen, const X509_ALGOR *alg, ASN1_BIT_STRING *sig,
	     unsigned char **der, int *len)
{
	ASN1_SEQUENCE_ANY *seq = sk_ASN1_TYPE_new_null();
	ASN1_TYPE *t = NULL;
	unsigned char *algder = NULL;
	int alglen, r = CA_ERR_CRYPTO;

	if (seq == NULL) {
		OPENSSL_free(tbs);
		goto out;
	}
	if (!push_take(seq, opaque_take(V_ASN1_SEQUENCE, tbs, tbslen)) ||
	    (alglen = i2d_X509_ALGOR(alg, &algder)) <= 0 ||
	    !push_take(seq, opaque_take(V_ASN1_SEQUENCE, algder, alglen)) ||
	    (t = ASN1_TYPE_new()) == NULL)
		goto out;
	ASN1_TYPE_set(t, V_ASN1_BIT_STRING, sig);
	sig = NULL;
	if (!push_take(seq, t))
		goto out;
	*der = NULL;
	if ((*len = i2d_ASN1_SEQUENCE_ANY(seq, der)) <= 0)
		goto out;
	r = CA_OK;
out:
	ASN1_BIT_STRING_free(sig);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return r;
}

int
ca_crl_encode(struct ca_crl_entries *e, X509_CRL *hdr, EVP_PKEY *pkey, const EVP_MD *md,
	      OSSL_LIB_CTX *libctx, unsigned char **der, size_t *len)
{
	const ASN1_BIT_STRING *hsig;
	const X509_ALGOR *alg;
	ASN1_BIT_STRING *sig = NULL;
	unsigned char *tbs0 = NULL, *tbs = NULL, *out = NULL;
	int tbs0len, tbslen, outlen, r = CA_ERR_CRYPTO;

	/* Signing the empty CRL sets both AlgorithmIdentifiers through the
	 * provider; the one extra token signature is cheap next to 1M rows. */
	if (X509_CRL_sign(hdr, pkey, md) <= 0 || (tbs0len = i2d_re_X509_CRL_tbs(hdr, &tbs0)) <= 0)
		goto out;
	X509_CRL_get0_signature(hdr, &hsig, &alg);
	if ((r = tbs_splice(e, tbs0, tbs0len, &tbs, &tbslen)) != CA_OK ||
	    (r = tbs_sign(tbs, tbslen, pkey, md, libctx, &sig)) != CA_OK)
		goto out;
	r = crl_assemble(tbs, tbslen, alg, sig, &out, &outlen);
	tbs = NULL;	/* consumed by crl_assemble */
	sig = NULL;
	if (r != CA_OK)
		goto out;
	*der = out;
	*len = (size_t)outlen;
out:
	ASN1_BIT_STRING_free(sig);
	OPENSSL_free(tbs);
	OPENSSL_free(tbs0);
	return r;
}
