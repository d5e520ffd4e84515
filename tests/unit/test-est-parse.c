/*
 * tests/unit/test-est-parse.c: the EST request decoding and response
 * encoding of carecard-ca serve (ca/service/est-parse.c) against what
 * OpenSSL itself reads: statuses for each kind of bad input, the decoded
 * request byte for byte, certs-only PKCS#7 and CSR attributes parsed back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/service/est-parse.h"

struct fx {
	EVP_PKEY *key;
	unsigned char *csr;	/* DER */
	int csrlen;
	X509 *cert;
	char b64[4096];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = NULL;

	if (f == NULL || req == NULL ||
	    (f->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return -1;
	n = X509_REQ_get_subject_name(req);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"Bob", -1, -1, 0);
	if (X509_REQ_set_pubkey(req, f->key) != 1 || X509_REQ_sign(req, f->key, EVP_sha256()) <= 0 ||
	    (f->csrlen = i2d_X509_REQ(req, &f->csr)) <= 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)f->b64, f->csr, f->csrlen);
	X509_REQ_free(req);
	if ((f->cert = X509_new()) == NULL || X509_set_pubkey(f->cert, f->key) != 1 ||
	    X509_set_subject_name(f->cert, n = X509_NAME_new()) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(f->cert), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(f->cert), 60) == NULL ||
	    X509_sign(f->cert, f->key, EVP_sha256()) <= 0)
		return -1;
	X509_NAME_free(n);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	EVP_PKEY_free(f->key);
	OPENSSL_free(f->csr);
	X509_free(f->cert);
	free(f);
	/* every test leaves OpenSSL's error queue empty */
	return ERR_peek_error() == 0 ? 0 : -1;
}

static int
decode(const char *ctype, const char *body, unsigned char **der, size_t *len)
{
	const char *why = NULL;
	int st;

	*der = NULL;
	*len = 0;
	st = svc_est_request_decode(ctype, (const unsigned char *)body, strlen(body), der, len, &why);
	if (st != 200)
		assert_non_null(why);
	return st;
}

static void
test_request_good(void **state)
{
	struct fx *f = *state;
	unsigned char *der;
	size_t len;
	char lines[4200];
	size_t i, o = 0;

	assert_int_equal(decode("application/pkcs10", f->b64, &der, &len), 200);
	assert_int_equal(len, (size_t)f->csrlen);
	assert_memory_equal(der, f->csr, len);
	free(der);
	/* line breaks every 64 characters and parameters on the type: the same */
	for (i = 0; f->b64[i] != '\0'; i++) {
		lines[o++] = f->b64[i];
		if (i % 64 == 63)
			lines[o++] = '\n';
	}
	lines[o++] = '\r';
	lines[o++] = '\n';
	lines[o] = '\0';
	assert_int_equal(decode("Application/PKCS10; charset=x", lines, &der, &len), 200);
	assert_memory_equal(der, f->csr, len);
	free(der);
}

static void
test_request_bad(void **state)
{
	struct fx *f = *state;
	unsigned char *der, *cder = NULL;
	size_t len;
	char *big, cert[4096], trail[4200];
	int clen;

	assert_int_equal(decode("text/plain", f->b64, &der, &len), 415);
	assert_int_equal(decode(NULL, f->b64, &der, &len), 415);
	assert_int_equal(decode("application/pkcs10x", f->b64, &der, &len), 415);
	assert_int_equal(decode("application/pkcs10", "", &der, &len), 400);
	assert_int_equal(decode("application/pkcs10", "not base64!", &der, &len), 400);
	snprintf(trail, sizeof(trail), "%sAAAA", f->b64);	/* three bytes after the request */
	assert_int_equal(decode("application/pkcs10", trail, &der, &len), 400);
	f->b64[40] = '\0';					/* truncated */
	assert_int_equal(decode("application/pkcs10", f->b64, &der, &len), 400);
	clen = i2d_X509(f->cert, &cder);			/* a certificate, not a request */
	EVP_EncodeBlock((unsigned char *)cert, cder, clen);
	OPENSSL_free(cder);
	assert_int_equal(decode("application/pkcs10", cert, &der, &len), 400);
	big = malloc(SVC_EST_BODY_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', SVC_EST_BODY_MAX + 1);
	big[SVC_EST_BODY_MAX + 1] = '\0';
	assert_int_equal(decode("application/pkcs10", big, &der, &len), 413);
	big[SVC_EST_BODY_MAX - 4] = '\0';	/* base64 of more DER than allowed */
	assert_int_equal(decode("application/pkcs10", big, &der, &len), 413);
	free(big);
	assert_null(der);
}

static unsigned char *
unbase64(const char *text, size_t len, int *outlen)
{
	EVP_ENCODE_CTX *ec = EVP_ENCODE_CTX_new();
	unsigned char *out = malloc(len);
	int n = 0, fin = 0;

	assert_non_null(ec);
	assert_non_null(out);
	EVP_DecodeInit(ec);
	assert_true(EVP_DecodeUpdate(ec, out, &n, (const unsigned char *)text, (int)len) >= 0);
	assert_int_equal(EVP_DecodeFinal(ec, out + n, &fin), 1);
	EVP_ENCODE_CTX_free(ec);
	*outlen = n + fin;
	return out;
}

static void
test_certs_only(void **state)
{
	struct fx *f = *state;
	X509 *two[2] = { f->cert, f->cert };
	const unsigned char *p;
	unsigned char *der;
	char *text = NULL;
	size_t len = 0;
	PKCS7 *p7;
	int n;

	assert_int_equal(svc_est_certs_encode(two, 2, &text, &len), CA_OK);
	assert_int_equal(strlen(text), len);
	assert_true(strchr(text, '\n') != NULL);	/* lines, as RFC 7030 shows them */
	p = der = unbase64(text, len, &n);
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, n));
	assert_true(PKCS7_type_is_signed(p7));
	assert_int_equal(sk_X509_num(p7->d.sign->cert), 2);
	assert_int_equal(X509_cmp(sk_X509_value(p7->d.sign->cert, 0), f->cert), 0);
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info), 0);
	PKCS7_free(p7);
	free(der);
	free(text);
}

/* The CSR attributes of @prof, as OpenSSL's own ASN.1 dump. */
static void
attrs_dump(const struct pol_profile *prof, char *out, size_t outlen)
{
	const unsigned char *p;
	unsigned char *der;
	char *text = NULL;
	size_t len = 0;
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	assert_int_equal(svc_est_csrattrs_encode(prof, &text, &len), CA_OK);
	p = der = unbase64(text, len, &n);
	assert_int_equal(ASN1_parse_dump(b, p, n, 0, 0), 1);
	n = BIO_read(b, out, (int)outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
	free(der);
	free(text);
}

static void
test_csrattrs(void **state)
{
	struct pol_profile prof;
	char dump[4096];

	(void)state;
	memset(&prof, 0, sizeof(prof));
	prof.key_type = POL_KEY_RSA;
	prof.key_bits = 3072;
	attrs_dump(&prof, dump, sizeof(dump));
	assert_non_null(strstr(dump, "sha256WithRSAEncryption"));
	assert_non_null(strstr(dump, "rsaEncryption"));
	assert_non_null(strstr(dump, "INTEGER           :0C00"));	/* 3072 */
	prof.key_type = POL_KEY_EC;
	prof.key_bits = 384;
	attrs_dump(&prof, dump, sizeof(dump));
	assert_non_null(strstr(dump, "ecdsa-with-SHA256"));
	assert_non_null(strstr(dump, "id-ecPublicKey"));
	assert_non_null(strstr(dump, "secp384r1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_certs_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrattrs, setup, teardown),
	};

	return cmocka_run_group_tests_name("est-parse", tests, NULL, NULL);
}
