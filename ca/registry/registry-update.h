/*
 * ca/registry-update: the RA's changes to what it knows about a person
 * after registration — contact details and name, RA roles taken away, a
 * request closed without verification — and the facts the rules about
 * them need (how many RA managers there are, whether someone holds a card).
 *
 * Conventions as registry.h: 0 or CA_ERR_*, writes inside the caller's
 * transaction.
 */
#ifndef CC_CA_REGISTRY_UPDATE_H
#define CC_CA_REGISTRY_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/registry/registry.h"

/* New values for a person; NULL keeps a field, "" clears email or mobile. */
struct ca_person_change {
	const char *name, *email, *mobile;
};

/* Apply @c to @uuid. CA_ERR_NOT_FOUND for an unknown person. */
int ca_reg_person_update(struct ca_reg *reg, const char *uuid, const struct ca_person_change *c);

/* Take RA role @role from @uuid. CA_ERR_NOT_FOUND if they do not hold it. */
int ca_reg_ra_role_remove(struct ca_reg *reg, const char *uuid, const char *role);

/* How many people hold RA role @role. */
int ca_reg_ra_role_count(struct ca_reg *reg, const char *role, int64_t *n);

/* Does @uuid hold an issued personal card (not blank, not cancelled, not a TAC)? */
int ca_reg_person_has_card(struct ca_reg *reg, const char *uuid, bool *yes);

/*
 * Close sponsored request @id unverified: rejected by @by (the sponsor
 * withdrawing it, or an RA agent) for @reason at @when. CA_ERR_NOT_FOUND,
 * or CA_ERR_STATE if it is not awaiting verification.
 */
int ca_reg_request_reject(struct ca_reg *reg, int64_t id, const char *by, const char *reason,
			  int64_t when);

#endif
