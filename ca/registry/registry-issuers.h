/*
 * ca/registry/registry-issuers.h: the issuing CAs made by a rollover
 * (migration 13, table ca_issuers). Generation 1 of each role is init's and
 * has no row: its registry name is the role, its key carecard-<role>.
 */
#ifndef CC_CA_REGISTRY_ISSUERS_H
#define CC_CA_REGISTRY_ISSUERS_H

#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_issuer_rec {
	char *name;		/* registry name: "authentication-2" */
	char *role;		/* "authentication" or "signing" */
	int generation;		/* >= 2 */
	char *key_label;	/* its token key */
	int64_t created;
	unsigned char *der;	/* its certificate */
	size_t derlen;
};

void ca_issuer_rec_clear(struct ca_issuer_rec *r);

/* Generation @gen of @role (0: the newest); CA_ERR_NOT_FOUND if none. */
int ca_reg_issuer_get(struct ca_reg *reg, const char *role, int gen, struct ca_issuer_rec *out);

/* Record a new generation (call inside a transaction); CA_ERR_EXISTS if
 * the name, key or generation is taken. */
int ca_reg_issuer_add(struct ca_reg *reg, const struct ca_issuer_rec *r);

/* The latest notAfter of the certificates issuer @name issued (holders'
 * and the service's own), or 0 if none. */
int ca_reg_issuer_last_expiry(struct ca_reg *reg, const char *name, int64_t *out);

#endif
