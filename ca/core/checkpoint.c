/*
 * ca/core/checkpoint.c: see checkpoint.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1t.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/core/checkpoint.h"
#include "ca/core/error.h"
#include "common/log.h"

#define CHECKPOINT_VERSION 1
#define SIG_MAX 80		/* a DER ECDSA-Sig-Value over P-256 */

typedef struct {
	ASN1_INTEGER *version;
	ASN1_INTEGER *seq;
	ASN1_OCTET_STRING *head;
	ASN1_GENERALIZEDTIME *time;
} CC_AUDIT_CHECKPOINT_TBS;

typedef struct {
	CC_AUDIT_CHECKPOINT_TBS *tbs;
	X509_ALGOR *algorithm;
	ASN1_OCTET_STRING *signature;
} CC_AUDIT_CHECKPOINT;

ASN1_SEQUENCE(CC_AUDIT_CHECKPOINT_TBS) = {
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT_TBS, version, ASN1_INTEGER),
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT_TBS, seq, ASN1_INTEGER),
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT_TBS, head, ASN1_OCTET_STRING),
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT_TBS, time, ASN1_GENERALIZEDTIME),
} static_ASN1_SEQUENCE_END(CC_AUDIT_CHECKPOINT_TBS)

ASN1_SEQUENCE(CC_AUDIT_CHECKPOINT) = {
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT, tbs, CC_AUDIT_CHECKPOINT_TBS),
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT, algorithm, X509_ALGOR),
	ASN1_SIMPLE(CC_AUDIT_CHECKPOINT, signature, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(CC_AUDIT_CHECKPOINT)

#define CP_ITEM ASN1_ITEM_rptr(CC_AUDIT_CHECKPOINT)
#define TBS_ITEM ASN1_ITEM_rptr(CC_AUDIT_CHECKPOINT_TBS)

void
ca_time_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

int
ca_ctx_audit_key(struct ca_ctx *ctx, bool create, struct ca_signer_key **out)
{
	int r;

	if (ctx->audit_key != NULL) {
		*out = ctx->audit_key;
		return CA_OK;
	}
	if (ctx->signer == NULL)
		return CA_ERR_STATE;
	r = ca_signer_key_get(ctx->signer, CA_LABEL_AUDIT, &ctx->audit_key);
	if (r == CA_ERR_NOT_FOUND && create) {
		/* A CA from before audit checkpoints: its system account makes one. */
		util_log(LOG_NOTICE, "HSM: creating the audit key '%s'", CA_LABEL_AUDIT);
		if ((r = ca_signer_keygen(ctx->signer, CA_LABEL_AUDIT, CA_AUDIT_KEY_ID,
					  CA_KEY_EC_P256)) == CA_OK)
			r = ca_signer_key_get(ctx->signer, CA_LABEL_AUDIT, &ctx->audit_key);
	}
	if (r != CA_OK)
		return r;
	*out = ctx->audit_key;
	return CA_OK;
}

/* The TBS for @cp. */
static int
tbs_new(const struct ca_checkpoint *cp, CC_AUDIT_CHECKPOINT_TBS **out)
{
	CC_AUDIT_CHECKPOINT_TBS *t = (CC_AUDIT_CHECKPOINT_TBS *)ASN1_item_new(TBS_ITEM);
	unsigned char head[32];
	size_t hl = 0;
	int r = CA_ERR_ALLOC;

	if (t == NULL)
		return r;
	r = CA_ERR_INTERNAL;
	if (OPENSSL_hexstr2buf_ex(head, sizeof(head), &hl, cp->hash, '\0') != 1 || hl != 32)
		goto out;
	r = CA_ERR_CRYPTO;
	if (ASN1_INTEGER_set_int64(t->version, CHECKPOINT_VERSION) != 1 ||
	    ASN1_INTEGER_set_int64(t->seq, cp->seq) != 1 ||
	    ASN1_OCTET_STRING_set(t->head, head, sizeof(head)) != 1 ||
	    ASN1_GENERALIZEDTIME_set(t->time, (time_t)cp->time) == NULL)
		goto out;
	*out = t;
	t = NULL;
	r = CA_OK;
out:
	ASN1_item_free((ASN1_VALUE *)t, TBS_ITEM);
	return r;
}

/* Sign @cp with the audit key: the DER of the signed checkpoint. */
static int
checkpoint_sign(struct ca_ctx *ctx, struct ca_signer_key *k, const struct ca_checkpoint *cp,
		unsigned char **der, size_t *len)
{
	CC_AUDIT_CHECKPOINT *c = NULL;
	unsigned char *tbs = NULL, dig[32], sig[SIG_MAX], *out = NULL;
	unsigned int diglen = 0;
	size_t siglen = sizeof(sig);
	int tbslen, n, r;

	if ((c = (CC_AUDIT_CHECKPOINT *)ASN1_item_new(CP_ITEM)) == NULL)
		return CA_ERR_ALLOC;
	ASN1_item_free((ASN1_VALUE *)c->tbs, TBS_ITEM);
	c->tbs = NULL;
	if ((r = tbs_new(cp, &c->tbs)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((tbslen = ASN1_item_i2d((ASN1_VALUE *)c->tbs, &tbs, TBS_ITEM)) <= 0 ||
	    EVP_Digest(tbs, (size_t)tbslen, dig, &diglen, ctx->md, NULL) != 1)
		goto out;
	if ((r = ca_signer_sign_digest(k, NID_sha256, dig, diglen, sig, &siglen)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_ALGOR_set0(c->algorithm, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF,
			    NULL) != 1 ||
	    ASN1_OCTET_STRING_set(c->signature, sig, (int)siglen) != 1 ||
	    (n = ASN1_item_i2d((ASN1_VALUE *)c, &out, CP_ITEM)) <= 0)
		goto out;
	*der = out;
	*len = (size_t)n;
	out = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(out);
	OPENSSL_free(tbs);
	ASN1_item_free((ASN1_VALUE *)c, CP_ITEM);
	return r;
}

/* Syslog (and the CLI's stderr) get the signed bytes: an anchor outside the database. */
static void
checkpoint_log(const struct ca_checkpoint *cp, const char *reason, const unsigned char *der,
	       size_t len)
{
	char when[32], b64[512];

	ca_time_text(cp->time, when, sizeof(when));
	if (len > 3 * (sizeof(b64) / 4) - 3 || EVP_EncodeBlock((unsigned char *)b64, der,
							      (int)len) <= 0)
		b64[0] = '\0';
	util_log(LOG_NOTICE, "audit checkpoint (%s): entry %lld hash %s signed %s: %s", reason,
		 (long long)cp->seq, cp->hash, when, b64);
}

int
ca_checkpoint_make(struct ca_ctx *ctx, const char *reason, struct ca_checkpoint *out,
		   unsigned char **derp, size_t *lenp)
{
	struct ca_checkpoint_row row;
	struct ca_checkpoint cp;
	struct ca_signer_key *k = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	memset(&cp, 0, sizeof(cp));
	memset(&row, 0, sizeof(row));
	if ((r = ca_reg_audit_last(ctx->reg, &cp.seq, cp.hash)) != CA_OK)
		return r;
	if (cp.seq == 0)
		return CA_ERR_STATE;
	cp.time = ca_ctx_now(ctx);
	if ((r = ca_ctx_audit_key(ctx, true, &k)) != CA_OK ||
	    (r = checkpoint_sign(ctx, k, &cp, &der, &len)) != CA_OK)
		goto out;
	row.seq = cp.seq;
	memcpy(row.hash, cp.hash, sizeof(row.hash));
	row.time = cp.time;
	snprintf(row.reason, sizeof(row.reason), "%s", reason);
	row.der = der;
	row.derlen = len;
	if ((r = ca_reg_checkpoint_add(ctx->reg, &row)) != CA_OK)
		goto out;
	checkpoint_log(&cp, reason, der, len);
	if (out != NULL)
		*out = cp;
	if (derp != NULL) {
		*derp = der;
		*lenp = len;
		der = NULL;
	}
out:
	OPENSSL_free(der);
	return r;
}

int
ca_checkpoint_if_due(struct ca_ctx *ctx, int64_t interval, const char *reason, bool *made,
		     struct ca_checkpoint *cp)
{
	struct ca_checkpoint_row last;
	char hash[65];
	int64_t seq = 0;
	int r;

	*made = false;
	memset(&last, 0, sizeof(last));
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	r = ca_reg_checkpoint_newest(ctx->reg, &last);
	if (r == CA_ERR_NOT_FOUND)
		r = CA_OK;
	if (r != CA_OK || (r = ca_reg_audit_last(ctx->reg, &seq, hash)) != CA_OK)
		goto out;
	/* Due: none yet, or old, and something to cover that is not covered. */
	if (seq == 0 || (last.seq == seq && strcmp(last.hash, hash) == 0) ||
	    (last.seq > 0 && ca_ctx_now(ctx) - last.time < interval))
		goto out;
	if ((r = ca_checkpoint_make(ctx, reason, cp, NULL, NULL)) == CA_OK)
		*made = true;
out:
	ca_checkpoint_row_clear(&last);
	r = ca_reg_end(ctx->reg, r);
	if (r != CA_OK)
		*made = false;
	return r;
}

/* The decoded checkpoint's facts; CA_ERR_AUDIT if malformed. */
static int
facts(const CC_AUDIT_CHECKPOINT *c, struct ca_checkpoint *out)
{
	struct tm tm;
	int64_t v = 0, seq = 0;
	size_t i;

	if (ASN1_INTEGER_get_int64(&v, c->tbs->version) != 1 || v != CHECKPOINT_VERSION ||
	    ASN1_INTEGER_get_int64(&seq, c->tbs->seq) != 1 || seq <= 0 ||
	    ASN1_STRING_length(c->tbs->head) != 32 ||
	    ASN1_TIME_to_tm(c->tbs->time, &tm) != 1 ||
	    OBJ_obj2nid(c->algorithm->algorithm) != NID_ecdsa_with_SHA256)
		return CA_ERR_AUDIT;
	out->seq = seq;
	for (i = 0; i < 32; i++)
		snprintf(out->hash + 2 * i, 3, "%02x", ASN1_STRING_get0_data(c->tbs->head)[i]);
	out->time = (int64_t)timegm(&tm);
	return CA_OK;
}

int
ca_checkpoint_verify(struct ca_ctx *ctx, const unsigned char *der, size_t len,
		     struct ca_checkpoint *out)
{
	CC_AUDIT_CHECKPOINT *c = NULL;
	struct ca_signer_key *k = NULL;
	struct ca_checkpoint cp;
	const unsigned char *p = der;
	unsigned char *tbs = NULL;
	EVP_MD_CTX *md = NULL;
	int tbslen, r;

	memset(&cp, 0, sizeof(cp));
	if ((r = ca_ctx_audit_key(ctx, false, &k)) != CA_OK)
		return r;
	r = CA_ERR_AUDIT;
	if ((c = (CC_AUDIT_CHECKPOINT *)ASN1_item_d2i(NULL, &p, (long)len, CP_ITEM)) == NULL ||
	    p != der + len || facts(c, &cp) != CA_OK) {
		util_log(LOG_ERR, "audit checkpoint: malformed");
		goto out;
	}
	if ((tbslen = ASN1_item_i2d((ASN1_VALUE *)c->tbs, &tbs, TBS_ITEM)) <= 0 ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", ctx->libctx, NULL,
				    ca_signer_key_public(k), NULL) != 1 ||
	    EVP_DigestVerify(md, ASN1_STRING_get0_data(c->signature),
			     (size_t)ASN1_STRING_length(c->signature), tbs, (size_t)tbslen) != 1) {
		util_log(LOG_ERR, "audit checkpoint of entry %lld: the signature does not verify "
			 "with the CA's audit key", (long long)cp.seq);
		goto out;
	}
	*out = cp;
	r = CA_OK;
out:
	util_log_ossl_errors(__func__);
	EVP_MD_CTX_free(md);
	OPENSSL_free(tbs);
	ASN1_item_free((ASN1_VALUE *)c, CP_ITEM);
	return r;
}

int
ca_checkpoint_ext(const unsigned char *der, size_t len, X509_EXTENSION **out)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(CA_CHECKPOINT_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	int r = CA_ERR_CRYPTO;

	/* The OID is never registered (OBJ_create would touch the process's
	 * global table): it is carried as a bare object. */
	if (oid == NULL || os == NULL || ASN1_OCTET_STRING_set(os, der, (int)len) != 1 ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) == NULL) {
		util_log_ossl_errors(__func__);
		goto out;
	}
	*out = ext;
	r = CA_OK;
out:
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return r;
}

int
ca_checkpoint_from_crl(const X509_CRL *crl, const unsigned char **der, size_t *len)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(CA_CHECKPOINT_OID, 1);
	const ASN1_OCTET_STRING *v;
	int at;

	if (oid == NULL) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	at = X509_CRL_get_ext_by_OBJ(crl, oid, -1);
	ASN1_OBJECT_free(oid);
	if (at < 0)
		return CA_ERR_NOT_FOUND;
	v = X509_EXTENSION_get_data(X509_CRL_get_ext(crl, at));
	*der = ASN1_STRING_get0_data(v);
	*len = (size_t)ASN1_STRING_length(v);
	return CA_OK;
}
