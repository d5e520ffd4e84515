/*
 * ca/card-cert.c: see card-cert.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/card/cert.h"
#include "ca/core/csr.h"
#include "ca/core/error.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/x509util.h"
#include "common/log.h"

void
ca_card_cert_clear(struct ca_card_cert *c)
{
	if (c == NULL)
		return;
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

/* "CN=Bob Holder, serialNumber=200000000002" -> X509_NAME (fields split at ", "). */
static int
subject_parse(const char *text, X509_NAME **out)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(text), *p, *next, *eq;
	int r = CA_ERR_ALLOC;

	if (n == NULL || copy == NULL)
		goto out;
	r = CA_ERR_USAGE;
	for (p = copy; p != NULL && *p != '\0'; p = next) {
		if ((next = strstr(p, ", ")) != NULL) {
			*next = '\0';
			next += 2;
		}
		if ((eq = strchr(p, '=')) == NULL || eq == p)
			goto out;
		*eq = '\0';
		if (X509_NAME_add_entry_by_txt(n, p, MBSTRING_UTF8, (unsigned char *)eq + 1, -1,
					       -1, 0) != 1) {
			util_log(LOG_ERR, "policy subject: bad attribute '%s'", p);
			util_log_ossl_errors(__func__);
			goto out;
		}
	}
	*out = n;
	n = NULL;
	r = CA_OK;
out:
	X509_NAME_free(n);
	free(copy);
	return r;
}

/* The PKCS#10 request, signed on the card by @k. */
static int
csr_make(struct ca_card_env *e, struct ca_signer_key *k, X509_NAME *subject,
	 unsigned char **der, size_t *len)
{
	X509_REQ *req = NULL;
	EVP_PKEY *onc = NULL;
	unsigned char *buf = NULL;
	int n, r;

	if ((r = ca_hsm_pkey_new(e->ctx->libctx, k, &onc)) != CA_OK)
		return r;
	r = CA_ERR_CRYPTO;
	if ((req = X509_REQ_new_ex(e->ctx->libctx, NULL)) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, subject) != 1 ||
	    X509_REQ_set_pubkey(req, ca_signer_key_public(k)) != 1 ||
	    X509_REQ_sign(req, onc, e->ctx->md) <= 0 ||
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

static int
kv_join(char *buf, size_t len, const char *prefix, unsigned bits,
	const char *(*name)(unsigned))
{
	size_t used = (size_t)snprintf(buf, len, "%s", prefix);
	unsigned b;

	for (b = 1; b != 0 && used < len; b <<= 1)
		if ((bits & b) && name(b) != NULL)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used > strlen(prefix) ? "," : "", name(b));
	return used < len ? CA_OK : CA_ERR_USAGE;
}

/* @ca_url: where relying parties fetch the issuing CA's certificate
 * (policy publication.*-certificate-url), the AIA caIssuers; may be "". */
static int
extensions(X509 *crt, X509 *issuer, const struct pol_profile *p, const char *ca_url)
{
	X509V3_CTX v3;
	char ku[256], eku[256], crl[POL_TEXT_MAX + 8], aia[2 * POL_TEXT_MAX + 40];
	int r;

	X509V3_set_ctx(&v3, issuer, crt, NULL, NULL, 0);
	if ((r = kv_join(ku, sizeof(ku), "critical,", p->key_usage, pol_ku_name)) != CA_OK ||
	    (r = kv_join(eku, sizeof(eku), "", p->ext_key_usage, pol_eku_oid)) != CA_OK)
		return r;
	if ((r = ca_ext_add(crt, &v3, NID_basic_constraints, "critical,CA:FALSE")) != CA_OK ||
	    (r = ca_ext_add(crt, &v3, NID_key_usage, ku)) != CA_OK ||
	    (eku[0] != '\0' && (r = ca_ext_add(crt, &v3, NID_ext_key_usage, eku)) != CA_OK) ||
	    (r = ca_ext_add(crt, &v3, NID_subject_key_identifier, "hash")) != CA_OK ||
	    (r = ca_ext_add(crt, &v3, NID_authority_key_identifier, "keyid:always")) != CA_OK)
		return r;
	snprintf(crl, sizeof(crl), "URI:%s", p->crl_url);
	snprintf(aia, sizeof(aia), "OCSP;URI:%s%s%s", p->ocsp_url, ca_url[0] != '\0' ?
		 ",caIssuers;URI:" : "", ca_url);
	if (p->crl_url[0] != '\0' &&
	    (r = ca_ext_add(crt, &v3, NID_crl_distribution_points, crl)) != CA_OK)
		return r;
	if (p->ocsp_url[0] != '\0')
		r = ca_ext_add(crt, &v3, NID_info_access, aia);
	return r;
}

static int
validity(X509 *crt, int64_t nb, int64_t na)
{
	if (ASN1_TIME_set(X509_getm_notBefore(crt), (time_t)nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(crt), (time_t)na) == NULL)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

/* Build and sign the certificate for the checked request @csr. */
static int
cert_build(struct ca_card_env *e, const struct pol_profile *p, struct ca_issuer *is,
	   X509_NAME *subject, const struct ca_csr *csr, struct ca_card_cert *out)
{
	const char *ca_url = is == &e->ctx->issuers[CA_ISSUER_SIGN]
			     ? e->pol->publication.signing_certificate_url
			     : e->pol->publication.authentication_certificate_url;
	X509 *crt = NULL;
	ASN1_INTEGER *serial = NULL;
	char *hex = NULL;
	int r = CA_ERR_ALLOC;

	if ((crt = X509_new_ex(e->ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(e->ctx->libctx, &serial, &hex)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_set_version(crt, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_issuer_name(crt, X509_get_subject_name(is->cert)) != 1 ||
	    X509_set_subject_name(crt, subject) != 1)
		goto out;
	if ((r = validity(crt, out->not_before, out->not_after)) != CA_OK ||
	    (r = ca_csr_spki_copy(csr, crt)) != CA_OK ||
	    (r = extensions(crt, is->cert, p, ca_url)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_sign(crt, is->pkey, e->ctx->md) <= 0)
		goto out;
	if ((r = ca_x509_der(crt, &out->der, &out->derlen)) != CA_OK)
		goto out;
	out->serial = hex;
	hex = NULL;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(hex);
	ASN1_INTEGER_free(serial);
	X509_free(crt);
	return r;
}

int
ca_card_cert_make(struct ca_card_env *e, struct ca_signer_key *k, const char *name,
		  const struct ca_person *holder, int64_t lifetime, struct ca_card_cert *out)
{
	const struct pol_profile *p = pol_profile_find(e->pol, name);
	struct ca_card_cert c = { 0 };
	struct ca_csr csr = { NULL, NULL, NULL, 0 };
	struct ca_issuer *is;
	X509_NAME *subject = NULL;
	unsigned char *req = NULL;
	char text[POL_TEXT_MAX * 2];
	size_t reqlen = 0;
	int r;

	if (p == NULL || (is = ca_ctx_issuer(e->ctx, name)) == NULL || is->pkey == NULL)
		return CA_ERR_USAGE;
	c.profile = strcmp(name, "signing") == 0 ? "signing" : "authentication";
	c.not_before = e->now;
	c.not_after = e->now + (lifetime > 0 && lifetime < p->lifetime ? lifetime : p->lifetime);
	if (pol_subject_expand(p, holder->name, holder->uuid, text, sizeof(text)) != POL_OK)
		return CA_ERR_USAGE;
	if ((r = subject_parse(text, &subject)) != CA_OK ||
	    (r = csr_make(e, k, subject, &req, &reqlen)) != CA_OK)
		goto out;
	if (e->ctx->csr_reader == NULL &&
	    (r = ca_csr_reader_new(e->ctx->libctx, &e->ctx->csr_reader)) != CA_OK)
		goto out;
	/* The request the card signed is checked like any other (proof of
	 * possession of the key that is now on the card). */
	if ((r = ca_csr_read(e->ctx->csr_reader, req, reqlen, &csr)) != CA_OK ||
	    (r = cert_build(e, p, is, subject, &csr, &c)) != CA_OK)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	ca_card_cert_clear(&c);
	ca_csr_clear(&csr);
	OPENSSL_free(req);
	X509_NAME_free(subject);
	return r;
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
	out->issuer = (char *)c->profile;	/* the issuing CA is named like its profile */
	out->not_before = c->not_before;
	out->not_after = c->not_after;
	out->der = c->der;
	out->derlen = c->derlen;
}
