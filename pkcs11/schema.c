#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stddef.h>

#include "pkcs11/schema.h"
#include "pkcs11/unlock.h"

#define CC_CKA_END ((CK_ATTRIBUTE_TYPE)-1)	/* table terminator */

static bool
is_bool(const CK_ATTRIBUTE *a)
{
	return a->ulValueLen == sizeof(CK_BBOOL) && a->pValue != NULL;
}

static bool
is_ulong(const CK_ATTRIBUTE *a)
{
	return a->ulValueLen == sizeof(CK_ULONG) && a->pValue != NULL;
}

static bool
is_date(const CK_ATTRIBUTE *a)
{
	return a->ulValueLen == 0 || a->ulValueLen == sizeof(CK_DATE);
}

#define C  CC_ATTR_CREATE
#define G  CC_ATTR_GEN
#define S  CC_ATTR_SETTABLE

/* Storage attributes shared by every class (PKCS#11 v2.40 section 4.4). */
#define STORAGE_ATTRS \
	{ CKA_CLASS,      C | G,     is_ulong }, \
	{ CKA_TOKEN,      C | G,     is_bool }, \
	{ CKA_PRIVATE,    C | G,     is_bool }, \
	{ CKA_MODIFIABLE, C | G,     is_bool }, \
	{ CKA_LABEL,      C | G | S, NULL }

/* Key attributes shared by public and private keys (section 4.7). */
#define KEY_ATTRS \
	{ CKA_KEY_TYPE,          C | G,     is_ulong }, \
	{ CKA_ID,                C | G | S, NULL }, \
	{ CKA_START_DATE,        C | G,     is_date }, \
	{ CKA_END_DATE,          C | G,     is_date }, \
	{ CKA_DERIVE,            C | G,     is_bool }, \
	{ CKA_LOCAL,             0,         is_bool }, \
	{ CKA_KEY_GEN_MECHANISM, 0,         is_ulong }, \
	{ CKA_SUBJECT,           C | G,     NULL }, \
	{ CKA_PUBLIC_KEY_INFO,   0,         NULL }

static const struct cc_attr_spec certificate_attrs[] = {
	STORAGE_ATTRS,
	{ CKA_CERTIFICATE_TYPE,          C, is_ulong },
	{ CKA_TRUSTED,                   C, is_bool },
	{ CKA_CERTIFICATE_CATEGORY,      C, is_ulong },
	{ CKA_CHECK_VALUE,               0, NULL },
	{ CKA_START_DATE,                C, is_date },
	{ CKA_END_DATE,                  C, is_date },
	{ CKA_PUBLIC_KEY_INFO,           C, NULL },
	{ CKA_SUBJECT,                   C, NULL },
	{ CKA_ID,                        C | S, NULL },
	{ CKA_ISSUER,                    C, NULL },
	{ CKA_SERIAL_NUMBER,             C, NULL },
	{ CKA_VALUE,                     C, NULL },
	{ CKA_URL,                       C, NULL },
	{ CKA_HASH_OF_SUBJECT_PUBLIC_KEY, C, NULL },
	{ CKA_HASH_OF_ISSUER_PUBLIC_KEY, C, NULL },
	{ CKA_JAVA_MIDP_SECURITY_DOMAIN, C, is_ulong },
	{ CC_CKA_END, 0, NULL },
};

static const struct cc_attr_spec public_key_attrs[] = {
	STORAGE_ATTRS,
	KEY_ATTRS,
	{ CKA_ENCRYPT,         C | G, is_bool },
	{ CKA_VERIFY,          C | G, is_bool },
	{ CKA_VERIFY_RECOVER,  C | G, is_bool },
	{ CKA_WRAP,            C | G, is_bool },
	{ CKA_TRUSTED,         0,     is_bool },
	{ CKA_MODULUS,         C,     NULL },
	{ CKA_MODULUS_BITS,    G,     is_ulong },
	{ CKA_PUBLIC_EXPONENT, C | G, NULL },
	{ CKA_EC_PARAMS,       C | G, NULL },
	{ CKA_EC_POINT,        C,     NULL },
	/* Made by the module on the unblock key (pkcs11/unlock.h); never from a template. */
	{ CKA_CC_SEALED_CARD_KEY, 0, NULL },
	{ CC_CKA_END, 0, NULL },
};

static const struct cc_attr_spec private_key_attrs[] = {
	STORAGE_ATTRS,
	KEY_ATTRS,
	{ CKA_SENSITIVE,           G, is_bool },
	{ CKA_DECRYPT,             G, is_bool },
	{ CKA_SIGN,                G, is_bool },
	{ CKA_SIGN_RECOVER,        G, is_bool },
	{ CKA_UNWRAP,              G, is_bool },
	{ CKA_EXTRACTABLE,         G, is_bool },
	{ CKA_ALWAYS_SENSITIVE,    0, is_bool },
	{ CKA_NEVER_EXTRACTABLE,   0, is_bool },
	{ CKA_WRAP_WITH_TRUSTED,   G, is_bool },
	{ CKA_ALWAYS_AUTHENTICATE, G, is_bool },
	/* Public components: readable although the key is sensitive
	 * (client-requirements.md: libp11, GnuTLS, NSS and Java read them). */
	{ CKA_MODULUS,             0, NULL },
	{ CKA_MODULUS_BITS,        0, is_ulong },	/* not in v2.40 for private keys; clients read it */
	{ CKA_PUBLIC_EXPONENT,     0, NULL },
	{ CKA_EC_PARAMS,           0, NULL },
	/* Private components: never leave the card. */
	{ CKA_PRIVATE_EXPONENT,    CC_ATTR_SENSITIVE, NULL },
	{ CKA_PRIME_1,             CC_ATTR_SENSITIVE, NULL },
	{ CKA_PRIME_2,             CC_ATTR_SENSITIVE, NULL },
	{ CKA_EXPONENT_1,          CC_ATTR_SENSITIVE, NULL },
	{ CKA_EXPONENT_2,          CC_ATTR_SENSITIVE, NULL },
	{ CKA_COEFFICIENT,         CC_ATTR_SENSITIVE, NULL },
	{ CKA_VALUE,               CC_ATTR_SENSITIVE, NULL },
	{ CC_CKA_END, 0, NULL },
};

/*
 * Data objects (section 4.5): a card's small files. CKA_VALUE of a private
 * token data object is sealed on the card like a private key, and present
 * here only while the user is logged in.
 */
static const struct cc_attr_spec data_attrs[] = {
	STORAGE_ATTRS,
	{ CKA_APPLICATION, C, NULL },
	{ CKA_OBJECT_ID,   C, NULL },
	{ CKA_VALUE,       C, NULL },
	{ CC_CKA_END, 0, NULL },
};

static const struct cc_attr_spec profile_attrs[] = {
	STORAGE_ATTRS,
	{ CKA_PROFILE_ID, 0, is_ulong },
	{ CC_CKA_END, 0, NULL },
};

#undef C
#undef G
#undef S

static const struct {
	CK_OBJECT_CLASS klass;
	const struct cc_attr_spec *attrs;
} schemas[] = {
	{ CKO_DATA,        data_attrs },
	{ CKO_CERTIFICATE, certificate_attrs },
	{ CKO_PUBLIC_KEY,  public_key_attrs },
	{ CKO_PRIVATE_KEY, private_key_attrs },
	{ CKO_PROFILE,     profile_attrs },
};

const struct cc_attr_spec *
cc_schema_find(CK_OBJECT_CLASS klass, CK_ATTRIBUTE_TYPE type)
{
	const struct cc_attr_spec *s;
	size_t i;

	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		if (schemas[i].klass != klass)
			continue;
		for (s = schemas[i].attrs; s->type != CC_CKA_END; s++)
			if (s->type == type)
				return s;
		return NULL;
	}
	return NULL;
}

CK_RV
cc_schema_check_template(CK_OBJECT_CLASS klass, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
			 unsigned int need)
{
	CK_ULONG i;

	for (i = 0; i < n; i++) {
		const struct cc_attr_spec *s = cc_schema_find(klass, tmpl[i].type);

		if (s == NULL)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if ((s->flags & need) == 0)
			return CKR_ATTRIBUTE_READ_ONLY;
		if (s->valid != NULL && !s->valid(&tmpl[i]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return CKR_OK;
}
