#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkcs11/object.h"
#include "pkcs11/schema.h"

void
cc_object_free(struct cc_object *obj)
{
	if (obj == NULL)
		return;
	cc_attrs_clear(&obj->attrs);
	EVP_PKEY_free(obj->pkey);
	free(obj);
}

void
cc_object_list_free(struct cc_object **head)
{
	struct cc_object *o, *next;

	for (o = *head; o != NULL; o = next) {
		next = o->next;
		cc_object_free(o);
	}
	*head = NULL;
}

bool
cc_attrs_is_signing_key(const struct cc_attrs *l)
{
	const CK_ATTRIBUTE *label = cc_attrs_find(l, CKA_LABEL);
	CK_ULONG i;

	if (cc_attrs_ulong(l, CKA_CLASS, CK_UNAVAILABLE_INFORMATION) != CKO_PRIVATE_KEY ||
	    label == NULL)
		return false;
	for (i = 0; i + 4 <= label->ulValueLen; i++)
		if (strncasecmp((const char *)label->pValue + i, "sign", 4) == 0)
			return true;
	return false;
}

CK_RV
cc_object_from_stored(const struct cc_stored_object *so, bool always_auth,
		      struct cc_object **out)
{
	struct cc_object *obj = calloc(1, sizeof(*obj));
	size_t i;
	CK_RV rv = CKR_HOST_MEMORY;

	if (obj == NULL)
		return rv;
	for (i = 0; i < so->nattrs; i++) {
		rv = cc_attrs_set(&obj->attrs, so->attrs[i].type, so->attrs[i].value,
				  so->attrs[i].len);
		if (rv != CKR_OK)
			goto out;
	}
	rv = CKR_DEVICE_ERROR;
	obj->klass = cc_attrs_ulong(&obj->attrs, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	if (obj->klass == CK_UNAVAILABLE_INFORMATION)
		goto out;
	/* A configuration choice, not card content: applied when read. */
	if (obj->klass == CKO_PRIVATE_KEY &&
	    (rv = cc_attrs_set_bool(&obj->attrs, CKA_ALWAYS_AUTHENTICATE,
				    always_auth && cc_attrs_is_signing_key(&obj->attrs))) != CKR_OK)
		goto out;
	obj->uid = so->uid;
	*out = obj;
	obj = NULL;
	rv = CKR_OK;
out:
	cc_object_free(obj);
	return rv;
}

CK_RV
cc_object_profile_new(struct cc_object **out)
{
	struct cc_object *obj = calloc(1, sizeof(*obj));
	CK_RV rv = CKR_HOST_MEMORY;

	if (obj == NULL)
		return rv;
	obj->klass = CKO_PROFILE;
	obj->builtin = true;
	if ((rv = cc_attrs_set_ulong(&obj->attrs, CKA_CLASS, CKO_PROFILE)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(&obj->attrs, CKA_TOKEN, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(&obj->attrs, CKA_PRIVATE, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(&obj->attrs, CKA_MODIFIABLE, false)) != CKR_OK ||
	    (rv = cc_attrs_set(&obj->attrs, CKA_LABEL, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_set_ulong(&obj->attrs, CKA_PROFILE_ID,
				     CKP_PUBLIC_CERTIFICATES_TOKEN)) != CKR_OK) {
		cc_object_free(obj);
		return rv;
	}
	*out = obj;
	return CKR_OK;
}

bool
cc_object_is_private(const struct cc_object *obj)
{
	return cc_attrs_bool(&obj->attrs, CKA_PRIVATE, obj->klass == CKO_PRIVATE_KEY);
}

struct cc_object *
cc_object_list_find(struct cc_object *head, CK_OBJECT_HANDLE handle)
{
	for (; head != NULL; head = head->next)
		if (head->handle == handle)
			return head;
	return NULL;
}
