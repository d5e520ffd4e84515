/*
 * Unit tests with a real HSM (SoftHSM2 in a temporary state directory) for
 * the OCSP responder's library half: delegated responder certificates
 * (EKU, nocheck, key in the token, rotation ahead of expiry), pre-signed
 * responses that OpenSSL's own OCSP_basic_verify accepts for both CertID
 * hashes, revocation through the change feed, the status re-check that
 * never stores a stale "good", refresh, the published names, leases and
 * the data_version probe. Time is an argument everywhere: no sleeping.
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
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/core/issue.h"
#include "ca/core/ocsp-job.h"
#include "ca/core/ocsp.h"
#include "ca/core/publish.h"
#include "ca/registry/registry-ocsp.h"

#define HOLDER "200000000002"
#define T0 1800000000LL
#define DAY (24 * 60 * 60LL)

struct fixture {
	char dir[64];
	struct ca_ctx *ctx;
	struct ca_ocsp_job *job;
	struct pol_ocsp pol;
	unsigned char *csr;
	int csrlen;
	X509 *cert[2];		/* authentication certificates issued at T0 */
	char *serial[2];
	X509_STORE *store;	/* root + issuing CAs, for OCSP_basic_verify */
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

	if (k != NULL && req != NULL && X509_REQ_set_pubkey(req, k) == 1 &&
	    X509_REQ_sign(req, k, EVP_sha256()) > 0)
		*len = i2d_X509_REQ(req, &der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return der;
}

/* The CA's clock for issuance: the certificates are issued at T0. */
static int64_t
clock_t0(void *arg)
{
	(void)arg;
	return T0;
}

static X509 *
issue(struct fixture *fx, char **serial)
{
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	const unsigned char *p;
	X509 *x = NULL;

	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen;
	req.holder = HOLDER;
	fx->ctx->hooks.now = clock_t0;
	if (ca_cert_issue(fx->ctx, &req, &c) != CA_OK)
		return NULL;
	p = c.der;
	x = d2i_X509(NULL, &p, (long)c.derlen);
	*serial = strdup(c.serial);
	ca_issued_clear(&c);
	return x;
}

static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ca_init_opts o;
	struct ca_person h = { HOLDER, "Bob Holder", NULL, NULL };
	int i;

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/test-ca-ocsp-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	o.dir = fx->dir;
	o.hsm_module = hsm_module();
	o.key_type = CA_KEY_EC_P256;
	o.root_key_type = CA_KEY_EC_P256;
	o.manager_uuid = "100000000001";
	o.manager_name = "Alice Manager";
	o.now = T0 - 100;
	o.durability = "normal";
	if (ca_init(&o) != CA_OK || ca_ctx_open(fx->dir, &fx->ctx) != CA_OK)
		return -1;
	fx->ctx->actor = "system";
	if (ca_reg_person_add(fx->ctx->reg, &h) != CA_OK ||
	    (fx->csr = make_csr(&fx->csrlen)) == NULL)
		return -1;
	for (i = 0; i < 2; i++)
		if ((fx->cert[i] = issue(fx, &fx->serial[i])) == NULL)
			return -1;
	fx->pol = pol_policy_builtin()->ocsp;
	if (ca_ocsp_job_new(fx->ctx, &fx->pol, &fx->job) != CA_OK ||
	    (fx->store = X509_STORE_new()) == NULL)
		return -1;
	for (i = CA_ISSUER_ROOT; i <= CA_ISSUER_SIGN; i++)	/* no rollover here */
		if (X509_STORE_add_cert(fx->store, fx->ctx->issuers[i].cert) != 1)
			return -1;
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	int i;

	ca_ocsp_job_free(fx->job);
	ca_ctx_free(fx->ctx);
	for (i = 0; i < 2; i++) {
		X509_free(fx->cert[i]);
		free(fx->serial[i]);
	}
	X509_STORE_free(fx->store);
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

/* The stored responses, copied out of the registry by hash and serial. */
struct loaded {
	const char *serial;
	int hash;
	unsigned char *der;
	size_t len;
	bool revoked;
	int64_t this_update, next_update, seq, basis;
	int count;
};

static int
find_resp(void *arg, const struct ca_ocsp_resp *r)
{
	struct loaded *l = arg;

	l->count++;
	if (strcmp(r->serial, l->serial) != 0 || r->hash != l->hash)
		return CA_OK;
	free(l->der);
	l->der = malloc(r->len);
	memcpy(l->der, r->der, r->len);
	l->len = r->len;
	l->revoked = r->revoked;
	l->this_update = r->this_update;
	l->next_update = r->next_update;
	l->seq = r->seq;
	l->basis = r->basis;
	return CA_OK;
}

static void
load(struct fixture *fx, const char *serial, int hash, int64_t now, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->serial = serial;
	l->hash = hash;
	assert_int_equal(ca_reg_ocsp_resps_since(fx->ctx->reg, 0, now, find_resp, l), CA_OK);
	assert_non_null(l->der);
}

/* What a relying party does: parse, verify the signature and the
 * delegation up to the root, find the certificate by its CertID. */
static int
check(struct fixture *fx, const struct loaded *l, X509 *cert, int *reason, int64_t *tu,
      int64_t *nu)
{
	const unsigned char *p = l->der;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)l->len);
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_GENERALIZEDTIME *t1 = NULL, *t2 = NULL, *rev = NULL;
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	const EVP_MD *md = l->hash == CA_OCSP_SHA1 ? EVP_sha1() : EVP_sha256();
	struct tm tm;
	int status = -1;

	assert_non_null(resp);
	assert_int_equal(OCSP_response_status(resp), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	assert_non_null(bs = OCSP_response_get1_basic(resp));
	/* certificates of the future (T0): verify at the response's time */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(fx->store), (time_t)l->this_update);
	assert_int_equal(OCSP_basic_verify(bs, untrusted, fx->store, 0), 1);
	assert_non_null(id = OCSP_cert_to_id(md, cert, fx->ctx->issuers[CA_ISSUER_AUTH].cert));
	assert_int_equal(OCSP_resp_find_status(bs, id, &status, reason, &rev, &t1, &t2), 1);
	/* RFC 5019: one SingleResponse, no nonce */
	assert_int_equal(OCSP_resp_count(bs), 1);
	assert_int_equal(OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1), -1);
	assert_int_equal(ASN1_TIME_to_tm(t1, &tm), 1);
	*tu = (int64_t)timegm(&tm);
	assert_int_equal(ASN1_TIME_to_tm(t2, &tm), 1);
	*nu = (int64_t)timegm(&tm);
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	sk_X509_free(untrusted);
	return status;
}

static void
test_responder_certificate(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_responder *r = NULL;
	X509 *is = fx->ctx->issuers[CA_ISSUER_AUTH].cert;

	assert_int_equal(ca_ocsp_job_responders(fx->job, T0), CA_OK);
	assert_int_equal(ca_ocsp_responder_get(fx->ctx, "authentication", T0, T0 + 5 * DAY,
					       30 * DAY, &r), CA_OK);
	assert_int_equal(X509_check_issued(is, r->cert), X509_V_OK);
	assert_int_equal(X509_verify(r->cert, X509_get0_pubkey(is)), 1);
	assert_true(X509_get_extension_flags(r->cert) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(r->cert), XKU_OCSP_SIGN);
	assert_int_equal(X509_get_key_usage(r->cert), KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_ext_by_NID(r->cert, NID_id_pkix_OCSP_noCheck, -1) >= 0);
	assert_false(X509_check_ca(r->cert));
	assert_int_equal(r->not_after, T0 + 30 * DAY);
	/* the root issues no OCSP (its CRL covers the issuing CAs) */
	assert_int_equal(ca_ocsp_responder_get(fx->ctx, "root", T0, T0 + 1, 30 * DAY, NULL),
			 CA_ERR_USAGE);
	ca_ocsp_responder_free(r);
}

static void
test_presign_good(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_job_result res = { 0 };
	struct loaded l;
	int64_t tu, nu, cursor = 0;
	int h, reason;

	assert_int_equal(ca_ocsp_job_follow(fx->job, T0, 100, &res), CA_OK);
	assert_int_equal(res.certs, 2);
	assert_int_equal(res.responses, 4);	/* two certificates, two CertID hashes */
	assert_int_equal(res.revoked, 0);
	assert_int_equal(ca_ocsp_job_cursor(fx->job, &cursor), CA_OK);
	assert_int_equal(cursor, 2);
	for (h = 0; h < CA_OCSP_NHASH; h++) {
		load(fx, fx->serial[0], h, T0, &l);
		assert_int_equal(check(fx, &l, fx->cert[0], &reason, &tu, &nu),
				 V_OCSP_CERTSTATUS_GOOD);
		assert_int_equal(tu, T0);
		assert_int_equal(nu, T0 + 4 * DAY);
		assert_false(l.revoked);
		assert_int_equal(l.basis, 2);
		free(l.der);
	}
	/* nothing new in the feed: nothing to do */
	memset(&res, 0, sizeof(res));
	assert_int_equal(ca_ocsp_job_follow(fx->job, T0, 100, &res), CA_OK);
	assert_int_equal(res.certs, 0);
}

static void
test_revocation_resigns(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_job_result res = { 0 };
	struct loaded before, after;
	int64_t tu, nu, last = 0;
	int reason = -1;

	load(fx, fx->serial[1], CA_OCSP_SHA1, T0, &before);
	assert_int_equal(ca_cert_revoke(fx->ctx, fx->serial[1], CRL_REASON_KEY_COMPROMISE,
					(time_t)(T0 + 60)), CA_OK);
	assert_int_equal(ca_reg_ocsp_change_last(fx->ctx->reg, &last), CA_OK);
	assert_int_equal(last, 3);
	assert_int_equal(ca_ocsp_job_follow(fx->job, T0 + 61, 100, &res), CA_OK);
	assert_int_equal(res.certs, 1);
	assert_int_equal(res.revoked, 1u << CA_ISSUER_AUTH);
	load(fx, fx->serial[1], CA_OCSP_SHA1, T0, &after);
	assert_true(after.revoked);
	assert_true(after.seq > before.seq);
	assert_true(after.basis >= last);	/* newer than the revocation it reflects */
	assert_int_equal(check(fx, &after, fx->cert[1], &reason, &tu, &nu),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	assert_int_equal(tu, T0 + 61);
	free(before.der);
	free(after.der);
}

/* The store re-checks the status: a "good" signed before a revocation is
 * dropped, never stored over the registry's word. */
static void
test_stale_good_never_stored(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_resp r = { 0 };
	static const unsigned char fake[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	int64_t seq = 0;
	bool stored = true;

	r.issuer = "authentication";
	r.serial = fx->serial[1];	/* revoked above */
	r.hash = CA_OCSP_SHA1;
	r.revoked = false;
	r.this_update = T0 + 100;
	r.next_update = T0 + 200;
	r.signer = "00";
	r.der = fake;
	r.len = sizeof(fake);
	assert_int_equal(ca_reg_begin(fx->ctx->reg), CA_OK);
	assert_int_equal(ca_reg_ocsp_resp_next_seq(fx->ctx->reg, &seq), CA_OK);
	assert_int_equal(ca_reg_ocsp_resp_put(fx->ctx->reg, &r, &seq, &stored), CA_OK);
	assert_false(stored);
	r.serial = "ABCDEF";		/* never issued */
	assert_int_equal(ca_reg_ocsp_resp_put(fx->ctx->reg, &r, &seq, &stored), CA_OK);
	assert_false(stored);
	assert_int_equal(ca_reg_commit(fx->ctx->reg), CA_OK);
}

static void
test_refresh_and_rotation(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_job_result res = { 0 };
	struct ca_ocsp_responder *r = NULL;
	struct ca_ocsp_signer_rec rec = { 0 };
	struct loaded l;
	int64_t t = T0 + DAY + 1, n = 0, tu, nu;
	int reason;

	/* nothing is due before a day has passed */
	assert_int_equal(ca_ocsp_job_refresh(fx->job, T0 + 3600, false, 100, &res), CA_OK);
	assert_int_equal(res.certs, 0);
	assert_int_equal(ca_ocsp_job_refresh(fx->job, T0 + 3600, true, 100, &res), CA_OK);
	assert_int_equal(res.certs, 0);
	/* the good one is a day old: signed again */
	assert_int_equal(ca_ocsp_job_refresh(fx->job, t, false, 100, &res), CA_OK);
	assert_int_equal(res.certs, 1);
	load(fx, fx->serial[0], CA_OCSP_SHA256, t, &l);
	assert_int_equal(check(fx, &l, fx->cert[0], &reason, &tu, &nu), V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(tu, t);
	free(l.der);
	/* 30-day responders rotate once less than 4d + 1d is left */
	assert_int_equal(ca_reg_ocsp_signer_count(fx->ctx->reg, "authentication", &n), CA_OK);
	assert_int_equal(n, 1);
	t = T0 + 25 * DAY + 1;
	memset(&res, 0, sizeof(res));
	assert_int_equal(ca_ocsp_job_refresh(fx->job, t, false, 100, &res), CA_OK);
	assert_int_equal(res.certs, 2);
	assert_int_equal(ca_reg_ocsp_signer_count(fx->ctx->reg, "authentication", &n), CA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(ca_reg_ocsp_signer_current(fx->ctx->reg, "authentication", t, &rec),
			 CA_OK);
	assert_int_equal(rec.not_before, t);
	load(fx, fx->serial[0], CA_OCSP_SHA1, t, &l);
	assert_int_equal(check(fx, &l, fx->cert[0], &reason, &tu, &nu), V_OCSP_CERTSTATUS_GOOD);
	free(l.der);
	assert_int_equal(ca_ocsp_responder_get(fx->ctx, "authentication", t, t + 5 * DAY,
					       30 * DAY, &r), CA_OK);
	assert_string_equal(r->serial, rec.serial);
	ca_ocsp_responder_free(r);
	ca_ocsp_signer_rec_clear(&rec);
	/* expired responses are pruned */
	assert_int_equal(ca_ocsp_job_prune(fx->job, t + 10 * DAY), CA_OK);
	memset(&l, 0, sizeof(l));
	l.serial = "";
	assert_int_equal(ca_reg_ocsp_resps_since(fx->ctx->reg, 0, 0, find_resp, &l), CA_OK);
	assert_int_equal(l.count, 0);
}

static void
test_published_names(void **state)
{
	struct pol_policy pol = *pol_policy_builtin();
	struct ca_pub_names n;
	const struct ca_pub_item *it;
	char err[256];

	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_OK);
	assert_int_equal(n.n, 12);
	it = ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_AUTH);
	assert_string_equal(it->path, "/crl/authentication-g2.crl");
	assert_string_equal(ca_pub_file(it), "authentication-g2.crl");
	assert_string_equal(ca_pub_find(&n, CA_PUB_DELTA_CRL, CA_ISSUER_SIGN)->path,
			    "/crl/signing-g2-delta.crl");
	assert_string_equal(ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_ROOT)->path,
			    "/crl/root-g2.crl");
	assert_string_equal(ca_pub_find(&n, CA_PUB_OCSP, CA_ISSUER_AUTH)->path,
			    "/ocsp/authentication-g2");
	assert_string_equal(ca_pub_find(&n, CA_PUB_CHAIN, CA_ISSUER_AUTH)->path,
			    "/certs/authentication-g2-chain.pem");
	assert_null(ca_pub_find(&n, CA_PUB_OCSP, CA_ISSUER_ROOT));
	assert_null(ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_AUTH_PREV));
	/* after a rollover of the Authentication CA: generation 2 at the
	 * policy's paths with "-2", generation 1 where it was, one OCSP URL */
	{
		struct ca_issuer is[CA_ISSUER_COUNT];
		char url[POL_TEXT_MAX];

		memset(is, 0, sizeof(is));
		is[CA_ISSUER_ROOT].gen = is[CA_ISSUER_SIGN].gen = is[CA_ISSUER_AUTH_PREV].gen = 1;
		is[CA_ISSUER_AUTH].gen = 2;
		assert_int_equal(ca_pub_names(&pol, is, &n, err, sizeof(err)), CA_OK);
		assert_int_equal(n.n, 16);
		assert_string_equal(ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_AUTH)->path,
				    "/crl/authentication-g2-2.crl");
		assert_string_equal(ca_pub_find(&n, CA_PUB_DELTA_CRL, CA_ISSUER_AUTH)->path,
				    "/crl/authentication-g2-2-delta.crl");
		assert_string_equal(ca_pub_find(&n, CA_PUB_CERT, CA_ISSUER_AUTH)->path,
				    "/certs/authentication-g2-2.crt");
		assert_string_equal(ca_pub_find(&n, CA_PUB_CHAIN, CA_ISSUER_AUTH)->path,
				    "/certs/authentication-g2-2-chain.pem");
		assert_string_equal(ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_AUTH_PREV)->path,
				    "/crl/authentication-g2.crl");
		assert_string_equal(ca_pub_find(&n, CA_PUB_CERT, CA_ISSUER_AUTH_PREV)->path,
				    "/certs/authentication-g2.crt");
		assert_null(ca_pub_find(&n, CA_PUB_OCSP, CA_ISSUER_AUTH_PREV));
		assert_null(ca_pub_find(&n, CA_PUB_CRL, CA_ISSUER_SIGN_PREV));
		assert_int_equal(ca_pub_gen_url("http://x/crl/a.crl", 3, url, sizeof(url)), CA_OK);
		assert_string_equal(url, "http://x/crl/a-3.crl");
		assert_int_equal(ca_pub_gen_url("http://x/crl/a", 2, url, sizeof(url)), CA_OK);
		assert_string_equal(url, "http://x/crl/a-2");
	}
	/* unusable URLs are refused with the key named */
	snprintf(pol.signing.crl_url, sizeof(pol.signing.crl_url),
		 "http://x/crl/authentication-g2.crl");
	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_ERR_USAGE);
	assert_string_equal(err, "two published objects at /crl/authentication-g2.crl");
	pol = *pol_policy_builtin();
	snprintf(pol.publication.root_crl_url, POL_TEXT_MAX,
		 "http://x/ocsp/authentication-g2/root.crl");
	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_ERR_USAGE);
	assert_non_null(strstr(err, "below the OCSP URL"));
	snprintf(pol.publication.root_crl_url, POL_TEXT_MAX, "http://x/crl/../root.crl");
	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_ERR_USAGE);
	snprintf(pol.publication.root_crl_url, POL_TEXT_MAX, "http://x/crl/root.crl?x=1");
	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_ERR_USAGE);
	assert_string_equal(err, "publication.root-crl-url: 'http://x/crl/root.crl?x=1': '?' "
			    "is not allowed in a published path");
	snprintf(pol.publication.root_crl_url, POL_TEXT_MAX, "http://x");
	assert_int_equal(ca_pub_names(&pol, NULL, &n, err, sizeof(err)), CA_ERR_USAGE);
}

static void
test_leases_and_data_version(void **state)
{
	struct fixture *fx = *state;
	struct ca_reg *other = NULL;
	char *db = ca_ctx_path(fx->ctx, "registry.db"), *who = NULL;
	int64_t v1 = 0, v2 = 0;
	bool held = false;

	assert_int_equal(ca_reg_lease_take(fx->ctx->reg, "jobs", "a", NULL, 100, 10, &held, &who),
			 CA_OK);
	assert_true(held);
	assert_string_equal(who, "a");
	free(who);
	assert_int_equal(ca_reg_lease_take(fx->ctx->reg, "jobs", "b", NULL, 105, 10, &held, NULL),
			 CA_OK);
	assert_false(held);		/* a holds it until 110 */
	assert_int_equal(ca_reg_lease_take(fx->ctx->reg, "jobs", "b", "a", 105, 10, &held, NULL),
			 CA_OK);
	assert_true(held);		/* a is known dead */
	assert_int_equal(ca_reg_lease_take(fx->ctx->reg, "jobs", "a", NULL, 116, 10, &held, NULL),
			 CA_OK);
	assert_true(held);		/* b's lease ran out */
	assert_int_equal(ca_reg_lease_release(fx->ctx->reg, "jobs", "a"), CA_OK);

	/* another connection's commit moves data_version; our own reads do not */
	assert_int_equal(ca_reg_data_version(fx->ctx->reg, &v1), CA_OK);
	assert_int_equal(ca_reg_data_version(fx->ctx->reg, &v2), CA_OK);
	assert_int_equal(v1, v2);
	assert_int_equal(ca_reg_open(db, 0, &other), CA_OK);
	assert_int_equal(ca_reg_config_set(other, "test", "1"), CA_OK);
	assert_int_equal(ca_reg_data_version(fx->ctx->reg, &v2), CA_OK);
	assert_true(v2 != v1);
	ca_reg_close(other);
	free(db);
}

/* A revocation behind a burst of issuance is signed first, once. */
static void
test_revocation_jumps_queue(void **state)
{
	struct fixture *fx = *state;
	struct ca_ocsp_job_result res = { 0 };
	struct loaded first, later;
	char *serial[6] = { NULL };
	X509 *x[6] = { NULL };
	int64_t tu, nu, now = T0 + 25 * DAY + 100;	/* after the rotation above */
	int i, reason = -1, rounds = 0;

	/* a certificate of yesterday, its response signed */
	assert_non_null(x[5] = issue(fx, &serial[5]));
	do {
		memset(&res, 0, sizeof(res));
		assert_int_equal(ca_ocsp_job_follow(fx->job, now, 100, &res), CA_OK);
	} while (res.more);
	for (i = 0; i < 5; i++)
		assert_non_null(x[i] = issue(fx, &serial[i]));
	assert_int_equal(ca_cert_revoke(fx->ctx, serial[5], CRL_REASON_KEY_COMPROMISE,
					(time_t)now), CA_OK);
	/* the feed: five issued, then the revocation; a batch of two signs the
	 * revocation and the first new certificate */
	memset(&res, 0, sizeof(res));
	assert_int_equal(ca_ocsp_job_follow(fx->job, now + 1, 2, &res), CA_OK);
	assert_int_equal(res.certs, 2);
	assert_true(res.more);
	load(fx, serial[5], CA_OCSP_SHA1, now + 1, &first);
	assert_true(first.revoked);
	assert_int_equal(check(fx, &first, x[5], &reason, &tu, &nu), V_OCSP_CERTSTATUS_REVOKED);
	/* the rest in order; the revocation is not signed again when reached */
	do {
		memset(&res, 0, sizeof(res));
		assert_int_equal(ca_ocsp_job_follow(fx->job, now + 2, 2, &res), CA_OK);
		assert_true(++rounds < 10);
	} while (res.more);
	load(fx, serial[5], CA_OCSP_SHA1, now + 2, &later);
	assert_int_equal(later.seq, first.seq);
	for (i = 0; i < 5; i++) {
		free(later.der);
		load(fx, serial[i], CA_OCSP_SHA1, now + 2, &later);
		assert_int_equal(check(fx, &later, x[i], &reason, &tu, &nu), V_OCSP_CERTSTATUS_GOOD);
	}
	free(first.der);
	free(later.der);
	for (i = 0; i < 6; i++) {
		X509_free(x[i]);
		free(serial[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_responder_certificate, teardown),
		cmocka_unit_test_teardown(test_presign_good, teardown),
		cmocka_unit_test_teardown(test_revocation_resigns, teardown),
		cmocka_unit_test_teardown(test_stale_good_never_stored, teardown),
		cmocka_unit_test_teardown(test_refresh_and_rotation, teardown),
		cmocka_unit_test_teardown(test_published_names, teardown),
		cmocka_unit_test_teardown(test_leases_and_data_version, teardown),
		cmocka_unit_test_teardown(test_revocation_jumps_queue, teardown),
	};

	if (access(hsm_module(), R_OK) != 0) {
		printf("1..0 # SKIP no SoftHSM2 module at %s\n", hsm_module());
		return 0;
	}
	return cmocka_run_group_tests_name("ca-ocsp", tests, group_setup, group_teardown);
}
