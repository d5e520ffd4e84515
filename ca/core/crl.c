/*
 * ca/crl.c: see crl.h.
 *
 * CRL building is streamed: revoked rows come from SQLite one at a time
 * (partial index on revoked rows) and are encoded straight into one buffer
 * by crl-encode.c, sorted once, and spliced into a CRL whose header fields
 * and extensions are built here with the ordinary X509_CRL API.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/checkpoint.h"
#include "ca/core/crl.h"
#include "ca/core/crl-encode.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "ca/registry/registry-hold.h"
#include "common/log.h"

#define REASON_MAX 10	/* aACompromise */
#define DAY_SECS (24 * 60 * 60LL)

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", CRL_REASON_UNSPECIFIED },
	{ "keyCompromise", CRL_REASON_KEY_COMPROMISE },
	{ "cACompromise", CRL_REASON_CA_COMPROMISE },
	{ "affiliationChanged", CRL_REASON_AFFILIATION_CHANGED },
	{ "superseded", CRL_REASON_SUPERSEDED },
	{ "cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION },
	{ "certificateHold", CRL_REASON_CERTIFICATE_HOLD },
	{ "privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN },
	{ "aACompromise", CRL_REASON_AA_COMPROMISE },
	/* The domain's words (domain.md "Revocation and cancellation"). */
	{ "lost", CRL_REASON_KEY_COMPROMISE },
	{ "stolen", CRL_REASON_KEY_COMPROMISE },
	{ "leaver", CRL_REASON_AFFILIATION_CHANGED },
	{ "death", CRL_REASON_CESSATION_OF_OPERATION },
};

int
ca_revoke_reason_parse(const char *name, int *out)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcasecmp(reasons[i].name, name) == 0) {
			*out = reasons[i].code;
			return CA_OK;
		}
	}
	return CA_ERR_USAGE;
}

const char *
ca_revoke_reason_name(int reason)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == reason)
			return reasons[i].name;
	return "unknown";
}

int
ca_cert_revoke(struct ca_ctx *ctx, const char *serial, int reason, time_t now)
{
	const char *kv[] = { "reason", ca_revoke_reason_name(reason), NULL };
	char *norm = NULL;
	int r;

	/* 7 is unassigned; removeFromCRL only means something in delta CRLs. */
	if (reason < 0 || reason > REASON_MAX || reason == 7 ||
	    reason == CRL_REASON_REMOVE_FROM_CRL)
		return CA_ERR_USAGE;
	if ((r = ca_serial_normalize(serial, &norm)) != CA_OK) {
		util_log(LOG_ERR, "'%s' is not a hexadecimal serial number", serial);
		return r;
	}
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_cert_revoke(ctx->reg, norm, reason, (int64_t)now)) != CA_OK ||
	    (r = ca_ctx_audit(ctx, "revoke", norm, kv)) != CA_OK ||
	    (r = ca_reg_commit(ctx->reg)) != CA_OK)
		ca_reg_rollback(ctx->reg);
	if (r == CA_ERR_NOT_FOUND)
		util_log(LOG_ERR, "no certificate with serial %s", norm);
	else if (r == CA_ERR_STATE)
		util_log(LOG_ERR, "certificate %s is already revoked", norm);
out:
	free(norm);
	return r;
}

struct crl_build {
	X509_CRL *crl;		/* header only: no entries */
	ASN1_TIME *when;
	struct ca_crl_entries *entries;
};

static void
crl_build_clear(struct crl_build *b)
{
	ca_crl_entries_free(b->entries);
	ASN1_TIME_free(b->when);
	X509_CRL_free(b->crl);
}

static int
crl_build_init(struct ca_ctx *ctx, struct crl_build *b)
{
	memset(b, 0, sizeof(*b));
	if ((b->crl = X509_CRL_new_ex(ctx->libctx, NULL)) == NULL ||
	    (b->when = ASN1_TIME_new()) == NULL)
		return CA_ERR_ALLOC;
	return ca_crl_entries_new(&b->entries);
}

static int
crl_add_entry(void *arg, const char *serial, int64_t when, int reason)
{
	struct crl_build *b = arg;

	return ca_crl_entries_add(b->entries, serial, when, reason);
}

/* Header fields and CRL extensions (RFC 5280 5.1.2, 5.2). */
static int
crl_header(struct ca_ctx *ctx, struct crl_build *b, struct ca_issuer *is,
	   const struct ca_crl_opts *o, int64_t next_update, long number, long base)
{
	ASN1_INTEGER *num = NULL, *basenum = NULL;
	X509_EXTENSION *aki = NULL;
	X509V3_CTX v3;
	int r = CA_ERR_CRYPTO;

	X509V3_set_ctx(&v3, is->cert, NULL, NULL, b->crl, 0);
	if (X509_CRL_set_version(b->crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(b->crl, X509_get_subject_name(is->cert)) != 1 ||
	    ASN1_TIME_set(b->when, o->now) == NULL ||
	    X509_CRL_set1_lastUpdate(b->crl, b->when) != 1 ||
	    ASN1_TIME_adj(b->when, o->now, (int)(next_update / DAY_SECS),
			  (long)(next_update % DAY_SECS)) == NULL ||
	    X509_CRL_set1_nextUpdate(b->crl, b->when) != 1 ||
	    (aki = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier,
				       "keyid:always")) == NULL ||
	    X509_CRL_add_ext(b->crl, aki, -1) != 1 ||
	    (num = ASN1_INTEGER_new()) == NULL || ASN1_INTEGER_set(num, number) != 1 ||
	    X509_CRL_add1_ext_i2d(b->crl, NID_crl_number, num, 0, 0) != 1)
		goto out;
	if (o->delta && ((basenum = ASN1_INTEGER_new()) == NULL ||
			 ASN1_INTEGER_set(basenum, base) != 1 ||
			 X509_CRL_add1_ext_i2d(b->crl, NID_delta_crl, basenum, 1, 0) != 1))
		goto out;
	r = CA_OK;
out:
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_INTEGER_free(basenum);
	return r;
}

static int
config_long(struct ca_ctx *ctx, const char *issuer, const char *what, long *out)
{
	char key[96], *v = NULL;
	int r;

	snprintf(key, sizeof(key), "crl.%s.%s", issuer, what);
	r = ca_reg_config_get(ctx->reg, key, &v);
	if (r == CA_ERR_NOT_FOUND) {
		*out = 0;
		return CA_OK;
	}
	if (r == CA_OK)
		*out = strtol(v, NULL, 10);
	free(v);
	return r;
}

static int
config_set_long(struct ca_ctx *ctx, const char *issuer, const char *what, long v)
{
	char key[96], val[32];

	snprintf(key, sizeof(key), "crl.%s.%s", issuer, what);
	snprintf(val, sizeof(val), "%ld", v);
	return ca_reg_config_set(ctx->reg, key, val);
}

/* Within the caller's transaction: the header and the entries, not yet signed. */
static int
crl_collect(struct ca_ctx *ctx, struct ca_issuer *is, const struct ca_crl_opts *o,
	    int64_t next_update, struct crl_build *b, long number, long base, int64_t since)
{
	int r;

	if ((r = crl_build_init(ctx, b)) != CA_OK ||
	    (r = crl_header(ctx, b, is, o, next_update, number, base)) != CA_OK)
		return r;
	if ((r = ca_reg_revoked_foreach(ctx->reg, is->name, since, crl_add_entry, b)) != CA_OK)
		return r;
	/* RFC 5280 5.3.1: a certificate released from a hold that the base CRL
	 * listed is a removeFromCRL entry of the delta. */
	if (o->delta)
		r = ca_reg_released_foreach(ctx->reg, is->name, since, crl_add_entry, b);
	return r;
}

/*
 * The audit log's head, signed with the audit key after the CRL's own
 * entry, in the CRL as a non-critical extension (checkpoint.h): every
 * published CRL anchors the log outside the database.
 */
static int
crl_checkpoint(struct ca_ctx *ctx, struct crl_build *b)
{
	X509_EXTENSION *ext = NULL;
	unsigned char *cp = NULL;
	size_t cplen = 0;
	int r;

	if ((r = ca_checkpoint_make(ctx, "crl", NULL, &cp, &cplen)) != CA_OK ||
	    (r = ca_checkpoint_ext(cp, cplen, &ext)) != CA_OK)
		goto out;
	if (X509_CRL_add_ext(b->crl, ext, -1) != 1)
		r = CA_ERR_CRYPTO;
out:
	X509_EXTENSION_free(ext);
	OPENSSL_free(cp);
	return r;
}

static int
crl_record(struct ca_ctx *ctx, const struct ca_crl_opts *o, long number, long count)
{
	char num[24], cnt[24];
	const char *kv[] = { "issuer", o->issuer, "number", num, "entries", cnt,
			     "type", o->delta ? "delta" : "full", NULL };
	int r;

	snprintf(num, sizeof(num), "%ld", number);
	snprintf(cnt, sizeof(cnt), "%ld", count);
	if ((r = config_set_long(ctx, o->issuer, "number", number)) != CA_OK)
		return r;
	/* A full CRL becomes the base that later delta CRLs refer to. */
	if (!o->delta &&
	    ((r = config_set_long(ctx, o->issuer, "base-number", number)) != CA_OK ||
	     (r = config_set_long(ctx, o->issuer, "base-time", (long)o->now)) != CA_OK))
		return r;
	return ca_ctx_audit(ctx, o->delta ? "crl-delta" : "crl", o->issuer, kv);
}

int
ca_crl_number_floor(struct ca_ctx *ctx, const char *issuer, long floor, long *next)
{
	long last = 0;
	int r;

	if ((r = config_long(ctx, issuer, "number", &last)) != CA_OK)
		return r;
	if (floor > last) {
		if ((r = config_set_long(ctx, issuer, "number", floor)) != CA_OK)
			return r;
		last = floor;
	}
	*next = last + 1;
	return config_set_long(ctx, issuer, "base-number", 0);
}

int
ca_crl_generate(struct ca_ctx *ctx, const struct ca_crl_opts *o, unsigned char **der,
		size_t *len, long *number)
{
	int days = o->next_update_days > 0 ? o->next_update_days : 7;

	return ca_crl_generate_secs(ctx, o, days * DAY_SECS, der, len, number);
}

int
ca_crl_generate_secs(struct ca_ctx *ctx, const struct ca_crl_opts *o, int64_t next_update,
		     unsigned char **der, size_t *len, long *number)
{
	struct ca_issuer *is = ca_ctx_issuer(ctx, o->issuer != NULL ? o->issuer : "");
	struct crl_build b;
	unsigned char *out = NULL;
	long last = 0, base = 0, base_time = 0;
	size_t outlen = 0;
	int r;

	memset(&b, 0, sizeof(b));
	if (next_update <= 0)
		return CA_ERR_USAGE;
	if (is == NULL || is->pkey == NULL) {
		util_log(LOG_ERR, "unknown issuer '%s'", o->issuer != NULL ? o->issuer : "");
		return CA_ERR_USAGE;
	}
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	if ((r = config_long(ctx, o->issuer, "number", &last)) != CA_OK ||
	    (r = config_long(ctx, o->issuer, "base-number", &base)) != CA_OK ||
	    (r = config_long(ctx, o->issuer, "base-time", &base_time)) != CA_OK)
		goto out;
	if (o->delta && base == 0) {
		util_log(LOG_ERR, "a delta CRL needs a full CRL of '%s' first", o->issuer);
		r = CA_ERR_STATE;
		goto out;
	}
	if ((r = crl_collect(ctx, is, o, next_update, &b, last + 1, base,
			     o->delta ? base_time : 0)) != CA_OK ||
	    (r = crl_record(ctx, o, last + 1, (long)ca_crl_entries_count(b.entries))) != CA_OK ||
	    (r = crl_checkpoint(ctx, &b)) != CA_OK ||
	    (r = ca_crl_encode(b.entries, b.crl, is->pkey, ctx->md, ctx->libctx, &out,
			       &outlen)) != CA_OK ||
	    (r = ca_reg_commit(ctx->reg)) != CA_OK)
		goto out;
	*der = out;
	*len = outlen;
	*number = last + 1;
	out = NULL;
out:
	if (r != CA_OK) {
		ca_reg_rollback(ctx->reg);
		util_log_ossl_errors(__func__);
	}
	OPENSSL_free(out);
	crl_build_clear(&b);
	return r;
}
