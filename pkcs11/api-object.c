/*
 * Objects: C_CreateObject, C_DestroyObject, C_GetAttributeValue,
 * C_SetAttributeValue, C_FindObjects*.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include "pkcs11/api.h"
#include "pkcs11/audit.h"
#include "pkcs11/create.h"
#include "pkcs11/schema.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token-objects.h"
#include "pkcs11/token-unlock.h"

/* A visible object of @slot; private objects do not exist before login. */
static CK_RV
object_get(struct cc_slot *slot, CK_OBJECT_HANDLE h, struct cc_object **out)
{
	struct cc_object *o = cc_object_list_find(slot->objects, h);

	if (o == NULL || !cc_slot_object_visible(slot, o))
		return CKR_OBJECT_HANDLE_INVALID;
	*out = o;
	return CKR_OK;
}

/* Writing token objects needs a R/W session and the user (the card key). */
static CK_RV
token_write_allowed(const struct cc_session *s, const struct cc_slot *slot)
{
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (slot->login != CC_LOGIN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

CK_RV
cc_C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct cc_attrs attrs = { 0 };
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_state *st;
	CK_RV rv;

	if (out == NULL || tmpl == NULL || cc_tmpl_check(tmpl, n) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	st = cc_state_get();
	if ((rv = cc_create_attrs(st->libctx, tmpl, n, &attrs)) != CKR_OK)
		goto out;
	if (cc_unlock_reserved(&attrs)) {
		/* The CA's unblock key: the SO's alone, with the card key sealed to it. */
		if ((rv = cc_unlock_prepare_create_locked(st, s, slot, &attrs)) != CKR_OK)
			goto out;
	} else {
		if (cc_attrs_bool(&attrs, CKA_PRIVATE, false) && slot->login != CC_LOGIN_USER) {
			rv = CKR_USER_NOT_LOGGED_IN;
			goto out;
		}
		if (cc_attrs_bool(&attrs, CKA_TOKEN, false) &&
		    (rv = token_write_allowed(s, slot)) != CKR_OK)
			goto out;
	}
	rv = cc_token_object_create_locked(st, slot, h, &attrs, out);
out:
	cc_attrs_clear(&attrs);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *o;
	CK_RV rv;

	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	if ((rv = object_get(slot, obj, &o)) != CKR_OK)
		goto out;
	/* The unblock key goes only with C_InitToken (pkcs11/CARD-FORMAT.md). */
	if (o->builtin || (o->owner == 0 && cc_unlock_reserved(&o->attrs))) {
		rv = CKR_ACTION_PROHIBITED;
		goto out;
	}
	if (o->owner == 0 && (rv = token_write_allowed(s, slot)) != CKR_OK)
		goto out;
	rv = cc_token_object_destroy_locked(cc_state_get(), slot, o);
out:
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size)
{
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *o;
	CK_ULONG i, total = 0;
	CK_RV rv;

	if (size == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	if ((rv = object_get(slot, obj, &o)) == CKR_OK) {
		for (i = 0; i < o->attrs.n; i++)
			total += o->attrs.a[i].ulValueLen;
		*size = total;
	}
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
		       CK_ULONG n)
{
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *o;
	CK_RV rv;

	if (tmpl == NULL && n > 0)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	if ((rv = object_get(slot, obj, &o)) == CKR_OK)
		rv = cc_attrs_copy_out(o->klass, &o->attrs, tmpl, n);
	cc_unlock();
	return rv;
}

/* Only CKA_LABEL and CKA_ID change after creation (schema CC_ATTR_SETTABLE). */
CK_RV
cc_C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
		       CK_ULONG n)
{
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *o;
	CK_RV rv;

	if (tmpl == NULL || cc_tmpl_check(tmpl, n) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	if ((rv = object_get(slot, obj, &o)) != CKR_OK)
		goto out;
	if ((rv = cc_schema_check_template(o->klass, tmpl, n, CC_ATTR_SETTABLE)) != CKR_OK)
		goto out;
	if (cc_unlock_tmpl_reserved(tmpl, n)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;	/* no object becomes the unblock key */
		goto out;
	}
	if (!cc_attrs_bool(&o->attrs, CKA_MODIFIABLE, true)) {
		rv = CKR_ATTRIBUTE_READ_ONLY;
		goto out;
	}
	if (o->owner == 0 && (rv = token_write_allowed(s, slot)) != CKR_OK)
		goto out;
	rv = cc_token_object_set_locked(cc_state_get(), slot, o, tmpl, n);
out:
	cc_unlock();
	return rv;
}

CK_RV
cc_C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *o;
	CK_ULONG count = 0;
	CK_RV rv;

	if (cc_tmpl_check(tmpl, n) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	if (s->find.active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	for (o = slot->objects; o != NULL; o = o->next)
		count++;
	if ((s->find.handles = calloc(count + 1, sizeof(CK_OBJECT_HANDLE))) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	/* Results are fixed now; objects created later are not returned. */
	for (o = slot->objects; o != NULL; o = o->next)
		if (cc_slot_object_visible(slot, o) && cc_attrs_match(&o->attrs, tmpl, n))
			s->find.handles[s->find.n++] = o->handle;
	s->find.active = true;
out:
	cc_unlock();
	return rv;
}

CK_RV
cc_C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR n)
{
	struct cc_session *s;
	CK_RV rv;

	if (out == NULL || n == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	if (!s->find.active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	for (*n = 0; *n < max && s->find.pos < s->find.n; (*n)++)
		out[*n] = s->find.handles[s->find.pos++];
out:
	cc_unlock();
	return rv;
}

CK_RV
cc_C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct cc_session *s;
	CK_RV rv;

	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	if (!s->find.active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		cc_session_find_end(s);
	cc_unlock();
	return rv;
}
