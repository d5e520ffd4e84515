/*
 * ca/ocsp: OCSP responses (RFC 6960, RFC 5019 profile) signed by delegated
 * responders: one certificate per issuing CA with id-kp-OCSPSigning and
 * id-pkix-ocsp-nocheck (so short-lived: the policy's ocsp.signer-lifetime),
 * its key generated in the HSM like the CA keys.
 *
 * A response is for one certificate and one CertID hash algorithm, carries
 * no nonce (RFC 5019 2.2.1: it is pre-signed), names its responder by name
 * and includes the responder certificate, so a relying party that trusts
 * the issuing CA can check it with nothing else.
 */
#ifndef CC_CA_OCSP_H
#define CC_CA_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ca/core/ctx.h"
#include "ca/registry/registry-ocsp.h"

/* A delegated responder loaded for signing (owned; ca_ocsp_responder_free). */
struct ca_ocsp_responder {
	enum ca_issuer_id issuer;
	X509 *cert;
	EVP_PKEY *pkey;		/* its HSM key (hsm-provider) */
	char *serial;		/* certificate serial, registry hex */
	int64_t not_after;
	X509 *stamp;		/* see ocsp.c: lets OpenSSL lay out the response */
	EVP_PKEY *stamp_key;
};

void ca_ocsp_responder_free(struct ca_ocsp_responder *r);

/*
 * The responder of issuing CA @issuer ("authentication", "signing") that
 * is valid at @now and until at least @need_until; when there is none, a
 * new one: a key pair generated in the HSM (the issuing CAs' key type) and
 * a certificate valid [@now, @now + @lifetime] signed by the issuing CA,
 * recorded with its audit entry in one transaction. A key left by a run
 * killed before that commit is taken over, not duplicated.
 */
int ca_ocsp_responder_get(struct ca_ctx *ctx, const char *issuer, int64_t now,
			  int64_t need_until, int64_t lifetime, struct ca_ocsp_responder **out);

/*
 * Sign the response for certificate @c (of @r's issuing CA) with CertID
 * hash @hash: thisUpdate @this_update, nextUpdate @next_update, producedAt
 * the current time. *der (OPENSSL_malloc'ed) is a complete OCSPResponse.
 */
int ca_ocsp_sign(struct ca_ctx *ctx, const struct ca_ocsp_responder *r,
		 const struct ca_ocsp_cert *c, int hash, int64_t this_update,
		 int64_t next_update, unsigned char **der, size_t *len);

/*
 * The CertID of @issuer's certificates (RFC 6960 4.1.1) for each hash:
 * issuerNameHash and issuerKeyHash, so a request can be matched to its
 * issuing CA by comparing bytes. Hashes with @libctx (may be NULL).
 */
struct ca_ocsp_issuer_id {
	unsigned char name[CA_OCSP_NHASH][32];
	unsigned char key[CA_OCSP_NHASH][32];
	size_t len[CA_OCSP_NHASH];
};

int ca_ocsp_issuer_id(OSSL_LIB_CTX *libctx, X509 *issuer, struct ca_ocsp_issuer_id *out);

/* The digest of CertID hash @hash ("SHA1", "SHA256") from @libctx; free it. */
EVP_MD *ca_ocsp_md_fetch(OSSL_LIB_CTX *libctx, int hash);

#endif
