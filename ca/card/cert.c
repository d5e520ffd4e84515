/*
 * ca/card-cert.c: see card-cert.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/card/cert.h"
#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/issue.h"
#include "common/log.h"

void
ca_card_cert_clear(struct ca_card_cert *c)
{
	if (c == NULL)
		return;
	ca_draft_clear(&c->draft);
	OPENSSL_free(c->serial);
	OPENSSL_free(c->der);
	memset(c, 0, sizeof(*c));
}

int
ca_card_key_type(const struct pol_policy *pol, const char *name, enum ca_key_type *out)
{
	const struct pol_profile *p = pol_profile_find(pol, name);

	if (p == NULL)
		return CA_ERR_USAGE;
	if (p->key_type == POL_KEY_RSA && (p->key_bits == 2048 || p->key_bits == 3072)) {
		*out = p->key_bits == 2048 ? CA_KEY_RSA2048 : CA_KEY_RSA3072;
		return CA_OK;
	}
	if (p->key_type == POL_KEY_EC && p->key_bits == 256) {
		*out = CA_KEY_EC_P256;
		return CA_OK;
	}
	util_log(LOG_ERR, "policy profile %s asks for %s-%u keys; cards generate RSA-2048, "
		 "RSA-3072 and P-256", name, p->key_type == POL_KEY_EC ? "EC" : "RSA", p->key_bits);
	return CA_ERR_STATE;
}

/* The PKCS#10 request, signed on the card by @k. */
static int
csr_make(struct ca_ctx *ctx, struct ca_signer_key *k, X509_NAME *subject,
	 unsigned char **der, size_t *len)
{
	X509_REQ *req = NULL;
	EVP_PKEY *onc = NULL;
	unsigned char *buf = NULL;
	int n, r;

	if ((r = ca_hsm_pkey_new(ctx->libctx, k, &onc)) != CA_OK)
		return r;
	r = CA_ERR_CRYPTO;
	if ((req = X509_REQ_new_ex(ctx->libctx, NULL)) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, subject) != 1 ||
	    X509_REQ_set_pubkey(req, ca_signer_key_public(k)) != 1 ||
	    X509_REQ_sign(req, onc, ctx->md) <= 0 ||
	    (n = i2d_X509_REQ(req, &buf)) <= 0)
		goto out;
	*der = buf;
	*len = (size_t)n;
	buf = NULL;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	OPENSSL_free(buf);
	X509_REQ_free(req);
	EVP_PKEY_free(onc);
	return r;
}

int
ca_card_cert_draft(struct ca_ctx *ctx, struct ca_signer_key *k, const char *name,
		   const struct ca_person *holder, int64_t lifetime, struct ca_card_cert *out)
{
	X509_NAME *subject = NULL;
	unsigned char *req = NULL;
	size_t reqlen = 0;
	int r;

	/* The request carries the subject the certificate will have (the
	 * builder takes it from the registry again, never from the request). */
	if ((r = ca_cert_subject(ctx, name, holder, &subject)) != CA_OK ||
	    (r = csr_make(ctx, k, subject, &req, &reqlen)) != CA_OK)
		goto out;
	/* The request the card signed is checked like any other (proof of
	 * possession of the key that is now on the card). */
	r = ca_cert_draft(ctx, name, holder, req, reqlen, lifetime, &out->draft);
out:
	OPENSSL_free(req);
	X509_NAME_free(subject);
	return r;
}

int
ca_card_cert_sign(struct ca_ctx *ctx, struct ca_card_cert *cc)
{
	struct ca_issued c = { 0 };
	int r;

	if ((r = ca_cert_sign(ctx, &cc->draft, &c)) != CA_OK)
		return r;
	cc->profile = c.profile;
	cc->issuer = c.issuer;
	cc->serial = c.serial;
	cc->der = c.der;
	cc->derlen = c.derlen;
	cc->not_before = c.not_before;
	cc->not_after = c.not_after;
	return CA_OK;
}

void
ca_card_cert_rec(const struct ca_card_cert *c, const char *card, const char *holder,
		 struct ca_cert_rec *out)
{
	memset(out, 0, sizeof(*out));
	out->serial = c->serial;
	out->card = (char *)card;
	out->holder = (char *)holder;
	out->profile = (char *)c->profile;
	out->issuer = (char *)c->issuer;
	out->not_before = c->not_before;
	out->not_after = c->not_after;
	out->der = c->der;
	out->derlen = c->derlen;
}
