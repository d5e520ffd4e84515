/*
 * Unit tests with a real HSM (SoftHSM2 in a temporary state directory):
 * issuance by the policy's profiles, the SPKI copy, registry + audit
 * atomicity, group commit, revocation, full and delta CRLs, and card SO
 * secrets. The builder's own rules are test-ca-builder's. Skipped when
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

#include "ca/core/audit.h"
#include "ca/core/checkpoint.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "tests/unit/ca-fixture.h"

static void
test_authentication_cert(void **state)
{
	struct ca_fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	int64_t before = ca_fx_audit_entries(fx->ctx);
	struct ca_cert_rec rec = { 0 };
	unsigned char *a = NULL, *b = NULL;
	const unsigned char *p = fx->csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, fx->csrlen);
	char *serial = NULL, *cn, *uri;
	X509 *x = ca_fx_issue(fx, "authentication", &serial);
	uint32_t ku = X509_get_key_usage(x);
	int la, lb;

	/* Signed by the Authentication CA, the policy's two years from now. */
	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_int_equal(X509_check_issued(is->cert, x), X509_V_OK);
	cn = ca_fx_name_only(X509_get_issuer_name(x), NID_commonName);
	assert_string_equal(cn, "NHS Authentication G2");
	OPENSSL_free(cn);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), CA_FX_NOW), 0);
	assert_int_equal(ca_fx_lifetime(x), 730 * 86400);
	assert_int_equal(ku, KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	assert_false(X509_check_ca(x));
	uri = ca_fx_ext_uri(x, NID_crl_distribution_points);
	assert_string_equal(uri, "http://pki.carecard.invalid/crl/authentication-g2.crl");
	free(uri);
	uri = ca_fx_ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://pki.carecard.invalid/ocsp/authentication-g2");
	free(uri);
	/* The subject is the registry's, not the request's "Alice Manager". */
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 2);
	cn = ca_fx_name_only(X509_get_subject_name(x), NID_commonName);
	assert_string_equal(cn, "Bob Holder");
	OPENSSL_free(cn);
	/* The SubjectPublicKeyInfo is the request's, byte for byte. */
	la = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &a);
	lb = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	/* Recorded pending before it was signed (one entry), then valid with
	 * its issuance entry (the second), which the row names. */
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, serial, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_VALID);
	assert_string_equal(rec.profile, "authentication");
	assert_string_equal(rec.issuer, "authentication");
	assert_string_equal(rec.holder, CA_FX_HOLDER);
	assert_int_equal(rec.not_before, CA_FX_NOW);
	assert_int_equal(rec.not_after - rec.not_before, 730 * 86400);
	assert_int_equal(rec.pending_since, CA_FX_NOW);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 2);
	assert_int_equal(rec.audit_seq, before + 2);
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
	struct ca_fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "signing");
	X509 *x = ca_fx_issue(fx, "signing", NULL);
	char *cn = ca_fx_name_only(X509_get_issuer_name(x), NID_commonName), *uri;

	assert_int_equal(X509_verify(x, X509_get0_pubkey(is->cert)), 1);
	assert_string_equal(cn, "NHS Signing G2");
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_false(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	uri = ca_fx_ext_uri(x, NID_info_access);
	assert_string_equal(uri, "http://pki.carecard.invalid/ocsp/signing-g2");
	free(uri);
	OPENSSL_free(cn);
	X509_free(x);
}

/* Refusals record nothing. */
static void
test_refusals_record_nothing(void **state)
{
	struct ca_fixture *fx = *state;
	struct ca_person eve = { "300000000099", "Eve \xe2\x80\xae" "reganaM ecilA", NULL, NULL,
				 NULL, 0 };
	struct ca_issue_req req = { 0 };
	struct ca_issued c = { 0 };
	int64_t before;

	/* A name that bypassed the boundary checks: the builder checks again. */
	assert_int_equal(ca_reg_person_add(fx->ctx->reg, &eve), CA_OK);
	before = ca_fx_audit_entries(fx->ctx);
	req.profile = "authentication";
	req.csr = fx->csr;
	req.csrlen = (size_t)fx->csrlen - 3;	/* truncated */
	req.holder = CA_FX_HOLDER;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_BAD_REQUEST);
	req.csrlen = (size_t)fx->csrlen;
	req.holder = "999999999999";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_NOT_FOUND);
	req.holder = eve.uuid;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_INPUT);
	req.holder = CA_FX_HOLDER;
	req.profile = "encryption";
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	req.profile = NULL;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	req.profile = "signing";
	req.lifetime = -1;
	assert_int_equal(ca_cert_issue(fx->ctx, &req, &c), CA_ERR_USAGE);
	assert_null(c.der);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before);
}

/* Pending rows in the registry. */
static size_t
pending_rows(struct ca_fixture *fx)
{
	struct ca_pending_sel sel = { 0 };
	char **serials = NULL;
	size_t n = 0;

	assert_int_equal(ca_reg_cert_pending_list(fx->ctx->reg, &sel, &serials, &n), CA_OK);
	ca_reg_serials_free(serials, n);
	return n;
}

/* Four authentication requests for the fixture's holder; @c cleared. */
static void
four_requests(struct ca_fixture *fx, struct ca_issue_req req[4], struct ca_issued c[4])
{
	int i;

	memset(req, 0, 4 * sizeof(req[0]));
	memset(c, 0, 4 * sizeof(c[0]));
	for (i = 0; i < 4; i++) {
		req[i].profile = "authentication";
		req[i].csr = fx->csr;
		req[i].csrlen = (size_t)fx->csrlen;
		req[i].holder = CA_FX_HOLDER;
	}
}

/*
 * Group commit: the good requests are issued and recorded, each failing
 * one (bad request before its pending row, unknown card at it) leaves
 * nothing behind and does not disturb the others. @pending: the batches
 * with a pending row, each one "issue-cert-pending" entry.
 */
static void
group_commit_once(struct ca_fixture *fx, size_t batch, int pending)
{
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	struct ca_issue_req req[4];
	struct ca_issued c[4];
	struct ca_cert_rec rec = { 0 };
	int res[4], i;
	int64_t before = ca_fx_audit_entries(fx->ctx);
	const unsigned char *p;
	X509 *x;

	four_requests(fx, req, c);
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
		assert_int_equal(rec.status, CA_CERT_VALID);
		assert_int_equal(rec.derlen, c[i].derlen);
		assert_memory_equal(rec.der, c[i].der, c[i].derlen);
		assert_true(rec.audit_seq > before);
		ca_cert_rec_clear(&rec);
		X509_free(x);
		ca_issued_clear(&c[i]);
	}
	/* An issue-cert entry per certificate, a pending entry per batch. */
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 2 + pending);
	assert_int_equal(pending_rows(fx), 0);
}

static void
test_group_commit(void **state)
{
	struct ca_fixture *fx = *state;
	struct ca_issue_req req[1];
	struct ca_issued c[1];
	int res[1];
	int64_t before;
	X509 *x;

	group_commit_once(fx, 0, 1);	/* one batch for all four */
	group_commit_once(fx, 1, 2);	/* a batch per request: two have pending rows */
	group_commit_once(fx, 3, 2);	/* 3 + 1: the second batch commits while nothing is left to sign */
	group_commit_once(fx, 2, 2);	/* 2 + 2 */
	/* The audit chain is intact and the connection usable again. */
	before = ca_fx_audit_entries(fx->ctx);
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, 0, 0, c, res), CA_OK);
	x = ca_fx_issue(fx, "authentication", NULL);
	X509_free(x);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 2);
}

/*
 * After a call where @abandoned was revoked behind the pipeline: that one
 * request failed alone (CA_ERR_STATE, nothing handed out), every other is
 * valid, the abandoned one revoked, none stays pending, the chain verifies.
 */
static void
only_abandoned_failed(struct ca_fixture *fx, struct ca_issued *c, const int *res, int n,
		      const char *abandoned)
{
	struct ca_cert_rec rec = { 0 };
	struct ca_audit_report rep;
	int i, failed = 0;

	assert_string_not_equal(abandoned, "");
	for (i = 0; i < n; i++) {
		if (res[i] != CA_OK) {
			failed++;
			assert_int_equal(res[i], CA_ERR_STATE);
			assert_null(c[i].der);
			continue;
		}
		assert_non_null(c[i].der);
		assert_string_not_equal(c[i].serial, abandoned);
		assert_int_equal(ca_reg_cert_get(fx->ctx->reg, c[i].serial, &rec), CA_OK);
		assert_int_equal(rec.status, CA_CERT_VALID);
		ca_cert_rec_clear(&rec);
		ca_issued_clear(&c[i]);
	}
	assert_int_equal(failed, 1);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, abandoned, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_REVOKED);
	ca_cert_rec_clear(&rec);
	assert_int_equal(pending_rows(fx), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(ca_audit_verify(fx->ctx->reg, &rep), CA_OK);
}

/*
 * Revoke pending row @serials[@i] as abandoned behind the pipeline's back
 * (as a recovery would), its serial into @out; frees the list.
 */
static void
abandon_listed(struct ca_ctx *ctx, char **serials, size_t n, size_t i, char out[80])
{
	snprintf(out, 80, "%s", serials[i]);
	ca_reg_serials_free(serials, n);
	assert_int_equal(ca_reg_begin(ctx->reg), CA_OK);
	assert_int_equal(ca_reg_end(ctx->reg, ca_cert_abandon(ctx, out, "test")), CA_OK);
}

/* The hook of test_record_failure: when the batch is signed, a pending row is
 * revoked as abandoned behind the pipeline's back (as a recovery would). */
struct abandon_one {
	struct ca_ctx *ctx;
	char serial[80];
};

static void
abandon_when_signed(void *arg, const char *op, const char *step)
{
	struct abandon_one *a = arg;
	struct ca_pending_sel sel = { 0 };
	char **serials = NULL;
	size_t n = 0;

	if (strcmp(op, "issue-certs") != 0 || strcmp(step, "signed") != 0 || a->serial[0] != '\0')
		return;
	assert_int_equal(ca_reg_cert_pending_list(a->ctx->reg, &sel, &serials, &n), CA_OK);
	assert_int_equal(n, 4);
	abandon_listed(a->ctx, serials, n, 2, a->serial);
}

/*
 * A request that fails while its signed batch is made valid (its pending
 * row was revoked meanwhile) fails alone: the batch's other certificates
 * are valid and handed out, it is not, nothing stays pending and the audit
 * chain verifies.
 */
static void
test_record_failure(void **state)
{
	struct ca_fixture *fx = *state;
	struct abandon_one a = { fx->ctx, "" };
	struct ca_issue_req req[4];
	struct ca_issued c[4];
	int res[4];

	four_requests(fx, req, c);
	fx->ctx->hooks.point = abandon_when_signed;
	fx->ctx->hooks.arg = &a;
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, 4, 4, c, res), CA_OK);
	fx->ctx->hooks.point = NULL;
	fx->ctx->hooks.arg = NULL;
	only_abandoned_failed(fx, c, res, 4, a.serial);
}

/* The hook of test_record_failure_batches: at the third pending commit
 * (the helper's thread, its connection idle) a pending row is revoked as
 * abandoned, to fail later in whichever commit makes its batch valid. */
struct abandon_later {
	struct ca_ctx *ctx;
	int pendings;
	char serial[80];
};

static void
abandon_at_third_pending(void *arg, const char *op, const char *step)
{
	struct abandon_later *a = arg;
	struct ca_pending_sel sel = { 0 };
	char **serials = NULL;
	size_t n = 0;

	if (strcmp(op, "issue-certs") != 0 || strcmp(step, "pending-recorded") != 0 ||
	    ++a->pendings != 3)
		return;
	assert_int_equal(ca_reg_cert_pending_list(a->ctx->reg, &sel, &serials, &n), CA_OK);
	assert_true(n > 0);
	abandon_listed(a->ctx, serials, n, n - 1, a->serial);
}

/*
 * The same over twelve batches, where the helper makes a signed batch
 * valid in the commit that also makes later requests pending: the one
 * request fails alone, every other of the 48 is valid, none stays
 * pending, the chain verifies.
 */
static void
test_record_failure_batches(void **state)
{
	enum { N = 48 };
	struct ca_fixture *fx = *state;
	struct abandon_later a = { fx->ctx, 0, "" };
	struct ca_issue_req req[N];
	struct ca_issued c[N];
	int res[N], i;

	for (i = 0; i < N; i += 4)
		four_requests(fx, &req[i], &c[i]);
	fx->ctx->hooks.point = abandon_at_third_pending;
	fx->ctx->hooks.arg = &a;
	assert_int_equal(ca_cert_issue_many(fx->ctx, req, N, 4, c, res), CA_OK);
	fx->ctx->hooks.point = NULL;
	fx->ctx->hooks.arg = NULL;
	only_abandoned_failed(fx, c, res, N, a.serial);
}

/* Two hours after the fixture's clock: past the recovery's lease. */
static int64_t
later_now(void *arg)
{
	(void)arg;
	return CA_FX_NOW + 7200;
}

/*
 * Record before you sign: a draft is never signed unrecorded; a recorded
 * one is pending (not valid) until activated; the recovery leaves young
 * pending rows alone and revokes old ones (one "revoke" entry each,
 * cessationOfOperation), after which they cannot become valid.
 */
static void
test_pending_lifecycle(void **state)
{
	struct ca_fixture *fx = *state;
	struct ca_pending_req rq = { "test", NULL, CA_FX_HOLDER, NULL, 0 };
	struct ca_person bob = { CA_FX_HOLDER, "Bob Holder", NULL, NULL, NULL, 0 };
	struct ca_draft d[2], *dp[2] = { &d[0], &d[1] };
	struct ca_issued c[2];
	struct ca_cert_rec rec = { 0 };
	int64_t before;
	int n = -1, i;

	memset(d, 0, sizeof(d));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 2; i++)
		assert_int_equal(ca_cert_draft(fx->ctx, "authentication", &bob, fx->csr,
					       (size_t)fx->csrlen, 0, &d[i]), CA_OK);
	assert_int_equal(ca_cert_sign(fx->ctx, &d[0], &c[0]), CA_ERR_STATE);
	before = ca_fx_audit_entries(fx->ctx);
	assert_int_equal(ca_cert_pending(fx->ctx, &rq, dp, 2), CA_OK);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 1);
	assert_int_equal(pending_rows(fx), 2);
	for (i = 0; i < 2; i++)
		assert_int_equal(ca_cert_sign(fx->ctx, &d[i], &c[i]), CA_OK);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, c[0].serial, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_PENDING);
	assert_int_equal(rec.audit_seq, before + 1);
	ca_cert_rec_clear(&rec);

	/* Within the lease nothing is touched; the first becomes valid. */
	assert_int_equal(ca_cert_recover(fx->ctx, 3600, &n), CA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ca_reg_begin(fx->ctx->reg), CA_OK);
	assert_int_equal(ca_reg_cert_activate(fx->ctx->reg, c[0].serial, c[0].der, c[0].derlen,
					      0, 0, before + 1), CA_OK);
	assert_int_equal(ca_reg_commit(fx->ctx->reg), CA_OK);

	/* Two hours on, the other's operation is gone: revoked. */
	fx->ctx->hooks.now = later_now;
	assert_int_equal(ca_cert_recover(fx->ctx, 3600, &n), CA_OK);
	fx->ctx->hooks.now = ca_fx_now;
	assert_int_equal(n, 1);
	assert_int_equal(pending_rows(fx), 0);
	assert_int_equal(ca_fx_audit_entries(fx->ctx), before + 2);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, c[1].serial, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_REVOKED);
	assert_int_equal(rec.reason, CRL_REASON_CESSATION_OF_OPERATION);
	assert_int_equal(rec.revoked_at, CA_FX_NOW + 7200);
	assert_null(rec.der);
	ca_cert_rec_clear(&rec);
	assert_int_equal(ca_reg_cert_activate(fx->ctx->reg, c[1].serial, c[1].der, c[1].derlen,
					      0, 0, before + 1), CA_ERR_STATE);
	assert_int_equal(ca_reg_cert_get(fx->ctx->reg, c[0].serial, &rec), CA_OK);
	assert_int_equal(rec.status, CA_CERT_VALID);
	ca_cert_rec_clear(&rec);
	for (i = 0; i < 2; i++) {
		ca_issued_clear(&c[i]);
		ca_draft_clear(&d[i]);
	}
}

static X509_CRL *
crl(struct ca_fixture *fx, int delta, long *number)
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
	struct ca_fixture *fx = *state;
	struct ca_issuer *is = ca_ctx_issuer(fx->ctx, "authentication");
	char *s1 = NULL, *s2 = NULL;
	X509 *x1 = ca_fx_issue(fx, "authentication", &s1);
	X509 *x2 = ca_fx_issue(fx, "authentication", &s2);
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

/*
 * Every CRL carries the audit log's head, signed with the audit key: a
 * non-critical extension whose checkpoint covers the CRL's own audit
 * entry, kept in the registry too. A changed byte fails its signature.
 */
static void
test_crl_carries_checkpoint(void **state)
{
	struct ca_fixture *fx = *state;
	ASN1_OBJECT *oid = OBJ_txt2obj(CA_CHECKPOINT_OID, 1);
	struct ca_checkpoint_row row = { 0 };
	struct ca_checkpoint cp;
	const unsigned char *der;
	unsigned char *copy;
	char hash[65];
	int64_t last = 0;
	size_t len = 0;
	long n = 0;
	X509_CRL *c = crl(fx, 0, &n);
	int at = X509_CRL_get_ext_by_OBJ(c, oid, -1);

	assert_true(at >= 0);
	assert_int_equal(X509_EXTENSION_get_critical(X509_CRL_get_ext(c, at)), 0);
	assert_int_equal(ca_checkpoint_from_crl(c, &der, &len), CA_OK);
	assert_int_equal(ca_checkpoint_verify(fx->ctx, der, len, &cp), CA_OK);
	assert_int_equal(ca_reg_audit_last(fx->ctx->reg, &last, hash), CA_OK);
	assert_int_equal(cp.seq, last);
	assert_string_equal(cp.hash, hash);
	assert_int_equal(cp.time, CA_FX_NOW);
	assert_int_equal(ca_reg_checkpoint_newest(fx->ctx->reg, &row), CA_OK);
	assert_int_equal(row.seq, last);
	assert_string_equal(row.reason, "crl");
	assert_int_equal(row.derlen, len);
	assert_memory_equal(row.der, der, len);
	ca_checkpoint_row_clear(&row);
	assert_non_null(copy = malloc(len));
	memcpy(copy, der, len);
	copy[len / 2] ^= 1;
	assert_int_not_equal(ca_checkpoint_verify(fx->ctx, copy, len, &cp), CA_OK);
	assert_int_equal(ca_checkpoint_verify(fx->ctx, copy, len - 1, &cp), CA_ERR_AUDIT);
	free(copy);
	ASN1_OBJECT_free(oid);
	X509_CRL_free(c);
}

/* Registry rows with short serials of varied length, to exercise sorting. */
static void
add_revoked_at(struct ca_fixture *fx, const char *serial, int reason, int64_t when)
{
	unsigned char der[1] = { 0 };
	struct ca_cert_rec c = { 0 };

	c.serial = (char *)serial;
	c.holder = CA_FX_HOLDER;
	c.profile = c.issuer = "signing";
	c.der = der;
	c.derlen = 1;
	assert_int_equal(ca_reg_cert_add(fx->ctx->reg, &c), CA_OK);
	assert_int_equal(ca_reg_cert_revoke(fx->ctx->reg, serial, reason, when), CA_OK);
}

static void
add_revoked(struct ca_fixture *fx, const char *serial, int reason)
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
	struct ca_fixture *fx = *state;
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
	struct ca_fixture *fx = *state;
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
		cmocka_unit_test_teardown(test_authentication_cert, ca_fx_teardown),
		cmocka_unit_test_teardown(test_signing_cert, ca_fx_teardown),
		cmocka_unit_test_teardown(test_refusals_record_nothing, ca_fx_teardown),
		cmocka_unit_test_teardown(test_group_commit, ca_fx_teardown),
		cmocka_unit_test_teardown(test_record_failure, ca_fx_teardown),
		cmocka_unit_test_teardown(test_record_failure_batches, ca_fx_teardown),
		cmocka_unit_test_teardown(test_pending_lifecycle, ca_fx_teardown),
		cmocka_unit_test_teardown(test_revocation_and_crls, ca_fx_teardown),
		cmocka_unit_test_teardown(test_crl_carries_checkpoint, ca_fx_teardown),
		cmocka_unit_test_teardown(test_fast_crl_matches_openssl, ca_fx_teardown),
		cmocka_unit_test_teardown(test_card_so_secret, ca_fx_teardown),
	};

	if (access(ca_fx_hsm_module(), R_OK) != 0) {
		printf("1..0 # SKIP no SoftHSM2 module at %s\n", ca_fx_hsm_module());
		return 0;
	}
	return cmocka_run_group_tests_name("ca-issue", tests, ca_fx_group_setup,
					   ca_fx_group_teardown);
}
