/*
 * ca/ocsp.c: delegated OCSP responders and response signing. See ocsp.h.
 *
 * Why responses are signed in two steps: OCSP_basic_sign_ctx() first
 * checks X509_check_private_key(responder certificate, key), and OpenSSL
 * cannot compare a software public key ("RSA"/"EC" key manager) with our
 * token key, whose key manager is deliberately named CC-HSM-RSA/CC-HSM-EC
 * (hsm-provider.h) so OpenSSL never tries to export it. So OpenSSL lays the
 * response out and stamps it (responderID by name, producedAt) with a
 * throw-away software key behind a certificate stub that carries the
 * responder's name, and then the TBSResponseData is signed again with the
 * token key through ASN1_item_sign_ctx() — the very call that ends
 * OCSP_basic_sign_ctx() — into the response's signatureAlgorithm and
 * signature. The throw-away key never signs anything that leaves here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/ocsp.h"
#include "ca/core/x509util.h"
#include "common/log.h"

/* CKA_ID of responder keys: 0x40 + the issuer (CA keys are 1, 2, 3). */
#define RESPONDER_KEY_ID 0x40

EVP_MD *
ca_ocsp_md_fetch(OSSL_LIB_CTX *libctx, int hash)
{
	return EVP_MD_fetch(libctx, hash == CA_OCSP_SHA1 ? "SHA1" : "SHA256", NULL);
}

void
ca_ocsp_responder_free(struct ca_ocsp_responder *r)
{
	if (r == NULL)
		return;
	X509_free(r->cert);
	EVP_PKEY_free(r->pkey);
	X509_free(r->stamp);
	EVP_PKEY_free(r->stamp_key);
	free(r->serial);
	free(r);
}

/* The stub certificate OpenSSL stamps with: the responder's name, a fresh
 * software key. Never encoded, never signed. */
static int
stamp_make(struct ca_ctx *ctx, struct ca_ocsp_responder *r)
{
	if ((r->stamp_key = EVP_PKEY_Q_keygen(ctx->libctx, NULL, "EC", "P-256")) == NULL ||
	    (r->stamp = X509_new_ex(ctx->libctx, NULL)) == NULL ||
	    X509_set_subject_name(r->stamp, X509_get_subject_name(r->cert)) != 1 ||
	    X509_set_pubkey(r->stamp, r->stamp_key) != 1)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

/* A recorded responder: its certificate, and its key from the token. */
static int
responder_load(struct ca_ctx *ctx, enum ca_issuer_id id, const struct ca_ocsp_signer_rec *rec,
	       struct ca_ocsp_responder **out)
{
	struct ca_ocsp_responder *r = NULL;
	struct ca_signer_key *k = NULL;
	const unsigned char *p = rec->der;
	int e = CA_ERR_ALLOC;

	if ((r = calloc(1, sizeof(*r))) == NULL || (r->serial = strdup(rec->serial)) == NULL ||
	    (r->cert = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	r->issuer = id;
	r->not_after = rec->not_after;
	e = CA_ERR_CRYPTO;
	if (d2i_X509(&r->cert, &p, (long)rec->derlen) == NULL)
		goto out;
	if ((e = ca_signer_key_get(ctx->signer, rec->key_label, &k)) != CA_OK)
		goto out;
	/* The registry and the token must agree, or we would sign responses
	 * nobody can verify. */
	if (EVP_PKEY_eq(X509_get0_pubkey(r->cert), ca_signer_key_public(k)) != 1) {
		util_log(LOG_ERR, "OCSP responder %s: certificate and token key %s differ",
			 rec->serial, rec->key_label);
		e = CA_ERR_STATE;
		goto out;
	}
	if ((e = ca_hsm_pkey_new(ctx->libctx, k, &r->pkey)) != CA_OK ||
	    (e = stamp_make(ctx, r)) != CA_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	if (e == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	ca_ocsp_responder_free(r);
	return e;
}

/* RFC 6960 4.2.2.2: basicConstraints CA:FALSE, keyUsage digitalSignature,
 * extendedKeyUsage id-kp-OCSPSigning, id-pkix-ocsp-nocheck, SKI, AKI. */
static int
responder_exts(X509 *crt, X509 *issuer, const EVP_MD *sha1)
{
	static const char *const ocsp_signing[] = { "1.3.6.1.5.5.7.3.9" };
	X509_EXTENSION *ext = NULL;
	int r;

	r = ca_ext_basic_constraints(0, -1, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		return r;
	ext = NULL;
	r = ca_ext_key_usage(1u << 0, &ext);			/* digitalSignature */
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		return r;
	ext = NULL;
	r = ca_ext_ext_key_usage(ocsp_signing, 1, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		return r;
	ext = NULL;
	r = ca_ext_ocsp_nocheck(&ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK ||
	    (r = ca_ext_subject_key_id_add(crt, sha1)) != CA_OK)
		return r;
	ext = NULL;
	r = ca_ext_authority_key_id(issuer, &ext);
	return ca_ext_push(crt, r, ext);
}

/* "<issuing CA's CN> OCSP Responder <n>", C=GB, O=Carecard. */
static int
responder_name(X509 *issuer, int64_t n, X509_NAME **out)
{
	X509_NAME *name = X509_NAME_new();
	char cn[160], ca[120] = "";
	int r;

	if (name == NULL)
		return CA_ERR_ALLOC;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(issuer), NID_commonName, ca,
				      sizeof(ca)) < 0)
		ca[0] = '\0';
	snprintf(cn, sizeof(cn), "%s OCSP Responder %lld", ca, (long long)n);
	if ((r = ca_name_add(name, NID_countryName, "GB")) != CA_OK ||
	    (r = ca_name_add(name, NID_organizationName, "Carecard")) != CA_OK ||
	    (r = ca_name_add(name, NID_commonName, cn)) != CA_OK) {
		X509_NAME_free(name);
		return r;
	}
	*out = name;
	return CA_OK;
}

/* RFC 6960 4.2.2.2: a delegated responder certificate. */
static int
responder_cert(struct ca_ctx *ctx, struct ca_issuer *is, struct ca_signer_key *k, int64_t n,
	       int64_t now, int64_t lifetime, X509 **out, char **hex)
{
	X509 *crt = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	EVP_MD *sha1 = NULL;
	char *h = NULL;
	int r = CA_ERR_ALLOC;

	if ((crt = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(ctx->libctx, &serial, &h)) != CA_OK ||
	    (r = responder_name(is->cert, n, &name)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((sha1 = EVP_MD_fetch(ctx->libctx, "SHA1", NULL)) == NULL ||
	    X509_set_version(crt, X509_VERSION_3) != 1 || X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_issuer_name(crt, X509_get_subject_name(is->cert)) != 1 ||
	    X509_set_subject_name(crt, name) != 1 ||
	    X509_set_pubkey(crt, ca_signer_key_public(k)) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(crt), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(crt), (time_t)(now + lifetime)) == NULL)
		goto out;
	if ((r = responder_exts(crt, is->cert, sha1)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_sign(crt, is->pkey, ctx->md) <= 0)
		goto out;
	*out = crt;
	*hex = h;
	crt = NULL;
	h = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	EVP_MD_free(sha1);
	OPENSSL_free(h);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	X509_free(crt);
	return r;
}

/* Record the new responder and its audit entry in one transaction. */
static int
responder_record(struct ca_ctx *ctx, const struct ca_ocsp_signer_rec *rec, int64_t now)
{
	char until[24], *details = NULL;
	const char *kv[] = { "serial", rec->serial, "key", rec->key_label, "not-after", until,
			     NULL };
	int r;

	snprintf(until, sizeof(until), "%lld", (long long)rec->not_after);
	if ((r = ca_json_object(&details, kv)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(ctx->reg)) == CA_OK) {
		if ((r = ca_reg_ocsp_signer_add(ctx->reg, rec)) == CA_OK)
			r = ca_audit_append(ctx->reg, (time_t)now, ctx->actor, "ocsp-signer-issue",
					    rec->issuer, details);
		r = ca_reg_end(ctx->reg, r);
	}
	free(details);
	return r;
}

static int
responder_new(struct ca_ctx *ctx, struct ca_issuer *is, int64_t now, int64_t lifetime,
	      struct ca_ocsp_signer_rec *out)
{
	struct ca_ocsp_signer_rec rec;
	struct ca_signer_key *k = NULL;
	enum ca_key_type type = CA_KEY_RSA2048;
	char *kt = NULL, *hex = NULL, label[96];
	X509 *crt = NULL;
	int64_t n = 0;
	int r, lock;

	memset(&rec, 0, sizeof(rec));
	/* The key and its registry row together, never half of them in a
	 * backup (ca/core/backup.c), and one responder number per key. */
	lock = ca_ctx_token_lock(ctx->dir);
	if ((r = ca_reg_ocsp_signer_count(ctx->reg, is->name, &n)) != CA_OK)
		goto out;
	n++;
	if (ca_reg_config_get(ctx->reg, "issuing-key-type", &kt) == CA_OK)
		ca_key_type_parse(kt, &type);
	free(kt);
	snprintf(label, sizeof(label), "carecard-ocsp-%s-%lld", is->name, (long long)n);
	r = ca_signer_keygen(ctx->signer, label, (unsigned char)(RESPONDER_KEY_ID +
				(is - ctx->issuers)), type);
	if (r != CA_OK && r != CA_ERR_EXISTS)	/* EXISTS: never certified, take it */
		goto out;
	if ((r = ca_signer_key_get(ctx->signer, label, &k)) != CA_OK ||
	    (r = responder_cert(ctx, is, k, n, now, lifetime, &crt, &hex)) != CA_OK)
		goto out;
	r = CA_ERR_ALLOC;
	if ((rec.serial = strdup(hex)) == NULL || (rec.issuer = strdup(is->name)) == NULL ||
	    (rec.key_label = strdup(label)) == NULL)
		goto out;
	rec.not_before = now;
	rec.not_after = now + lifetime;
	if ((r = ca_x509_der(crt, &rec.der, &rec.derlen)) != CA_OK ||
	    (r = responder_record(ctx, &rec, now)) != CA_OK)
		goto out;
	util_log(LOG_INFO, "new OCSP responder for %s: %s (key %s)", is->name, rec.serial,
		 label);
	*out = rec;
	memset(&rec, 0, sizeof(rec));
out:
	ca_ctx_token_unlock(lock);
	ca_ocsp_signer_rec_clear(&rec);
	OPENSSL_free(hex);
	X509_free(crt);
	return r;
}

int
ca_ocsp_responder_get(struct ca_ctx *ctx, const char *issuer, int64_t now, int64_t need_until,
		      int64_t lifetime, struct ca_ocsp_responder **out)
{
	struct ca_issuer *is = ca_ctx_issuer(ctx, issuer);
	struct ca_ocsp_signer_rec rec;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (is == NULL || is == &ctx->issuers[CA_ISSUER_ROOT] || is->pkey == NULL ||
	    ctx->signer == NULL)
		return CA_ERR_USAGE;
	if (lifetime <= need_until - now) {
		util_log(LOG_ERR, "an OCSP responder living %lld s cannot sign until %lld",
			 (long long)lifetime, (long long)need_until);
		return CA_ERR_USAGE;
	}
	r = ca_reg_ocsp_signer_current(ctx->reg, issuer, now, &rec);
	if (r == CA_OK && rec.not_after < need_until) {
		ca_ocsp_signer_rec_clear(&rec);
		r = CA_ERR_NOT_FOUND;	/* too old to sign until need_until: rotate */
	}
	if (r == CA_ERR_NOT_FOUND)
		r = responder_new(ctx, is, now, lifetime, &rec);
	if (r == CA_OK)
		r = responder_load(ctx, (enum ca_issuer_id)(is - ctx->issuers), &rec, out);
	ca_ocsp_signer_rec_clear(&rec);
	return r;
}

static int
serial_int(const char *hex, ASN1_INTEGER **out)
{
	BIGNUM *bn = NULL;
	int r = CA_ERR_USAGE;

	if (BN_hex2bn(&bn, hex) > 0 && (*out = BN_to_ASN1_INTEGER(bn, NULL)) != NULL)
		r = CA_OK;
	BN_free(bn);
	return r;
}

/* The OpenSSL-built response, stamped (see the top of this file). */
static int
response_build(struct ca_ctx *ctx, const struct ca_ocsp_responder *rsp,
	       const struct ca_ocsp_cert *c, int hash, int64_t this_update, int64_t next_update,
	       OCSP_BASICRESP **out)
{
	X509 *is = ctx->issuers[rsp->issuer].cert;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *tu = NULL, *nu = NULL, *rev = NULL;
	EVP_MD *md = NULL, *sha256 = NULL;
	int r;

	if ((r = serial_int(c->serial, &serial)) != CA_OK)
		return r;
	r = CA_ERR_CRYPTO;
	if ((md = ca_ocsp_md_fetch(ctx->libctx, hash)) == NULL ||
	    (sha256 = ca_ocsp_md_fetch(ctx->libctx, CA_OCSP_SHA256)) == NULL ||
	    (bs = OCSP_BASICRESP_new()) == NULL ||
	    (id = OCSP_cert_id_new(md, X509_get_subject_name(is), X509_get0_pubkey_bitstr(is),
				   serial)) == NULL ||
	    (tu = ASN1_TIME_set(NULL, (time_t)this_update)) == NULL ||
	    (nu = ASN1_TIME_set(NULL, (time_t)next_update)) == NULL ||
	    (c->revoked && (rev = ASN1_TIME_set(NULL, (time_t)c->revoked_at)) == NULL))
		goto out;
	/* RFC 5280 5.3.1 (which RFC 6960 borrows): reasonCode "unspecified"
	 * is better left out, as the CRLs do. */
	if (OCSP_basic_add1_status(bs, id, c->revoked ? V_OCSP_CERTSTATUS_REVOKED
				   : V_OCSP_CERTSTATUS_GOOD,
				   c->revoked && c->reason > 0 ? c->reason
				   : OCSP_REVOKED_STATUS_NOSTATUS, rev, tu, nu) == NULL ||
	    OCSP_basic_sign(bs, rsp->stamp, rsp->stamp_key, sha256, NULL, OCSP_NOCERTS) != 1 ||
	    OCSP_basic_add1_cert(bs, rsp->cert) != 1)
		goto out;
	*out = bs;
	bs = NULL;
	r = CA_OK;
out:
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rev);
	EVP_MD_free(md);
	EVP_MD_free(sha256);
	return r;
}

int
ca_ocsp_sign(struct ca_ctx *ctx, const struct ca_ocsp_responder *rsp,
	     const struct ca_ocsp_cert *c, int hash, int64_t this_update, int64_t next_update,
	     unsigned char **der, size_t *len)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *buf = NULL;
	int n, r;

	if (hash < 0 || hash >= CA_OCSP_NHASH || next_update <= this_update)
		return CA_ERR_USAGE;
	if ((r = response_build(ctx, rsp, c, hash, this_update, next_update, &bs)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	/* The real signature, by the token key, over what OpenSSL laid out.
	 * The const casts reach the two fields OCSP_basic_sign_ctx() itself
	 * fills with this call. */
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mctx, NULL, "SHA256", ctx->libctx, NULL, rsp->pkey, NULL) != 1 ||
	    ASN1_item_sign_ctx(ASN1_ITEM_rptr(OCSP_RESPDATA),
			       (X509_ALGOR *)OCSP_resp_get0_tbs_sigalg(bs), NULL,
			       (ASN1_BIT_STRING *)OCSP_resp_get0_signature(bs),
			       OCSP_resp_get0_respdata(bs), mctx) <= 0)
		goto out;
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &buf)) <= 0)
		goto out;
	*der = buf;
	*len = (size_t)n;
	buf = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(buf);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	EVP_MD_CTX_free(mctx);
	return r;
}

int
ca_ocsp_issuer_id(OSSL_LIB_CTX *libctx, X509 *issuer, struct ca_ocsp_issuer_id *out)
{
	struct ca_ocsp_issuer_id id;
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(issuer);
	unsigned char *name = NULL;
	unsigned int l1 = 0, l2 = 0;
	EVP_MD *md = NULL;
	int h, n, r = CA_ERR_CRYPTO;

	memset(&id, 0, sizeof(id));
	/* RFC 6960 4.1.1: the hash of the issuer's DER-encoded Name and of the
	 * value (without tag, length and unused-bits octet) of its key's BIT
	 * STRING. */
	if (key == NULL || (n = i2d_X509_NAME(X509_get_subject_name(issuer), &name)) <= 0)
		goto out;
	for (h = 0; h < CA_OCSP_NHASH; h++) {
		if ((md = ca_ocsp_md_fetch(libctx, h)) == NULL ||
		    EVP_Digest(name, (size_t)n, id.name[h], &l1, md, NULL) != 1 ||
		    EVP_Digest(ASN1_STRING_get0_data(key), (size_t)ASN1_STRING_length(key),
			       id.key[h], &l2, md, NULL) != 1 || l1 != l2)
			goto out;
		id.len[h] = l1;
		EVP_MD_free(md);
		md = NULL;
	}
	*out = id;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	EVP_MD_free(md);
	OPENSSL_free(name);
	return r;
}
