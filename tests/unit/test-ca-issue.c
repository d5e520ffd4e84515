/*
 * Unit tests with a real HSM (SoftHSM2 in a temporary state directory):
 * the one end-entity builder (issue-cert and the card path give the same
 * subject; profile facts from the policy, including a non-default one;
 * subjects built as structure from registry names), the CA names from the
 * policy, the SPKI copy, registry + audit atomicity, group commit,
 * revocation, full and delta CRLs, and card SO secrets. Skipped when
 * SoftHSM2 is missing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/card/cert.h"
#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/core/issue.h"
#include "ca/core/validate.h"

#define HOLDER "200000000002"
#define NOW 1800000100

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

static int64_t
fixed_now(void *arg)
{
	(void)arg;
	return NOW;
}

static unsigned char *
make_csr(int *len)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL;

	/* The request's subject claims someone else: the CA must ignore it. */
	if (k == NULL || req == NULL || n == NULL ||
	    X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)"Alice Manager", -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, n) != 1 || X509_REQ_set_pubkey(req, k) != 1 ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0)
		der = NULL;
	else
		*len = i2d_X509_REQ(req, &der);
	X509_NAME_free(n);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return der;
}

/* A CA in @dir with policy @yaml (NULL: the default), opened, clock fixed. */
static int
ca_make(const char *dir, const char *yaml, struct ca_ctx **out)
{
	struct ca_init_opts o;

	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.hsm_module = hsm_module();
	o.key_type = CA_KEY_EC_P256;
	o.root_key_type = CA_KEY_EC_P256;
	o.manager_uuid = "100000000001";
	o.manager_name = "Alice Manager";
	o.policy = (const unsigned char *)yaml;
	o.policy_len = yaml != NULL ? strlen(yaml) : 0;
	o.policy_name = "test-policy.yaml";
	o.now = 1800000000;
	if (ca_init(&o) != CA_OK || ca_ctx_open(dir, out) != CA_OK)
		return -1;
	(*out)->actor = "100000000001";
	(*out)->hooks.now = fixed_now;
	return 0;
}

static void
rm_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* One CA for the whole group: key generation is the slow part. EC keys
 * keep it quick under valgrind; RSA is covered by the CLI test. */
static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ca_person h = { HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };

	if (fx == NULL)
		return -1;
	*state = fx;
	strcpy(fx->dir, "/tmp/test-ca-issue-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	if (ca_make(fx->dir, NULL, &fx->ctx) != 0)
		return -1;
	if (ca_reg_person_add(fx->ctx->reg, &h) != CA_OK)
		return -1;
	if ((fx->csr = make_csr(&fx->csrlen)) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	if (fx == NULL)
		return 0;
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
	(void)state;
	return ERR_peek_error() == 0 ? 0 : -1;
}

static int64_t
audit_entries(struct ca_ctx *ctx)
{
	struct ca_audit_report rep;

	assert_int_equal(ca_audit_verify(ctx->reg, &rep), CA_OK);
	return rep.entries;
}

static X509 *
der_x509(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	assert_non_null(x);
	return x;
}

static X509 *
issue_for(struct ca_ctx *ctx, const unsigned char *csr, int csrlen, const char *profile,
	  const char *holder, char **serial)
{
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	X509 *x;

	req.profile = profile;
	req.csr = csr;
	req.csrlen = (size_t)csrlen;
	req.holder = holder;
	assert_int_equal(ca_cert_issue(ctx, &req, &c), CA_OK);
	x = der_x509(c.der, c.derlen);
	if (serial != NULL)
		*serial = strdup(c.serial);
	ca_issued_clear(&c);
	return x;
}

static X509 *
issue(struct fixture *fx, const char *profile, char **serial)
{
	return issue_for(fx->ctx, fx->csr, fx->csrlen, profile, HOLDER, serial);
}

/* The UTF-8 value of the only entry @nid of @n (asserted to be only one). */
static char *
name_only(const X509_NAME *n, int nid)
{
	unsigned char *u = NULL;
	int at = X509_NAME_get_index_by_NID(n, nid, -1);

	assert_true(at >= 0);
	assert_int_equal(X509_NAME_get_index_by_NID(n, nid, at), -1);
	assert_true(ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, at)))
		    >= 0);
	return (char *)u;
}

static int64_t
lifetime_of(const X509 *x)
{
	int days = 0, secs = 0;

	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
					X509_get0_notAfter(x)), 1);
	return (int64_t)days * 86400 + secs;
}

/* The single URI of a CRL distribution point / OCSP access description. */
static char *
ext_uri(X509 *x, int nid)
{
	const GENERAL_NAME *gn;
	CRL_DIST_POINTS *cdp = NULL;
	AUTHORITY_INFO_ACCESS *aia = NULL;
	const ASN1_STRING *s;
	char *out;

	if (nid == NID_crl_distribution_points) {
		assert_non_null(cdp = X509_get_ext_d2i(x, nid, NULL, NULL));
		assert_int_equal(sk_DIST_POINT_num(cdp), 1);
		assert_int_equal(sk_GENERAL_NAME_num(sk_DIST_POINT_value(cdp, 0)->distpoint->name
						    .fullname), 1);
		gn = sk_GENERAL_NAME_value(sk_DIST_POINT_value(cdp, 0)->distpoint->name.fullname, 0);
	} else {
		assert_non_null(aia = X509_get_ext_d2i(x, nid, NULL, NULL));
		assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 1);
		assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method),
				 NID_ad_OCSP);
		gn = sk_ACCESS_DESCRIPTION_value(aia, 0)->location;
	}
	assert_int_equal(gn->type, GEN_URI);
	s = gn->d.uniformResourceIdentifier;
	out = strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	CRL_DIST_POINTS_free(cdp);
	AUTHORITY_INFO_ACCESS_free(aia);
	return out;
}

static void
test_authentication_cert(void **state)
{
	struct fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	int64_t before = audit_entries(fx->ctx);
	struct ca_cert_rec rec = { 0 };
	unsigned char *a = NULL, *b = NULL;
	const unsigned char *p = fx->csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, fx->csrlen);
	char *serial = NULL, *cn, *uri;
	X509 *x = issue(fx, "authentication", &serial);
	uint32_t ku = X509_get_key_usage(x);
	int la, lb;

	/* Signed by the Authentication CA, the policy's two years from now. */
	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_int_equal(X509_check_issued(is->cert, x), X509_V_OK);
	cn = name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "NHS Authentication G2");
	OPENSSL_free(cn);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), NOW), 0);
	assert_int_equal(lifetime_of(x), 730 * 86400);
	assert_int_equal(ku, KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	assert_false(X509_check_ca(x));
	uri = ext_uri(x, NID_crl_distribution_points);
	assert_string_equal(uri, "http://pki.carecard.invalid/crl/authentication-g2.crl");
	free(uri);
	uri = ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://pki.carecard.invalid/ocsp/authentication-g2");
	free(uri);
	/* The subject is the registry's, not the request's "Alice Manager". */
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 2);
	cn = name_only(X509_get_subject_name(x), NID_commonName);
	assert_string_equal(cn, "Bob Holder");
	OPENSSL_free(cn);
	/* The SubjectPublicKeyInfo is the request's, byte for byte. */
	la = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &a);
	lb = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	/* Recorded, with exactly one new audit entry. */
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, serial, &rec), CA_OK);
	assert_string_equal(rec.profile, "authentication");
	assert_string_equal(rec.issuer, "authentication");
	assert_string_equal(rec.holder, HOLDER);
	assert_int_equal(rec.not_before, NOW);
	assert_int_equal(rec.not_after - rec.not_before, 730 * 86400);
	assert_int_equal(audit_entries(fx->ctx), before + 1);
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
	char *cn = name_only(X509_get_issuer_name(x), NID_commonName), *uri;

	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_string_equal(cn, "NHS Signing G2");
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_false(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	uri = ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://pki.carecard.invalid/ocsp/signing-g2");
	free(uri);
	OPENSSL_free(cn);
	X509_free(x);
}

/* The issuing CAs carry the policy's names; the policy is installed 0600. */
static void
test_ca_names_and_policy(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[CA_ISSUER_COUNT] = {
		"Carecard Root Authority", "NHS Authentication G2", "NHS Signing G2",
	};
	char path[128], *cn;
	struct stat st;
	int i;

	for (i = 0; i < CA_ISSUER_COUNT; i++) {
		cn = name_only(X509_get_subject_name(fx->ctx->issuers[i].cert), NID_commonName);
		assert_string_equal(cn, want[i]);
		OPENSSL_free(cn);
	}
	snprintf(path, sizeof(path), "%s/policy.yaml", fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(fx->ctx->pol->authentication.issuing_ca, want[CA_ISSUER_AUTH]);
}

/* Refusals record nothing. */
static void
test_refusals_record_nothing(void **state)
{
	struct fixture *fx = *state;
	struct ca_person eve = { "300000000099", "Eve \xe2\x80\xae" "reganaM ecilA", NULL, NULL,
				 NULL, 0 };
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	int64_t before;

	/* A name that bypassed the boundary checks: the builder checks again. */
	assert_int_equal(ca_reg_person_add(fx->ctx->reg, &eve), CA_OK);
	before = audit_entries(fx->ctx);
	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen - 3;	/* truncated */
	req.holder = HOLDER;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_BAD_REQUEST);
	req.csrlen = (size_t)fx->csrlen;
	req.holder = "999999999999";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_NOT_FOUND);
	req.holder = eve.uuid;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_INPUT);
	req.holder = HOLDER;
	req.profile = "encryption";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	req.profile = NULL;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	req.profile = "signing";
	req.lifetime = -1;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	assert_null(c.der);
	assert_int_equal(audit_entries(fx->ctx), before);
}

/*
 * Subjects are built as structure: whatever a registered name contains,
 * the certificate has exactly one CN, equal to the name in NFC, beside
 * the holder's own serialNumber — Eve cannot borrow Alice's identity.
 */
static void
test_subject_structure(void **state)
{
	static const char *const names[] = {
		"Eve Evil, serialNumber=100000000001, CN=Alice Manager",
		"Eve+CN=Alice Manager", "Eve=Evil", "\"Eve\" O'Brien, Jr.", "#Eve\\,\\+",
		"Zoe\xcc\x88 A\xcc\x8a" "ngstro\xcc\x88m",		/* decomposed: stored as NFC */
		"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",	/* 山田 太郎 */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	struct fixture *fx = *state;
	struct ca_person p = { 0 };
	char uuid[13], *nfc, *cn, *sn;
	const X509_NAME *subj;
	const X509_NAME_ENTRY *e;
	size_t i;
	X509 *x;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nfc = NULL;
		assert_int_equal(ca_check_name("name", names[i], strlen(names[i]), &nfc, NULL, 0),
				 CA_OK);
		snprintf(uuid, sizeof(uuid), "3000000000%02zu", i);
		p.uuid = uuid;
		p.name = nfc;
		assert_int_equal(ca_reg_person_add(fx->ctx->reg, &p), CA_OK);
		x = issue_for(fx->ctx, fx->csr, fx->csrlen, "authentication", uuid, NULL);
		subj = X509_get_subject_name(x);
		assert_int_equal(X509_NAME_entry_count(subj), 2);
		cn = name_only(subj, NID_commonName);
		sn = name_only(subj, NID_serialNumber);
		if (strcmp(cn, nfc) != 0)
			fail_msg("name %zu: CN '%s', want '%s'", i, cn, nfc);
		assert_string_equal(sn, uuid);
		e = X509_NAME_get_entry(subj, X509_NAME_get_index_by_NID(subj, NID_commonName, -1));
		assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)), V_ASN1_UTF8STRING);
		OPENSSL_free(cn);
		OPENSSL_free(sn);
		free(nfc);
		X509_free(x);
	}
}

/* DER of extension @nid of @x, for comparing two certificates. */
static int
ext_der(X509 *x, int nid, unsigned char **out)
{
	int at = X509_get_ext_by_NID(x, nid, -1);

	assert_true(at >= 0);
	return i2d_X509_EXTENSION(X509_get_ext(x, at), out);
}

/*
 * The card path (request made and signed by a key on a token, certified by
 * ca_card_cert_make) and issue-cert give the same person the same subject,
 * issuer, lifetime and extensions; only the key and what hashes it differ.
 */
static void
same_certificate(struct fixture *fx, struct ca_signer_key *k, const struct ca_person *who)
{
	static const int same[] = {
		NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
		NID_authority_key_identifier, NID_crl_distribution_points, NID_info_access,
	};
	struct ca_card_cert cc = { 0 };
	struct ca_cert_rec rec = { 0 };
	unsigned char *a = NULL, *b = NULL;
	int64_t before = audit_entries(fx->ctx);
	X509 *card, *cli;
	char *cn;
	size_t i;
	int la, lb;

	assert_int_equal(ca_card_cert_make(fx->ctx, k, "authentication", who, 0, &cc), CA_OK);
	/* Nothing recorded: the card operation records in its own transaction. */
	assert_int_equal(audit_entries(fx->ctx), before);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, cc.serial, &rec), CA_ERR_NOT_FOUND);
	ca_card_cert_rec(&cc, "0412345678", who->uuid, &rec);
	assert_string_equal(rec.issuer, "authentication");
	assert_string_equal(rec.profile, "authentication");
	assert_int_equal(rec.not_before, NOW);
	assert_int_equal(rec.not_after, NOW + 730 * 86400);

	card = der_x509(cc.der, cc.derlen);
	cli = issue_for(fx->ctx, fx->csr, fx->csrlen, "authentication", who->uuid, NULL);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(card), ca_signer_key_public(k)), 1);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(card)), 2);
	cn = name_only(X509_get_subject_name(card), NID_commonName);
	assert_string_equal(cn, who->name);
	OPENSSL_free(cn);
	la = i2d_X509_NAME(X509_get_subject_name(card), &a);
	lb = i2d_X509_NAME(X509_get_subject_name(cli), &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	OPENSSL_free(a);
	OPENSSL_free(b);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(card), X509_get_issuer_name(cli)), 0);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notBefore(card), X509_get0_notBefore(cli)), 0);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notAfter(card), X509_get0_notAfter(cli)), 0);
	assert_int_equal(X509_get_ext_count(card), X509_get_ext_count(cli));
	for (i = 0; i < (size_t)X509_get_ext_count(card); i++)
		assert_int_equal(OBJ_cmp(X509_EXTENSION_get_object(X509_get_ext(card, (int)i)),
					 X509_EXTENSION_get_object(X509_get_ext(cli, (int)i))), 0);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		a = b = NULL;
		la = ext_der(card, same[i], &a);
		lb = ext_der(cli, same[i], &b);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, (size_t)la);
		OPENSSL_free(a);
		OPENSSL_free(b);
	}
	ca_card_cert_clear(&cc);
	X509_free(card);
	X509_free(cli);
}

/*
 * The card path (request made and signed by a key on a token, certified by
 * ca_card_cert_make) and issue-cert give the same person the same subject,
 * issuer, lifetime and extensions; only the key and what hashes it differ.
 * That holds for a name that tried to inject attributes, too.
 */
static void
test_card_path_same_certificate(void **state)
{
	struct fixture *fx = *state;
	struct ca_person bob = { HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };
	struct ca_person eve = { "300000000077",
				 "Eve Evil, serialNumber=100000000001, CN=Alice Manager", NULL,
				 NULL, NULL, 0 };
	struct ca_card_cert cc = { 0 };
	struct ca_signer_key *k = NULL;
	X509 *card;

	assert_int_equal(ca_signer_keygen(fx->ctx->signer, "test-card-auth", 0x42,
					  CA_KEY_EC_P256), CA_OK);
	assert_int_equal(ca_signer_key_get(fx->ctx->signer, "test-card-auth", &k), CA_OK);
	assert_int_equal(ca_reg_person_add(fx->ctx->reg, &eve), CA_OK);
	same_certificate(fx, k, &bob);
	same_certificate(fx, k, &eve);
	/* A TAC-style cap shortens the card's certificate, never lengthens it. */
	assert_int_equal(ca_card_cert_make(fx->ctx, k, "signing", &bob, 7 * 86400, &cc), CA_OK);
	assert_string_equal(cc.issuer, "signing");
	assert_int_equal(cc.not_after - cc.not_before, 7 * 86400);
	card = der_x509(cc.der, cc.derlen);
	assert_int_equal(lifetime_of(card), 7 * 86400);
	X509_free(card);
	ca_card_cert_clear(&cc);
	assert_int_equal(ca_card_cert_make(fx->ctx, k, "signing", &bob, 10 * 730 * 86400, &cc),
			 CA_OK);
	assert_int_equal(cc.not_after - cc.not_before, 730 * 86400);
	ca_card_cert_clear(&cc);
}

/* A non-default policy: every fact of the certificate follows it. */
static const char other_policy[] =
	"version: 1\n"
	"profiles:\n"
	"  authentication:\n"
	"    issuing-ca: \"Example Auth CA 1\"\n"
	"    lifetime: 90d\n"
	"    key-usage: [digitalSignature, keyEncipherment]\n"
	"    extended-key-usage: [clientAuth, emailProtection]\n"
	"    subject: \"C=GB, O=Example Trust, OU=People, serialNumber={uuid}, CN={name}\"\n"
	"    crl-url: \"http://crl.example.test/auth,URI:http://evil.example/x.crl\"\n"
	"    ocsp-url: \"https://ocsp.example.test:8443/auth\"\n"
	"  signing:\n"
	"    issuing-ca: \"Example Sign CA 1\"\n"
	"renewal:\n"
	"  window: 30d\n";

static void
test_policy_profile(void **state)
{
	static const int order[] = { NID_countryName, NID_organizationName,
				     NID_organizationalUnitName, NID_serialNumber, NID_commonName };
	struct fixture *fx = *state;
	struct ca_person h = { HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };
	char dir[64], path[96], *cn, *uri;
	struct ca_ctx *ctx = NULL;
	const X509_NAME *subj;
	unsigned char buf[2048];
	size_t n, i;
	FILE *f;
	X509 *x;

	/* One HSM module per process at a time: the group's CA steps aside. */
	ca_ctx_free(fx->ctx);
	fx->ctx = NULL;
	strcpy(dir, "/tmp/test-ca-policy-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ca_make(dir, other_policy, &ctx), 0);
	/* Installed byte for byte. */
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	assert_non_null(f = fopen(path, "rb"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, strlen(other_policy));
	assert_memory_equal(buf, other_policy, n);
	assert_int_equal(ca_reg_person_add(ctx->reg, &h), CA_OK);

	x = issue_for(ctx, fx->csr, fx->csrlen, "authentication", HOLDER, NULL);
	cn = name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "Example Auth CA 1");
	OPENSSL_free(cn);
	assert_int_equal(X509_check_issued(ca_ctx_issuer(ctx, "authentication")->cert, x),
			 X509_V_OK);
	assert_int_equal(lifetime_of(x), 90 * 86400);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT | XKU_SMIME);
	uri = ext_uri(x, NID_crl_distribution_points);
	assert_string_equal(uri, "http://crl.example.test/auth,URI:http://evil.example/x.crl");
	free(uri);
	uri = ext_uri(x, NID_info_access);
	assert_string_equal(uri, "https://ocsp.example.test:8443/auth");
	free(uri);
	subj = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_entry_count(subj), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
			X509_NAME_get_entry(subj, (int)i))), order[i]);
	cn = name_only(subj, NID_organizationName);
	assert_string_equal(cn, "Example Trust");
	OPENSSL_free(cn);
	X509_free(x);
	/* The other profile keeps the defaults the file did not change. */
	x = issue_for(ctx, fx->csr, fx->csrlen, "signing", HOLDER, NULL);
	cn = name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "Example Sign CA 1");
	OPENSSL_free(cn);
	assert_int_equal(lifetime_of(x), 730 * 86400);
	X509_free(x);
	ca_ctx_free(ctx);
	rm_rf(dir);
	assert_int_equal(ca_ctx_open(fx->dir, &fx->ctx), CA_OK);
	fx->ctx->actor = "100000000001";
	fx->ctx->hooks.now = fixed_now;
}

/* init refuses what cannot make a sound CA, before creating anything. */
static void
test_init_refusals(void **state)
{
	static const char same_ca[] = "version: 1\nprofiles:\n  signing:\n"
				      "    issuing-ca: \"NHS Authentication G2\"\n";
	static const char broken[] = "version: 1\nprofiles:\n  signing:\n"
				     "    ocsp-url: \"http://user@ocsp.example/\"\n";
	struct ca_init_opts o;
	char dir[64];

	(void)state;
	strcpy(dir, "/tmp/test-ca-init-XXXXXX");
	assert_non_null(mkdtemp(dir));
	rm_rf(dir);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.hsm_module = hsm_module();
	o.manager_uuid = "100000000001";
	o.manager_name = "Alice Manager";
	o.policy = (const unsigned char *)same_ca;
	o.policy_len = strlen(same_ca);
	assert_int_equal(ca_init(&o), CA_ERR_INPUT);
	o.policy = (const unsigned char *)broken;
	o.policy_len = strlen(broken);
	assert_int_equal(ca_init(&o), CA_ERR_INPUT);
	o.policy = NULL;
	o.manager_name = "Alice \xe2\x80\xae";
	assert_int_equal(ca_init(&o), CA_ERR_INPUT);
	o.manager_name = "Alice Manager";
	o.manager_uuid = "10000000000";
	assert_int_equal(ca_init(&o), CA_ERR_INPUT);
	o.manager_uuid = "100000000001";
	o.manager_email = "alice@";
	assert_int_equal(ca_init(&o), CA_ERR_INPUT);
	assert_int_not_equal(access(dir, F_OK), 0);
}

/*
 * The template cache follows the context's policy: a replaced profile
 * (policy-install) takes effect at the next certificate; a profile naming
 * an issuing CA this CA does not have is refused.
 */
static void
test_policy_change(void **state)
{
	struct fixture *fx = *state;
	struct pol_policy *saved = fx->ctx->pol, *pol = NULL;
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	char *uri;
	X509 *x;

	assert_int_equal(pol_policy_new_default(&pol), POL_OK);
	pol->authentication.lifetime = 30 * 86400;
	strcpy(pol->authentication.ocsp_url, "http://ocsp.changed.example/");
	fx->ctx->pol = pol;
	x = issue(fx, "authentication", NULL);
	assert_int_equal(lifetime_of(x), 30 * 86400);
	uri = ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://ocsp.changed.example/");
	free(uri);
	X509_free(x);
	strcpy(pol->authentication.issuing_ca, "Someone Else's CA");
	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen;
	req.holder = HOLDER;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_STATE);
	fx->ctx->pol = NULL;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_STATE);
	fx->ctx->pol = saved;
	pol_policy_free(pol);
	x = issue(fx, "authentication", NULL);
	assert_int_equal(lifetime_of(x), 730 * 86400);
	X509_free(x);
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
	int64_t before = audit_entries(fx->ctx);
	const unsigned char *p;
	X509 *x;

	memset(req, 0, sizeof(req));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 4; i++) {
		req[i].profile = "authentication";
		req[i].csr = fx->csr;
		req[i].csrlen = (size_t)fx->csrlen;
		req[i].holder = HOLDER;
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
	assert_int_equal(audit_entries(fx->ctx), before + 2);
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
	before = audit_entries(fx->ctx);
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, 0, 0, c, res), CA_OK);
	x = issue(fx, "authentication", NULL);
	X509_free(x);
	assert_int_equal(audit_entries(fx->ctx), before + 1);
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
		cmocka_unit_test_teardown(test_ca_names_and_policy, teardown),
		cmocka_unit_test_teardown(test_refusals_record_nothing, teardown),
		cmocka_unit_test_teardown(test_subject_structure, teardown),
		cmocka_unit_test_teardown(test_card_path_same_certificate, teardown),
		cmocka_unit_test_teardown(test_policy_profile, teardown),
		cmocka_unit_test_teardown(test_init_refusals, teardown),
		cmocka_unit_test_teardown(test_policy_change, teardown),
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
