#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "pkcs11/audit.h"
#include "pkcs11/card-guard.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"

CK_RV
cc_slots_create_locked(struct cc_state *st)
{
	size_t i;

	if (st->conf->nreaders == 0)
		return CKR_OK;
	if ((st->slots = calloc(st->conf->nreaders, sizeof(*st->slots))) == NULL)
		return CKR_HOST_MEMORY;
	st->nslots = st->conf->nreaders;
	for (i = 0; i < st->nslots; i++) {
		st->slots[i].id = i;
		st->slots[i].reader = &st->conf->readers[i];
	}
	return CKR_OK;
}

static void
slot_clear_token(struct cc_slot *slot)
{
	cc_slot_logout_locked(slot);
	cc_object_list_free(&slot->objects);
	cc_card_free(slot->card);
	slot->card = NULL;
	slot->instance = 0;
	slot->path[0] = '\0';
}

void
cc_slots_destroy_locked(struct cc_state *st)
{
	size_t i;

	for (i = 0; i < st->nslots; i++)
		slot_clear_token(&st->slots[i]);
	free(st->slots);
	st->slots = NULL;
	st->nslots = 0;
}

struct cc_slot *
cc_slot_get_locked(struct cc_state *st, CK_SLOT_ID id)
{
	return id < st->nslots ? &st->slots[id] : NULL;
}

/* A token data object whose value is sealed on the card. */
static bool
sealed_data(const struct cc_object *o)
{
	return o->uid != 0 && o->klass == CKO_DATA && cc_object_is_private(o);
}

void
cc_slot_logout_locked(struct cc_slot *slot)
{
	struct cc_object *o;

	slot->login = CC_LOGIN_NONE;
	slot->so_by_unlock = false;
	cc_card_key_clear(&slot->key);
	/* Sessions' prepared signing contexts hold key references too. */
	cc_session_drop_sign_caches_locked(cc_state_get(), slot->id);
	for (o = slot->objects; o != NULL; o = o->next) {
		if (o->uid != 0 && o->pkey != NULL) {
			EVP_PKEY_free(o->pkey);
			o->pkey = NULL;
		}
		if (sealed_data(o))
			cc_attrs_remove(&o->attrs, CKA_VALUE);	/* wiped */
	}
}

void
cc_slot_reveal_locked(struct cc_slot *slot)
{
	const struct cc_stored_object *so;
	unsigned char *plain = NULL;
	struct cc_object *o;
	size_t len = 0;

	if (slot->login != CC_LOGIN_USER)
		return;
	for (o = slot->objects; o != NULL; o = o->next) {
		if (!sealed_data(o) || cc_attrs_find(&o->attrs, CKA_VALUE) != NULL ||
		    (so = cc_card_object_find(slot->card, o->uid)) == NULL)
			continue;
		if (so->sealed == NULL) {
			cc_attrs_set(&o->attrs, CKA_VALUE, NULL, 0);	/* an empty value */
			continue;
		}
		if (cc_card_unseal(slot->card, &slot->key, so, &plain, &len) != CKR_OK) {
			cc_audit(LOG_WARNING, slot->card->serial, slot->id,
				 "data object %u cannot be unsealed", o->uid);
			continue;
		}
		cc_attrs_set(&o->attrs, CKA_VALUE, plain, len);
		OPENSSL_clear_free(plain, len);
	}
}

bool
cc_slot_object_visible(const struct cc_slot *slot, const struct cc_object *obj)
{
	return !cc_object_is_private(obj) || slot->login == CC_LOGIN_USER;
}

/* Take the object with @uid (token objects) or the builtin one out of @list. */
static struct cc_object *
unlink_match(struct cc_object **list, uint32_t uid, bool builtin)
{
	struct cc_object **pp, *o;

	for (pp = list; (o = *pp) != NULL; pp = &o->next) {
		if (o->owner == 0 && o->builtin == builtin && o->uid == uid) {
			*pp = o->next;
			o->next = NULL;
			return o;
		}
	}
	return NULL;
}

/* Append @o to the list whose last link is *tail. */
static void
append(struct cc_object ***tail, struct cc_object *o)
{
	**tail = o;
	*tail = &o->next;
}

/* Give @fresh the handle (and ready key) of @old when it is the same object. */
static void
inherit(struct cc_object *fresh, struct cc_object *old)
{
	if (old == NULL) {
		fresh->handle = cc_state_object_handle_locked();
		return;
	}
	fresh->handle = old->handle;
	fresh->pkey = old->pkey;
	old->pkey = NULL;
	cc_object_free(old);
}

CK_RV
cc_slot_sync_objects_locked(struct cc_state *st, struct cc_slot *slot)
{
	struct cc_object *fresh = NULL, **tail = &fresh, *o, *old = slot->objects;
	size_t i;
	CK_RV rv;

	slot->objects = NULL;
	for (i = 0; i < slot->card->nobjects; i++) {
		rv = cc_object_from_stored(&slot->card->objects[i],
					   st->conf->signing_always_authenticate, &o);
		if (rv != CKR_OK)
			goto out;
		inherit(o, unlink_match(&old, o->uid, false));
		append(&tail, o);
	}
	if ((rv = cc_object_profile_new(&o)) != CKR_OK)
		goto out;
	inherit(o, unlink_match(&old, 0, true));
	append(&tail, o);
	/* What is left: session objects (kept) and token objects now gone (freed). */
	while ((o = old) != NULL) {
		old = o->next;
		o->next = NULL;
		if (o->owner != 0) {
			append(&tail, o);
		} else {
			/* A key gone from the card: no cached context may keep it. */
			if (o->klass == CKO_PRIVATE_KEY)
				cc_session_drop_sign_caches_locked(st, slot->id);
			cc_object_free(o);
		}
	}
	rv = CKR_OK;
out:
	cc_object_list_free(&old);
	slot->objects = fresh;
	cc_slot_reveal_locked(slot);
	return rv;
}

static void
token_gone(struct cc_state *st, struct cc_slot *slot)
{
	util_log(LOG_INFO, "card %s removed from slot %lu (%s)", slot->card->serial,
		 (unsigned long)slot->id, slot->reader->name);
	cc_session_mark_removed_locked(st, slot->id);
	slot_clear_token(slot);
	slot->event = true;
	cc_state_wake_locked();
}

/*
 * Read the image at @path and hold it against the installation's rollback
 * record; an unreadable one is logged once per stamp. A card refused as a
 * rollback is kept (the token is present, so an SO can re-initialise it)
 * but no session opens on it (cc_slot_usable).
 */
static struct cc_card *
load_card(struct cc_state *st, struct cc_slot *slot, const char *path,
	  struct cc_card_stamp *stamp)
{
	struct cc_card_stamp again;
	struct cc_card *card = NULL;
	int tries = 0;

retry:
	if (cc_card_stamp(path, stamp) != CKR_OK)
		return NULL;
	if (slot->have_bad && cc_card_stamp_equal(stamp, &slot->bad))
		return NULL;
	if (cc_card_load(path, &card) != CKR_OK || cc_card_guard_check(st->guard, card) != CKR_OK) {
		cc_card_free(card);
		slot->bad = *stamp;
		slot->have_bad = true;
		return NULL;
	}
	/*
	 * Read without the lock, an image can be older than a record another
	 * process raised right after writing a newer image. Only an image
	 * still unchanged after that is really older than its record.
	 */
	if (card->rolled_back && tries++ < 3 && cc_card_stamp(path, &again) == CKR_OK &&
	    !cc_card_stamp_equal(stamp, &again)) {
		cc_card_free(card);
		card = NULL;
		goto retry;
	}
	slot->have_bad = false;
	if (card->rolled_back)
		cc_audit(LOG_WARNING, card->serial, slot->id, "card image refused as a rollback: "
			 "generation %llu, this installation recorded %llu",
			 (unsigned long long)card->generation, (unsigned long long)card->record);
	return card;
}

CK_RV
cc_slot_usable(const struct cc_slot *slot)
{
	if (slot->card == NULL)
		return CKR_TOKEN_NOT_PRESENT;
	if (slot->card->rolled_back)
		return CKR_TOKEN_NOT_RECOGNIZED;	/* only C_InitToken works on it */
	return CKR_OK;
}

static uint64_t
monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
cc_slot_refresh_cached_locked(struct cc_state *st, struct cc_slot *slot)
{
	if (slot->card != NULL &&
	    monotonic_ns() - slot->checked_ns < (uint64_t)CC_PRESENCE_INTERVAL_MS * 1000000u)
		return;
	cc_slot_refresh_locked(st, slot);
}

void
cc_slot_refresh_locked(struct cc_state *st, struct cc_slot *slot)
{
	struct cc_card_stamp now;
	struct cc_card *card;
	char path[PATH_MAX];
	bool same;

	/* The usual case: one stat, nothing changed. */
	if (slot->card != NULL && cc_card_stamp(slot->path, &now) == CKR_OK &&
	    cc_card_stamp_equal(&now, &slot->stamp)) {
		slot->checked_ns = monotonic_ns();
		return;
	}
	slot->checked_ns = 0;
	if (cc_card_find_in_reader(slot->reader->dir, path, sizeof(path)) != CKR_OK ||
	    (card = load_card(st, slot, path, &now)) == NULL) {
		if (slot->card != NULL)
			token_gone(st, slot);
		return;
	}
	/* A different card, or the same one put back as an old copy, is a different token. */
	same = slot->card != NULL && strcmp(slot->card->serial, card->serial) == 0 &&
	       slot->card->rolled_back == card->rolled_back;
	if (slot->card != NULL && !same)
		token_gone(st, slot);
	cc_card_free(slot->card);
	slot->card = card;
	slot->stamp = now;
	memcpy(slot->path, path, sizeof(path));
	if (!same) {
		slot->instance = st->next_instance++;
		slot->event = true;
		cc_state_wake_locked();
		util_log(LOG_INFO, "card %s inserted in slot %lu (%s)", card->serial,
			 (unsigned long)slot->id, slot->reader->name);
	}
	if (cc_slot_sync_objects_locked(st, slot) != CKR_OK) {
		util_log(LOG_ERR, "slot %lu: cannot list the objects of card %s",
			 (unsigned long)slot->id, card->serial);
		return;
	}
	slot->checked_ns = monotonic_ns();
}
