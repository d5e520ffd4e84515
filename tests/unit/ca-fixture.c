/*
 * tests/unit/ca-fixture.c: see ca-fixture.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/core/issue.h"
#include "tests/unit/ca-fixture.h"

const char *
ca_fx_hsm_module(void)
{
	const char *m = getenv("SOFTHSM_MODULE");

	return m != NULL && *m != '\0' ? m : CC_DEFAULT_HSM_MODULE;
}

int64_t
ca_fx_now(void *arg)
{
	(void)arg;
	return CA_FX_NOW;
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
int
ca_fx_make(const char *dir, const char *yaml, struct ca_ctx **out)
{
	struct ca_init_opts o;

	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.hsm_module = ca_fx_hsm_module();
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
	(*out)->hooks.now = ca_fx_now;
	return 0;
}

void
ca_fx_rm_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* One CA for the whole group: key generation is the slow part. EC keys
 * keep it quick under valgrind; RSA is covered by the CLI test. */
int
ca_fx_group_setup(void **state)
{
	struct ca_fixture *fx = calloc(1, sizeof(*fx));
	struct ca_person h = { CA_FX_HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };

	if (fx == NULL)
		return -1;
	*state = fx;
	strcpy(fx->dir, "/tmp/test-ca-issue-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	if (ca_fx_make(fx->dir, NULL, &fx->ctx) != 0)
		return -1;
	if (ca_reg_person_add(fx->ctx->reg, &h) != CA_OK)
		return -1;
	if ((fx->csr = make_csr(&fx->csrlen)) == NULL)
		return -1;
	return 0;
}

int
ca_fx_group_teardown(void **state)
{
	struct ca_fixture *fx = *state;
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

int
ca_fx_teardown(void **state)
{
	(void)state;
	return ERR_peek_error() == 0 ? 0 : -1;
}

int64_t
ca_fx_audit_entries(struct ca_ctx *ctx)
{
	struct ca_audit_report rep;

	assert_int_equal(ca_audit_verify(ctx->reg, &rep), CA_OK);
	return rep.entries;
}

X509 *
ca_fx_der_x509(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	assert_non_null(x);
	return x;
}

X509 *
ca_fx_issue_for(struct ca_ctx *ctx, const unsigned char *csr, int csrlen, const char *profile,
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
	x = ca_fx_der_x509(c.der, c.derlen);
	if (serial != NULL)
		*serial = strdup(c.serial);
	ca_issued_clear(&c);
	return x;
}

X509 *
ca_fx_issue(struct ca_fixture *fx, const char *profile, char **serial)
{
	return ca_fx_issue_for(fx->ctx, fx->csr, fx->csrlen, profile, CA_FX_HOLDER, serial);
}

/* The UTF-8 value of the only entry @nid of @n (asserted to be only one). */
char *
ca_fx_name_only(const X509_NAME *n, int nid)
{
	unsigned char *u = NULL;
	int at = X509_NAME_get_index_by_NID(n, nid, -1);

	assert_true(at >= 0);
	assert_int_equal(X509_NAME_get_index_by_NID(n, nid, at), -1);
	assert_true(ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, at)))
		    >= 0);
	return (char *)u;
}

int64_t
ca_fx_lifetime(const X509 *x)
{
	int days = 0, secs = 0;

	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
					X509_get0_notAfter(x)), 1);
	return (int64_t)days * 86400 + secs;
}

/* The single URI of a CRL distribution point / OCSP access description. */
char *
ca_fx_ext_uri(X509 *x, int nid)
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
		gn = sk_GENERAL_NAME_value(sk_DIST_POINT_value(cdp, 0)->distpoint->name.fullname,
					   0);
	} else {
		assert_non_null(aia = X509_get_ext_d2i(x, nid, NULL, NULL));
		/* the OCSP responder first; then caIssuers (the policy's publication URL) */
		assert_in_range(sk_ACCESS_DESCRIPTION_num(aia), 1, 2);
		assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method),
				 NID_ad_OCSP);
		if (sk_ACCESS_DESCRIPTION_num(aia) == 2)
			assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 1)->method),
					 NID_ad_ca_issuers);
		gn = sk_ACCESS_DESCRIPTION_value(aia, 0)->location;
	}
	assert_int_equal(gn->type, GEN_URI);
	s = gn->d.uniformResourceIdentifier;
	out = strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	CRL_DIST_POINTS_free(cdp);
	AUTHORITY_INFO_ACCESS_free(aia);
	return out;
}

void
ca_fx_reopen(struct ca_fixture *fx)
{
	assert_int_equal(ca_ctx_open(fx->dir, &fx->ctx), CA_OK);
	fx->ctx->actor = "100000000001";
	fx->ctx->hooks.now = ca_fx_now;
}
