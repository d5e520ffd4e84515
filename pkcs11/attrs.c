#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pkcs11/attrs.h"
#include "pkcs11/schema.h"

void
cc_attrs_clear(struct cc_attrs *l)
{
	CK_ULONG i;

	if (l == NULL)
		return;
	/* Values may be a private data object's content: wiped, not just freed. */
	for (i = 0; i < l->n; i++)
		OPENSSL_clear_free(l->a[i].pValue, l->a[i].ulValueLen);
	free(l->a);
	l->a = NULL;
	l->n = 0;
}

void
cc_attrs_remove(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t)
{
	CK_ATTRIBUTE *a = (CK_ATTRIBUTE *)cc_attrs_find(l, t);

	if (a == NULL)
		return;
	OPENSSL_clear_free(a->pValue, a->ulValueLen);
	*a = l->a[--l->n];
}

const CK_ATTRIBUTE *
cc_attrs_find(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t)
{
	CK_ULONG i;

	for (i = 0; i < l->n; i++)
		if (l->a[i].type == t)
			return &l->a[i];
	return NULL;
}

CK_RV
cc_attrs_set(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len)
{
	CK_ATTRIBUTE *slot = (CK_ATTRIBUTE *)cc_attrs_find(l, t);
	void *copy = NULL;

	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(copy, v, len);
	}
	if (slot == NULL) {
		CK_ATTRIBUTE *grown = realloc(l->a, (l->n + 1) * sizeof(*grown));

		if (grown == NULL) {
			free(copy);
			return CKR_HOST_MEMORY;
		}
		l->a = grown;
		slot = &l->a[l->n++];
		slot->type = t;
	} else {
		OPENSSL_clear_free(slot->pValue, slot->ulValueLen);
	}
	slot->pValue = copy;
	slot->ulValueLen = len;
	return CKR_OK;
}

CK_RV
cc_attrs_set_bool(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool v)
{
	CK_BBOOL b = v ? CK_TRUE : CK_FALSE;

	return cc_attrs_set(l, t, &b, sizeof(b));
}

CK_RV
cc_attrs_set_ulong(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
	return cc_attrs_set(l, t, &v, sizeof(v));
}

bool
cc_attrs_bool(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool dflt)
{
	const CK_ATTRIBUTE *a = cc_attrs_find(l, t);

	if (a == NULL || a->ulValueLen != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)a->pValue != CK_FALSE;
}

CK_ULONG
cc_attrs_ulong(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt)
{
	const CK_ATTRIBUTE *a = cc_attrs_find(l, t);
	CK_ULONG v;

	if (a == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return dflt;
	memcpy(&v, a->pValue, sizeof(v));
	return v;
}

CK_RV
cc_attrs_copy(struct cc_attrs *dst, const struct cc_attrs *src)
{
	CK_ULONG i;
	CK_RV rv;

	for (i = 0; i < src->n; i++) {
		rv = cc_attrs_set(dst, src->a[i].type, src->a[i].pValue, src->a[i].ulValueLen);
		if (rv != CKR_OK) {
			cc_attrs_clear(dst);
			return rv;
		}
	}
	return CKR_OK;
}

bool
cc_attrs_match(const struct cc_attrs *l, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_ULONG i;

	for (i = 0; i < n; i++) {
		const CK_ATTRIBUTE *have = cc_attrs_find(l, tmpl[i].type);

		if (have == NULL || have->ulValueLen != tmpl[i].ulValueLen)
			return false;
		if (have->ulValueLen > 0 &&
		    (tmpl[i].pValue == NULL ||
		     memcmp(have->pValue, tmpl[i].pValue, have->ulValueLen) != 0))
			return false;
	}
	return true;
}

/*
 * Severity used when several entries fail. The spec lets us return any of
 * them; a fixed order keeps results deterministic.
 */
static int
get_rank(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return 0;
	case CKR_BUFFER_TOO_SMALL:
		return 1;
	case CKR_ATTRIBUTE_TYPE_INVALID:
		return 2;
	case CKR_ATTRIBUTE_SENSITIVE:
		return 3;
	default:
		return 4;
	}
}

static CK_RV
get_one(CK_OBJECT_CLASS klass, const struct cc_attrs *l, CK_ATTRIBUTE *out)
{
	const struct cc_attr_spec *spec = cc_schema_find(klass, out->type);
	const CK_ATTRIBUTE *have = cc_attrs_find(l, out->type);
	CK_ULONG room = out->ulValueLen;	/* read before it is overwritten */

	out->ulValueLen = CK_UNAVAILABLE_INFORMATION;	/* until proven OK */
	if (spec != NULL && (spec->flags & CC_ATTR_SENSITIVE))
		return CKR_ATTRIBUTE_SENSITIVE;
	if (spec == NULL || have == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (out->pValue != NULL) {
		if (room < have->ulValueLen)
			return CKR_BUFFER_TOO_SMALL;
		if (have->ulValueLen > 0)
			memcpy(out->pValue, have->pValue, have->ulValueLen);
	}
	out->ulValueLen = have->ulValueLen;
	return CKR_OK;
}

CK_RV
cc_attrs_copy_out(CK_OBJECT_CLASS klass, const struct cc_attrs *l, CK_ATTRIBUTE *tmpl,
		  CK_ULONG n)
{
	CK_RV rv = CKR_OK;
	CK_ULONG i;

	for (i = 0; i < n; i++) {
		CK_RV one = get_one(klass, l, &tmpl[i]);

		if (get_rank(one) > get_rank(rv))
			rv = one;
	}
	return rv;
}

const CK_ATTRIBUTE *
cc_tmpl_find(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (tmpl[i].type == t)
			return &tmpl[i];
	return NULL;
}

CK_RV
cc_tmpl_bool(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t, bool *out)
{
	const CK_ATTRIBUTE *a = cc_tmpl_find(tmpl, n, t);

	if (a == NULL)
		return CKR_OK;
	if (a->pValue == NULL || a->ulValueLen != sizeof(CK_BBOOL))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*out = *(const CK_BBOOL *)a->pValue != CK_FALSE;
	return CKR_OK;
}

CK_RV
cc_tmpl_ulong(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t, CK_ULONG *out)
{
	const CK_ATTRIBUTE *a = cc_tmpl_find(tmpl, n, t);

	if (a == NULL)
		return CKR_OK;
	if (a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(out, a->pValue, sizeof(*out));
	return CKR_OK;
}

CK_RV
cc_tmpl_check(const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_ULONG i;

	if (tmpl == NULL && n > 0)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < n; i++)
		if (tmpl[i].pValue == NULL && tmpl[i].ulValueLen > 0)
			return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}
