/*
 * ca/ra/op-backup.c: carecard-ca backup and the registry's side of
 * restore, behind the gate (see ops.h). The files are ca/core/backup.c's.
 */
#include "config.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/backup.h"
#include "ca/core/checkpoint.h"
#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "common/fileio.h"

/* Larger than a CRL of a few million revocations. */
#define CRL_FILE_MAX (256 * 1024 * 1024)

static const char *const issuers[] = { "authentication", "signing", "root" };
#define ISSUERS (sizeof(issuers) / sizeof(issuers[0]))

int
ca_op_backup(struct ca_session *s, const char *out, struct ca_backup_info *info,
	     struct ca_result *res)
{
	struct ca_ctx *ctx = s->ctx;
	char files[24], bytes[24], seq[24];
	const char *kv[] = { "files", files, "bytes", bytes, "registry", info->registry,
			     "audit-entry", seq, NULL };
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = ca_gate_who(s, CA_OP_BACKUP, out, res)) != CA_OK ||
	    (r = ca_gate(s, CA_OP_BACKUP, NULL, res, NULL)) != CA_OK)
		return r;
	info->created = ca_ctx_now(ctx);
	if ((r = ca_reg_audit_last(ctx->reg, &info->audit_seq, info->audit_hash)) != CA_OK)
		return ca_result_fail(res, r, NULL, "cannot read the audit log's last entry");
	if ((r = ca_backup_write(ctx->dir, ctx->reg, out, info)) != CA_OK)
		return ca_result_fail(res, r, NULL, "%s: nothing was written",
				      info->why[0] != '\0' ? info->why : "the backup failed");
	snprintf(files, sizeof(files), "%ld", info->files);
	snprintf(bytes, sizeof(bytes), "%" PRId64, info->bytes);
	snprintf(seq, sizeof(seq), "%" PRId64, info->audit_seq);
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK ||
	    (r = ca_reg_end(ctx->reg, ca_ctx_audit(ctx, "backup", out, kv))) != CA_OK)
		return ca_result_fail(res, r, NULL, "the backup %s was written, but its audit "
				      "entry was not", out);
	ca_result_done(res, "backup %s: %ld files, %" PRId64 " bytes, the registry (%s)%s up to "
		       "audit entry %" PRId64, out, info->files, info->bytes, info->registry,
		       strcmp(info->registry, "sqlite") == 0 ? "" : " NOT included: back it up "
		       "with pg_dump", info->audit_seq);
	return CA_OK;
}

/* ---- restore ---- */

struct found {
	struct ca_session *s;
	struct ca_restore_report *rep;
	long numbers[ISSUERS];
	size_t used;			/* of rep->unknown_list */
};

/* Which of the CA's issuers signed @crl (ISSUERS: none). */
static size_t
crl_issuer(struct ca_ctx *ctx, X509_CRL *crl)
{
	struct ca_issuer *is;
	size_t i;

	for (i = 0; i < ISSUERS; i++) {
		if ((is = ca_ctx_issuer(ctx, issuers[i])) == NULL || is->cert == NULL)
			continue;
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(is->cert)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(is->cert)) == 1)
			return i;
	}
	return ISSUERS;
}

/* The unknown serial @hex into the report's list (once). */
static void
unknown_add(struct found *f, const char *hex)
{
	int n;

	if (strstr(f->rep->unknown_list, hex) != NULL)
		return;
	f->rep->unknown++;
	n = snprintf(f->rep->unknown_list + f->used, sizeof(f->rep->unknown_list) - f->used,
		     "%s%s", f->used > 0 ? " " : "", hex);
	if (n > 0 && f->used + (size_t)n < sizeof(f->rep->unknown_list))
		f->used += (size_t)n;
	else
		f->rep->unknown_list[f->used] = '\0';
}

/*
 * A serial a CRL of this CA lists as revoked for good: revoked in the
 * restored registry too when it is still valid there (revoked after the
 * backup: a published revocation is never undone), with the CRL's reason
 * and date; counted when the registry does not know it (issued after the
 * backup). Holds are left as the registry has them: one may have been
 * released since the CRL that shows it.
 */
static int
crl_entry(struct found *f, X509_REVOKED *rv)
{
	struct ca_ctx *ctx = f->s->ctx;
	ASN1_ENUMERATED *why = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, NULL, NULL);
	long reason = why != NULL ? ASN1_ENUMERATED_get(why) : 0;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(rv), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL, rs[8];
	const char *kv[] = { "reason", rs, "from", "a published CRL", NULL };
	struct ca_cert_rec c;
	struct tm tm;
	int r = CA_OK;

	memset(&c, 0, sizeof(c));
	ASN1_ENUMERATED_free(why);
	BN_free(bn);
	if (hex == NULL)
		return CA_ERR_ALLOC;
	if (reason == 6 /* certificateHold */ || reason == 8 /* removeFromCRL */)
		goto out;
	if ((r = ca_reg_cert_get(ctx->reg, hex, &c)) == CA_ERR_NOT_FOUND) {
		unknown_add(f, hex);
		r = CA_OK;
		goto out;
	}
	if (r != CA_OK || c.status == CA_CERT_REVOKED)
		goto out;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_REVOKED_get0_revocationDate(rv), &tm) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	snprintf(rs, sizeof(rs), "%ld", reason);
	if ((r = ca_reg_cert_revoke(ctx->reg, hex, (int)reason, (int64_t)timegm(&tm))) == CA_OK &&
	    (r = ca_ctx_audit(ctx, "revoke-restored", hex, kv)) == CA_OK)
		f->rep->rerevoked++;
	if (r == CA_ERR_STATE)
		r = CA_OK;
out:
	ca_cert_rec_clear(&c);
	OPENSSL_free(hex);
	return r;
}

static int
crl_entries(struct found *f, X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
	int i, r = CA_OK;

	for (i = 0; i < sk_X509_REVOKED_num(rev) && r == CA_OK; i++)
		r = crl_entry(f, sk_X509_REVOKED_value(rev, i));
	return r;
}

/* One file that may be a CRL of this CA: its number, checkpoint, serials. */
static int
crl_file(struct found *f, const char *path)
{
	struct ca_checkpoint cp;
	const unsigned char *p, *der;
	unsigned char *buf = NULL;
	ASN1_INTEGER *num = NULL;
	X509_CRL *crl = NULL;
	size_t len = 0, i;
	int r = CA_OK;
	BIO *b;

	if (util_file_read_all(path, CRL_FILE_MAX, &buf, &len) != 0)
		return CA_OK;
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL &&
	    (b = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (crl == NULL || (i = crl_issuer(f->s->ctx, crl)) == ISSUERS)
		goto out;
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) != NULL &&
	    ASN1_INTEGER_get(num) > f->numbers[i])
		f->numbers[i] = ASN1_INTEGER_get(num);
	if (ca_checkpoint_from_crl(crl, &der, &len) == CA_OK &&
	    ca_checkpoint_verify(f->s->ctx, der, len, &cp) == CA_OK &&
	    cp.seq > f->rep->published_seq)
		f->rep->published_seq = cp.seq;
	r = crl_entries(f, crl);
out:
	ERR_clear_error();	/* not a CRL of this CA is an answer, not an error */
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	free(buf);
	return r;
}

static int
crl_dir(struct found *f, const char *dir)
{
	struct dirent *de;
	char *path;
	size_t n;
	DIR *d;
	int r = CA_OK;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return CA_OK;
	while (r == CA_OK && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (!(n > 4 && strcmp(de->d_name + n - 4, ".crl") == 0) &&
		    !(n > 8 && strcmp(de->d_name + n - 8, ".crl.pem") == 0))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = CA_ERR_ALLOC;
			break;
		}
		r = crl_file(f, path);
		free(path);
	}
	closedir(d);
	return r;
}

/* The numbers raised, the audit entry: one transaction. */
static int
restore_record(struct found *f, const struct ca_restore_req *rq, int64_t backup_seq,
	       const char *own, const char *published)
{
	struct ca_ctx *ctx = f->s->ctx;
	char when[32], seq[24], pub[24], nums[96], unk[24], rer[24];
	const char *kv[] = { "created", when, "audit-entry", seq, "published-entry", pub,
			     "next-crl", nums, "revoked-again", rer, "unknown-revoked", unk,
			     NULL };
	long floor;
	size_t i;
	int r;

	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	if ((r = crl_dir(f, own)) == CA_OK)
		r = crl_dir(f, published);
	for (i = 0; i < ISSUERS && r == CA_OK; i++) {
		floor = f->numbers[i] > rq->crl_floor ? f->numbers[i] : rq->crl_floor;
		r = ca_crl_number_floor(ctx, issuers[i], floor, &f->rep->crl_next[i]);
	}
	ca_time_text(rq->info->created, when, sizeof(when));
	snprintf(seq, sizeof(seq), "%" PRId64, backup_seq);
	snprintf(pub, sizeof(pub), "%" PRId64, f->rep->published_seq);
	snprintf(nums, sizeof(nums), "%ld/%ld/%ld", f->rep->crl_next[0], f->rep->crl_next[1],
		 f->rep->crl_next[2]);
	snprintf(unk, sizeof(unk), "%ld", f->rep->unknown);
	snprintf(rer, sizeof(rer), "%ld", f->rep->rerevoked);
	if (r == CA_OK)
		r = ca_ctx_audit(ctx, "restore", rq->backup, kv);
	return ca_reg_end(ctx->reg, r);
}

int
ca_op_restore_finish(struct ca_session *s, const struct ca_restore_req *rq,
		     struct ca_restore_report *rep, struct ca_result *res)
{
	struct found f = { s, rep, { 0 }, 0 };
	struct ca_audit_report ar;
	char *own = NULL, *published = NULL, hash[65];
	int64_t last = 0;
	size_t i;
	int r;

	memset(rep, 0, sizeof(*rep));
	memset(&ar, 0, sizeof(ar));
	if ((r = ca_gate_who(s, CA_OP_RESTORE, rq->backup, res)) != CA_OK ||
	    (r = ca_gate(s, CA_OP_RESTORE, NULL, res, NULL)) != CA_OK)
		return r;
	if ((r = ca_reg_audit_last(s->ctx->reg, &last, hash)) != CA_OK)
		return ca_result_fail(res, r, NULL, "cannot read the restored audit log");
	if ((own = ca_ctx_path(s->ctx, "crl")) == NULL)
		return CA_ERR_ALLOC;
	if (rq->publish_dir == NULL)
		ca_reg_config_get(s->ctx->reg, "crl-publish-dir", &published);
	if ((r = restore_record(&f, rq, last, own, rq->publish_dir != NULL ? rq->publish_dir
				: published)) != CA_OK) {
		r = ca_result_fail(res, r, NULL, "cannot record the restore in the registry");
		goto out;
	}
	for (i = 0; i < ISSUERS; i++)
		rep->crl_found[i] = f.numbers[i];
	if ((r = ca_audit_verify(s->ctx->reg, &ar)) != CA_OK) {
		r = ca_result_fail(res, r, NULL, "the restored audit log does not verify (entry %"
				   PRId64 ": %s)", ar.bad_id, ar.what);
		goto out;
	}
	rep->entries = ar.entries;
out:
	free(published);
	free(own);
	return r;
}
