/*
 * ca/issue.c: see issue.h. The builder (templates, one certificate), drafts
 * and signing, and ca_cert_issue; the pipelined group commit is in
 * issue-many.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/publish.h"
#include "ca/core/issue-int.h"
#include "ca/core/validate.h"
#include "ca/core/x509util.h"
#include "common/log.h"

void
ca_issued_clear(struct ca_issued *c)
{
	if (c == NULL)
		return;
	OPENSSL_free(c->serial);
	OPENSSL_free(c->der);
	memset(c, 0, sizeof(*c));
}

/* The profiles, as the registry records them; their index in the cache. */
static const char *const profile_names[] = { "authentication", "signing" };
#define NPROFILES (sizeof(profile_names) / sizeof(profile_names[0]))

/*
 * What every certificate of one profile shares, built from the policy
 * once: the issuer, the subject's attribute types and fields, and the
 * extensions but the SubjectKeyIdentifier (which hashes each key). Valid
 * while the policy's profile is byte for byte the copy in @pp.
 */
struct ee_tmpl {
	bool ready;
	const char *profile;			/* profile_names[] */
	struct pol_profile pp;			/* the policy's, as built from */
	struct ca_issuer *is;
	struct pol_subject subj;
	int nid[POL_SUBJECT_MAX];		/* subj.attr[i] as an OpenSSL NID */
	STACK_OF(X509_EXTENSION) *exts;
	int ski_at;				/* the SKI's place among them */
	int64_t nb_at, na_at;			/* the times nb, na hold */
	ASN1_TIME *nb, *na;			/* the last validity, reused by a group */
};

struct ca_ee_cache {
	struct ee_tmpl t[NPROFILES];
	EVP_MD *sha1;				/* for SubjectKeyIdentifiers */
};

static void
ee_tmpl_clear(struct ee_tmpl *t)
{
	sk_X509_EXTENSION_pop_free(t->exts, X509_EXTENSION_free);
	ASN1_TIME_free(t->nb);
	ASN1_TIME_free(t->na);
	memset(t, 0, sizeof(*t));
}

void
ca_ee_cache_free(struct ca_ee_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NPROFILES; i++)
		ee_tmpl_clear(&c->t[i]);
	EVP_MD_free(c->sha1);
	free(c);
}

/* The issuing CA whose certificate's common name is @cn: the policy names it. */
static struct ca_issuer *
issuer_by_cn(struct ca_ctx *ctx, const char *cn)
{
	static const int ids[] = { CA_ISSUER_AUTH, CA_ISSUER_SIGN };
	struct ca_issuer *is;
	X509_NAME *n;
	unsigned char *u = NULL;
	size_t i;
	int at, match;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		is = &ctx->issuers[ids[i]];
		if (is->cert == NULL || is->pkey == NULL)
			continue;
		n = X509_get_subject_name(is->cert);
		if ((at = X509_NAME_get_index_by_NID(n, NID_commonName, -1)) < 0)
			continue;
		if (ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, at)))
		    < 0) {
			util_log_ossl_errors(__func__);
			continue;
		}
		match = strcmp((char *)u, cn) == 0;
		OPENSSL_free(u);
		u = NULL;
		if (match)
			return is;
	}
	return NULL;
}

static int
ext_take(STACK_OF(X509_EXTENSION) *sk, int r, X509_EXTENSION *ext)
{
	if (r == CA_OK && !sk_X509_EXTENSION_push(sk, ext))
		r = CA_ERR_ALLOC;
	if (r != CA_OK)
		X509_EXTENSION_free(ext);
	return r;
}

/* RFC 5280 4.2.1.3 bit numbers of the policy's key usages. */
static const struct {
	unsigned pol;
	int bit;
} ku_bits[] = {
	{ POL_KU_DIGITAL_SIGNATURE, 0 }, { POL_KU_NON_REPUDIATION, 1 },
	{ POL_KU_KEY_ENCIPHERMENT, 2 }, { POL_KU_DATA_ENCIPHERMENT, 3 },
	{ POL_KU_KEY_AGREEMENT, 4 },
};

/* Extensions in the order certificates always had them: BC, KU, EKU, SKI, AKI, CDP, AIA. */
static int
ee_tmpl_exts(const struct pol_profile *pp, X509 *issuer, const char *crl_url, const char *ca_url,
	     struct ee_tmpl *t)
{
	const char *oids[32];
	X509_EXTENSION *ext = NULL;
	unsigned ku = 0, b;
	size_t i, n = 0;
	int r;

	for (i = 0; i < sizeof(ku_bits) / sizeof(ku_bits[0]); i++)
		if (pp->key_usage & ku_bits[i].pol)
			ku |= 1u << ku_bits[i].bit;
	for (b = 1; b != 0 && n < sizeof(oids) / sizeof(oids[0]); b <<= 1)
		if ((pp->ext_key_usage & b) && pol_eku_oid(b) != NULL)
			oids[n++] = pol_eku_oid(b);
	if ((t->exts = sk_X509_EXTENSION_new_null()) == NULL)
		return CA_ERR_ALLOC;
	r = ca_ext_basic_constraints(0, -1, &ext);
	if ((r = ext_take(t->exts, r, ext)) != CA_OK)
		return r;
	r = ca_ext_key_usage(ku, &ext);
	if ((r = ext_take(t->exts, r, ext)) != CA_OK)
		return r;
	if (n > 0) {
		r = ca_ext_ext_key_usage(oids, n, &ext);
		if ((r = ext_take(t->exts, r, ext)) != CA_OK)
			return r;
	}
	t->ski_at = sk_X509_EXTENSION_num(t->exts);
	r = ca_ext_authority_key_id(issuer, &ext);
	if ((r = ext_take(t->exts, r, ext)) != CA_OK)
		return r;
	r = ca_ext_crl_url(crl_url, &ext);
	if ((r = ext_take(t->exts, r, ext)) != CA_OK)
		return r;
	r = ca_ext_aia(pp->ocsp_url, ca_url, &ext);
	return ext_take(t->exts, r, ext);
}

/* @pp's subject attributes as NIDs into @nid (validated policies always map). */
static int
subject_nids(const char *profile, const struct pol_profile *pp, struct pol_subject *subj,
	     int nid[POL_SUBJECT_MAX])
{
	char why[200];
	unsigned i;

	if (pol_subject_parse(pp->subject, subj, why, sizeof(why)) != POL_OK) {
		util_log(LOG_ERR, "policy profile %s: subject: %s", profile, why);
		return CA_ERR_STATE;
	}
	for (i = 0; i < subj->n; i++)
		if ((nid[i] = OBJ_txt2nid(subj->attr[i].attr)) == NID_undef) {
			util_log(LOG_ERR, "policy profile %s: subject attribute %s unknown to "
				 "OpenSSL", profile, subj->attr[i].attr);
			return CA_ERR_STATE;
		}
	return CA_OK;
}

static struct ca_issuer *
profile_issuer(struct ca_ctx *ctx, const char *profile, const struct pol_profile *pp)
{
	struct ca_issuer *is = issuer_by_cn(ctx, pp->issuing_ca);

	if (is == NULL)
		util_log(LOG_ERR, "policy profile %s names the issuing CA '%s', which this CA "
			 "does not have (see certs/authentication.pem and certs/signing.pem)",
			 profile, pp->issuing_ca);
	return is;
}

int
ca_cert_profiles_check(struct ca_ctx *ctx, const struct pol_policy *pol)
{
	struct pol_subject subj;
	int nid[POL_SUBJECT_MAX], r;
	const struct pol_profile *pp;
	size_t i;

	for (i = 0; i < NPROFILES; i++) {
		if ((pp = pol_profile_find(pol, profile_names[i])) == NULL)
			return CA_ERR_STATE;
		if ((r = subject_nids(profile_names[i], pp, &subj, nid)) != CA_OK)
			return r;
		if (profile_issuer(ctx, profile_names[i], pp) == NULL)
			return CA_ERR_STATE;
	}
	return CA_OK;
}

/* Build @t for @pp (the policy has validated the template and the URLs). */
/* Where relying parties fetch @is's certificate (policy publication.*), or "". */
static const char *
ca_issuers_url(const struct ca_ctx *ctx, const struct ca_issuer *is)
{
	if (is == &ctx->issuers[CA_ISSUER_SIGN])
		return ctx->pol->publication.signing_certificate_url;
	if (is == &ctx->issuers[CA_ISSUER_AUTH])
		return ctx->pol->publication.authentication_certificate_url;
	return "";
}

/* The CRL and CA certificate URLs of @is's certificates: the policy's, for a
 * generation after a rollover with its suffix (ca_pub_gen_url, one rule
 * with the published names). */
static int
gen_urls(const struct ca_ctx *ctx, const struct pol_profile *pp, const struct ca_issuer *is,
	 char crl[POL_TEXT_MAX], char cau[POL_TEXT_MAX])
{
	if (ca_pub_gen_url(pp->crl_url, is->gen, crl, POL_TEXT_MAX) != CA_OK ||
	    ca_pub_gen_url(ca_issuers_url(ctx, is), *ca_issuers_url(ctx, is) != '\0' ? is->gen : 1,
			   cau, POL_TEXT_MAX) != CA_OK) {
		util_log(LOG_ERR, "the policy's URLs are too long for generation %d of the %s CA",
			 is->gen, is->name);
		return CA_ERR_STATE;
	}
	return CA_OK;
}

static int
ee_tmpl_build(struct ca_ctx *ctx, const char *profile, const struct pol_profile *pp,
	      struct ee_tmpl *t)
{
	char crl[POL_TEXT_MAX], cau[POL_TEXT_MAX];
	int r;

	ee_tmpl_clear(t);
	t->profile = profile;
	if ((r = subject_nids(profile, pp, &t->subj, t->nid)) != CA_OK)
		goto out;
	r = CA_ERR_STATE;
	if ((t->is = profile_issuer(ctx, profile, pp)) == NULL ||
	    (r = gen_urls(ctx, pp, t->is, crl, cau)) != CA_OK ||
	    (r = ee_tmpl_exts(pp, t->is->cert, crl, cau, t)) != CA_OK)
		goto out;
	t->pp = *pp;
	t->ready = true;
out:
	if (r != CA_OK)
		ee_tmpl_clear(t);
	return r;
}

/* The template of @profile under the context's policy, built on first use. */
static int
ee_tmpl_get(struct ca_ctx *ctx, const char *profile, struct ee_tmpl **out)
{
	const struct pol_profile *pp;
	struct ee_tmpl *t;
	size_t i;

	if (ctx->pol == NULL) {
		util_log(LOG_ERR, "no policy loaded: certificate profiles come from the policy");
		return CA_ERR_STATE;
	}
	for (i = 0; i < NPROFILES && profile != NULL; i++)
		if (strcmp(profile, profile_names[i]) == 0)
			break;
	if (profile == NULL || i == NPROFILES ||
	    (pp = pol_profile_find(ctx->pol, profile)) == NULL) {
		util_log(LOG_ERR, "unknown certificate profile '%s'",
			 profile != NULL ? profile : "");
		return CA_ERR_USAGE;
	}
	if (ctx->ee == NULL) {
		if ((ctx->ee = calloc(1, sizeof(*ctx->ee))) == NULL)
			return CA_ERR_ALLOC;
		if ((ctx->ee->sha1 = EVP_MD_fetch(ctx->libctx, "SHA1", NULL)) == NULL) {
			util_log_ossl_errors(__func__);
			ca_ee_cache_free(ctx->ee);
			ctx->ee = NULL;
			return CA_ERR_CRYPTO;
		}
	}
	t = &ctx->ee->t[i];
	/* A replaced policy (policy-install) with another profile rebuilds it. */
	if (!t->ready || memcmp(&t->pp, pp, sizeof(*pp)) != 0) {
		int r = ee_tmpl_build(ctx, profile_names[i], pp, t);

		if (r != CA_OK)
			return r;
	}
	*out = t;
	return CA_OK;
}

/* The registry's name and UUID, checked again before they are certified. */
static int
holder_check(const struct ca_person *h)
{
	char msg[200];

	if (ca_check_uuid("holder UUID", h->uuid, msg, sizeof(msg)) != CA_OK ||
	    ca_check_name("holder's registered name", h->name, h->name != NULL ? strlen(h->name)
			  : 0, NULL, msg, sizeof(msg)) != CA_OK) {
		util_log(LOG_ERR, "cannot certify this holder: %s", msg);
		return CA_ERR_INPUT;
	}
	return CA_OK;
}

/* The subject, attribute by attribute: registry values are data, never syntax. */
static int
ee_subject(const struct ee_tmpl *t, const struct ca_person *h, X509_NAME **out)
{
	X509_NAME *n = X509_NAME_new();
	const struct pol_subject_attr *a;
	const char *v;
	unsigned i;
	int r;

	if (n == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < t->subj.n; i++) {
		a = &t->subj.attr[i];
		v = a->field == POL_SUBJECT_NAME ? h->name : a->field == POL_SUBJECT_UUID ? h->uuid
		    : a->text;
		if ((r = ca_name_add(n, t->nid[i], v)) != CA_OK) {
			X509_NAME_free(n);
			return r;
		}
	}
	*out = n;
	return CA_OK;
}

/* notBefore/notAfter, formatted once for all the certificates of a group. */
static int
ee_validity(X509 *crt, struct ee_tmpl *t, int64_t nb, int64_t na)
{
	if (t->nb == NULL || t->nb_at != nb) {
		if ((t->nb = ASN1_TIME_set(t->nb, (time_t)nb)) == NULL)
			return CA_ERR_CRYPTO;
		t->nb_at = nb;
	}
	if (t->na == NULL || t->na_at != na) {
		if ((t->na = ASN1_TIME_set(t->na, (time_t)na)) == NULL)
			return CA_ERR_CRYPTO;
		t->na_at = na;
	}
	if (X509_set1_notBefore(crt, t->nb) != 1 || X509_set1_notAfter(crt, t->na) != 1)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

static int
ee_extensions(X509 *crt, const struct ee_tmpl *t, const EVP_MD *sha1)
{
	int i, n = sk_X509_EXTENSION_num(t->exts), r;

	for (i = 0; i <= n; i++) {
		if (i == t->ski_at && (r = ca_ext_subject_key_id_add(crt, sha1)) != CA_OK)
			return r;
		if (i < n && X509_add_ext(crt, sk_X509_EXTENSION_value(t->exts, i), -1) != 1)
			return CA_ERR_CRYPTO;
	}
	return CA_OK;
}

void
ca_draft_clear(struct ca_draft *d)
{
	if (d == NULL)
		return;
	X509_free(d->crt);
	OPENSSL_free(d->serial);
	memset(d, 0, sizeof(*d));
}

/*
 * Build the unsigned certificate into @e (not_before/not_after set by the
 * caller); nothing touches the registry or the HSM. The draft holds what
 * signing and recording need, so the signer never reads the template (the
 * group's helper thread owns the cache).
 */
static int
ee_tbs(struct ca_ctx *ctx, struct ee_tmpl *t, const struct ca_person *holder,
       const struct ca_csr *csr, struct ca_draft *e)
{
	X509 *crt = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	char *hex = NULL;
	int r = CA_ERR_ALLOC;

	if ((crt = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(ctx->libctx, &serial, &hex)) != CA_OK ||
	    (r = ee_subject(t, holder, &name)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_set_version(crt, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_issuer_name(crt, X509_get_subject_name(t->is->cert)) != 1 ||
	    X509_set_subject_name(crt, name) != 1)
		goto out;
	if ((r = ee_validity(crt, t, e->not_before, e->not_after)) != CA_OK ||
	    (r = ca_csr_spki_copy(csr, crt)) != CA_OK ||
	    (r = ee_extensions(crt, t, ctx->ee->sha1)) != CA_OK)
		goto out;
	e->profile = t->profile;
	e->is = t->is;
	e->crt = crt;
	e->serial = hex;
	snprintf(e->holder, sizeof(e->holder), "%s", holder->uuid);
	e->recorded = false;
	crt = NULL;
	hex = NULL;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(hex);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	X509_free(crt);
	return r;
}

/*
 * The builder: holder checked, request read and checked, unsigned
 * certificate from template @t, valid from @now for the profile's
 * lifetime or @lifetime if shorter.
 */
static int
ee_build(struct ca_ctx *ctx, struct ee_tmpl *t, const struct ca_person *holder,
	 const unsigned char *req, size_t reqlen, int64_t lifetime, int64_t now,
	 struct ca_draft *e)
{
	struct ca_csr csr = { NULL, NULL, NULL, 0 };
	int r;

	if (lifetime < 0)
		return CA_ERR_USAGE;
	if ((r = holder_check(holder)) != CA_OK)
		return r;
	if (ctx->csr_reader == NULL &&
	    (r = ca_csr_reader_new(ctx->libctx, &ctx->csr_reader)) != CA_OK)
		return r;
	if ((r = ca_csr_read(ctx->csr_reader, req, reqlen, &csr)) != CA_OK)
		return r;
	e->not_before = now;
	e->not_after = now + (lifetime > 0 && lifetime < t->pp.lifetime ? lifetime
			      : t->pp.lifetime);
	r = ee_tbs(ctx, t, holder, &csr, e);
	ca_csr_clear(&csr);
	return r;
}

/*
 * Sign on the token: the only step that needs the signer's session. A
 * draft whose pending row is not committed is never signed.
 */
int
ca_ee_sign(struct ca_ctx *ctx, struct ca_draft *e)
{
	return ca_ee_sign_with(ctx, e, e->is->pkey);
}

int
ca_ee_sign_with(struct ca_ctx *ctx, struct ca_draft *e, EVP_PKEY *pkey)
{
	if (!e->recorded) {
		util_log(LOG_ERR, "certificate %s is not recorded as pending: not signing it",
			 e->serial != NULL ? e->serial : "?");
		return CA_ERR_STATE;
	}
	if (X509_sign(e->crt, pkey, ctx->md) <= 0) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	return CA_OK;
}

/* The signed certificate's DER and facts; the serial moves into @out. */
int
ca_ee_encode(struct ca_draft *e, struct ca_issued *out)
{
	int r;

	if ((r = ca_x509_der(e->crt, &out->der, &out->derlen)) != CA_OK)
		return r;
	out->serial = e->serial;
	e->serial = NULL;
	out->profile = e->profile;
	out->issuer = e->is->name;
	out->not_before = e->not_before;
	out->not_after = e->not_after;
	return CA_OK;
}

int
ca_cert_subject(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
		X509_NAME **out)
{
	struct ee_tmpl *t;
	int r;

	if ((r = ee_tmpl_get(ctx, profile, &t)) != CA_OK || (r = holder_check(holder)) != CA_OK)
		return r;
	return ee_subject(t, holder, out);
}

int
ca_cert_draft(struct ca_ctx *ctx, const char *profile, const struct ca_person *holder,
	      const unsigned char *csr, size_t csrlen, int64_t lifetime, struct ca_draft *out)
{
	struct ee_tmpl *t;
	struct ca_draft e = { 0 };
	int r;

	if ((r = ee_tmpl_get(ctx, profile, &t)) != CA_OK ||
	    (r = ee_build(ctx, t, holder, csr, csrlen, lifetime, ca_ctx_now(ctx), &e)) != CA_OK) {
		ca_draft_clear(&e);
		return r;
	}
	*out = e;
	return CA_OK;
}

int
ca_cert_sign(struct ca_ctx *ctx, struct ca_draft *d, struct ca_issued *out)
{
	struct ca_issued c = { 0 };
	int r;

	if ((r = ca_ee_sign(ctx, d)) != CA_OK || (r = ca_ee_encode(d, &c)) != CA_OK) {
		ca_issued_clear(&c);
		return r;
	}
	*out = c;
	return CA_OK;
}

/* The issuance entry and the row made valid, in the caller's transaction. */
int
ca_ee_record(struct ca_ctx *ctx, const struct ca_issue_req *req, const struct ca_issued *c)
{
	char notafter[24];
	const char *kv[] = { "profile", c->profile, "holder", req->holder, "card", req->card,
			     "not_after", notafter, NULL };
	int r;

	snprintf(notafter, sizeof(notafter), "%lld", (long long)c->not_after);
	if ((r = ca_ctx_audit(ctx, "issue-cert", c->serial, kv)) != CA_OK)
		return r;
	return ca_reg_cert_activate(ctx->reg, c->serial, c->der, c->derlen, 0, 0, ctx->audit_id);
}

/* Everything before signing for a registry request: profile, holder, builder. */
int
ca_ee_prepare(struct ca_ctx *ctx, const struct ca_issue_req *req, int64_t now, struct ca_draft *e)
{
	struct ca_person holder = { 0 };
	struct ee_tmpl *t;
	int r;

	if ((r = ee_tmpl_get(ctx, req->profile, &t)) != CA_OK)
		return r;
	if ((r = ca_reg_person_get(ctx->reg, req->holder, &holder)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "holder %s is not in the registry", req->holder);
		return r;
	}
	r = ee_build(ctx, t, &holder, req->csr, req->csrlen, req->lifetime, now, e);
	ca_person_clear(&holder);
	e->card = req->card;
	return r;
}

/* A recorded draft that will never be signed (signing failed): revoke it now. */
static void
ee_abandon_now(struct ca_ctx *ctx, const char *serial)
{
	if (ca_reg_begin(ctx->reg) == CA_OK)
		ca_reg_end(ctx->reg, ca_cert_abandon(ctx, serial, "signing it failed"));
}

int
ca_cert_issue(struct ca_ctx *ctx, const struct ca_issue_req *req, struct ca_issued *out)
{
	struct ca_pending_req pq = { "issue-cert", NULL, req->holder, req->card, 0 };
	struct ca_draft e = { 0 }, *ep = &e;
	struct ca_issued c = { 0 };
	int r;

	if ((r = ca_ee_prepare(ctx, req, ca_ctx_now(ctx), &e)) != CA_OK ||
	    (r = ca_cert_pending(ctx, &pq, &ep, 1)) != CA_OK)
		goto out;
	if ((r = ca_cert_sign(ctx, &e, &c)) != CA_OK) {
		ee_abandon_now(ctx, e.serial);
		goto out;
	}
	ca_ctx_point(ctx, "issue-cert", "signed");
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_end(ctx->reg, ca_ee_record(ctx, req, &c))) != CA_OK)
		goto out;	/* the row stays pending: the recovery revokes it */
	ca_ctx_point(ctx, "issue-cert", "recorded");
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ca_draft_clear(&e);
	ca_issued_clear(&c);
	return r;
}
