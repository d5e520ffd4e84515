/*
 * card-image.c: the in-memory card model — lifetime, objects and their
 * public attributes. Encoding is in card-image-codec.c, cryptography in
 * card-image-crypto.c, files and locking in card-image-io.c.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-image-int.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* scrypt N=2^14, r=8, p=1: ~16 MiB and tens of milliseconds per attempt. */
const struct cc_kdf_params cc_kdf_default = { .n = 16384, .r = 8, .p = 1 };

void
cc_card_key_clear(struct cc_card_key *key)
{
	if (key != NULL)
		OPENSSL_cleanse(key->k, sizeof(key->k));
}

bool
cc_card_serial_valid(const char *serial)
{
	size_t i;

	if (serial == NULL)
		return false;
	for (i = 0; i < CC_CARD_SERIAL_LEN; i++)
		if (serial[i] < '0' || serial[i] > '9')
			return false;
	return serial[CC_CARD_SERIAL_LEN] == '\0';
}

unsigned
cc_card_series(const struct cc_card *card)
{
	if (card == NULL || !cc_card_serial_valid(card->serial))
		return 0;
	return (unsigned)(card->serial[0] - '0') * 10 + (unsigned)(card->serial[1] - '0');
}

static void
attrs_free(struct cc_stored_attr *attrs, size_t n)
{
	size_t i;

	if (attrs == NULL)
		return;
	for (i = 0; i < n; i++)
		OPENSSL_clear_free(attrs[i].value, attrs[i].len);
	free(attrs);
}

static void
object_clear(struct cc_stored_object *obj)
{
	attrs_free(obj->attrs, obj->nattrs);
	OPENSSL_clear_free(obj->sealed, obj->sealed_len);
	memset(obj, 0, sizeof(*obj));
}

void
cc_card_free(struct cc_card *card)
{
	size_t i;

	if (card == NULL)
		return;
	for (i = 0; i < card->nobjects; i++)
		object_clear(&card->objects[i]);
	free(card->objects);
	if (card->slots != NULL) {
		OPENSSL_clear_free(card->slots->content, card->slots->content_len);
		OPENSSL_clear_free(card->slots, sizeof(*card->slots));
	}
	OPENSSL_clear_free(card, sizeof(*card));
}

/* A blank, uninitialised card (what cc_card_manufacture writes). */
CK_RV
cc_card_new_blank(const char *serial, struct cc_card **out)
{
	struct cc_card *card;

	if (!cc_card_serial_valid(serial))
		return CKR_ARGUMENTS_BAD;
	if ((card = calloc(1, sizeof(*card))) == NULL)
		return CKR_HOST_MEMORY;
	if ((card->slots = calloc(1, sizeof(*card->slots))) == NULL) {
		free(card);
		return CKR_HOST_MEMORY;
	}
	memcpy(card->serial, serial, CC_CARD_SERIAL_LEN + 1);
	card->next_uid = 1;
	*out = card;
	return CKR_OK;
}

uint32_t
cc_card_object_reserve_uid(struct cc_card *card)
{
	return card->next_uid++;
}

struct cc_stored_object *
cc_card_object_find(struct cc_card *card, uint32_t uid)
{
	size_t i;

	for (i = 0; i < card->nobjects; i++)
		if (card->objects[i].uid == uid)
			return &card->objects[i];
	return NULL;
}

const struct cc_stored_attr *
cc_stored_object_attr(const struct cc_stored_object *obj, CK_ATTRIBUTE_TYPE type)
{
	size_t i;

	for (i = 0; i < obj->nattrs; i++)
		if (obj->attrs[i].type == type)
			return &obj->attrs[i];
	return NULL;
}

CK_RV
cc_stored_object_set_attr(struct cc_stored_object *obj, CK_ATTRIBUTE_TYPE type,
			  const void *value, CK_ULONG len)
{
	struct cc_stored_attr *a = (struct cc_stored_attr *)cc_stored_object_attr(obj, type);
	unsigned char *copy = NULL;

	if (len > UINT32_MAX || (value == NULL && len != 0))
		return CKR_ARGUMENTS_BAD;
	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(copy, value, len);
	}
	if (a == NULL) {
		struct cc_stored_attr *grown;

		if (obj->nattrs >= CC_MAX_ATTRS) {
			free(copy);
			return CKR_TEMPLATE_INCONSISTENT;
		}
		grown = realloc(obj->attrs, (obj->nattrs + 1) * sizeof(*grown));
		if (grown == NULL) {
			free(copy);
			return CKR_HOST_MEMORY;
		}
		obj->attrs = grown;
		a = &obj->attrs[obj->nattrs++];
		a->type = type;
	} else {
		OPENSSL_clear_free(a->value, a->len);
	}
	a->value = copy;
	a->len = len;
	return CKR_OK;
}

/*
 * Build a complete object in @obj from @attrs; on failure @obj is cleared.
 * Duplicate types in @attrs: the last one wins (set_attr replaces).
 */
static CK_RV
object_fill(struct cc_stored_object *obj, uint32_t uid, const CK_ATTRIBUTE *attrs, CK_ULONG n,
	    const unsigned char *sealed, size_t sealed_len)
{
	CK_ULONG i;
	CK_RV rv = CKR_OK;

	memset(obj, 0, sizeof(*obj));
	obj->uid = uid;
	for (i = 0; i < n && rv == CKR_OK; i++)
		rv = cc_stored_object_set_attr(obj, attrs[i].type, attrs[i].pValue,
					       attrs[i].ulValueLen);
	if (rv == CKR_OK && sealed != NULL && sealed_len > 0) {
		if ((obj->sealed = malloc(sealed_len)) == NULL) {
			rv = CKR_HOST_MEMORY;
		} else {
			memcpy(obj->sealed, sealed, sealed_len);
			obj->sealed_len = sealed_len;
		}
	}
	if (rv != CKR_OK)
		object_clear(obj);
	return rv;
}

CK_RV
cc_card_object_add(struct cc_card *card, uint32_t uid, const CK_ATTRIBUTE *attrs, CK_ULONG n,
		   const unsigned char *sealed, size_t sealed_len)
{
	struct cc_stored_object *grown;
	CK_RV rv;

	if ((attrs == NULL && n > 0) || n > CC_MAX_ATTRS || sealed_len > UINT32_MAX)
		return CKR_ARGUMENTS_BAD;
	if (uid == 0)
		uid = cc_card_object_reserve_uid(card);
	if (uid >= card->next_uid || cc_card_object_find(card, uid) != NULL)
		return CKR_ARGUMENTS_BAD;	/* uids come from reserve_uid, once each */
	if (card->nobjects >= CC_MAX_OBJECTS)
		return CKR_DEVICE_MEMORY;
	grown = realloc(card->objects, (card->nobjects + 1) * sizeof(*grown));
	if (grown == NULL)
		return CKR_HOST_MEMORY;
	card->objects = grown;
	rv = object_fill(&card->objects[card->nobjects], uid, attrs, n, sealed, sealed_len);
	if (rv == CKR_OK)
		card->nobjects++;
	return rv;
}

CK_RV
cc_card_object_remove(struct cc_card *card, uint32_t uid)
{
	struct cc_stored_object *obj = cc_card_object_find(card, uid);
	size_t idx;

	if (obj == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	idx = (size_t)(obj - card->objects);
	object_clear(obj);
	memmove(obj, obj + 1, (card->nobjects - idx - 1) * sizeof(*obj));
	card->nobjects--;
	return CKR_OK;
}
