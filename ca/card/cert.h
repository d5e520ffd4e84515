/*
 * ca/card-cert: the two certificates of a card. A PKCS#10 request is built
 * with OpenSSL and signed ON the card (the card key as an EVP_PKEY through
 * the in-process provider), then read back through the CA's request reader
 * (proof of possession checked like any request) and certified by the
 * end-entity builder every certificate goes through (ca_cert_draft,
 * ca/core/issue.h): the policy profile's issuing CA, lifetime, key usage,
 * extended key usage, subject form and CRL/OCSP locations, the registry's
 * name and UUID — the same certificate `issue-cert` would make for the
 * same person. Record before you sign: the caller records the drafts
 * pending (ca_cert_pending) before ca_card_cert_sign signs them, and makes
 * them valid with its card operation's commit.
 */
#ifndef CC_CA_CARD_CERT_H
#define CC_CA_CARD_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "ca/core/ctx.h"
#include "ca/core/issue.h"
#include "ca/registry/registry.h"

struct ca_card_cert {
	struct ca_draft draft;		/* built, recorded pending, then signed */
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
 * Draft the certificate of the card key @k (on the card) for @holder under
 * profile @name: request signed on the card and checked, certificate built
 * (out->draft), nothing recorded or signed. @lifetime: 0 = the profile's;
 * otherwise the shorter of the two.
 */
int ca_card_cert_draft(struct ca_ctx *ctx, struct ca_signer_key *k, const char *name,
		       const struct ca_person *holder, int64_t lifetime, struct ca_card_cert *out);

/*
 * Sign @c's draft with the issuing CA (it must be recorded pending):
 * serial, DER and the other fields filled in.
 */
int ca_card_cert_sign(struct ca_ctx *ctx, struct ca_card_cert *c);

/* The registry row for @c on card @card of @holder (borrows @c's buffers). */
void ca_card_cert_rec(const struct ca_card_cert *c, const char *card, const char *holder,
		      struct ca_cert_rec *out);

#endif
