/*
 * ca/core/audit-verify.c: the whole audit check (ca_audit_verify_all): the
 * chain, then where it ends against what was signed or recorded elsewhere
 * — the outside anchor (a published CRL's checkpoint), the newest signed
 * checkpoint in the registry, and each certificate's issuance entry — so a
 * log cut back at its end, even to nothing, is reported with where it was
 * cut. See audit.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/core/audit.h"
#include "ca/core/checkpoint.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "common/fileio.h"
#include "common/log.h"

/* Larger than a CRL of a few million revocations. */
#define ANCHOR_FILE_MAX (256 * 1024 * 1024)

/* A signed statement about where the log ended, and who made it. */
struct evidence {
	bool have;
	struct ca_checkpoint cp;
	char name[128];			/* the anchor's file, or "" */
	char source[160];		/* how messages name it */
};

/* CA_ERR_AUDIT with @rep's reason, the first bad entry @bad (0: none in particular). */
static int
broken(struct ca_audit_report *rep, int64_t bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
broken(struct ca_audit_report *rep, int64_t bad, const char *fmt, ...)
{
	va_list ap;

	rep->bad_id = bad;
	va_start(ap, fmt);
	vsnprintf(rep->what, sizeof(rep->what), fmt, ap);
	va_end(ap);
	return CA_ERR_AUDIT;
}

/* The log (ending at @last) against one piece of evidence. */
static int
evidence_check(struct ca_ctx *ctx, int64_t last, const struct evidence *e,
	       struct ca_audit_report *rep)
{
	char when[32], hash[65];
	int r;

	if (!e->have)
		return CA_OK;
	ca_time_text(e->cp.time, when, sizeof(when));
	if (e->cp.seq > last) {
		if (last == 0)
			return broken(rep, 1, "the log is empty but %s signed on %s covers up to entry "
				      "%" PRId64 ": entries 1..%" PRId64 " were cut", e->source, when,
				      e->cp.seq, e->cp.seq);
		return broken(rep, last + 1, "the log ends at entry %" PRId64 " but %s signed on %s "
			      "covers up to entry %" PRId64 ": entries %" PRId64 "..%" PRId64
			      " were cut", last, e->source, when, e->cp.seq, last + 1, e->cp.seq);
	}
	if ((r = ca_reg_audit_hash_at(ctx->reg, e->cp.seq, hash)) != CA_OK && r != CA_ERR_AUDIT)
		return r;
	if (r != CA_OK || strcmp(hash, e->cp.hash) != 0)
		return broken(rep, e->cp.seq, "entry %" PRId64 " is not the one %s signed on %s: "
			      "the log was replaced from there on", e->cp.seq, e->source, when);
	return CA_OK;
}

/* A CRL, DER or PEM; NULL if @buf is neither. */
static X509_CRL *
crl_parse(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	BIO *b;

	if (crl == NULL && (b = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	ERR_clear_error();	/* not a CRL is an answer, not an error */
	return crl;
}

/*
 * The checkpoint in anchor @a into @e. CA_ERR_NOT_FOUND when it is not a
 * CRL or carries none; CA_ERR_AUDIT (with @rep) when its signature fails.
 */
static int
anchor_read(struct ca_ctx *ctx, const struct ca_audit_anchor *a, struct evidence *e,
	    struct ca_audit_report *rep)
{
	X509_CRL *crl = crl_parse(a->buf, a->len);
	const unsigned char *der;
	size_t len;
	int r = CA_ERR_NOT_FOUND;

	if (crl == NULL || ca_checkpoint_from_crl(crl, &der, &len) != CA_OK)
		goto out;
	if ((r = ca_checkpoint_verify(ctx, der, len, &e->cp)) != CA_OK) {
		r = broken(rep, 0, "%s carries an audit checkpoint that does not verify with the "
			   "CA's audit key: it was not signed by this CA, or was altered", a->name);
		goto out;
	}
	e->have = true;
	snprintf(e->name, sizeof(e->name), "%s", a->name);
	snprintf(e->source, sizeof(e->source), "the anchor %s", a->name);
out:
	X509_CRL_free(crl);
	return r;
}

/* The files of @dir that may be CRLs: the newest checkpoint any carries into @best. */
static int
anchor_scan_dir(struct ca_ctx *ctx, const char *dir, struct evidence *best,
		struct ca_audit_report *rep)
{
	struct ca_audit_anchor a;
	struct evidence e;
	struct dirent *de;
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t n, len = 0;
	DIR *d;
	int r = CA_OK;

	if ((d = opendir(dir)) == NULL)
		return CA_OK;		/* nothing published there (yet) */
	while (r == CA_OK && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (!(n > 4 && strcmp(de->d_name + n - 4, ".crl") == 0) &&
		    !(n > 8 && strcmp(de->d_name + n - 8, ".crl.pem") == 0))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			path = NULL;
			r = CA_ERR_ALLOC;
			break;
		}
		if (util_file_read_all(path, ANCHOR_FILE_MAX, &buf, &len) == 0) {
			memset(&e, 0, sizeof(e));
			a.name = path;
			a.buf = buf;
			a.len = len;
			r = anchor_read(ctx, &a, &e, rep);
			if (r == CA_OK && (!best->have || e.cp.seq > best->cp.seq))
				*best = e;
			if (r == CA_ERR_NOT_FOUND)
				r = CA_OK;
			free(buf);
			buf = NULL;
		}
		free(path);
		path = NULL;
	}
	closedir(d);
	return r;
}

/* No anchor given: the newest checkpoint among the CRLs the CA wrote. */
static int
anchor_default(struct ca_ctx *ctx, struct evidence *e, struct ca_audit_report *rep)
{
	char *own = ca_ctx_path(ctx, "crl"), *published = NULL;
	int r;

	if (own == NULL)
		return CA_ERR_ALLOC;
	r = anchor_scan_dir(ctx, own, e, rep);
	if (r == CA_OK && ca_reg_config_get(ctx->reg, "crl-publish-dir", &published) == CA_OK)
		r = anchor_scan_dir(ctx, published, e, rep);
	free(published);
	free(own);
	return r;
}

static int
anchor_given(struct ca_ctx *ctx, const struct ca_audit_anchor *a, struct evidence *e,
	     struct ca_audit_report *rep)
{
	int r = anchor_read(ctx, a, e, rep);

	if (r == CA_ERR_NOT_FOUND)
		return broken(rep, 0, "%s is not a CRL carrying this CA's audit checkpoint", a->name);
	return r;
}

/* The newest checkpoint in the registry into @e (none: !e->have). */
static int
registry_checkpoint(struct ca_ctx *ctx, struct evidence *e, struct ca_audit_report *rep)
{
	struct ca_checkpoint_row row;
	int r;

	memset(&row, 0, sizeof(row));
	if ((r = ca_reg_checkpoint_newest(ctx->reg, &row)) == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	if (ca_checkpoint_verify(ctx, row.der, row.derlen, &e->cp) != CA_OK ||
	    e->cp.seq != row.seq || strcmp(e->cp.hash, row.hash) != 0)
		r = broken(rep, 0, "the newest checkpoint in the registry (entry %" PRId64 ") "
			   "does not verify with the CA's audit key: the checkpoints were edited",
			   row.seq);
	else {
		e->have = true;
		snprintf(e->source, sizeof(e->source), "the registry's checkpoint");
	}
	ca_checkpoint_row_clear(&row);
	return r;
}

struct cert_walk {
	int64_t last;			/* the log's last entry */
	int64_t count, beyond;		/* rows; rows recorded past the end */
	int64_t max_seq;
	char max_serial[80];
	struct ca_audit_report *rep;
};

/* One certificate row against the chain. */
static int
cert_one(void *arg, const struct ca_cert_audit_row *row)
{
	struct cert_walk *w = arg;

	w->count++;
	if (row->audit_seq <= 0)
		return broken(w->rep, 0, "certificate %s has no issuance entry recorded: the "
			      "registry was edited", row->serial);
	if (row->audit_seq > w->last) {
		w->beyond++;
		if (row->audit_seq > w->max_seq) {
			w->max_seq = row->audit_seq;
			snprintf(w->max_serial, sizeof(w->max_serial), "%s", row->serial);
		}
		return 0;
	}
	if (!row->have_entry || (strcmp(row->subject, row->serial) != 0 &&
				 strstr(row->details, row->serial) == NULL))
		return broken(w->rep, row->audit_seq, "certificate %s names entry %" PRId64 " as "
			      "its issuance, which is not about it: the registry or the log was "
			      "edited", row->serial, row->audit_seq);
	return 0;
}

static int
certs_check(struct ca_ctx *ctx, int64_t last, int64_t *count, struct ca_audit_report *rep)
{
	struct cert_walk w;
	int r;

	memset(&w, 0, sizeof(w));
	w.last = last;
	w.rep = rep;
	if ((r = ca_reg_cert_audit_foreach(ctx->reg, cert_one, &w)) != CA_OK)
		return r;
	*count = w.count;
	if (w.max_seq > last)
		return broken(rep, last + 1, "the log ends at entry %" PRId64 " but certificate %s "
			      "was recorded by entry %" PRId64 " (%" PRId64 " certificate(s) past "
			      "the end): entries %" PRId64 "..%" PRId64 " were cut", last,
			      w.max_serial, w.max_seq, w.beyond, last + 1, w.max_seq);
	return CA_OK;
}

int
ca_audit_verify_all(struct ca_ctx *ctx, const struct ca_audit_anchor *anchor,
		    struct ca_audit_report *rep)
{
	struct evidence out, reg;
	char when[32], hash[65], a[200] = "", c[120] = "";
	int64_t last = 0, certs = 0;
	bool sig = ctx->signer != NULL;
	int r;

	memset(&out, 0, sizeof(out));
	memset(&reg, 0, sizeof(reg));
	if ((r = ca_audit_verify(ctx->reg, rep)) != CA_OK ||
	    (r = ca_reg_audit_last(ctx->reg, &last, hash)) != CA_OK)
		return r;
	/* Signed evidence needs the audit key: a session with the HSM. */
	if (sig) {
		if ((r = anchor != NULL ? anchor_given(ctx, anchor, &out, rep)
		     : anchor_default(ctx, &out, rep)) != CA_OK ||
		    (r = registry_checkpoint(ctx, &reg, rep)) != CA_OK ||
		    (r = evidence_check(ctx, last, &out, rep)) != CA_OK ||
		    (r = evidence_check(ctx, last, &reg, rep)) != CA_OK)
			return r;
	}
	if ((r = certs_check(ctx, last, &certs, rep)) != CA_OK)
		return r;
	if (out.have) {
		ca_time_text(out.cp.time, when, sizeof(when));
		snprintf(a, sizeof(a), "anchor %s (entry %" PRId64 ", signed %s)", out.name,
			 out.cp.seq, when);
	} else {
		snprintf(a, sizeof(a), sig ? "no anchor found (give --anchor FILE.crl)"
			 : "anchors not checked (no HSM)");
	}
	if (reg.have) {
		ca_time_text(reg.cp.time, when, sizeof(when));
		snprintf(c, sizeof(c), "checkpoint: entry %" PRId64 " (signed %s)", reg.cp.seq,
			 when);
	} else {
		snprintf(c, sizeof(c), "no checkpoint in the registry");
	}
	snprintf(rep->checked, sizeof(rep->checked), "%s; %s; %" PRId64 " certificate(s) "
		 "against the chain", a, c, certs);
	return CA_OK;
}
