/*
 * ca/card-cert: the two certificates of a card. A PKCS#10 request is built
 * with OpenSSL and signed ON the card (the card key as an EVP_PKEY through
 * the in-process provider), then read back through the CA's request reader
 * (proof of possession checked like any request) and certified by the
 * end-entity builder every certificate goes through (ca_cert_make,
 * ca/core/issue.h): the policy profile's issuing CA, lifetime, key usage,
 * extended key usage, subject form and CRL/OCSP locations, the registry's
 * name and UUID — the same certificate `issue-cert` would make for the
 * same person. Nothing is recorded here: the caller commits the
 * certificates with its card operation.
 */
#ifndef CC_CA_CARD_CERT_H
#define CC_CA_CARD_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "ca/core/ctx.h"
#include "ca/registry/registry.h"

struct ca_card_cert {
	const char *profile;		/* "authentication" or "signing" (static) */
	const char *issuer;		/* the issuing CA's registry name (static) */
	char *serial;			/* registry form (hex) */
	unsigned char *der;
	size_t derlen;
	int64_t not_before, not_after;
};

void ca_card_cert_clear(struct ca_card_cert *c);

/* The card key type the policy profile @name asks for; CA_ERR_STATE if the card cannot. */
int ca_card_key_type(const struct pol_policy *pol, const char *name, enum ca_key_type *out);

/*
 * Certify the card key @k (on the card) for @holder under profile @name:
 * request signed on the card, certificate signed by the issuing CA.
 * @lifetime: 0 = the profile's; otherwise the shorter of the two.
 */
int ca_card_cert_make(struct ca_ctx *ctx, struct ca_signer_key *k, const char *name,
		      const struct ca_person *holder, int64_t lifetime, struct ca_card_cert *out);

/* The registry row for @c on card @card of @holder (borrows @c's buffers). */
void ca_card_cert_rec(const struct ca_card_cert *c, const char *card, const char *holder,
		      struct ca_cert_rec *out);

#endif
