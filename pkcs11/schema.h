/*
 * Attribute schema: per object class, which attributes exist, which are
 * sensitive, which a caller may supply at creation and which may change
 * later. Data, not code: one table per class, one lookup.
 */
#ifndef CC_SCHEMA_H
#define CC_SCHEMA_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

/* PKCS#11 3.0 names that p11-kit 0.24's 2.40 header lacks. */
#ifndef CKO_PROFILE
#define CKO_PROFILE			(0x9UL)
#endif
#ifndef CKA_PROFILE_ID
#define CKA_PROFILE_ID			(0x601UL)
#endif
#ifndef CKP_PUBLIC_CERTIFICATES_TOKEN
#define CKP_PUBLIC_CERTIFICATES_TOKEN	(0x4UL)
#endif

enum {
	CC_ATTR_SENSITIVE = 1 << 0,	/* never revealed: CKR_ATTRIBUTE_SENSITIVE */
	CC_ATTR_CREATE    = 1 << 1,	/* may appear in a C_CreateObject template */
	CC_ATTR_GEN       = 1 << 2,	/* may appear in a C_GenerateKeyPair template */
	CC_ATTR_SETTABLE  = 1 << 3,	/* C_SetAttributeValue may change it */
};

struct cc_attr_spec {
	CK_ATTRIBUTE_TYPE type;
	unsigned int flags;
	bool (*valid)(const CK_ATTRIBUTE *a);	/* NULL: any byte string */
};

/* The spec of @type for objects of class @klass, or NULL (unknown class or type). */
const struct cc_attr_spec *cc_schema_find(CK_OBJECT_CLASS klass, CK_ATTRIBUTE_TYPE type);

/*
 * Check a caller template against the schema for @klass: every entry must
 * be known (CKR_ATTRIBUTE_TYPE_INVALID), carry @need among its flags
 * (CKR_ATTRIBUTE_READ_ONLY) and have a valid value
 * (CKR_ATTRIBUTE_VALUE_INVALID).
 */
CK_RV cc_schema_check_template(CK_OBJECT_CLASS klass, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
			       unsigned int need);

#endif
