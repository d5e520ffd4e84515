/*
 * ca/hierarchy.c: see hierarchy.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "ca/core/error.h"
#include "ca/core/hierarchy.h"
#include "ca/core/x509util.h"
#include "common/log.h"

static int
ca_name(const char *cn, X509_NAME **out)
{
	X509_NAME *n = X509_NAME_new();
	int r;

	if (n == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_name_add(n, NID_countryName, "GB")) != CA_OK ||
	    (r = ca_name_add(n, NID_organizationName, "Carecard")) != CA_OK ||
	    (r = ca_name_add(n, NID_commonName, cn)) != CA_OK) {
		X509_NAME_free(n);
		return r;
	}
	*out = n;
	return CA_OK;
}

/* RFC 5280 4.2.1.9/4.2.1.3: basicConstraints and keyUsage critical. */
static int
ca_extensions(X509 *crt, X509 *issuer, int is_root, const EVP_MD *sha1)
{
	X509_EXTENSION *ext = NULL;
	int r;

	r = ca_ext_basic_constraints(1, is_root ? -1 : 0, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		return r;
	ext = NULL;
	r = ca_ext_key_usage(1u << 5 | 1u << 6, &ext);		/* keyCertSign, cRLSign */
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK ||
	    (r = ca_ext_subject_key_id_add(crt, sha1)) != CA_OK || is_root)
		return r;
	ext = NULL;
	r = ca_ext_authority_key_id(issuer, &ext);
	return ca_ext_push(crt, r, ext);
}

/* Certificate of CA @is named @cn, signed by @parent's token key (@is's own: root). */
static int
ca_cert_build(struct ca_ctx *ctx, struct ca_issuer *is, const char *cn,
	      struct ca_issuer *parent, int days, time_t now, const EVP_MD *sha1, X509 **out)
{
	struct ca_issuer *signer = parent != NULL ? parent : is;
	X509 *crt = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	char *hex = NULL;
	int r = CA_ERR_ALLOC;

	if ((crt = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(ctx->libctx, &serial, &hex)) != CA_OK ||
	    (r = ca_name(cn, &name)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_set_version(crt, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_subject_name(crt, name) != 1 ||
	    X509_set_issuer_name(crt, parent != NULL ? X509_get_subject_name(parent->cert)
			      : name) != 1 ||
	    X509_set_pubkey(crt, ca_signer_key_public(is->key)) != 1)
		goto out;
	if ((r = ca_validity_set(crt, now, days)) != CA_OK ||
	    (r = ca_extensions(crt, parent != NULL ? parent->cert : crt, parent == NULL,
			       sha1)) != CA_OK)
		goto out;
	if (X509_sign(crt, signer->pkey, ctx->md) <= 0) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	*out = crt;
	crt = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(hex);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	X509_free(crt);
	return r;
}

int
ca_hierarchy_cert_save(struct ca_ctx *ctx, struct ca_issuer *is)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char rel[64], *path = NULL;
	int r;

	snprintf(rel, sizeof(rel), "certs/%s.pem", is->name);
	if ((path = ca_ctx_path(ctx, rel)) == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_x509_der(is->cert, &der, &len)) == CA_OK)
		r = ca_pem_write(path, "CERTIFICATE", der, len);
	OPENSSL_free(der);
	free(path);
	return r;
}

int
ca_hierarchy_create(struct ca_ctx *ctx, const struct ca_hierarchy_opts *o)
{
	struct ca_issuer *root = &ctx->issuers[CA_ISSUER_ROOT];
	EVP_MD *sha1 = NULL;
	int i, r;

	if ((r = ca_signer_keygen(ctx->signer, root->label, 1, o->root_type)) != CA_OK ||
	    (r = ca_signer_keygen(ctx->signer, ctx->issuers[CA_ISSUER_AUTH].label, 2,
				  o->issuing_type)) != CA_OK ||
	    (r = ca_signer_keygen(ctx->signer, ctx->issuers[CA_ISSUER_SIGN].label, 3,
				  o->issuing_type)) != CA_OK ||
	    (r = ca_ctx_keys_load(ctx)) != CA_OK)
		return r;
	if ((sha1 = EVP_MD_fetch(ctx->libctx, "SHA1", NULL)) == NULL) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	if ((r = ca_cert_build(ctx, root, o->cn[CA_ISSUER_ROOT], NULL, o->root_days, o->now,
			       sha1, &root->cert)) != CA_OK)
		goto out;
	for (i = CA_ISSUER_AUTH; i <= CA_ISSUER_SIGN; i++)
		if ((r = ca_cert_build(ctx, &ctx->issuers[i], o->cn[i], root, o->ca_days, o->now,
				       sha1, &ctx->issuers[i].cert)) != CA_OK)
			goto out;
	for (i = CA_ISSUER_ROOT; i <= CA_ISSUER_SIGN; i++)
		if ((r = ca_hierarchy_cert_save(ctx, &ctx->issuers[i])) != CA_OK)
			goto out;
out:
	EVP_MD_free(sha1);
	return r;
}

/* The common name of @crt's subject, malloc'ed (NULL: none). */
static char *
subject_cn(X509 *crt)
{
	X509_NAME *n = X509_get_subject_name(crt);
	unsigned char *u = NULL;
	char *cn = NULL;
	int at;

	if ((at = X509_NAME_get_index_by_NID(n, NID_commonName, -1)) < 0 ||
	    ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, at))) < 0)
		return NULL;
	cn = strdup((char *)u);
	OPENSSL_free(u);
	return cn;
}

int
ca_hierarchy_issuing_new(struct ca_ctx *ctx, struct ca_issuer *is, X509 *current, int days,
			 time_t now)
{
	struct ca_issuer *root = &ctx->issuers[CA_ISSUER_ROOT];
	const ASN1_TIME *root_end = X509_get0_notAfter(root->cert);
	EVP_MD *sha1 = NULL;
	char *cn = NULL;
	int left = 0, secs = 0, r = CA_ERR_CRYPTO;

	/* Never past the root's own end (RFC 5280 6.1: it would not verify). */
	if (ASN1_TIME_diff(&left, &secs, NULL, root_end) != 1)
		goto out;
	if (X509_cmp_time(root_end, &now) <= 0 || left <= 0) {
		util_log(LOG_ERR, "the root CA certificate has expired or expires within a day");
		r = CA_ERR_STATE;
		goto out;
	}
	if (days > left)
		days = left;
	r = CA_ERR_STATE;
	if ((cn = subject_cn(current)) == NULL) {
		util_log(LOG_ERR, "the %s CA's certificate has no common name", is->name);
		goto out;
	}
	r = CA_ERR_CRYPTO;
	if ((sha1 = EVP_MD_fetch(ctx->libctx, "SHA1", NULL)) == NULL)
		goto out;
	r = ca_cert_build(ctx, is, cn, root, days, now, sha1, &is->cert);
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	EVP_MD_free(sha1);
	free(cn);
	return r;
}
