/*
 * ca/registry/registry-est: network self-renewals (EST, issue 12). A
 * renewal is per card: one open record holds the certificates it renews
 * (the card's current ones) and the new ones issued so far; the card's
 * confirmation closes it ("confirmed"), the scheduler's timeout
 * ("abandoned"). Every call runs in the caller's transaction.
 */
#ifndef CC_CA_REGISTRY_EST_H
#define CC_CA_REGISTRY_EST_H

#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_est_rec {
	int64_t id;
	char *card, *holder;
	char *old_auth, *old_sign;	/* old_sign may be NULL */
	char *new_auth, *new_sign;	/* NULL until issued */
	int64_t opened_at;
};

void ca_est_rec_clear(struct ca_est_rec *e);

/* The open renewal of card @card; CA_ERR_NOT_FOUND if none. */
int ca_reg_est_open_get(struct ca_reg *reg, const char *card, struct ca_est_rec *out);

/* Open a renewal of @e->card (old_* from @e); *id receives its id.
 * CA_ERR_EXISTS if one is open already. */
int ca_reg_est_open(struct ca_reg *reg, const struct ca_est_rec *e, int64_t *id);

/* Set the new certificate of @profile ("authentication" or "signing"). */
int ca_reg_est_set_new(struct ca_reg *reg, int64_t id, const char *profile, const char *serial);

/* Close open renewal @id as "confirmed" or "abandoned" at @when; CA_ERR_STATE if not open. */
int ca_reg_est_close(struct ca_reg *reg, int64_t id, const char *state, int64_t when);

/* The ids of renewals open since before @before, at most @max; *n the count. */
int ca_reg_est_stale(struct ca_reg *reg, int64_t before, int64_t *ids, size_t max, size_t *n);

/* The renewal @id (open or not); CA_ERR_NOT_FOUND. */
int ca_reg_est_get(struct ca_reg *reg, int64_t id, struct ca_est_rec *out);

/* Record the service's TLS server certificate @serial (service_certs). */
int ca_reg_service_cert_add(struct ca_reg *reg, const char *serial, const char *issuer,
			    const char *names, int64_t not_before, int64_t not_after,
			    const unsigned char *der, size_t derlen);

#endif
