/*
 * ca/registry-hold: certificates on hold (RFC 5280 certificateHold) and
 * their release. A hold is stored as status 'revoked' with reason
 * certificateHold, the way CRLs and OCSP report it; a release makes the
 * certificate valid again and is recorded in cert_releases, so the next
 * delta CRL can list it with reason removeFromCRL while the next full CRL
 * simply leaves it out.
 *
 * Conventions as registry.h: 0 or CA_ERR_*, writes inside the caller's
 * transaction.
 */
#ifndef CC_CA_REGISTRY_HOLD_H
#define CC_CA_REGISTRY_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/registry/registry.h"

/* Put valid certificate @serial on hold at @when. CA_ERR_NOT_FOUND, or
 * CA_ERR_STATE when it is not valid. */
int ca_reg_cert_hold(struct ca_reg *reg, const char *serial, int64_t when);

/*
 * Release certificate @serial from hold at @when: valid again, the release
 * recorded for the delta CRL. CA_ERR_NOT_FOUND, or CA_ERR_STATE when it is
 * not on hold.
 */
int ca_reg_cert_release(struct ca_reg *reg, const char *serial, int64_t when);

/*
 * Certificates of @issuer released from a hold that began by @since
 * (so they are on the full CRL of @since) at or after @since, and valid
 * now: the removeFromCRL entries of a delta CRL against that full CRL. @cb
 * as ca_reg_revoked_foreach, with the release time and reason
 * removeFromCRL.
 */
int ca_reg_released_foreach(struct ca_reg *reg, const char *issuer, int64_t since,
			    ca_reg_revoked_cb cb, void *arg);

/*
 * The first certificate of card @card that is on hold, into *serial
 * (malloc'ed); CA_ERR_NOT_FOUND if none is.
 */
int ca_reg_card_held(struct ca_reg *reg, const char *card, char **serial);

/*
 * Is there a certificate of card @card newer than certificate @serial
 * (one issued after it, valid or on hold)? *newer is set.
 */
int ca_reg_cert_superseded(struct ca_reg *reg, const char *serial, bool *newer);

#endif
