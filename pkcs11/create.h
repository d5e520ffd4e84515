/*
 * C_CreateObject templates: X.509 certificates, public keys and data
 * objects. Pure
 * (no module state): validates the template and returns the complete
 * attribute list to store, with defaults and derived attributes filled in.
 */
#ifndef CC_CREATE_H
#define CC_CREATE_H

#include <openssl/types.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/attrs.h"

/*
 * Build the attributes of a new object from @tmpl into empty @out.
 * Certificates: CKA_CERTIFICATE_TYPE = CKC_X_509 and CKA_VALUE required;
 * CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER (DER INTEGER, tag and length)
 * and CKA_PUBLIC_KEY_INFO are derived from the certificate when absent.
 * Public keys: RSA (modulus, exponent) or EC P-256/P-384 (params, point),
 * checked by building the key. Data objects: CKA_APPLICATION, CKA_OBJECT_ID
 * (a DER OID when not empty) and CKA_VALUE, empty when absent. Codes: CKR_TEMPLATE_INCOMPLETE,
 * CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID,
 * CKR_ATTRIBUTE_READ_ONLY, CKR_CURVE_NOT_SUPPORTED, CKR_HOST_MEMORY.
 */
CK_RV cc_create_attrs(OSSL_LIB_CTX *libctx, const CK_ATTRIBUTE *tmpl, CK_ULONG n,
		      struct cc_attrs *out);

/* Set @t to @v/@len in @l unless the caller already supplied it. */
CK_RV cc_attrs_default(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len);
CK_RV cc_attrs_default_bool(struct cc_attrs *l, CK_ATTRIBUTE_TYPE t, bool v);

#endif
