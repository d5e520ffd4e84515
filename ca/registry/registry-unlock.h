/*
 * ca/registry: self-service unlock records (ca/registry/unlock.c): each
 * card's key sealed to the HSM's unblock key, and the one-time codes, kept
 * only as an HMAC under an HSM key; the code rows are also the send log the
 * limits count.
 */
#ifndef CC_CA_REGISTRY_UNLOCK_H
#define CC_CA_REGISTRY_UNLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

/* Record (or replace, after a re-personalisation) the sealed card key of @serial. */
int ca_reg_unblock_put(struct ca_reg *reg, const char *serial, const unsigned char *sealed,
		       size_t len, int64_t now);

/* The sealed card key of @serial (malloc'd); CA_ERR_NOT_FOUND for a card without one. */
int ca_reg_unblock_get(struct ca_reg *reg, const char *serial, unsigned char **sealed,
		       size_t *len);

/* Codes sent since @since: to @card, to @address, and to anyone. */
struct ca_unlock_sends {
	int64_t card, address, all;
};
int ca_reg_unlock_sends(struct ca_reg *reg, const char *card, const char *address,
			int64_t since, struct ca_unlock_sends *out);

/*
 * A new open code for @card (older open ones of the card for the same
 * purpose become 'superseded').
 */
struct ca_unlock_code {
	int64_t id;
	char card[17];
	const char *purpose;		/* "unlock" or "contact" (static) */
	const char *channel;		/* "email" or "sms" (static) */
	char address[256];
	unsigned char mac[32];
	int64_t created, expires;
	int tries_left;
};
int ca_reg_unlock_code_add(struct ca_reg *reg, struct ca_unlock_code *c);	/* sets c->id */

/* The newest open code of @card for @purpose; CA_ERR_NOT_FOUND if none. */
int ca_reg_unlock_code_open(struct ca_reg *reg, const char *card, const char *purpose,
			    struct ca_unlock_code *out);

/* Settle code @id: @state "open" (a wrong try, @tries_left left), "used" or "spent". */
int ca_reg_unlock_code_settle(struct ca_reg *reg, int64_t id, const char *state, int tries_left);

#endif
