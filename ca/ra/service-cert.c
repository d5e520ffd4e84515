/*
 * ca/ra/service-cert.c: see service-cert.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "ca/ra/gate.h"
#include "ca/ra/service-cert.h"
#include "ca/registry/registry-est.h"
#include "common/fileio.h"
#include "common/log.h"

#define DAY 86400

/* Does @crt name @host (an IP address or a DNS name) in its subjectAltName? */
static bool
names_host(X509 *crt, const char *host)
{
	return X509_check_ip_asc(crt, host, 0) == 1 || X509_check_host(crt, host, 0, 0, NULL) == 1;
}

/* The files hold a certificate for every name, its key, and time enough. */
static bool
current(struct ca_ctx *ctx, const char *cert, const char *key, const char *const *names,
	size_t n, int64_t now)
{
	FILE *f = NULL;
	X509 *crt = NULL;
	EVP_PKEY *pk = NULL;
	bool ok = false;
	size_t i;

	if ((f = fopen(cert, "r")) == NULL)
		goto out;
	crt = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(key, "r")) == NULL)
		goto out;
	pk = PEM_read_PrivateKey_ex(f, NULL, NULL, NULL, ctx->libctx, NULL);
	fclose(f);
	if (crt == NULL || pk == NULL || X509_check_private_key(crt, pk) != 1 ||
	    X509_check_issued(ctx->issuers[CA_ISSUER_AUTH].cert, crt) != X509_V_OK ||
	    X509_cmp_time(X509_get0_notAfter(crt), &(time_t){ (time_t)(now +
			  CA_SERVICE_CERT_RENEW_DAYS * DAY) }) <= 0)
		goto out;
	for (i = 0; i < n; i++)
		if (!names_host(crt, names[i]))
			goto out;
	ok = true;
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	X509_free(crt);
	return ok;
}

/* subjectAltName with each name as an iPAddress or a dNSName. */
static int
san(const char *const *names, size_t n, X509_EXTENSION **out)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g;
	ASN1_OCTET_STRING *ip;
	ASN1_IA5STRING *dns;
	size_t i;
	int r = CA_ERR_CRYPTO;

	if (gens == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		if ((g = GENERAL_NAME_new()) == NULL)
			goto out;
		if ((ip = a2i_IPADDRESS(names[i])) != NULL) {
			GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
		} else if ((dns = ASN1_IA5STRING_new()) != NULL &&
			   ASN1_STRING_set(dns, names[i], -1) == 1) {
			GENERAL_NAME_set0_value(g, GEN_DNS, dns);
		} else {
			ASN1_IA5STRING_free(dns);
			GENERAL_NAME_free(g);
			goto out;
		}
		if (sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	if ((*out = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) != NULL)
		r = CA_OK;
out:
	ERR_clear_error();
	GENERAL_NAMES_free(gens);
	return r;
}

static int
build(struct ca_ctx *ctx, EVP_PKEY *pk, const char *const *names, size_t n, int64_t now,
      X509 **out, char **hex)
{
	static const char *const server_auth[] = { "1.3.6.1.5.5.7.3.1" };
	struct ca_issuer *is = &ctx->issuers[CA_ISSUER_AUTH];
	X509 *crt = NULL;
	X509_NAME *name = X509_NAME_new();
	X509_EXTENSION *ext = NULL;
	ASN1_INTEGER *serial = NULL;
	EVP_MD *sha1 = NULL;
	int r = CA_ERR_ALLOC;

	if (name == NULL || (crt = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	if ((r = ca_serial_random(ctx->libctx, &serial, hex)) != CA_OK ||
	    (r = ca_name_add(name, NID_organizationName, "Carecard")) != CA_OK ||
	    (r = ca_name_add(name, NID_commonName, names[0])) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((sha1 = EVP_MD_fetch(ctx->libctx, "SHA1", NULL)) == NULL ||
	    X509_set_version(crt, X509_VERSION_3) != 1 || X509_set_serialNumber(crt, serial) != 1 ||
	    X509_set_issuer_name(crt, X509_get_subject_name(is->cert)) != 1 ||
	    X509_set_subject_name(crt, name) != 1 || X509_set_pubkey(crt, pk) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(crt), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(crt), (time_t)(now + CA_SERVICE_CERT_DAYS * DAY)) ==
	    NULL)
		goto out;
	r = ca_ext_basic_constraints(0, -1, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		goto out;
	r = ca_ext_key_usage(1u << 0, &ext);		/* digitalSignature */
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		goto out;
	r = ca_ext_ext_key_usage(server_auth, 1, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		goto out;
	r = san(names, n, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK ||
	    (r = ca_ext_subject_key_id_add(crt, sha1)) != CA_OK)
		goto out;
	r = ca_ext_authority_key_id(is->cert, &ext);
	if ((r = ca_ext_push(crt, r, ext)) != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (X509_sign(crt, is->pkey, ctx->md) <= 0)
		goto out;
	*out = crt;
	crt = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	EVP_MD_free(sha1);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	X509_free(crt);
	return r;
}

/* The key (0600) and the chain, each replaced atomically. */
static int
files_write(X509 *crt, X509 *ca, EVP_PKEY *pk, const char *cert, const char *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int r = CA_ERR_CRYPTO;

	if (b == NULL)
		return CA_ERR_ALLOC;
	if (PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (len = BIO_get_mem_data(b, &data)) <= 0)
		goto out;
	r = util_file_write_atomic(key, data, (size_t)len, 0600) == 0 ? CA_OK : CA_ERR_IO;
	OPENSSL_cleanse(data, (size_t)len);
	if (r != CA_OK)
		goto out;
	r = CA_ERR_CRYPTO;
	if (BIO_reset(b) != 1 || PEM_write_bio_X509(b, crt) != 1 || PEM_write_bio_X509(b, ca) != 1 ||
	    (len = BIO_get_mem_data(b, &data)) <= 0)
		goto out;
	r = util_file_write_atomic(cert, data, (size_t)len, 0644) == 0 ? CA_OK : CA_ERR_IO;
out:
	ERR_clear_error();
	BIO_free(b);
	return r;
}

int
ca_op_service_cert(struct ca_session *s, const char *cert, const char *key,
		   const char *const *names, size_t n, bool *issued, struct ca_result *res)
{
	struct ca_ctx *ctx = s->ctx;
	EVP_PKEY *pk = NULL;
	X509 *crt = NULL;
	unsigned char *der = NULL;
	char *hex = NULL, list[512] = "", until[24];
	const char *kv[] = { "serial", NULL, "names", list, "not-after", until, NULL };
	int64_t now = ca_ctx_now(ctx);
	size_t derlen = 0, i;
	int r;

	if (issued != NULL)
		*issued = false;
	if (n == 0)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "no name for the certificate");
	if (current(ctx, cert, key, names, n, now))
		return CA_OK;
	if ((r = ca_gate_who(s, CA_OP_OCSP_SIGN, "service-tls", res)) != CA_OK)
		return r;
	if (ctx->signer == NULL || ctx->issuers[CA_ISSUER_AUTH].pkey == NULL)
		return ca_result_fail(res, CA_ERR_HSM, NULL, "the service's TLS certificate is "
				      "issued by the CA with its HSM: run serve with its jobs once, "
				      "or configure tls-certificate and tls-key");
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 names[i]);
	r = CA_ERR_CRYPTO;
	if ((pk = EVP_PKEY_Q_keygen(ctx->libctx, NULL, "EC", "P-256")) == NULL)
		goto out;
	if ((r = build(ctx, pk, names, n, now, &crt, &hex)) != CA_OK ||
	    (r = ca_x509_der(crt, &der, &derlen)) != CA_OK)
		goto out;
	kv[1] = hex;
	snprintf(until, sizeof(until), "%lld", (long long)(now + CA_SERVICE_CERT_DAYS * DAY));
	/* Recorded before it leaves this process (the files). */
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_service_cert_add(ctx->reg, hex, ctx->issuers[CA_ISSUER_AUTH].name, list,
					 now, now + CA_SERVICE_CERT_DAYS * DAY, der,
					 derlen)) == CA_OK)
		r = ca_ctx_audit(ctx, "service-cert-issue", hex, kv);
	if ((r = ca_reg_end(ctx->reg, r)) != CA_OK ||
	    (r = files_write(crt, ctx->issuers[CA_ISSUER_AUTH].cert, pk, cert, key)) != CA_OK)
		goto out;
	util_log(LOG_NOTICE, "issued the service's TLS certificate %s for %s", hex, list);
	if (issued != NULL)
		*issued = true;
	ca_result_done(res, "TLS certificate %s for %s", hex, list);
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(hex);
	OPENSSL_free(der);
	X509_free(crt);
	EVP_PKEY_free(pk);
	return r;
}
