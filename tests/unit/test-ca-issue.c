/*
 * Unit tests with a real HSM (SoftHSM2 in a temporary state directory):
 * issuance, the SPKI copy, registry + audit atomicity, revocation, full
 * and delta CRLs, and card SO secrets. Skipped when SoftHSM2 is missing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/core/issue.h"

#define HOLDER "200000000002"

struct fixture {
	char dir[64];
	struct ca_ctx *ctx;
	unsigned char *csr;
	int csrlen;
};

static const char *
hsm_module(void)
{
	const char *m = getenv("SOFTHSM_MODULE");

	return m != NULL && *m != '\0' ? m : CC_DEFAULT_HSM_MODULE;
}

static unsigned char *
make_csr(int *len)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_REQ *req = X509_REQ_new();
	unsigned char *der = NULL;

	if (k == NULL || req == NULL || X509_REQ_set_pubkey(req, k) != 1 ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0)
		der = NULL;
	else
		*len = i2d_X509_REQ(req, &der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return der;
}

/* One CA for the whole group: key generation is the slow part. EC keys
 * keep it quick under valgrind; RSA is covered by the CLI test. */
static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ca_init_opts o;
	struct ca_person h = { HOLDER, "Bob Holder", NULL, NULL };

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/test-ca-issue-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	o.dir = fx->dir;
	o.hsm_module = hsm_module();
	o.key_type = CA_KEY_EC_P256;
	o.root_key_type = CA_KEY_EC_P256;
	o.manager_uuid = "100000000001";
	o.manager_name = "Alice Manager";
	o.crl_base_url = "http://crl.test";
	o.ocsp_url = "http://ocsp.test";
	o.now = 1800000000;
	if (ca_init(&o) != CA_OK || ca_ctx_open(fx->dir, &fx->ctx) != CA_OK)
		return -1;
	fx->ctx->actor = "100000000001";
	if (ca_reg_person_add(fx->ctx->reg, &h) != CA_OK)
		return -1;
	if ((fx->csr = make_csr(&fx->csrlen)) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	ca_ctx_free(fx->ctx);
	OPENSSL_free(fx->csr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static int
teardown(void **state)
{
	return ERR_peek_error() == 0 ? 0 : -1;
}

static int64_t
audit_entries(struct fixture *fx)
{
	struct ca_audit_report rep;

	assert_int_equal(ca_audit_verify(fx->ctx->reg, &rep), CA_OK);
	return rep.entries;
}

static X509 *
issue(struct fixture *fx, const char *profile, char **serial)
{
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	const unsigned char *p;
	X509 *x;

	req.profile = profile;
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen;
	req.holder = HOLDER;
	req.now = 1800000100;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_OK);
	p = c.der;
	x = d2i_X509(NULL, &p, (long)c.derlen);
	assert_non_null(x);
	if (serial != NULL)
		*serial = strdup(c.serial);
	ca_issued_clear(&c);
	return x;
}

static void
test_authentication_cert(void **state)
{
	struct fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	int64_t before = audit_entries(fx);
	struct ca_cert_rec rec = { 0 };
	unsigned char *a = NULL, *b = NULL;
	const unsigned char *p = fx->csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, fx->csrlen);
	char *serial = NULL;
	X509 *x = issue(fx, "authentication", &serial);
	uint32_t ku = X509_get_key_usage(x);
	int la, lb;

	/* Signed by the Authentication CA, two years from now. */
	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_int_equal(X509_check_issued(is->cert, x), X509_V_OK);
	assert_int_equal(ku, KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	assert_false(X509_check_ca(x));
	/* The SubjectPublicKeyInfo is the request's, byte for byte. */
	la = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &a);
	lb = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	/* Recorded, with exactly one new audit entry. */
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, serial, &rec), CA_OK);
	assert_string_equal(rec.profile, "authentication");
	assert_string_equal(rec.holder, HOLDER);
	assert_int_equal(rec.not_after - rec.not_before, 730 * 86400);
	assert_int_equal(audit_entries(fx), before + 1);
	ca_cert_rec_clear(&rec);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_REQ_free(req);
	X509_free(x);
	free(serial);
}

static void
test_signing_cert(void **state)
{
	struct fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "signing");
	X509 *x = issue(fx, "signing", NULL);

	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_false(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	X509_free(x);
}

/* Refusals record nothing. */
static void
test_refusals_record_nothing(void **state)
{
	struct fixture *fx = *state;
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	int64_t before = audit_entries(fx);

	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen - 3;	/* truncated */
	req.holder = HOLDER;
	req.now = 1800000100;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_BAD_REQUEST);
	req.csrlen = (size_t)fx->csrlen;
	req.holder = "999999999999";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_NOT_FOUND);
	req.holder = HOLDER;
	req.profile = "encryption";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	req.profile = "signing";
	req.crl_url = "http://a,b";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	assert_null(c.der);
	assert_int_equal(audit_entries(fx), before);
}

/*
 * Group commit: the good requests are issued and recorded, each failing
 * one (bad request before its savepoint, unknown card inside it) leaves
 * nothing behind and does not disturb the others.
 */
static void
group_commit_once(struct fixture *fx, size_t batch)
{
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	struct ca_issue_req req[4];
	struct ca_issued c[4];
	struct ca_cert_rec rec = { 0 };
	int res[4], i;
	int64_t before = audit_entries(fx);
	const unsigned char *p;
	X509 *x;

	memset(req, 0, sizeof(req));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 4; i++) {
		req[i].profile = "authentication";
		req[i].csr = fx->csr;
		req[i].csrlen = (size_t)fx->csrlen;
		req[i].holder = HOLDER;
		req[i].now = 1800000100;
	}
	req[1].csrlen -= 3;		/* truncated: refused before its savepoint */
	req[2].card = "9999999999";	/* unknown card: refused inside it */
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, 4, batch, c, res), CA_OK);
	assert_int_equal(res[0], CA_OK);
	assert_int_equal(res[1], CA_ERR_BAD_REQUEST);
	assert_int_equal(res[2], CA_ERR_NOT_FOUND);
	assert_int_equal(res[3], CA_OK);
	assert_null(c[1].der);
	assert_null(c[2].der);
	assert_string_not_equal(c[0].serial, c[3].serial);
	for (i = 0; i < 4; i += 3) {
		p = c[i].der;
		assert_non_null(x = d2i_X509(NULL, &p, (long)c[i].derlen));
		assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
		assert_int_equal(ca_reg_cert_get(fx->ctx->reg, c[i].serial, &rec), CA_OK);
		assert_int_equal(rec.derlen, c[i].derlen);
		assert_memory_equal(rec.der, c[i].der, c[i].derlen);
		ca_cert_rec_clear(&rec);
		X509_free(x);
		ca_issued_clear(&c[i]);
	}
	/* Two audit entries per round, whatever the batching. */
	assert_int_equal(audit_entries(fx), before + 2);
}

static void
test_group_commit(void **state)
{
	struct fixture *fx = *state;
	struct ca_issue_req req[1];
	struct ca_issued c[1];
	int res[1];
	int64_t before;
	X509 *x;

	group_commit_once(fx, 0);	/* one commit for all four */
	group_commit_once(fx, 1);	/* a commit per request */
	group_commit_once(fx, 3);	/* 3 + 1: the second batch commits while nothing is left to sign */
	group_commit_once(fx, 2);	/* 2 + 2 */
	/* The audit chain is intact and the connection usable again. */
	before = audit_entries(fx);
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, 0, 0, c, res), CA_OK);
	x = issue(fx, "authentication", NULL);
	X509_free(x);
	assert_int_equal(audit_entries(fx), before + 1);
}

static X509_CRL *
crl(struct fixture *fx, int delta, long *number)
{
	struct ca_crl_opts o = { "authentication", delta, 0, 1800000300 + delta };
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *c;

	assert_int_equal(ca_crl_generate(fx->ctx, &o, &der, &len, number), CA_OK);
	p = der;
	c = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(c);
	OPENSSL_free(der);
	return c;
}

static int
crl_has(X509_CRL *c, X509 *x)
{
	X509_REVOKED *rev = NULL;

	return X509_CRL_get0_by_serial(c, &rev, X509_get0_serialNumber(x)) == 1;
}

static void
test_revocation_and_crls(void **state)
{
	struct fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	char *s1 = NULL, *s2 = NULL;
	X509 *x1 = issue(fx, "authentication", &s1), *x2 = issue(fx, "authentication", &s2);
	X509_CRL *full, *delta;
	long n1 = 0, n2 = 0;
	int crit = -1;
	ASN1_INTEGER *base;

	assert_int_equal(ca_cert_revoke(fx->ctx, s1, CRL_REASON_KEY_COMPROMISE, 1800000200), CA_OK);
	assert_int_equal(ca_cert_revoke(fx->ctx, s1, CRL_REASON_KEY_COMPROMISE, 1800000200),
			 CA_ERR_STATE);
	assert_int_equal(ca_cert_revoke(fx->ctx, "ABCDEF", 1, 1800000200), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_cert_revoke(fx->ctx, s2, CRL_REASON_REMOVE_FROM_CRL, 1800000200),
			 CA_ERR_USAGE);
	assert_int_equal(ca_cert_revoke(fx->ctx, "not hex", 1, 1800000200), CA_ERR_USAGE);
	full = crl(fx, 0, &n1);
	assert_int_equal(X509_CRL_verify(full, X509_get0_pubkey(is->cert)), 1);
	assert_true(crl_has(full, x1));
	assert_false(crl_has(full, x2));
	assert_null(X509_CRL_get_ext_d2i(full, NID_delta_crl, &crit, NULL));

	/* Revoked after the full CRL: only that one in the delta. */
	assert_int_equal(ca_cert_revoke(fx->ctx, s2, CRL_REASON_AFFILIATION_CHANGED, 1800000400),
			 CA_OK);
	delta = crl(fx, 1, &n2);
	assert_int_equal(n2, n1 + 1);
	assert_false(crl_has(delta, x1));
	assert_true(crl_has(delta, x2));
	base = X509_CRL_get_ext_d2i(delta, NID_delta_crl, &crit, NULL);
	assert_non_null(base);
	assert_int_equal(crit, 1);
	assert_int_equal(ASN1_INTEGER_get(base), n1);
	ASN1_INTEGER_free(base);
	X509_CRL_free(full);
	X509_CRL_free(delta);
	X509_free(x1);
	X509_free(x2);
	free(s1);
	free(s2);
}

/* Registry rows with short serials of varied length, to exercise sorting. */
static void
add_revoked_at(struct fixture *fx, const char *serial, int reason, int64_t when)
{
	unsigned char der[1] = { 0 };
	struct ca_cert_rec c = { 0 };

	c.serial = (char *)serial;
	c.holder = HOLDER;
	c.profile = c.issuer = "signing";
	c.der = der;
	c.derlen = 1;
	assert_int_equal(ca_reg_cert_add(fx->ctx->reg, &c), CA_OK);
	assert_int_equal(ca_reg_cert_revoke(fx->ctx->reg, serial, reason, when), CA_OK);
}

static void
add_revoked(struct fixture *fx, const char *serial, int reason)
{
	add_revoked_at(fx, serial, reason, 1800000000 + reason);
}

/* The entry's revocationDate is exactly what ASN1_TIME_set makes of @when
 * (UTCTime through 2049, GeneralizedTime after). */
static void
assert_revoked_at(const X509_REVOKED *rev, int64_t when)
{
	ASN1_TIME *want = ASN1_TIME_set(NULL, (time_t)when);
	unsigned char *a = NULL, *b = NULL;
	int la, lb;

	assert_non_null(want);
	la = i2d_ASN1_TIME(X509_REVOKED_get0_revocationDate(rev), &a);
	lb = i2d_ASN1_TIME(want, &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	OPENSSL_free(a);
	OPENSSL_free(b);
	ASN1_TIME_free(want);
}

/*
 * The fast CRL encoder must produce exactly the TBS that OpenSSL's own
 * X509_CRL route produces for the same content.
 */
static void
test_fast_crl_matches_openssl(void **state)
{
	static const char *const serials[] = { "FF", "01", "0100", "7F", "80",
					       "123456789ABCDEF0123456789ABCDEF0", "1000", "2" };
	struct fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "signing");
	struct ca_crl_opts o = { "signing", 0, 3, 1800000500 };
	STACK_OF(X509_REVOKED) *revs;
	const STACK_OF(X509_EXTENSION) *exts;
	ASN1_SEQUENCE_ANY *outer;
	unsigned char *der = NULL, *ref = NULL;
	const unsigned char *p;
	X509_CRL *fast, *rc = X509_CRL_new();
	const ASN1_STRING *tbs;
	size_t len = 0;
	long number = 0;
	int i, reflen;

	for (i = 0; i < (int)(sizeof(serials) / sizeof(serials[0])); i++)
		add_revoked(fx, serials[i], i % 11 == 7 ? 0 : i % 11);
	add_revoked_at(fx, "ABC", 1, 2524608001);	/* 2050: GeneralizedTime */
	assert_int_equal(ca_crl_generate(fx->ctx, &o, &der, &len, &number), CA_OK);
	p = der;
	fast = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(fast);
	assert_int_equal(X509_CRL_verify(fast, X509_get0_pubkey(is->cert)), 1);
	revs = X509_CRL_get_REVOKED(fast);
	assert_int_equal(sk_X509_REVOKED_num(revs), 9);
	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		const X509_REVOKED *rv = sk_X509_REVOKED_value(revs, i);
		ASN1_INTEGER *abc = s2i_ASN1_INTEGER(NULL, "0xABC");
		int reason = X509_REVOKED_get_ext_by_NID(rv, NID_crl_reason, -1) < 0 ? 0 : -1;

		if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(rv), abc) == 0)
			assert_revoked_at(rv, 2524608001);
		else if (reason == 0)
			assert_revoked_at(rv, 1800000000);
		ASN1_INTEGER_free(abc);
	}
	for (i = 1; i < sk_X509_REVOKED_num(revs); i++)
		assert_true(ASN1_INTEGER_cmp(
			X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs, i - 1)),
			X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs, i))) < 0);

	/* The same content through X509_CRL_add0_revoked + sort + sign. */
	assert_int_equal(X509_CRL_set_version(rc, X509_CRL_VERSION_2), 1);
	assert_int_equal(X509_CRL_set_issuer_name(rc, X509_CRL_get_issuer(fast)), 1);
	assert_int_equal(X509_CRL_set1_lastUpdate(rc, X509_CRL_get0_lastUpdate(fast)), 1);
	assert_int_equal(X509_CRL_set1_nextUpdate(rc, X509_CRL_get0_nextUpdate(fast)), 1);
	exts = X509_CRL_get0_extensions(fast);
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		assert_int_equal(X509_CRL_add_ext(rc, sk_X509_EXTENSION_value(exts, i), -1), 1);
	for (i = sk_X509_REVOKED_num(revs) - 1; i >= 0; i--)
		assert_int_equal(X509_CRL_add0_revoked(rc,
			X509_REVOKED_dup(sk_X509_REVOKED_value(revs, i))), 1);
	assert_int_equal(X509_CRL_sort(rc), 1);
	assert_true(X509_CRL_sign(rc, is->pkey, fx->ctx->md) > 0);
	reflen = i2d_re_X509_CRL_tbs(rc, &ref);
	assert_true(reflen > 0);

	p = der;
	outer = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	assert_non_null(outer);
	tbs = sk_ASN1_TYPE_value(outer, 0)->value.sequence;
	assert_int_equal(ASN1_STRING_length(tbs), reflen);
	assert_memory_equal(ASN1_STRING_get0_data(tbs), ref, (size_t)reflen);

	sk_ASN1_TYPE_pop_free(outer, ASN1_TYPE_free);
	OPENSSL_free(ref);
	OPENSSL_free(der);
	X509_CRL_free(rc);
	X509_CRL_free(fast);
}

static void
test_card_so_secret(void **state)
{
	struct fixture *fx = *state;
	char a[17], b[17], c[17];

	assert_int_equal(ca_card_so_secret(fx->ctx, "0412345678", a, sizeof(a)), CA_OK);
	assert_int_equal(ca_card_so_secret(fx->ctx, "0412345678", b, sizeof(b)), CA_OK);
	assert_int_equal(ca_card_so_secret(fx->ctx, "0412345679", c, sizeof(c)), CA_OK);
	assert_int_equal(strlen(a), 16);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(ca_card_so_secret(fx->ctx, "", a, sizeof(a)), CA_ERR_USAGE);
	assert_int_equal(ca_card_so_secret(fx->ctx, "04", a, 8), CA_ERR_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_authentication_cert, teardown),
		cmocka_unit_test_teardown(test_signing_cert, teardown),
		cmocka_unit_test_teardown(test_refusals_record_nothing, teardown),
		cmocka_unit_test_teardown(test_group_commit, teardown),
		cmocka_unit_test_teardown(test_revocation_and_crls, teardown),
		cmocka_unit_test_teardown(test_fast_crl_matches_openssl, teardown),
		cmocka_unit_test_teardown(test_card_so_secret, teardown),
	};

	if (access(hsm_module(), R_OK) != 0) {
		printf("1..0 # SKIP no SoftHSM2 module at %s\n", hsm_module());
		return 0;
	}
	return cmocka_run_group_tests_name("ca-issue", tests, group_setup, group_teardown);
}
