/*
 * Slots = configured readers; a token = the card image in the reader's
 * directory. Presence is checked on every call with one stat
 * (cc_card_stamp); the image is re-read only when the stamp changed, so two
 * processes using one card see each other's changes. A different serial in
 * the reader is a different token: the old token's sessions end and its
 * login state is dropped.
 */
#ifndef CC_SLOT_H
#define CC_SLOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "pkcs11/card-image.h"
#include "pkcs11/config.h"
#include "pkcs11/object.h"

enum cc_login {
	CC_LOGIN_NONE,
	CC_LOGIN_USER,
	CC_LOGIN_SO,
};

struct cc_slot {
	CK_SLOT_ID id;
	const struct cc_reader_conf *reader;	/* borrowed from the config */
	char path[PATH_MAX];			/* the image, while present */
	struct cc_card_stamp stamp;
	struct cc_card *card;			/* NULL: no (usable) card */
	uint64_t instance;			/* token instance; 0 when empty */
	enum cc_login login;
	struct cc_card_key key;			/* unwrapped card key while logged in */
	bool so_by_unlock;			/* the SO login was an unlock response */
	struct cc_object *objects;		/* token objects, the profile, session objects */
	bool event;				/* C_WaitForSlotEvent: a change not yet reported */
	bool pin_busy;				/* a passcode check of this process is in flight */
	struct cc_card_stamp bad;		/* last image that failed to load (logged once) */
	bool have_bad;
	uint64_t checked_ns;			/* CLOCK_MONOTONIC of the last check that found
						 * the card present and current */
};

/*
 * The signing hot path (C_SignInit, C_Sign*) trusts a presence check this
 * recent instead of doing its own stat (architecture.md "Hot paths": "a
 * stat, or a cached check with a short interval"). A card removed or
 * rewritten by another process is noticed by the first signing call after
 * the interval, and by every other call at once.
 */
#define CC_PRESENCE_INTERVAL_MS 100

struct cc_state;

/* Set up / tear down the slots from the configuration (lock held). */
CK_RV cc_slots_create_locked(struct cc_state *st);
void cc_slots_destroy_locked(struct cc_state *st);

/* The slot @id, or NULL (CKR_SLOT_ID_INVALID for the caller). */
struct cc_slot *cc_slot_get_locked(struct cc_state *st, CK_SLOT_ID id);

/*
 * Bring @slot up to date with its reader: one stat when nothing changed;
 * reload on a changed stamp; on removal or a different card end the old
 * token's sessions (they report CKR_DEVICE_REMOVED once) and drop its login.
 * Sets slot->event on any insertion/removal. Never fails: an unreadable
 * image is logged and treated as no token.
 */
void cc_slot_refresh_locked(struct cc_state *st, struct cc_slot *slot);

/*
 * Same, but without any I/O when a card was found present and current less
 * than CC_PRESENCE_INTERVAL_MS ago (one clock read). For the signing calls.
 */
void cc_slot_refresh_cached_locked(struct cc_state *st, struct cc_slot *slot);

/*
 * Can sessions be opened on @slot's token? CKR_TOKEN_NOT_PRESENT, or
 * CKR_TOKEN_NOT_RECOGNIZED for a card refused as a rollback (card-guard.h):
 * present, so an SO can re-initialise it with C_InitToken, but unusable.
 */
CK_RV cc_slot_usable(const struct cc_slot *slot);

/* Forget login state: wipe the card key, free ready EVP_PKEYs. */
void cc_slot_logout_locked(struct cc_slot *slot);

/*
 * While the user is logged in: give private token data objects their
 * CKA_VALUE, unsealed from the card (logout wipes it again). Lock held.
 */
void cc_slot_reveal_locked(struct cc_slot *slot);

/*
 * Rebuild the token objects from slot->card, keeping handles (and ready
 * keys) of objects whose uid survives. Lock held.
 */
CK_RV cc_slot_sync_objects_locked(struct cc_state *st, struct cc_slot *slot);

/* Objects visible to the application now (private ones only when the user is logged in). */
bool cc_slot_object_visible(const struct cc_slot *slot, const struct cc_object *obj);

#endif
