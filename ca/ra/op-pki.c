/*
 * ca/ra/op-pki.c: certificates from requests, revocation and CRLs, as
 * operations behind the gate. See ops.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca/core/checkpoint.h"
#include "ca/core/error.h"
#include "ca/core/publish.h"
#include "ca/core/x509util.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-cards.h"
#include "common/fileio.h"

/*
 * A certificate's subject must be a registered person whose identity an
 * RA agent checked: in person (person-add, batch) or on a sponsored
 * request (verify-identity).
 */
static int
subject_checked(struct ca_session *s, enum ca_op op, const char *uuid, struct ca_result *res)
{
	struct ca_person p = { 0 };
	char *sp = NULL, *ag = NULL;
	bool verified = false;
	int r;

	if (uuid == NULL || (r = ca_reg_person_get(s->ctx->reg, uuid, &p)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_PERSON_UNKNOWN, uuid != NULL ? uuid : "?");
	if (r != CA_OK)
		return r;
	if (p.checked_by == NULL) {
		r = ca_reg_card_request(s->ctx->reg, uuid, &sp, &ag, &verified);
		if (r == CA_OK || r == CA_ERR_NOT_FOUND)
			r = verified ? CA_OK : RA_REFUSE(s, op, res, CA_RF_IDENTITY_UNCHECKED,
							 uuid);
	}
	free(sp);
	free(ag);
	ca_person_clear(&p);
	return r;
}

static int
issue_allowed(struct ca_session *s, const struct ca_issue_req *rq, struct ca_result *res)
{
	struct ca_target t = { NULL };
	int r;

	t.holder = rq->holder;
	t.subject = rq->holder;
	if ((r = ca_gate(s, CA_OP_ISSUE_CERT, &t, res, NULL)) != CA_OK)
		return r;
	return subject_checked(s, CA_OP_ISSUE_CERT, rq->holder, res);
}

int
ca_op_issue_cert(struct ca_session *s, const struct ca_issue_req *rq, struct ca_issued *out,
		 struct ca_result *res)
{
	int r;

	if ((r = ca_gate_who(s, CA_OP_ISSUE_CERT, rq->holder, res)) != CA_OK)
		return r;
	if ((r = issue_allowed(s, rq, res)) != CA_OK)
		return r;
	if ((r = ca_cert_issue(s->ctx, rq, out)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the request was not certified: %s",
				      ca_strerror(r));
	ca_result_done(res, "%s", out->serial);
	return CA_OK;
}

int
ca_op_issue_certs(struct ca_session *s, const struct ca_issue_req *rq, size_t n, size_t batch,
		  struct ca_issued *out, int *each, struct ca_result *res)
{
	size_t i, k;
	int r;

	if ((r = ca_gate_who(s, CA_OP_ISSUE_CERT, NULL, res)) != CA_OK)
		return r;
	/* Every subject passes before anything is signed; a holder named on
	 * many lines is checked once. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < i; k++)
			if (rq[k].holder != NULL && rq[i].holder != NULL &&
			    strcmp(rq[k].holder, rq[i].holder) == 0)
				break;
		if (k == i && (r = issue_allowed(s, &rq[i], res)) != CA_OK)
			return r;
	}
	return ca_cert_issue_many(s->ctx, rq, n, batch, out, each);
}

int
ca_op_revoke(struct ca_session *s, const char *serial, const char *reason, struct ca_result *res)
{
	struct ca_cert_rec rec = { 0 };
	struct ca_target t = { NULL };
	char *norm = NULL;
	int code, r;

	if ((r = ca_gate_who(s, CA_OP_REVOKE, serial, res)) != CA_OK)
		return r;
	if (reason == NULL || ca_revoke_reason_parse(reason, &code) != CA_OK ||
	    code == CRL_REASON_REMOVE_FROM_CRL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "unknown revocation reason '%s'",
				      reason != NULL ? reason : "");
	/* A hold is temporary and may be released: it has its own operation. */
	if (code == CRL_REASON_CERTIFICATE_HOLD)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "certificateHold is not a "
				      "revocation: put the certificate on hold with hold --serial "
				      "%s (release ends it)", serial != NULL ? serial : "SERIAL");
	if (serial == NULL || ca_serial_normalize(serial, &norm) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "'%s' is not a hexadecimal serial "
				      "number", serial != NULL ? serial : "");
	if ((r = ca_reg_cert_get(s->ctx->reg, norm, &rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(s, CA_OP_REVOKE, res, CA_RF_CERT_UNKNOWN, norm);
		goto out;
	}
	t.holder = rec.holder;
	t.subject = norm;
	if ((r = ca_gate(s, CA_OP_REVOKE, &t, res, NULL)) != CA_OK)
		goto out;
	r = ca_cert_revoke(s->ctx, norm, code, (time_t)ca_ctx_now(s->ctx));
	if (r == CA_ERR_STATE)
		RA_REFUSE(s, CA_OP_REVOKE, res, CA_RF_CERT_REVOKED, norm,
			  ca_revoke_reason_name(rec.reason));
	else if (r == CA_OK)
		ca_result_done(res, "certificate %s revoked (%s)", norm,
			       ca_revoke_reason_name(code));
out:
	ca_cert_rec_clear(&rec);
	free(norm);
	return r;
}

/* nextUpdate: the caller's, else the policy's schedule for full or delta CRLs. */
static int
crl_next_update(struct ca_session *s, bool delta, int64_t next_update, int64_t *secs,
		struct ca_result *res)
{
	struct pol_crl sched;

	pol_crl_schedule(s->ctx->pol, &sched);
	if (next_update > 0) {
		*secs = next_update;
		return CA_OK;
	}
	*secs = delta ? sched.delta_next_update : sched.next_update;
	if (delta && (sched.delta_interval == 0 || *secs <= 0))
		return RA_REFUSE(s, CA_OP_CRL, res, CA_RF_CRL_NO_DELTA, "this CA");
	return CA_OK;
}

/* One CRL, for an actor the gate let through. */
static int
crl_make(struct ca_session *s, const char *issuer, bool delta, int64_t next_update,
	 unsigned char **der, size_t *len, long *number, struct ca_result *res)
{
	struct ca_crl_opts o = { issuer, delta, 0, (time_t)ca_ctx_now(s->ctx) };
	int64_t next = 0;
	int r;

	if ((r = crl_next_update(s, delta, next_update, &next, res)) != CA_OK)
		return r;
	if (issuer == NULL || ca_ctx_issuer(s->ctx, issuer) == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "no issuing CA '%s' "
				      "(authentication, signing or root; after a rollover also "
				      "authentication-N, signing-N)", issuer != NULL ? issuer : "");
	r = ca_crl_generate_secs(s->ctx, &o, next, der, len, number);
	if (r == CA_ERR_STATE)
		RA_REFUSE(s, CA_OP_CRL, res, CA_RF_CRL_NO_BASE, issuer);
	return r;
}

/* The recovery first: a certificate an operation abandoned is on this CRL. */
int
ca_op_crl(struct ca_session *s, const char *issuer, bool delta, int64_t next_update,
	  unsigned char **der, size_t *len, long *number, struct ca_result *res)
{
	int r, n = 0;

	if ((r = ca_gate(s, CA_OP_CRL, NULL, res, NULL)) != CA_OK ||
	    (r = ra_recover(s, &n, res)) != CA_OK)
		return r;
	return crl_make(s, issuer, delta, next_update, der, len, number, res);
}

/* Larger than a CRL of a few million revocations (about 40 bytes each). */
#define CRL_FILE_MAX	(256 * 1024 * 1024)

struct publish {
	struct ca_session *s;
	const struct ca_publish_req *rq;
	struct ca_result *res;
	struct pol_crl sched;
	struct pol_integrity integrity;
	struct ca_pub_names names;	/* from the policy's CRL URLs (ca/core/publish.h) */
	int64_t now;
	size_t used;			/* of res->done */
};

/* A line of res->done. */
static void
publish_say(struct publish *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
publish_say(struct publish *p, const char *fmt, ...)
{
	size_t room = sizeof(p->res->done) - p->used;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	if (p->used > 0) {
		p->res->done[p->used++] = '\n';
		room--;
	}
	va_start(ap, fmt);
	n = vsnprintf(p->res->done + p->used, room, fmt, ap);
	va_end(ap);
	p->used += n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Where the CRLs are published, for audit verify: the newest of them
 * carries the outside anchor of the log (ca_audit_verify_all). Only
 * rewritten when it changes.
 */
static int
publish_dir_record(struct publish *p)
{
	char *abs = realpath(p->rq->dir, NULL), *was = NULL;
	int r;

	if (abs == NULL)
		return ca_result_fail(p->res, CA_ERR_IO, NULL, "%s: %s", p->rq->dir,
				      strerror(errno));
	r = ca_reg_config_get(p->s->ctx->reg, "crl-publish-dir", &was);
	if (r == CA_OK && strcmp(was, abs) == 0)
		goto out;
	if ((r = ca_reg_begin(p->s->ctx->reg)) == CA_OK)
		r = ca_reg_end(p->s->ctx->reg, ca_reg_config_set(p->s->ctx->reg,
								 "crl-publish-dir", abs));
out:
	free(was);
	free(abs);
	return r;
}

/*
 * DIR/<name> into *path (malloc'ed): the last segment of the CRL's URL in
 * the policy (profiles.*.crl-url, publication.root-crl-url), "-delta"
 * before ".crl" for a delta CRL: the names the certificates' CRL
 * distribution points and carecard-ca serve use.
 */
static int
publish_path(const struct publish *p, const char *issuer, bool delta, char **path)
{
	struct ca_issuer *is = ca_ctx_issuer(p->s->ctx, issuer);
	const struct ca_pub_item *it = NULL;

	*path = NULL;
	if (is != NULL)
		it = ca_pub_find(&p->names, delta ? CA_PUB_DELTA_CRL : CA_PUB_CRL,
				 (enum ca_issuer_id)(is - p->s->ctx->issuers));
	if (it == NULL)
		return ca_result_fail(p->res, CA_ERR_USAGE, NULL, "the policy names no %s CRL "
				      "of the %s CA", delta ? "delta" : "full", issuer);
	if (asprintf(path, "%s/%s", p->rq->dir, ca_pub_file(it)) < 0) {
		*path = NULL;
		return CA_ERR_ALLOC;
	}
	return CA_OK;
}

/* One CRL into its stable name (DER, as HTTP CRL distribution points serve
 * them: RFC 5280 4.2.1.13), atomically. */
static int
publish_one(struct publish *p, const char *issuer, bool delta)
{
	unsigned char *der = NULL;
	char *path = NULL;
	size_t len = 0;
	long number = 0;
	int e, r;

	if ((r = crl_make(p->s, issuer, delta, p->rq->next_update, &der, &len, &number,
			  p->res)) != CA_OK ||
	    (r = publish_path(p, issuer, delta, &path)) != CA_OK)
		goto out;
	if ((e = util_file_write_atomic(path, der, len, 0644)) != 0) {
		r = ca_result_fail(p->res, CA_ERR_IO, NULL, "%s: %s", path, strerror(-e));
		goto out;
	}
	publish_say(p, "%s %s CRL %ld -> %s", issuer, delta ? "delta" : "full", number, path);
out:
	OPENSSL_free(der);
	free(path);
	return r;
}

/*
 * thisUpdate of the CRL published at @path into *when; 0 when there is
 * none, or when it is not a CRL (a broken file is replaced, not trusted).
 */
static int
published_at(struct publish *p, const char *path, int64_t *when)
{
	unsigned char *buf = NULL;
	const unsigned char *q;
	X509_CRL *crl = NULL;
	size_t len = 0;
	struct tm tm;
	int e;

	*when = 0;
	if ((e = util_file_read_all(path, CRL_FILE_MAX, &buf, &len)) == -ENOENT)
		return CA_OK;
	if (e != 0)
		return ca_result_fail(p->res, CA_ERR_IO, NULL, "%s: %s", path, strerror(-e));
	q = buf;
	if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL &&
	    ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm) == 1)
		*when = (int64_t)timegm(&tm);
	ERR_clear_error();
	X509_CRL_free(crl);
	free(buf);
	return CA_OK;
}

/*
 * if_due: a full CRL when the published one is crl.full-interval old (or
 * missing); a delta when deltas are on and the published delta is
 * crl.delta-interval old or older than the full CRL it extends, so a new
 * full CRL is always followed by a delta naming it as base.
 */
static int
publish_if_due(struct publish *p, const char *issuer)
{
	char *full = NULL, *delta = NULL;
	int64_t lf = 0, ld = 0;
	bool new_full = false, root = strcmp(issuer, "root") == 0;
	int r;

	if ((r = publish_path(p, issuer, false, &full)) != CA_OK ||
	    (!root && (r = publish_path(p, issuer, true, &delta)) != CA_OK) ||
	    (r = published_at(p, full, &lf)) != CA_OK)
		goto out;
	if (pol_crl_due(&p->sched, false, lf, p->now)) {
		if ((r = publish_one(p, issuer, false)) != CA_OK)
			goto out;
		new_full = true;	/* the old delta's base is gone, even within a second */
	}
	/* The root's CRL lists only issuing CAs: full CRLs only. */
	if (root || p->sched.delta_interval == 0 || (r = published_at(p, delta, &ld)) != CA_OK)
		goto out;
	if (new_full || ld < lf || pol_crl_due(&p->sched, true, ld, p->now))
		r = publish_one(p, issuer, true);
out:
	free(full);
	free(delta);
	return r;
}

int
ca_op_crl_publish(struct ca_session *s, const struct ca_publish_req *rq, struct ca_result *res)
{
	/* A rollover's previous CAs too, until their last certificate expires. */
	static const enum ca_issuer_id ids[] = { CA_ISSUER_AUTH, CA_ISSUER_SIGN,
						 CA_ISSUER_AUTH_PREV, CA_ISSUER_SIGN_PREV,
						 CA_ISSUER_ROOT };
	const char *issuer;
	struct publish p = { s, rq, res, { 0 }, { 0 }, { 0 }, ca_ctx_now(s->ctx), 0 };
	char why[256];
	struct ca_checkpoint cp;
	bool made = false;
	size_t i;
	int e, r, n = 0;

	if ((r = ca_gate(s, CA_OP_CRL, NULL, res, NULL)) != CA_OK)
		return r;
	pol_crl_schedule(s->ctx->pol, &p.sched);
	pol_integrity_get(s->ctx->pol, &p.integrity);
	if (rq->delta && p.sched.delta_interval == 0)
		return RA_REFUSE(s, CA_OP_CRL, res, CA_RF_CRL_NO_DELTA, "this CA");
	if (ca_pub_names(s->ctx->pol, s->ctx->issuers, &p.names, why, sizeof(why)) != CA_OK)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "policy %s: %s",
				      s->ctx->pol->source, why);
	if ((e = util_mkdir_p(rq->dir, 0755)) != 0)
		return ca_result_fail(res, CA_ERR_IO, NULL, "%s: %s", rq->dir, strerror(-e));
	if ((r = ra_recover(s, &n, res)) != CA_OK || (r = publish_dir_record(&p)) != CA_OK)
		return r;
	if (n > 0)
		publish_say(&p, "%d abandoned pending certificate(s) revoked", n);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]) && r == CA_OK; i++) {
		if (!ca_issuer_live(s->ctx, ids[i], p.now) || (rq->delta && ids[i] == CA_ISSUER_ROOT))
			continue;
		issuer = s->ctx->issuers[ids[i]].name;
		r = rq->if_due ? publish_if_due(&p, issuer) : publish_one(&p, issuer, rq->delta);
	}
	/* Nothing was due: the log's head is signed on its own when it is time. */
	if (r == CA_OK && (r = ca_checkpoint_if_due(s->ctx, p.integrity.checkpoint_interval,
						     "interval", &made, &cp)) == CA_OK && made)
		publish_say(&p, "audit checkpoint at entry %lld", (long long)cp.seq);
	return r;
}
