/*
 * ca/issue.c: see issue.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/profile.h"
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

static int
holder_name(const struct ca_person *p, X509_NAME **out)
{
	const char *kv[] = { "O", "Carecard", "OU", "People", "serialNumber", p->uuid,
			     "CN", p->name, NULL };

	return ca_name_build(kv, out);
}

struct ee_urls {
	char *crl, *ocsp;
};

static int
urls_get(struct ca_ctx *ctx, const struct ca_issue_req *req, const char *issuer,
	 struct ee_urls *u)
{
	char *base = NULL;
	int r;

	if (req->crl_url != NULL) {
		u->crl = strdup(req->crl_url);
	} else {
		if ((r = ca_reg_config_get(ctx->reg, "crl-base-url", &base)) != CA_OK)
			return r;
		if (asprintf(&u->crl, "%s/%s.crl", base, issuer) < 0)
			u->crl = NULL;
		free(base);
	}
	if (req->ocsp_url != NULL)
		u->ocsp = strdup(req->ocsp_url);
	else if ((r = ca_reg_config_get(ctx->reg, "ocsp-url", &u->ocsp)) != CA_OK)
		return r;
	if (u->crl == NULL || u->ocsp == NULL)
		return CA_ERR_ALLOC;
	/* They are spliced into OpenSSL's X509V3 config syntax. */
	if (strpbrk(u->crl, ",\n") != NULL || strpbrk(u->ocsp, ",\n") != NULL) {
		util_log(LOG_ERR, "CRL/OCSP URLs must not contain commas or newlines");
		return CA_ERR_USAGE;
	}
	return CA_OK;
}

/*
 * The extensions every certificate of one profile, issuer and URL pair
 * shares: all but the SubjectKeyIdentifier. Built (config strings parsed,
 * registry URLs read) once per request or, in a group, once per group.
 */
struct ee_tmpl {
	const struct ca_profile *pr;
	const char *crl_url, *ocsp_url;		/* the request's (NULL: registry) */
	STACK_OF(X509_EXTENSION) *exts;
	int ski_at;				/* the SKI's place, as it always was */
};

static void
ee_tmpl_clear(struct ee_tmpl *t)
{
	sk_X509_EXTENSION_pop_free(t->exts, X509_EXTENSION_free);
	memset(t, 0, sizeof(*t));
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
ee_tmpl_fits(const struct ee_tmpl *t, const struct ca_issue_req *req,
	     const struct ca_profile *pr)
{
	return t->exts != NULL && t->pr == pr && same_str(t->crl_url, req->crl_url) &&
	       same_str(t->ocsp_url, req->ocsp_url);
}

static int
ext_push(STACK_OF(X509_EXTENSION) *sk, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (ext == NULL) {
		util_log(LOG_ERR, "bad %s extension value '%s'", OBJ_nid2sn(nid), value);
		return CA_ERR_CRYPTO;
	}
	if (!sk_X509_EXTENSION_push(sk, ext)) {
		X509_EXTENSION_free(ext);
		return CA_ERR_ALLOC;
	}
	return CA_OK;
}

static int
ee_tmpl_build(struct ca_ctx *ctx, const struct ca_issue_req *req, const struct ca_profile *pr,
	      struct ca_issuer *is, struct ee_tmpl *t)
{
	struct ee_urls u = { NULL, NULL };
	X509V3_CTX v3;
	char *crl = NULL, *aia = NULL;
	int r;

	ee_tmpl_clear(t);
	if ((r = urls_get(ctx, req, is->name, &u)) != CA_OK)
		goto out;
	r = CA_ERR_ALLOC;
	if (asprintf(&crl, "URI:%s", u.crl) < 0)
		crl = NULL;
	if (asprintf(&aia, "OCSP;URI:%s", u.ocsp) < 0)
		aia = NULL;
	if (crl == NULL || aia == NULL || (t->exts = sk_X509_EXTENSION_new_null()) == NULL)
		goto out;
	/* AKI needs only the issuer; no subject-dependent value in here. */
	X509V3_set_ctx(&v3, is->cert, NULL, NULL, NULL, 0);
	if ((r = ext_push(t->exts, &v3, NID_basic_constraints, "critical,CA:FALSE")) != CA_OK ||
	    (r = ext_push(t->exts, &v3, NID_key_usage, pr->key_usage)) != CA_OK ||
	    (pr->ext_key_usage != NULL &&
	     (r = ext_push(t->exts, &v3, NID_ext_key_usage, pr->ext_key_usage)) != CA_OK))
		goto out;
	t->ski_at = sk_X509_EXTENSION_num(t->exts);
	if ((r = ext_push(t->exts, &v3, NID_authority_key_identifier, "keyid:always")) != CA_OK ||
	    (r = ext_push(t->exts, &v3, NID_crl_distribution_points, crl)) != CA_OK ||
	    (r = ext_push(t->exts, &v3, NID_info_access, aia)) != CA_OK)
		goto out;
	t->pr = pr;
	t->crl_url = req->crl_url;
	t->ocsp_url = req->ocsp_url;
out:
	if (r != CA_OK)
		ee_tmpl_clear(t);
	free(crl);
	free(aia);
	free(u.crl);
	free(u.ocsp);
	return r;
}

static int
ee_extensions(X509 *crt, X509 *issuer, const struct ee_tmpl *t)
{
	X509V3_CTX v3;
	int i, n = sk_X509_EXTENSION_num(t->exts), r;

	X509V3_set_ctx(&v3, issuer, crt, NULL, NULL, 0);
	for (i = 0; i <= n; i++) {
		if (i == t->ski_at &&
		    (r = ca_ext_add(crt, &v3, NID_subject_key_identifier, "hash")) != CA_OK)
			return r;
		if (i < n && X509_add_ext(crt, sk_X509_EXTENSION_value(t->exts, i), -1) != 1)
			return CA_ERR_CRYPTO;
	}
	return CA_OK;
}

/* A certificate on its way: built (unsigned), then signed. */
struct ee_cert {
	const struct ca_profile *pr;
	struct ca_issuer *is;
	X509 *crt;
	char *hex;			/* its serial, registry form */
};

static void
ee_cert_clear(struct ee_cert *e)
{
	X509_free(e->crt);
	OPENSSL_free(e->hex);
	memset(e, 0, sizeof(*e));
}

/* Build the unsigned certificate; nothing touches the registry or the HSM. */
static int
ee_tbs(struct ca_ctx *ctx, const struct ca_issue_req *req, const struct ee_tmpl *t,
       const struct ca_person *holder, const struct ca_csr *csr, struct ee_cert *e)
{
	X509 *crt = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	char *hex = NULL;
	int r = CA_ERR_ALLOC;

	if ((crt = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(ctx->libctx, &serial, &hex)) != CA_OK ||
	    (r = holder_name(holder, &name)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_set_version(crt, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_issuer_name(crt, X509_get_subject_name(e->is->cert)) != 1 ||
	    X509_set_subject_name(crt, name) != 1)
		goto out;
	if ((r = ca_validity_set(crt, req->now, req->validity_days > 0 ? req->validity_days
				 : t->pr->validity_days)) != CA_OK ||
	    (r = ca_csr_spki_copy(csr, crt)) != CA_OK ||
	    (r = ee_extensions(crt, e->is->cert, t)) != CA_OK)
		goto out;
	e->crt = crt;
	e->hex = hex;
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

/* Sign on the token: the only step that needs the signer's session. */
static int
ee_sign(struct ca_ctx *ctx, struct ee_cert *e)
{
	if (X509_sign(e->crt, e->is->pkey, ctx->md) <= 0) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	return CA_OK;
}

/* The signed certificate's DER; the serial moves into @out. */
static int
ee_encode(struct ee_cert *e, struct ca_issued *out)
{
	int r;

	if ((r = ca_x509_der(e->crt, &out->der, &out->derlen)) != CA_OK)
		return r;
	out->serial = e->hex;
	e->hex = NULL;
	return CA_OK;
}

/* The certificate row and its audit entry, in the caller's transaction. */
static int
ee_record(struct ca_ctx *ctx, const struct ca_issue_req *req, const struct ca_profile *pr,
	  const struct ca_issued *c)
{
	struct ca_cert_rec rec = { 0 };
	char notafter[24];
	const char *kv[] = { "profile", pr->name, "holder", req->holder, "card", req->card,
			     "not_after", notafter, NULL };
	int days = req->validity_days > 0 ? req->validity_days : pr->validity_days;
	int r;

	rec.serial = c->serial;
	rec.card = (char *)req->card;
	rec.holder = (char *)req->holder;
	rec.profile = (char *)pr->name;
	rec.issuer = (char *)pr->issuer;
	rec.not_before = (int64_t)req->now;
	rec.not_after = (int64_t)req->now + (int64_t)days * 86400;
	rec.der = c->der;
	rec.derlen = c->derlen;
	snprintf(notafter, sizeof(notafter), "%lld", (long long)rec.not_after);
	if ((r = ca_reg_cert_add(ctx->reg, &rec)) == CA_OK)
		r = ca_ctx_audit(ctx, "issue-cert", c->serial, kv);
	return r;
}

/* Everything before signing: checks, request, unsigned certificate. */
static int
ee_prepare(struct ca_ctx *ctx, const struct ca_issue_req *req, struct ee_tmpl *t,
	   struct ee_cert *e)
{
	const struct ca_profile *pr = ca_profile_find(req->profile);
	struct ca_person holder = { 0 };
	struct ca_csr csr = { NULL, NULL, NULL, 0 };
	struct ca_issuer *is;
	int r;

	if (pr == NULL || (is = ca_ctx_issuer(ctx, pr->issuer)) == NULL || is->pkey == NULL) {
		util_log(LOG_ERR, "unknown certificate profile '%s'",
			 req->profile != NULL ? req->profile : "");
		return CA_ERR_USAGE;
	}
	if ((r = ca_reg_person_get(ctx->reg, req->holder, &holder)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "holder %s is not in the registry", req->holder);
		return r;
	}
	e->pr = pr;
	e->is = is;
	if (!ee_tmpl_fits(t, req, pr) && (r = ee_tmpl_build(ctx, req, pr, is, t)) != CA_OK)
		goto out;
	if (ctx->csr_reader == NULL &&
	    (r = ca_csr_reader_new(ctx->libctx, &ctx->csr_reader)) != CA_OK)
		goto out;
	if ((r = ca_csr_read(ctx->csr_reader, req->csr, req->csrlen, &csr)) != CA_OK)
		goto out;
	r = ee_tbs(ctx, req, t, &holder, &csr, e);
out:
	ca_csr_clear(&csr);
	ca_person_clear(&holder);
	return r;
}

int
ca_cert_issue(struct ca_ctx *ctx, const struct ca_issue_req *req, struct ca_issued *out)
{
	struct ee_tmpl t = { 0 };
	struct ee_cert e = { 0 };
	struct ca_issued c = { 0 };
	int r;

	if ((r = ee_prepare(ctx, req, &t, &e)) != CA_OK || (r = ee_sign(ctx, &e)) != CA_OK ||
	    (r = ee_encode(&e, &c)) != CA_OK || (r = ca_reg_begin(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ee_record(ctx, req, e.pr, &c)) != CA_OK ||
	    (r = ca_reg_commit(ctx->reg)) != CA_OK) {
		ca_reg_rollback(ctx->reg);
		goto out;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ee_tmpl_clear(&t);
	ee_cert_clear(&e);
	ca_issued_clear(&c);
	return r;
}

/*
 * Group commit, pipelined on two threads. The signing thread (the caller)
 * only signs, back to back on the token, so the HSM never waits for
 * bookkeeping; a helper thread does the bookkeeping around it: prepares
 * the next certificates (holder, request and its signature check, unsigned
 * certificate) ahead of the signer, and records each signed one (row and
 * audit entry in its own savepoint) while the signer works on the next.
 * Only the helper touches the registry connection, only the signer the
 * token session; they meet in struct pipe under its mutex. With one core
 * free the bookkeeping costs the signer nothing; measured in
 * tests/bench/README-ca.md. Without a helper thread (creation failed) the
 * same steps run in turn on the caller's thread.
 */
/* A request on its way; each step runs only while res is CA_OK. */
struct slot {
	const struct ca_issue_req *req;
	struct ee_cert e;
	struct ca_issued c;
	int res;
};

/* Prepared, not yet signed: enough to keep the signer busy through a commit's fsync. */
#define PIPE_LOOKAHEAD 8

struct pipe {
	struct ca_ctx *ctx;
	struct slot *s;
	size_t n, batch;			/* one commit per @batch requests */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t prepared, signed_, recorded;	/* counts, in order; under mu */
	int commit_err;				/* the first failed commit, else CA_OK */
	bool in_txn;				/* the helper's; a batch is open */
};

/*
 * Record one signed request in its own savepoint. A failure there is the
 * request's own; CA_OK unless the savepoint could not be undone, in which
 * case the caller must roll back the whole batch.
 */
static int
slot_record(struct ca_ctx *ctx, struct slot *sl)
{
	int r;

	if (sl->res != CA_OK)
		return CA_OK;
	if ((r = ee_encode(&sl->e, &sl->c)) != CA_OK || (r = ca_reg_savepoint(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ee_record(ctx, sl->req, sl->e.pr, &sl->c)) != CA_OK ||
	    (r = ca_reg_release(ctx->reg)) != CA_OK) {
		if (ca_reg_rollback_to(ctx->reg) != CA_OK)
			return r;
	}
out:
	if (r != CA_OK) {
		sl->res = r;
		ca_issued_clear(&sl->c);
	}
	return CA_OK;
}

static void
slot_prepare(struct ca_ctx *ctx, struct ee_tmpl *t, struct slot *sl)
{
	sl->res = ee_prepare(ctx, sl->req, t, &sl->e);
}

static void
slot_sign(struct ca_ctx *ctx, struct slot *sl)
{
	if (sl->res == CA_OK)
		sl->res = ee_sign(ctx, &sl->e);
}

/*
 * Record request @i; the first recorded request of a batch opens its
 * transaction (a failed BEGIN fails the requests up to @i, and the next
 * one tries again), the last commits it (the fsync) while the signer goes
 * on with the next batch. A batch whose commit fails, or whose savepoint
 * could not be undone, is rolled back whole: its requests get the error
 * and hand nothing out.
 */
static void
pipe_record(struct pipe *p, size_t i)
{
	size_t first = i - i % p->batch, j;
	int r = CA_OK;

	if (!p->in_txn) {
		if ((r = ca_reg_begin(p->ctx->reg)) != CA_OK)
			goto failed;
		p->in_txn = true;
	}
	if ((r = slot_record(p->ctx, &p->s[i])) != CA_OK) {
		p->in_txn = false;
		ca_reg_rollback(p->ctx->reg);
		goto failed;
	}
	if (i + 1 < p->n && (i + 1) % p->batch != 0)
		return;
	p->in_txn = false;
	if ((r = ca_reg_commit(p->ctx->reg)) == CA_OK)
		return;
	ca_reg_rollback(p->ctx->reg);
failed:
	for (j = first; j <= i; j++) {
		p->s[j].res = r;
		ca_issued_clear(&p->s[j].c);
	}
	if (p->commit_err == CA_OK)
		p->commit_err = r;
}

/* The helper: prepare ahead of the signer, record behind it. */
static void *
pipe_bookkeeper(void *arg)
{
	struct pipe *p = arg;
	struct ee_tmpl t = { 0 };
	size_t i;
	bool prepare;

	pthread_mutex_lock(&p->mu);
	while (p->recorded < p->n) {
		/* Feeding the signer comes first; recording can wait. */
		prepare = p->prepared < p->n && p->prepared - p->signed_ < PIPE_LOOKAHEAD;
		if (!prepare && p->recorded == p->signed_) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		i = prepare ? p->prepared : p->recorded;
		pthread_mutex_unlock(&p->mu);
		if (prepare)
			slot_prepare(p->ctx, &t, &p->s[i]);
		else
			pipe_record(p, i);
		pthread_mutex_lock(&p->mu);
		if (prepare)
			p->prepared++;
		else
			p->recorded++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	ee_tmpl_clear(&t);
	return NULL;
}

/* The signer, on the caller's thread. */
static void
pipe_sign_all(struct pipe *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		pthread_mutex_lock(&p->mu);
		while (p->prepared <= i)
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		slot_sign(p->ctx, &p->s[i]);
		pthread_mutex_lock(&p->mu);
		p->signed_++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Per-request results in @s; CA_OK or the first failed commit. */
static int
group_run(struct ca_ctx *ctx, struct slot *s, size_t n, size_t batch)
{
	struct pipe p = { .ctx = ctx, .s = s, .n = n, .batch = batch };
	struct ee_tmpl t = { 0 };
	pthread_t helper;
	size_t i;

	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (pthread_create(&helper, NULL, pipe_bookkeeper, &p) == 0) {
		pipe_sign_all(&p);
		pthread_join(helper, NULL);
	} else {
		for (i = 0; i < n; i++) {
			slot_prepare(ctx, &t, &s[i]);
			slot_sign(ctx, &s[i]);
			pipe_record(&p, i);
		}
		ee_tmpl_clear(&t);
	}
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return p.commit_err;
}

int
ca_cert_issue_many(struct ca_ctx *ctx, const struct ca_issue_req *req, size_t n, size_t batch,
		   struct ca_issued *out, int *res)
{
	struct slot *s = NULL;
	size_t i;
	int r;

	if (n == 0)
		return CA_OK;
	if ((s = calloc(n, sizeof(*s))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < n; i++)
		s[i].req = &req[i];
	r = group_run(ctx, s, n, batch == 0 || batch > n ? n : batch);
	/* Committed now (or failed with its batch): only here does anything
	 * leave the CA. */
	for (i = 0; i < n; i++) {
		res[i] = s[i].res;
		out[i] = s[i].c;
		ee_cert_clear(&s[i].e);
	}
	free(s);
	return r;
}
