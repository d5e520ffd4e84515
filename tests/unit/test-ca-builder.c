/*
 * The one end-entity builder (ca/core/issue.c), with a real HSM: the card
 * path and issue-cert give the same person the same certificate; subjects
 * are built as structure from registry names, whatever they contain;
 * every profile fact follows the installed policy, a non-default one too,
 * and a replaced one at the next certificate; init names the CAs after
 * the policy and refuses what cannot make a sound CA. Skipped when
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
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/core/issue.h"
#include "ca/core/validate.h"
#include "tests/unit/ca-fixture.h"

/* The issuing CAs carry the policy's names; the policy is installed 0600. */
static void
test_ca_names_and_policy(void **state)
{
	struct ca_fixture *fx = *state;
	static const char *const want[CA_ISSUER_SIGN + 1] = {
		"Carecard Root Authority", "NHS Authentication G2", "NHS Signing G2",
	};
	char path[128], *cn;
	struct stat st;
	int i;

	for (i = CA_ISSUER_ROOT; i <= CA_ISSUER_SIGN; i++) {
		cn = ca_fx_name_only(X509_get_subject_name(fx->ctx->issuers[i].cert),
				     NID_commonName);
		assert_string_equal(cn, want[i]);
		OPENSSL_free(cn);
	}
	snprintf(path, sizeof(path), "%s/policy.yaml", fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(fx->ctx->pol->authentication.issuing_ca, want[CA_ISSUER_AUTH]);
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
		"Zoe\xcc\x88 A\xcc\x8a" "ngstro\xcc\x88m",	/* decomposed: stored in NFC */
		"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",	/* 山田 太郎 */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	struct ca_fixture *fx = *state;
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
		x = ca_fx_issue_for(fx->ctx, fx->csr, fx->csrlen, "authentication", uuid, NULL);
		subj = X509_get_subject_name(x);
		assert_int_equal(X509_NAME_entry_count(subj), 2);
		cn = ca_fx_name_only(subj, NID_commonName);
		sn = ca_fx_name_only(subj, NID_serialNumber);
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
 * The card path for one key: the request signed on the token and drafted
 * (nothing recorded), recorded pending (a pending row and one
 * "test-pending" entry), then signed — the row stays pending until the card
 * operation's commit makes it valid.
 */
static void
card_cert_make(struct ca_fixture *fx, struct ca_signer_key *k, const char *profile,
	       const struct ca_person *who, int64_t lifetime, struct ca_card_cert *cc)
{
	struct ca_pending_req rq = { "test", NULL, who->uuid, NULL, 0 };
	struct ca_draft *d = &cc->draft;
	struct ca_cert_rec rec = { 0 };
	int64_t before = ca_fx_audit_entries(fx->ctx);

	assert_int_equal(ca_card_cert_draft(fx->ctx, k, profile, who, lifetime, cc), CA_OK);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, d->serial, &rec), CA_ERR_NOT_FOUND);
	/* Not recorded: never signed. */
	assert_int_equal(ca_card_cert_sign(fx->ctx, cc), CA_ERR_STATE);
	assert_int_equal(ca_cert_pending(fx->ctx, &rq, &d, 1), CA_OK);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 1);
	assert_int_equal(ca_card_cert_sign(fx->ctx, cc), CA_OK);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, cc->serial, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_PENDING);
	assert_null(rec.der);
	assert_int_equal(rec.pending_since, CA_FX_NOW);
	assert_int_equal(rec.audit_seq, before + 1);
	assert_string_equal(rec.holder, who->uuid);
	assert_string_equal(rec.issuer, cc->issuer);
	assert_int_equal(rec.not_before, cc->not_before);
	assert_int_equal(rec.not_after, cc->not_after);
	ca_cert_rec_clear(&rec);
}

/*
 * The card path (request made and signed by a key on a token, certified by
 * ca_card_cert_draft and ca_card_cert_sign) and issue-cert give the same
 * person the same subject, issuer, lifetime and extensions; only the key
 * and what hashes it differ.
 */
static void
same_certificate(struct ca_fixture *fx, struct ca_signer_key *k, const struct ca_person *who)
{
	static const int same[] = {
		NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
		NID_authority_key_identifier, NID_crl_distribution_points, NID_info_access,
	};
	struct ca_card_cert cc = { 0 };
	struct ca_cert_rec rec = { 0 };
	unsigned char *a = NULL, *b = NULL;
	X509 *card, *cli;
	char *cn;
	size_t i;
	int la, lb;

	card_cert_make(fx, k, "authentication", who, 0, &cc);
	ca_card_cert_rec(&cc, "0412345678", who->uuid, &rec);
	assert_string_equal(rec.issuer, "authentication");
	assert_string_equal(rec.profile, "authentication");
	assert_int_equal(rec.not_before, CA_FX_NOW);
	assert_int_equal(rec.not_after, CA_FX_NOW + 730 * 86400);

	card = ca_fx_der_x509(cc.der, cc.derlen);
	cli = ca_fx_issue_for(fx->ctx, fx->csr, fx->csrlen, "authentication", who->uuid, NULL);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(card), ca_signer_key_public(k)), 1);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(card)), 2);
	cn = ca_fx_name_only(X509_get_subject_name(card), NID_commonName);
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
 * ca_card_cert_draft) and issue-cert give the same person the same subject,
 * issuer, lifetime and extensions; only the key and what hashes it differ.
 * That holds for a name that tried to inject attributes, too.
 */
static void
test_card_path_same_certificate(void **state)
{
	struct ca_fixture *fx = *state;
	struct ca_person bob = { CA_FX_HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };
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
	card_cert_make(fx, k, "signing", &bob, 7 * 86400, &cc);
	assert_string_equal(cc.issuer, "signing");
	assert_int_equal(cc.not_after - cc.not_before, 7 * 86400);
	card = ca_fx_der_x509(cc.der, cc.derlen);
	assert_int_equal(ca_fx_lifetime(card), 7 * 86400);
	X509_free(card);
	ca_card_cert_clear(&cc);
	card_cert_make(fx, k, "signing", &bob, 10 * 730 * 86400, &cc);
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
	struct ca_fixture *fx = *state;
	struct ca_person h = { CA_FX_HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };
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
	assert_int_equal(ca_fx_make(dir, other_policy, &ctx), 0);
	/* Installed byte for byte. */
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	assert_non_null(f = fopen(path, "rb"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, strlen(other_policy));
	assert_memory_equal(buf, other_policy, n);
	assert_int_equal(ca_reg_person_add(ctx->reg, &h), CA_OK);

	x = ca_fx_issue_for(ctx, fx->csr, fx->csrlen, "authentication", CA_FX_HOLDER, NULL);
	cn = ca_fx_name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "Example Auth CA 1");
	OPENSSL_free(cn);
	assert_int_equal(X509_check_issued(ca_ctx_issuer(ctx, "authentication")->cert, x),
			 X509_V_OK);
	assert_int_equal(ca_fx_lifetime(x), 90 * 86400);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT | XKU_SMIME);
	uri = ca_fx_ext_uri(x, NID_crl_distribution_points);
	assert_string_equal(uri, "http://crl.example.test/auth,URI:http://evil.example/x.crl");
	free(uri);
	uri = ca_fx_ext_uri(x, NID_info_access);
	assert_string_equal(uri, "https://ocsp.example.test:8443/auth");
	free(uri);
	subj = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_entry_count(subj), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
			X509_NAME_get_entry(subj, (int)i))), order[i]);
	cn = ca_fx_name_only(subj, NID_organizationName);
	assert_string_equal(cn, "Example Trust");
	OPENSSL_free(cn);
	X509_free(x);
	/* The other profile keeps the defaults the file did not change. */
	x = ca_fx_issue_for(ctx, fx->csr, fx->csrlen, "signing", CA_FX_HOLDER, NULL);
	cn = ca_fx_name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "Example Sign CA 1");
	OPENSSL_free(cn);
	assert_int_equal(ca_fx_lifetime(x), 730 * 86400);
	X509_free(x);
	ca_ctx_free(ctx);
	ca_fx_rm_rf(dir);
	ca_fx_reopen(fx);
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
	ca_fx_rm_rf(dir);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.hsm_module = ca_fx_hsm_module();
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
	struct ca_fixture *fx = *state;
	struct pol_policy *saved = fx->ctx->pol, *pol = NULL;
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	char *uri;
	X509 *x;

	assert_int_equal(pol_policy_new_default(&pol), POL_OK);
	pol->authentication.lifetime = 30 * 86400;
	strcpy(pol->authentication.ocsp_url, "http://ocsp.changed.example/");
	fx->ctx->pol = pol;
	x = ca_fx_issue(fx, "authentication", NULL);
	assert_int_equal(ca_fx_lifetime(x), 30 * 86400);
	uri = ca_fx_ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://ocsp.changed.example/");
	free(uri);
	X509_free(x);
	assert_int_equal(ca_cert_profiles_check(fx->ctx, pol), CA_OK);
	strcpy(pol->authentication.issuing_ca, "Someone Else's CA");
	assert_int_equal(ca_cert_profiles_check(fx->ctx, pol), CA_ERR_STATE);
	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen;
	req.holder = CA_FX_HOLDER;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_STATE);
	fx->ctx->pol = NULL;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_STATE);
	fx->ctx->pol = saved;
	pol_policy_free(pol);
	x = ca_fx_issue(fx, "authentication", NULL);
	assert_int_equal(ca_fx_lifetime(x), 730 * 86400);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ca_names_and_policy, ca_fx_teardown),
		cmocka_unit_test_teardown(test_subject_structure, ca_fx_teardown),
		cmocka_unit_test_teardown(test_card_path_same_certificate, ca_fx_teardown),
		cmocka_unit_test_teardown(test_policy_change, ca_fx_teardown),
		cmocka_unit_test_teardown(test_init_refusals, ca_fx_teardown),
		cmocka_unit_test_teardown(test_policy_profile, ca_fx_teardown),
	};

	if (access(ca_fx_hsm_module(), R_OK) != 0) {
		printf("1..0 # SKIP no SoftHSM2 module at %s\n", ca_fx_hsm_module());
		return 0;
	}
	return cmocka_run_group_tests_name("ca-builder", tests, ca_fx_group_setup,
					   ca_fx_group_teardown);
}
