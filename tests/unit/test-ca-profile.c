/*
 * Unit tests without an HSM: the typed extension and name builders the
 * certificate profiles are made of, revocation reasons, serial spelling,
 * secret formatting and CSR reading/validation.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/crl.h"
#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/secret.h"
#include "ca/core/x509util.h"

static int
teardown(void **state)
{
	/* Every failure path drains what it queued. */
	return ERR_peek_error() == 0 ? 0 : -1;
}

/* DER of @ext. */
static int
ext_der(X509_EXTENSION *ext, unsigned char **out)
{
	int n = i2d_X509_EXTENSION(ext, out);

	assert_true(n > 0);
	return n;
}

/* @ext encodes exactly as OpenSSL's configuration parser makes @conf. */
static void
assert_ext_as_conf(X509_EXTENSION *ext, int nid, const char *conf)
{
	X509_EXTENSION *ref = X509V3_EXT_conf_nid(NULL, NULL, nid, conf);
	unsigned char *a = NULL, *b = NULL;
	int la, lb;

	assert_non_null(ext);
	assert_non_null(ref);
	la = ext_der(ext, &a);
	lb = ext_der(ref, &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_EXTENSION_free(ref);
	X509_EXTENSION_free(ext);
}

/*
 * The typed extension builders make the same bytes the configuration
 * strings made before (certificates did not change), with the values as
 * data: a URL with a comma stays one URL.
 */
static void
test_extensions_typed(void **state)
{
	static const char *const eku[] = { "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4" };
	const char *evil = "http://crl.example/a.crl,URI:http://evil.example/x.crl";
	X509_EXTENSION *ext = NULL;
	CRL_DIST_POINTS *cdp;
	AUTHORITY_INFO_ACCESS *aia;
	const GENERAL_NAME *gn;
	const DIST_POINT *dp;

	(void)state;
	assert_int_equal(ca_ext_basic_constraints(0, -1, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_basic_constraints, "critical,CA:FALSE");
	assert_int_equal(ca_ext_basic_constraints(1, 0, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	assert_int_equal(ca_ext_basic_constraints(1, -1, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_basic_constraints, "critical,CA:TRUE");
	assert_int_equal(ca_ext_key_usage(1u << 0, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_key_usage, "critical,digitalSignature");
	assert_int_equal(ca_ext_key_usage(1u << 0 | 1u << 1, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_key_usage, "critical,digitalSignature,nonRepudiation");
	assert_int_equal(ca_ext_key_usage(1u << 5 | 1u << 6, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_key_usage, "critical,keyCertSign,cRLSign");
	assert_int_equal(ca_ext_ext_key_usage(eku, 2, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_ext_key_usage, "clientAuth,emailProtection");
	assert_int_equal(ca_ext_ext_key_usage((const char *const[]){ "clientAuth" }, 1, &ext),
			 CA_ERR_USAGE);	/* OIDs in dotted form only, never names */
	assert_int_equal(ca_ext_crl_url("http://crl.example/a.crl", &ext), CA_OK);
	assert_ext_as_conf(ext, NID_crl_distribution_points, "URI:http://crl.example/a.crl");
	assert_int_equal(ca_ext_aia("http://ocsp.example/", NULL, &ext), CA_OK);
	assert_ext_as_conf(ext, NID_info_access, "OCSP;URI:http://ocsp.example/");

	/* No injection: one distribution point, one URI, the whole string. */
	assert_int_equal(ca_ext_crl_url(evil, &ext), CA_OK);
	assert_non_null(cdp = X509V3_EXT_d2i(ext));
	assert_int_equal(sk_DIST_POINT_num(cdp), 1);
	dp = sk_DIST_POINT_value(cdp, 0);
	assert_int_equal(dp->distpoint->type, 0);
	assert_int_equal(sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
	assert_int_equal(gn->type, GEN_URI);
	assert_int_equal(ASN1_STRING_length(gn->d.uniformResourceIdentifier), strlen(evil));
	assert_memory_equal(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier), evil,
			    strlen(evil));
	CRL_DIST_POINTS_free(cdp);
	X509_EXTENSION_free(ext);
	assert_int_equal(ca_ext_aia(evil, NULL, &ext), CA_OK);
	assert_non_null(aia = X509V3_EXT_d2i(ext));
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 1);
	assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method), NID_ad_OCSP);
	gn = sk_ACCESS_DESCRIPTION_value(aia, 0)->location;
	assert_int_equal(gn->type, GEN_URI);
	assert_int_equal(ASN1_STRING_length(gn->d.uniformResourceIdentifier), strlen(evil));
	AUTHORITY_INFO_ACCESS_free(aia);
	X509_EXTENSION_free(ext);
}

/* Names are values: no attribute syntax inside a value is ever interpreted. */
static void
test_name_add_is_data(void **state)
{
	const char *evil = "Eve Evil, serialNumber=100000000001, CN=Alice Manager";
	X509_NAME *n = X509_NAME_new();
	unsigned char *u = NULL;
	char big[80];

	(void)state;
	assert_non_null(n);
	assert_int_equal(ca_name_add(n, NID_commonName, evil), CA_OK);
	assert_int_equal(X509_NAME_entry_count(n), 1);
	assert_int_equal(ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n,
									       0))),
			 (int)strlen(evil));
	assert_string_equal((char *)u, evil);
	assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 0))),
			 V_ASN1_UTF8STRING);
	OPENSSL_free(u);
	/* OpenSSL's string table still bounds what it can encode. */
	memset(big, 'a', sizeof(big));
	big[65] = '\0';
	assert_int_equal(ca_name_add(n, NID_commonName, big), CA_ERR_INPUT);
	assert_int_equal(ca_name_add(n, NID_countryName, "GBR"), CA_ERR_INPUT);
	assert_int_equal(X509_NAME_entry_count(n), 1);
	X509_NAME_free(n);
}

static void
test_revocation_reasons(void **state)
{
	int r = -1;

	assert_int_equal(ca_revoke_reason_parse("keyCompromise", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_KEY_COMPROMISE);
	assert_int_equal(ca_revoke_reason_parse("lost", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_KEY_COMPROMISE);
	assert_int_equal(ca_revoke_reason_parse("stolen", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_KEY_COMPROMISE);
	assert_int_equal(ca_revoke_reason_parse("leaver", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_AFFILIATION_CHANGED);
	assert_int_equal(ca_revoke_reason_parse("death", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_CESSATION_OF_OPERATION);
	assert_int_equal(ca_revoke_reason_parse("SUPERSEDED", &r), CA_OK);
	assert_int_equal(r, CRL_REASON_SUPERSEDED);
	assert_int_equal(ca_revoke_reason_parse("removeFromCRL", &r), CA_ERR_USAGE);
	assert_int_equal(ca_revoke_reason_parse("bored", &r), CA_ERR_USAGE);
	assert_string_equal(ca_revoke_reason_name(CRL_REASON_AFFILIATION_CHANGED),
			    "affiliationChanged");
}

static void
test_serial_spellings(void **state)
{
	static const char *const same[] = { "A85A7B35E6", "a85a7b35e6", "0xA85A7B35E6",
					    "00A85A7B35E6", "a8:5a:7b:35:e6" };
	char *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(ca_serial_normalize(same[i], &s), CA_OK);
		assert_string_equal(s, "A85A7B35E6");
		free(s);
	}
	assert_int_equal(ca_serial_normalize("12g4", &s), CA_ERR_USAGE);
	assert_int_equal(ca_serial_normalize("1 2", &s), CA_ERR_USAGE);
	/* 21 octets is longer than RFC 5280 allows. */
	assert_int_equal(ca_serial_normalize("1234567890123456789012345678901234567890AB", &s),
			 CA_ERR_USAGE);
}

static void
test_secret_format(void **state)
{
	unsigned char mac[32];
	char out[17], again[17];
	size_t i;

	memset(mac, 0, sizeof(mac));
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 16, out, sizeof(out)), CA_OK);
	assert_string_equal(out, "0000000000000000");
	for (i = 0; i < sizeof(mac); i++)
		mac[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 16, out, sizeof(out)), CA_OK);
	assert_int_equal(strlen(out), 16);
	assert_null(strpbrk(out, "ILOU"));	/* Crockford: no look-alikes */
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 16, again, sizeof(again)), CA_OK);
	assert_string_equal(out, again);
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 8, out, sizeof(out)), CA_OK);
	assert_int_equal(strlen(out), 8);
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 17, out, sizeof(out)), CA_ERR_USAGE);
	assert_int_equal(ca_secret_format(mac, sizeof(mac), 16, out, 16), CA_ERR_USAGE);
	assert_int_equal(ca_secret_random_text(out, 16), CA_OK);
	assert_int_equal(strlen(out), 16);
}

/* A signed CSR for a fresh key of @alg ("EC" or "RSA" with @bits). */
static unsigned char *
make_csr(const char *alg, size_t bits, int *len)
{
	EVP_PKEY *k = strcmp(alg, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
					    : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	X509_REQ *req = X509_REQ_new();
	unsigned char *der = NULL;

	assert_non_null(k);
	assert_non_null(req);
	assert_int_equal(X509_REQ_set_pubkey(req, k), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
						    MBSTRING_ASC, (const unsigned char *)"x",
						    -1, -1, 0), 1);
	assert_true(X509_REQ_sign(req, k, EVP_sha256()) > 0);
	*len = i2d_X509_REQ(req, &der);
	assert_true(*len > 0);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return der;
}

/* Read @csr with a fresh reader; the reader is reused inside one call. */
static int
csr_read(const unsigned char *csr, size_t len, struct ca_csr *out)
{
	struct ca_csr_reader *rd = NULL;
	int r;

	assert_int_equal(ca_csr_reader_new(NULL, &rd), CA_OK);
	r = ca_csr_read(rd, csr, len, out);
	ca_csr_reader_free(rd);
	return r;
}

static void
test_csr_good_der_and_pem(void **state)
{
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	BIO *b = BIO_new(BIO_s_mem());
	unsigned char *der;
	char *pem = NULL;
	long pemlen;
	int len;

	der = make_csr("EC", 0, &len);
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_OK);
	assert_non_null(c.pkey);
	assert_true(EVP_PKEY_is_a(c.pkey, "EC"));
	ca_csr_clear(&c);
	assert_true(PEM_write_bio(b, "CERTIFICATE REQUEST", "", der, len) > 0);
	pemlen = BIO_get_mem_data(b, &pem);
	assert_int_equal(csr_read((unsigned char *)pem, (size_t)pemlen, &c), CA_OK);
	ca_csr_clear(&c);
	BIO_free(b);
	OPENSSL_free(der);
	der = make_csr("RSA", 2048, &len);
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_OK);
	assert_true(EVP_PKEY_is_a(c.pkey, "RSA"));
	ca_csr_clear(&c);
	OPENSSL_free(der);
}

/* One reader, many requests of both key types: the reused decoder must
 * not carry anything from one request to the next. */
static void
test_csr_reader_reuse(void **state)
{
	struct ca_csr_reader *rd = NULL;
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	unsigned char *ec, *rsa;
	int eclen, rsalen, i;

	ec = make_csr("EC", 0, &eclen);
	rsa = make_csr("RSA", 2048, &rsalen);
	assert_int_equal(ca_csr_reader_new(NULL, &rd), CA_OK);
	for (i = 0; i < 6; i++) {
		int use_ec = i % 2 == 0;

		assert_int_equal(ca_csr_read(rd, use_ec ? ec : rsa,
					     (size_t)(use_ec ? eclen : rsalen), &c), CA_OK);
		assert_true(EVP_PKEY_is_a(c.pkey, use_ec ? "EC" : "RSA"));
		ca_csr_clear(&c);
		/* A bad one in between changes nothing. */
		assert_int_equal(ca_csr_read(rd, rsa, (size_t)rsalen - 1, &c), CA_ERR_BAD_REQUEST);
	}
	ca_csr_reader_free(rd);
	OPENSSL_free(ec);
	OPENSSL_free(rsa);
}

static void
test_csr_malformed(void **state)
{
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	unsigned char *der, *longer;
	int len, cut;

	der = make_csr("EC", 0, &len);
	/* Every truncation is refused, and nothing is returned. */
	for (cut = 0; cut < len; cut += 3)
		assert_int_equal(csr_read(der, (size_t)cut, &c), CA_ERR_BAD_REQUEST);
	assert_null(c.pkey);
	/* Trailing bytes after the DER. */
	longer = malloc((size_t)len + 1);
	assert_non_null(longer);
	memcpy(longer, der, (size_t)len);
	longer[len] = 0;
	assert_int_equal(csr_read(longer, (size_t)len + 1, &c), CA_ERR_BAD_REQUEST);
	free(longer);
	/* A broken signature: proof of possession fails. */
	der[len - 5] ^= 0x01;
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_ERR_BAD_REQUEST);
	der[len - 5] ^= 0x01;
	/* A changed subject (inside the signed part). */
	for (cut = 0; cut + 1 < len; cut++)
		if (der[cut] == 0x0c && der[cut + 1] == 0x01 && der[cut + 2] == 'x')
			break;
	assert_true(cut + 2 < len);
	der[cut + 2] = 'y';
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_ERR_BAD_REQUEST);
	assert_int_equal(csr_read((const unsigned char *)"-----BEGIN junk", 15, &c),
			 CA_ERR_BAD_REQUEST);
	assert_int_equal(csr_read(NULL, 0, &c), CA_ERR_BAD_REQUEST);
	assert_null(c.pkey);
	OPENSSL_free(der);
}

/* A certificate is not a request, even though both are SEQUENCEs. */
static void
test_csr_wrong_structure(void **state)
{
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	int len;

	assert_non_null(x);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_ERR_BAD_REQUEST);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
test_csr_weak_key_refused(void **state)
{
	struct ca_csr c = { NULL, NULL, NULL, 0 };
	unsigned char *der;
	int len;

	der = make_csr("RSA", 1024, &len);
	assert_int_equal(csr_read(der, (size_t)len, &c), CA_ERR_BAD_REQUEST);
	assert_null(c.pkey);
	OPENSSL_free(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_extensions_typed, teardown),
		cmocka_unit_test_teardown(test_name_add_is_data, teardown),
		cmocka_unit_test_teardown(test_revocation_reasons, teardown),
		cmocka_unit_test_teardown(test_serial_spellings, teardown),
		cmocka_unit_test_teardown(test_secret_format, teardown),
		cmocka_unit_test_teardown(test_csr_good_der_and_pem, teardown),
		cmocka_unit_test_teardown(test_csr_reader_reuse, teardown),
		cmocka_unit_test_teardown(test_csr_malformed, teardown),
		cmocka_unit_test_teardown(test_csr_wrong_structure, teardown),
		cmocka_unit_test_teardown(test_csr_weak_key_refused, teardown),
	};

	return cmocka_run_group_tests_name("ca-profile", tests, NULL, NULL);
}
