/*
 * Attribute lists: an owned array of CK_ATTRIBUTE with copied values, and the
 * PKCS#11 rules that read them (C_GetAttributeValue copy-out, template
 * matching for C_FindObjects). Pure: no module state, no lock.
 */
#ifndef CC_ATTRS_H
#define CC_ATTRS_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

struct cc_attrs {
	CK_ATTRIBUTE *a;	/* each pValue malloc'd (NULL when ulValueLen == 0) */
	CK_ULONG n;
};

/* Free all values and the array; leaves an empty list. NULL is fine. */
void cc_attrs_clear(struct cc_attrs *l);

/* The entry of type @t, or NULL. */
const CK_ATTRIBUTE *cc_attrs_find(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t);

/* Replace or append @t with a copy of @v/@len. CKR_HOST_MEMORY. */
CK_RV cc_attrs_set(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len);
CK_RV cc_attrs_set_bool(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool v);
CK_RV cc_attrs_set_ulong(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, CK_ULONG v);

/* Remove @t (its value wiped), if present. The order of the others may change. */
void cc_attrs_remove(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t);

/* Typed reads; @dflt when absent or of the wrong size. */
bool cc_attrs_bool(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool dflt);
CK_ULONG cc_attrs_ulong(const struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt);

/* Deep copy @src into empty @dst. */
CK_RV cc_attrs_copy(struct cc_attrs *dst, const struct cc_attrs *src);

/*
 * C_FindObjects matching: true when every entry of @tmpl is present in @l
 * with an identical value (PKCS#11 v2.40 C_FindObjectsInit). An empty
 * template matches everything.
 */
bool cc_attrs_match(const struct cc_attrs *l, const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/*
 * C_GetAttributeValue for an object of class @klass: every entry is
 * processed even after a failure; a failing entry gets
 * CK_UNAVAILABLE_INFORMATION; the result is the most severe per-entry
 * code in the fixed order OK < BUFFER_TOO_SMALL < ATTRIBUTE_TYPE_INVALID <
 * ATTRIBUTE_SENSITIVE.
 */
CK_RV cc_attrs_copy_out(CK_OBJECT_CLASS klass, const struct cc_attrs *l,
			CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* ---- caller templates (application memory, not owned) ---------------- */

const CK_ATTRIBUTE *cc_tmpl_find(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t);

/*
 * Read a CK_BBOOL / CK_ULONG entry of @tmpl into *out when present.
 * CKR_OK (absent leaves *out alone), CKR_ATTRIBUTE_VALUE_INVALID for a
 * wrong size or NULL value.
 */
CK_RV cc_tmpl_bool(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t, bool *out);
CK_RV cc_tmpl_ulong(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE t, CK_ULONG *out);

/* CKR_ARGUMENTS_BAD when @tmpl is NULL with @n > 0 or an entry has a NULL value with a length. */
CK_RV cc_tmpl_check(const CK_ATTRIBUTE *tmpl, CK_ULONG n);

#endif
