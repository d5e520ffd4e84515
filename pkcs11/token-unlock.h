/*
 * token-unlock.h: the PKCS#11 side of self-service unlock (token-unlock.c;
 * the protocol in pkcs11/CARD-FORMAT.md, "Self-service unlock").
 */
#ifndef CC_TOKEN_UNLOCK_H
#define CC_TOKEN_UNLOCK_H

#include <stdbool.h>

#include "pkcs11/attrs.h"
#include "pkcs11/keygen.h"

struct cc_state;
struct cc_session;
struct cc_slot;

/* Do these attributes / this template name the reserved unblock-key label? */
bool cc_unlock_reserved(const struct cc_attrs *l);
bool cc_unlock_tmpl_reserved(const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* Is @req the ephemeral pair of an unlock request (the one key made without a login)? */
bool cc_unlock_is_ephemeral_req(const struct cc_keygen_req *req);

/*
 * C_CreateObject of the unblock key (lock held): only the SO (not one
 * logged in by an unlock response), a R/W session, a token RSA public key,
 * none on the card yet. Adds CKA_CC_SEALED_CARD_KEY (the card key sealed
 * to it) and makes it unmodifiable; the caller then stores @attrs.
 */
CK_RV cc_unlock_prepare_create_locked(struct cc_state *st, struct cc_session *s,
				      struct cc_slot *slot, struct cc_attrs *attrs);

/*
 * C_Login(CKU_SO, @resp) with an unlock response (lock and passcode gate
 * held): the session's ephemeral key opens it, and is destroyed first,
 * whatever the outcome. On success the SO is logged in with the card key
 * (slot->so_by_unlock set) and C_InitPIN can set the new passcode.
 * CKR_PIN_INCORRECT for a response that is not for this card and this key.
 */
CK_RV cc_unlock_login_locked(struct cc_state *st, struct cc_session *s, struct cc_slot *slot,
			     const unsigned char *resp, CK_ULONG len);

#endif
