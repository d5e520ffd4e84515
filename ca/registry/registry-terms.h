/*
 * ca/registry: the holders' acceptances of the portal's terms and
 * conditions (table terms_acceptances, its migration in schema.c; terms.c).
 * A version is whatever the service says it is (the SHA-256 of the text);
 * the registry only records who accepted which, when, with what card.
 */
#ifndef CC_CA_REGISTRY_TERMS_H
#define CC_CA_REGISTRY_TERMS_H

#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_terms_acceptance {
	char version[72];
	int64_t accepted_at;		/* unix seconds */
	char card[24];			/* the card's serial */
	char certificate[64];		/* its authentication certificate's serial */
};

/* @person's acceptance of @version into @out: CA_OK, CA_ERR_NOT_FOUND or CA_ERR_DB. */
int ca_reg_terms_get(struct ca_reg *reg, const char *person, const char *version,
		     struct ca_terms_acceptance *out);

/* Record @person's acceptance @a: CA_OK, CA_ERR_EXISTS if already recorded, CA_ERR_DB. */
int ca_reg_terms_add(struct ca_reg *reg, const char *person, const struct ca_terms_acceptance *a);

#endif
