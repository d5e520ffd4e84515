/*
 * token-objects.c: creating, changing and destroying the token's objects
 * (contract in token-objects.h). Token objects change through one card
 * edit each (cc_token_edit_locked, with the logged-in card key); session
 * objects live in the slot's list, owned by the session that made them.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include "pkcs11/object.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"
#include "pkcs11/token-objects.h"

/* A session object of @owner in @slot, taking @attrs (and @pk when given). */
static CK_RV
session_object_add(struct cc_slot *slot, CK_SESSION_HANDLE owner, struct cc_attrs *attrs,
		   EVP_PKEY **pk, CK_OBJECT_HANDLE *out)
{
	struct cc_object *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return CKR_HOST_MEMORY;
	o->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	o->klass = cc_attrs_ulong(&o->attrs, CKA_CLASS, CKO_DATA);
	o->owner = owner;
	o->handle = cc_state_object_handle_locked();
	if (pk != NULL) {
		o->pkey = *pk;
		*pk = NULL;
	}
	o->next = slot->objects;
	slot->objects = o;
	*out = o->handle;
	return CKR_OK;
}

/* Handle of the token object @uid after the refresh that follows a card edit. */
static CK_RV
handle_of_uid(struct cc_slot *slot, uint32_t uid, struct cc_object **out)
{
	struct cc_object *o;

	for (o = slot->objects; o != NULL; o = o->next) {
		if (o->uid == uid && o->owner == 0 && !o->builtin) {
			*out = o;
			return CKR_OK;
		}
	}
	return CKR_DEVICE_ERROR;
}

/*
 * Add @attrs to the card as object @uid; @secret (may be NULL), which the
 * caller left out of @attrs, is sealed to the object.
 */
static CK_RV
card_add(struct cc_card *card, const struct cc_card_key *key, uint32_t uid,
	 const struct cc_attrs *attrs, const CK_ATTRIBUTE *secret)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	CK_RV rv;

	if (secret != NULL && secret->ulValueLen > 0 &&
	    (rv = cc_card_seal(card, key, uid, secret->pValue, secret->ulValueLen, &sealed,
			       &sealed_len)) != CKR_OK)
		return rv;
	rv = cc_card_object_add(card, uid, attrs->a, attrs->n, sealed, sealed_len);
	free(sealed);
	return rv;
}

struct create_arg {
	const struct cc_attrs *attrs;
	uint32_t uid;
};

/* Card edit: one object; a private data object's value is sealed, not stored. */
static CK_RV
create_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct create_arg *a = arg;
	struct cc_attrs pub = { 0 };
	const CK_ATTRIBUTE *value = NULL;
	CK_RV rv;

	a->uid = cc_card_object_reserve_uid(card);
	if (cc_attrs_ulong(a->attrs, CKA_CLASS, 0) != CKO_DATA ||
	    !cc_attrs_bool(a->attrs, CKA_PRIVATE, false))
		return card_add(card, key, a->uid, a->attrs, NULL);
	if ((rv = cc_attrs_copy(&pub, a->attrs)) != CKR_OK)
		return rv;
	value = cc_attrs_find(a->attrs, CKA_VALUE);
	cc_attrs_remove(&pub, CKA_VALUE);
	rv = card_add(card, key, a->uid, &pub, value);
	cc_attrs_clear(&pub);
	return rv;
}

CK_RV
cc_token_object_create_locked(struct cc_state *st, struct cc_slot *slot, CK_SESSION_HANDLE owner,
			      struct cc_attrs *attrs, CK_OBJECT_HANDLE *out)
{
	struct create_arg arg = { attrs, 0 };
	struct cc_object *o;
	CK_RV rv;

	if (!cc_attrs_bool(attrs, CKA_TOKEN, false))
		return session_object_add(slot, owner, attrs, NULL, out);
	if ((rv = cc_token_edit_locked(st, slot, true, create_fn, &arg)) != CKR_OK)
		return rv;
	if ((rv = handle_of_uid(slot, arg.uid, &o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

static CK_RV
remove_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	return cc_card_object_remove(card, *(uint32_t *)arg);
}

CK_RV
cc_token_object_destroy_locked(struct cc_state *st, struct cc_slot *slot, struct cc_object *o)
{
	struct cc_object **pp;
	uint32_t uid = o->uid;

	if (o->owner == 0)
		return cc_token_edit_locked(st, slot, true, remove_fn, &uid);
	for (pp = &slot->objects; *pp != o; pp = &(*pp)->next)
		;
	*pp = o->next;
	if (o->klass == CKO_PRIVATE_KEY)	/* no cached context may keep it alive */
		cc_session_drop_sign_caches_locked(st, slot->id);
	cc_object_free(o);
	return CKR_OK;
}

struct set_arg {
	uint32_t uid;
	const CK_ATTRIBUTE *tmpl;
	CK_ULONG n;
};

static CK_RV
set_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct set_arg *a = arg;
	struct cc_stored_object *so = cc_card_object_find(card, a->uid);
	CK_ULONG i;
	CK_RV rv;

	if (so == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	for (i = 0; i < a->n; i++) {
		rv = cc_stored_object_set_attr(so, a->tmpl[i].type, a->tmpl[i].pValue,
					       a->tmpl[i].ulValueLen);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

CK_RV
cc_token_object_set_locked(struct cc_state *st, struct cc_slot *slot, struct cc_object *o,
			   const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	struct set_arg arg = { o->uid, tmpl, n };
	CK_ULONG i;
	CK_RV rv = CKR_OK;

	if (o->owner != 0) {
		for (i = 0; i < n && rv == CKR_OK; i++)
			rv = cc_attrs_set(&o->attrs, tmpl[i].type, tmpl[i].pValue,
					  tmpl[i].ulValueLen);
		return rv;
	}
	return cc_token_edit_locked(st, slot, true, set_fn, &arg);
}

struct pair_arg {
	const struct cc_keypair *p;
	uint32_t pub_uid, priv_uid;
};

/* Card edit: the private key sealed to its uid, then the public key. */
static CK_RV
store_pair_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct pair_arg *a = arg;
	CK_ATTRIBUTE der = { CKA_VALUE, a->p->der, a->p->derlen };
	CK_RV rv;

	a->priv_uid = cc_card_object_reserve_uid(card);
	if ((rv = card_add(card, key, a->priv_uid, &a->p->priv, &der)) != CKR_OK)
		return rv;
	a->pub_uid = cc_card_object_reserve_uid(card);
	return card_add(card, key, a->pub_uid, &a->p->pub, NULL);
}

CK_RV
cc_token_keypair_store_locked(struct cc_state *st, struct cc_slot *slot, CK_SESSION_HANDLE owner,
			      bool token, struct cc_keypair *p, CK_OBJECT_HANDLE *hpub,
			      CK_OBJECT_HANDLE *hpriv)
{
	struct pair_arg arg = { p, 0, 0 };
	struct cc_object *pub, *priv;
	CK_RV rv;

	if (!token) {
		if ((rv = session_object_add(slot, owner, &p->pub, NULL, hpub)) != CKR_OK)
			return rv;
		return session_object_add(slot, owner, &p->priv, &p->pk, hpriv);
	}
	if ((rv = cc_token_edit_locked(st, slot, true, store_pair_fn, &arg)) != CKR_OK)
		return rv;
	if ((rv = handle_of_uid(slot, arg.pub_uid, &pub)) != CKR_OK ||
	    (rv = handle_of_uid(slot, arg.priv_uid, &priv)) != CKR_OK)
		return rv;
	if (priv->pkey == NULL && slot->login == CC_LOGIN_USER) {
		priv->pkey = p->pk;	/* ready for signing without unsealing */
		p->pk = NULL;
	}
	*hpub = pub->handle;
	*hpriv = priv->handle;
	return CKR_OK;
}
