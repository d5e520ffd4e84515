/*
 * ca/card/operator.c: see operator.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ca/core/error.h"
#include "ca/core/hsm-provider.h"
#include "ca/card/operator.h"
#include "ca/core/ctx.h"
#include "ca/card/p11card.h"
#include "ca/registry/registry-cards.h"
#include "ca/core/secret.h"
#include "ca/core/x509util.h"
#include "common/log.h"

#define CHALLENGE_LEN 32

struct attempt {
	struct ca_ctx *ctx;
	const struct ca_card_login *l;
	struct ca_p11card *card;
	X509 *cert;
	const char *why;	/* failure reason for the audit log */
};

/* Passcode login on the operator's card and its certificate. */
static int
card_login(struct attempt *a)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	char *pin = NULL;
	size_t len = 0;
	int r;

	a->why = "no card in the reader";
	if ((r = ca_p11card_open(a->l->mod, a->l->reader, &a->card)) != CA_OK)
		return r;
	a->why = "no passcode";
	if ((r = a->l->pin(a->l->pin_arg, a->card->serial, &pin)) != CA_OK)
		return r;
	a->why = "passcode refused";
	r = ca_p11card_login(a->card, CKU_USER, pin, NULL);
	ca_secret_free(pin);
	if (r != CA_OK)
		return r;
	a->why = "no authentication certificate on the card";
	if ((r = ca_p11card_cert_read(a->card, CA_CARD_LABEL_AUTH, &der, &len)) != CA_OK)
		return r == CA_ERR_NOT_FOUND ? CA_ERR_AUTH : r;
	p = der;
	if ((a->cert = d2i_X509(NULL, &p, (long)len)) == NULL) {
		util_log_ossl_errors(__func__);
		r = CA_ERR_AUTH;
	}
	free(der);
	return r;
}

/* A fresh challenge signed on the card, verified with the certificate's key. */
static int
challenge(struct attempt *a)
{
	unsigned char ch[CHALLENGE_LEN], sig[1024];
	struct ca_signer_key *k = NULL;
	EVP_PKEY *onc = NULL;
	EVP_MD_CTX *md = NULL;
	size_t siglen = sizeof(sig);
	int r;

	a->why = "no authentication key on the card";
	if ((r = ca_p11card_key(a->card, CA_CARD_LABEL_AUTH, &k)) != CA_OK ||
	    (r = ca_hsm_pkey_new(a->ctx->libctx, k, &onc)) != CA_OK)
		return r == CA_ERR_NOT_FOUND ? CA_ERR_AUTH : r;
	r = CA_ERR_CRYPTO;
	a->why = "challenge signature";
	if (RAND_bytes_ex(a->ctx->libctx, ch, sizeof(ch), 0) != 1 ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", a->ctx->libctx, NULL, onc, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, ch, sizeof(ch)) != 1)
		goto out;
	EVP_MD_CTX_free(md);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", a->ctx->libctx, NULL,
				    X509_get0_pubkey(a->cert), NULL) != 1)
		goto out;
	a->why = "the card's key does not match its certificate";
	r = EVP_DigestVerify(md, sig, siglen, ch, sizeof(ch)) == 1 ? CA_OK : CA_ERR_AUTH;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(onc);
	return r;
}

/* The certificate chains to our root through the Authentication CA (either
 * generation during a rollover's overlap), now. */
static int
chain_verify(struct attempt *a)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *vc = NULL;
	int r = CA_ERR_ALLOC, ok;

	if ((st = X509_STORE_new()) == NULL || (vc = X509_STORE_CTX_new_ex(a->ctx->libctx,
									  NULL)) == NULL)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_STORE_add_cert(st, a->ctx->issuers[CA_ISSUER_ROOT].cert) != 1 ||
	    X509_STORE_add_cert(st, a->ctx->issuers[CA_ISSUER_AUTH].cert) != 1 ||
	    /* cards issued before a rollover, until they expire */
	    (a->ctx->issuers[CA_ISSUER_AUTH_PREV].cert != NULL &&
	     X509_STORE_add_cert(st, a->ctx->issuers[CA_ISSUER_AUTH_PREV].cert) != 1) ||
	    X509_STORE_CTX_init(vc, st, a->cert, NULL) != 1)
		goto out;
	X509_STORE_CTX_set_flags(vc, X509_V_FLAG_X509_STRICT);
	/* A holder may be past notAfter: expiry is the policy's to decide
	 * (and to word). (OpenSSL honours a check time before NO_CHECK_TIME.) */
	if (a->l->holder)
		X509_STORE_CTX_set_flags(vc, X509_V_FLAG_NO_CHECK_TIME);
	else
		X509_STORE_CTX_set_time(vc, 0, (time_t)ca_ctx_now(a->ctx));
	ok = X509_verify_cert(vc);
	r = ok == 1 ? CA_OK : CA_ERR_AUTH;
	if (r != CA_OK) {
		a->why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc));
		util_log(LOG_ERR, "card certificate: %s", a->why);
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(vc);
	X509_STORE_free(st);
	return r;
}

static int
cert_serial_hex(X509 *x, char *out, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL, *norm = NULL;
	int r = CA_ERR_CRYPTO;

	if (hex != NULL && (r = ca_serial_normalize(hex, &norm)) == CA_OK) {
		snprintf(out, len, "%s", norm);
		free(norm);
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

/* Issued by us, valid, an authentication certificate of a registered person. */
static int
registry_check(struct attempt *a, struct ca_card_who *op)
{
	struct ca_cert_rec rec = { 0 };
	struct ca_card_rec card = { 0 };
	struct ca_person p = { 0 };
	int r;

	if ((r = cert_serial_hex(a->cert, op->cert_serial, sizeof(op->cert_serial))) != CA_OK)
		return r;
	a->why = "certificate unknown to the registry";
	if ((r = ca_reg_cert_get(a->ctx->reg, op->cert_serial, &rec)) != CA_OK)
		return r == CA_ERR_NOT_FOUND ? CA_ERR_AUTH : r;
	r = CA_ERR_AUTH;
	if (rec.status != CA_CERT_VALID) {
		/* A pending certificate was never issued: its operation did not complete. */
		a->why = rec.status == CA_CERT_PENDING ? "certificate not issued (its operation "
			 "did not complete)" : "certificate revoked";
		goto out;
	}
	if (strcmp(rec.profile, "authentication") != 0) {
		a->why = "not an authentication certificate";
		goto out;
	}
	if (rec.card != NULL && ca_reg_card_get(a->ctx->reg, rec.card, &card) == CA_OK &&
	    strcmp(card.state, "cancelled") == 0) {
		a->why = "card cancelled";
		goto out;
	}
	a->why = "holder not registered";
	if ((r = ca_reg_person_get(a->ctx->reg, rec.holder, &p)) != CA_OK) {
		r = r == CA_ERR_NOT_FOUND ? CA_ERR_AUTH : r;
		goto out;
	}
	snprintf(op->uuid, sizeof(op->uuid), "%s", p.uuid);
	snprintf(op->name, sizeof(op->name), "%s", p.name);
	if (a->card != NULL)
		snprintf(op->card, sizeof(op->card), "%s", a->card->serial);
	else if (rec.card != NULL)	/* a TLS client certificate: the registry's card */
		snprintf(op->card, sizeof(op->card), "%s", rec.card);
	else {
		a->why = "certificate not on a card";
		r = CA_ERR_AUTH;
		goto out;
	}
	r = CA_OK;
out:
	ca_person_clear(&p);
	ca_card_rec_clear(&card);
	ca_cert_rec_clear(&rec);
	return r;
}

int
ca_card_authenticate(struct ca_ctx *ctx, const struct ca_card_login *l, struct ca_card_who *out,
		     const char **why)
{
	struct attempt a = { ctx, l, NULL, NULL, NULL };
	struct ca_card_who who;
	int r;

	memset(&who, 0, sizeof(who));
	if ((r = card_login(&a)) != CA_OK || (r = challenge(&a)) != CA_OK ||
	    (r = chain_verify(&a)) != CA_OK || (r = registry_check(&a, &who)) != CA_OK)
		goto out;
	*out = who;
out:
	if (why != NULL)
		*why = r == CA_OK ? NULL : a.why != NULL ? a.why : ca_strerror(r);
	X509_free(a.cert);
	ca_p11card_close(a.card);
	return r;
}

int
ca_card_cert_authenticate(struct ca_ctx *ctx, X509 *cert, struct ca_card_who *out,
			  const char **why)
{
	static const struct ca_card_login holder = { .holder = true };
	struct attempt a = { ctx, &holder, NULL, cert, NULL };
	struct ca_card_who who;
	int r;

	memset(&who, 0, sizeof(who));
	if ((r = chain_verify(&a)) == CA_OK && (r = registry_check(&a, &who)) == CA_OK)
		*out = who;
	if (why != NULL)
		*why = r == CA_OK ? NULL : a.why != NULL ? a.why : ca_strerror(r);
	return r;
}
