/*
 * The token = the card in a slot: token info and flags, and the passcode
 * lifecycle (C_InitToken, C_InitPIN, C_Login, C_Logout, C_SetPIN).
 *
 * Every passcode check goes through one path: decrement the retry counter
 * and commit it to the card image, only then run the slow KDF (module lock
 * released), and restore the counter after a success. A process killed
 * mid-login therefore never gains a try.
 *
 * Functions marked "lock held" are entered with the module lock and return
 * with it; those doing slow work release it in between (cc_state_unlock_busy)
 * and re-validate the slot afterwards.
 */
#ifndef CC_TOKEN_H
#define CC_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/card-image.h"
#include "pkcs11/config.h"

struct cc_state;
struct cc_slot;
struct cc_session;
struct cc_object;

/* CK_TOKEN_INFO flags for @card under @rules at time @now. Pure. */
CK_FLAGS cc_token_flags(const struct cc_card *card, const struct cc_passcode_rules *rules,
			int64_t now);

/* True when the user passcode is older than rules->max_age (0 = never). Pure. */
bool cc_token_pin_expired(const struct cc_card *card, const struct cc_passcode_rules *rules,
			  int64_t now);

/* Fill CK_TOKEN_INFO for the card in @slot (lock held, card present). */
void cc_token_info_locked(struct cc_state *st, struct cc_slot *slot, CK_TOKEN_INFO *info);

/*
 * C_Login. CKU_USER / CKU_SO log the application in on the token (shared by
 * all its sessions); CKU_CONTEXT_SPECIFIC re-authenticates for the pending
 * signature of session @s. Codes per PKCS#11 v2.40 C_Login, plus
 * CKR_PIN_EXPIRED (the passcode is right but too old; only C_SetPIN works)
 * and CKR_PIN_LOCKED (also returned by the failure that uses the last try).
 */
CK_RV cc_token_login_locked(struct cc_state *st, struct cc_session *s, CK_USER_TYPE who,
			    const unsigned char *pin, CK_ULONG len);

/* C_Logout (lock held): CKR_USER_NOT_LOGGED_IN when nobody is. */
CK_RV cc_token_logout_locked(struct cc_state *st, struct cc_slot *slot);

/* C_InitToken on @slot (lock held). */
CK_RV cc_token_init_locked(struct cc_state *st, struct cc_slot *slot, const unsigned char *so_pin,
			   CK_ULONG len, const unsigned char label[32]);

/* C_InitPIN by the SO in session @s (lock held). */
CK_RV cc_token_init_pin_locked(struct cc_state *st, struct cc_session *s,
			       const unsigned char *pin, CK_ULONG len);

/* C_SetPIN in session @s (lock held): the SO's secret when the SO is logged in, else the user's. */
CK_RV cc_token_set_pin_locked(struct cc_state *st, struct cc_session *s, const unsigned char *old,
			      CK_ULONG oldlen, const unsigned char *pin, CK_ULONG len);

/*
 * The ready EVP_PKEY of token private key @obj, unsealing it with the
 * logged-in card key if another process created it after our login (lock
 * held). Borrowed pointer. CKR_USER_NOT_LOGGED_IN, CKR_DEVICE_ERROR.
 */
CK_RV cc_token_private_key_locked(struct cc_state *st, struct cc_slot *slot,
				  struct cc_object *obj, EVP_PKEY **out);

/*
 * Run a read-modify-write of the card in @slot with the lock released:
 * @fn is called on the freshly locked image (serial checked) with @key (may
 * be NULL) and @arg; on CKR_OK the image is committed with @key. The slot is
 * refreshed afterwards. Lock held on entry and return; CKR_DEVICE_REMOVED if
 * the card changed, CKR_CRYPTOKI_NOT_INITIALIZED if finalized meanwhile.
 */
typedef CK_RV (*cc_card_edit_fn)(struct cc_card *card, const struct cc_card_key *key, void *arg);
CK_RV cc_token_edit_locked(struct cc_state *st, struct cc_slot *slot, bool with_key,
			   cc_card_edit_fn fn, void *arg);

#endif
