#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"

void
cc_op_clear(struct cc_op *op)
{
	cc_sign_ctx_clear(&op->sign);
	EVP_MD_CTX_free(op->digest);
	memset(op, 0, sizeof(*op));
}

void
cc_session_op_end(struct cc_session *s, enum cc_op_kind kind)
{
	cc_op_clear(&s->ops[kind]);
}

void
cc_session_find_end(struct cc_session *s)
{
	free(s->find.handles);
	memset(&s->find, 0, sizeof(s->find));
}

/* End every operation; busy ones are freed by their cc_session_op_put(). */
static void
session_reset(struct cc_session *s)
{
	int k;

	for (k = 0; k < CC_OP_COUNT; k++)
		if (!s->ops[k].busy)
			cc_session_op_end(s, (enum cc_op_kind)k);
	cc_session_find_end(s);
	cc_sign_cache_clear(&s->sign_cache);
}

void
cc_session_drop_sign_caches_locked(struct cc_state *st, CK_SLOT_ID slot)
{
	struct cc_session *s;

	for (s = st->sessions; s != NULL; s = s->next)
		if (s->slot == slot)
			cc_sign_cache_clear(&s->sign_cache);
}

/*
 * Caller holds the module lock. Handles come from a counter and are never
 * reused before C_Finalize, so a stale handle fails with
 * CKR_SESSION_HANDLE_INVALID instead of reaching another caller's session.
 */
CK_RV
cc_session_open_locked(struct cc_state *st, struct cc_slot *slot, CK_FLAGS flags,
		       CK_SESSION_HANDLE *out)
{
	struct cc_session *s;

	if (st->next_session == CK_INVALID_HANDLE)	/* wrapped: refuse */
		return CKR_SESSION_COUNT;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CKR_HOST_MEMORY;
	s->handle = st->next_session++;
	s->slot = slot->id;
	s->instance = slot->instance;
	s->flags = flags;
	s->next = st->sessions;
	st->sessions = s;
	*out = s->handle;
	return CKR_OK;
}

/* Destroy the session objects @s created. */
static void
free_session_objects(struct cc_state *st, struct cc_session *s)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	struct cc_object **pp, *o;

	if (slot == NULL)
		return;
	for (pp = &slot->objects; (o = *pp) != NULL;) {
		if (o->owner == s->handle) {
			*pp = o->next;
			if (o->klass == CKO_PRIVATE_KEY)	/* other sessions may cache it */
				cc_session_drop_sign_caches_locked(st, s->slot);
			cc_object_free(o);
		} else {
			pp = &o->next;
		}
	}
}

static void
unlink_free(struct cc_state *st, struct cc_session *s)
{
	struct cc_session **pp;

	for (pp = &st->sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	session_reset(s);
	free(s);
}

static CK_RV
lookup(struct cc_state *st, CK_SESSION_HANDLE h, bool cached, struct cc_session **out,
       struct cc_slot **slotp)
{
	struct cc_session *s;
	struct cc_slot *slot;

	for (s = st->sessions; s != NULL; s = s->next)
		if (s->handle == h)
			break;
	if (s == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	slot = cc_slot_get_locked(st, s->slot);
	if (cached)
		cc_slot_refresh_cached_locked(st, slot);
	else
		cc_slot_refresh_locked(st, slot);	/* one stat when nothing changed */
	if (s->removed) {
		/* Reported once; from now on the handle is simply invalid. */
		unlink_free(st, s);
		return CKR_DEVICE_REMOVED;
	}
	*out = s;
	if (slotp != NULL)
		*slotp = slot;
	return CKR_OK;
}

CK_RV
cc_session_lookup_locked(struct cc_state *st, CK_SESSION_HANDLE h, struct cc_session **out,
			 struct cc_slot **slotp)
{
	return lookup(st, h, false, out, slotp);
}

CK_RV
cc_session_lookup_signing_locked(struct cc_state *st, CK_SESSION_HANDLE h,
				 struct cc_session **out, struct cc_slot **slotp)
{
	return lookup(st, h, true, out, slotp);
}

CK_RV
cc_session_enter(CK_SESSION_HANDLE h, bool signing, struct cc_session **out,
		 struct cc_slot **slotp)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	if ((rv = lookup(cc_state_get(), h, signing, out, slotp)) != CKR_OK)
		cc_unlock();
	return rv;
}

void
cc_session_close_locked(struct cc_state *st, struct cc_session *s)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	struct cc_session *o;
	bool last = true;

	free_session_objects(st, s);
	unlink_free(st, s);
	/* PKCS#11 v2.40 C_CloseSession: closing the last session logs the token out. */
	for (o = st->sessions; o != NULL; o = o->next)
		if (o->slot == slot->id && !o->removed)
			last = false;
	if (last)
		cc_slot_logout_locked(slot);
}

void
cc_session_close_slot_locked(struct cc_state *st, CK_SLOT_ID slot)
{
	struct cc_session *s, *next;

	for (s = st->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->slot == slot) {
			free_session_objects(st, s);
			unlink_free(st, s);
		}
	}
	cc_slot_logout_locked(cc_slot_get_locked(st, slot));
}

void
cc_session_mark_removed_locked(struct cc_state *st, CK_SLOT_ID slot)
{
	struct cc_session *s;

	for (s = st->sessions; s != NULL; s = s->next) {
		if (s->slot == slot && !s->removed) {
			free_session_objects(st, s);
			session_reset(s);
			s->removed = true;
		}
	}
}

void
cc_session_destroy_all_locked(struct cc_state *st)
{
	struct cc_session *s;

	while ((s = st->sessions) != NULL) {
		st->sessions = s->next;
		session_reset(s);
		free(s);
	}
}

CK_ULONG
cc_session_count_locked(struct cc_state *st, CK_SLOT_ID slot, bool rw_only)
{
	struct cc_session *s;
	CK_ULONG n = 0;

	for (s = st->sessions; s != NULL; s = s->next)
		if (s->slot == slot && !s->removed && (!rw_only || (s->flags & CKF_RW_SESSION)))
			n++;
	return n;
}

CK_RV
cc_session_op_take(struct cc_session *s, enum cc_op_kind kind, struct cc_op *out)
{
	struct cc_op *op = &s->ops[kind];

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->busy)
		return CKR_OPERATION_ACTIVE;
	*out = *op;
	memset(op, 0, sizeof(*op));
	op->active = true;
	op->busy = true;
	return CKR_OK;
}

/*
 * Is the key @op signed with still the ready key of its object? Not after a
 * logout (or logout and login) that happened while @op ran unlocked: such a
 * key must not be kept in a cache.
 */
static bool
key_live(struct cc_state *st, const struct cc_session *s, const struct cc_op *op)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	const struct cc_object *o = slot != NULL ? cc_object_list_find(slot->objects, op->key)
						 : NULL;

	return o != NULL && o->pkey != NULL && o->pkey == op->sign.pkey;
}

void
cc_session_op_put(struct cc_state *st, CK_SESSION_HANDLE h, enum cc_op_kind kind,
		  struct cc_op *op, bool end)
{
	struct cc_session *s;

	for (s = st->initialized ? st->sessions : NULL; s != NULL; s = s->next)
		if (s->handle == h)
			break;
	if (s == NULL || s->removed || !s->ops[kind].busy || end) {
		if (s != NULL && s->ops[kind].busy)
			memset(&s->ops[kind], 0, sizeof(s->ops[kind]));
		/* Only while the key is still the live one (not logged out meanwhile). */
		if (s != NULL && !s->removed && kind == CC_OP_SIGN && key_live(st, s, op))
			cc_sign_ctx_stash(&op->sign, &s->sign_cache);
		cc_op_clear(op);
		return;
	}
	s->ops[kind] = *op;
	s->ops[kind].busy = false;
	memset(op, 0, sizeof(*op));
}
