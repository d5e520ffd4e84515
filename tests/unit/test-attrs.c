/*
 * Pure attribute code: blank padding, the C_GetAttributeValue copy-out rules
 * and their precedence, template matching, the schema, and C_CreateObject
 * template processing for certificates.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11/attrs.h"
#include "pkcs11/create.h"
#include "pkcs11/object.h"
#include "pkcs11/pad.h"
#include "pkcs11/schema.h"

static void
test_pad(void **state)
{
	unsigned char f[8];

	cc_pad_copy(f, sizeof(f), "abc");
	assert_memory_equal(f, "abc     ", 8);
	cc_pad_copy(f, sizeof(f), "0123456789");
	assert_memory_equal(f, "01234567", 8);	/* truncated, never NUL-terminated */
	cc_pad_copy(f, sizeof(f), NULL);
	assert_memory_equal(f, "        ", 8);
	cc_pad_copy(f, sizeof(f), "");
	assert_memory_equal(f, "        ", 8);
}

/* A private key as the module stores it. */
static void
make_key(struct cc_attrs *l)
{
	assert_int_equal(cc_attrs_set_ulong(l, CKA_CLASS, CKO_PRIVATE_KEY), CKR_OK);
	assert_int_equal(cc_attrs_set(l, CKA_LABEL, "Signing", 7), CKR_OK);
	assert_int_equal(cc_attrs_set(l, CKA_MODULUS, "\x01\x02\x03\x04\x05\x06", 6), CKR_OK);
	assert_int_equal(cc_attrs_set_bool(l, CKA_SENSITIVE, true), CKR_OK);
	assert_int_equal(cc_attrs_set(l, CKA_ID, NULL, 0), CKR_OK);
}

static void
test_copy_out(void **state)
{
	struct cc_attrs l = { 0 };
	unsigned char buf[16], small[2];
	CK_ATTRIBUTE t[3];

	make_key(&l);
	/* All good, including an empty value. */
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, buf, sizeof(buf) };
	t[1] = (CK_ATTRIBUTE){ CKA_ID, buf, sizeof(buf) };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 2), CKR_OK);
	assert_int_equal(t[0].ulValueLen, 7);
	assert_int_equal(t[1].ulValueLen, 0);
	/* Size query. */
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, NULL, 0 };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 1), CKR_OK);
	assert_int_equal(t[0].ulValueLen, 6);
	/* Too small: unavailable, and the room was read before being overwritten. */
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, small, sizeof(small) };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 1), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, buf, 6 };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 1), CKR_OK);
	/* Sensitive beats type-invalid beats too-small; the good entry is still filled. */
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, small, sizeof(small) };
	t[1] = (CK_ATTRIBUTE){ CKA_VALUE, buf, sizeof(buf) };
	t[2] = (CK_ATTRIBUTE){ CKA_LABEL, buf, sizeof(buf) };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 3), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(t[2].ulValueLen, 7);
	assert_int_equal(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, small, sizeof(small) };
	t[1] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, buf, sizeof(buf) };	/* not for keys */
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 2), CKR_ATTRIBUTE_TYPE_INVALID);
	/* Known to the schema but absent on this object: type invalid. */
	t[0] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, buf, sizeof(buf) };
	assert_int_equal(cc_attrs_copy_out(CKO_PRIVATE_KEY, &l, t, 1), CKR_ATTRIBUTE_TYPE_INVALID);
	/* Unknown class: nothing is valid. */
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, buf, sizeof(buf) };
	assert_int_equal(cc_attrs_copy_out(CKO_VENDOR_DEFINED, &l, t, 1), CKR_ATTRIBUTE_TYPE_INVALID);
	cc_attrs_clear(&l);
}

static void
test_match(void **state)
{
	struct cc_attrs l = { 0 };
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY, other = CKO_CERTIFICATE;
	CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_LABEL, "Signing", 7 } };

	make_key(&l);
	assert_true(cc_attrs_match(&l, NULL, 0));
	assert_true(cc_attrs_match(&l, t, 2));
	t[1].ulValueLen = 6;		/* a prefix is not a match */
	assert_false(cc_attrs_match(&l, t, 2));
	t[0].pValue = &other;
	assert_false(cc_attrs_match(&l, t, 1));
	t[0] = (CK_ATTRIBUTE){ CKA_ID, NULL, 0 };	/* empty value matches empty */
	assert_true(cc_attrs_match(&l, t, 1));
	t[0] = (CK_ATTRIBUTE){ CKA_SUBJECT, NULL, 0 };	/* absent never matches */
	assert_false(cc_attrs_match(&l, t, 1));
	assert_true(cc_attrs_is_signing_key(&l));
	assert_int_equal(cc_attrs_set(&l, CKA_LABEL, "Authentication", 14), CKR_OK);
	assert_false(cc_attrs_is_signing_key(&l));
	assert_int_equal(cc_attrs_set(&l, CKA_LABEL, "NHS DIGITAL SIGNATURE", 21), CKR_OK);
	assert_true(cc_attrs_is_signing_key(&l));
	cc_attrs_clear(&l);
}

static void
test_schema(void **state)
{
	CK_BBOOL t = CK_TRUE;
	CK_ULONG one = 1;
	CK_ATTRIBUTE ok[] = { { CKA_LABEL, "x", 1 }, { CKA_TOKEN, &t, sizeof(t) } };
	CK_ATTRIBUTE badsize[] = { { CKA_TOKEN, &one, sizeof(one) } };
	CK_ATTRIBUTE ro[] = { { CKA_LOCAL, &t, sizeof(t) } };
	CK_ATTRIBUTE unknown[] = { { CKA_VENDOR_DEFINED | 1, "x", 1 } };

	assert_non_null(cc_schema_find(CKO_PRIVATE_KEY, CKA_MODULUS));
	assert_true(cc_schema_find(CKO_PRIVATE_KEY, CKA_PRIVATE_EXPONENT)->flags & CC_ATTR_SENSITIVE);
	assert_false(cc_schema_find(CKO_PRIVATE_KEY, CKA_MODULUS)->flags & CC_ATTR_SENSITIVE);
	assert_true(cc_schema_find(CKO_CERTIFICATE, CKA_LABEL)->flags & CC_ATTR_SETTABLE);
	assert_false(cc_schema_find(CKO_CERTIFICATE, CKA_VALUE)->flags & CC_ATTR_SETTABLE);
	assert_null(cc_schema_find(CKO_CERTIFICATE, CKA_MODULUS));
	/* Data objects: application, object id and value; nothing of a key. */
	assert_true(cc_schema_find(CKO_DATA, CKA_LABEL)->flags & CC_ATTR_SETTABLE);
	assert_false(cc_schema_find(CKO_DATA, CKA_VALUE)->flags & CC_ATTR_SETTABLE);
	assert_non_null(cc_schema_find(CKO_DATA, CKA_APPLICATION));
	assert_null(cc_schema_find(CKO_DATA, CKA_MODULUS));
	assert_null(cc_schema_find(CKO_SECRET_KEY, CKA_LABEL));
	assert_non_null(cc_schema_find(CKO_PROFILE, CKA_PROFILE_ID));
	assert_int_equal(cc_schema_check_template(CKO_CERTIFICATE, ok, 2, CC_ATTR_CREATE), CKR_OK);
	assert_int_equal(cc_schema_check_template(CKO_CERTIFICATE, badsize, 1, CC_ATTR_CREATE),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(cc_schema_check_template(CKO_PUBLIC_KEY, ro, 1, CC_ATTR_CREATE),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(cc_schema_check_template(CKO_PUBLIC_KEY, unknown, 1, CC_ATTR_CREATE),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(cc_tmpl_check(NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_tmpl_check(NULL, 0), CKR_OK);
}

static void
test_create_certificate(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL, *ser = NULL;
	int len, serlen;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	struct cc_attrs l = { 0 };
	const CK_ATTRIBUTE *a;

	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x80), 1);	/* needs a 00 pad */
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"Holder", -1, -1, 0);
	X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"CA", -1, -1, 0);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 60);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
	{
		CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
				     { CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
				     { CKA_VALUE, der, (CK_ULONG)len } };

		assert_int_equal(cc_create_attrs(NULL, t, 3, &l), CKR_OK);
	}
	a = cc_attrs_find(&l, CKA_SERIAL_NUMBER);
	assert_non_null(a);
	assert_int_equal(a->ulValueLen, (CK_ULONG)serlen);
	assert_memory_equal(a->pValue, "\x02\x02\x00\x80", 4);	/* tag, length, value */
	assert_memory_equal(a->pValue, ser, (size_t)serlen);
	assert_false(cc_attrs_bool(&l, CKA_PRIVATE, true));
	assert_false(cc_attrs_bool(&l, CKA_TOKEN, true));
	assert_non_null(cc_attrs_find(&l, CKA_SUBJECT));
	assert_non_null(cc_attrs_find(&l, CKA_ISSUER));
	cc_attrs_clear(&l);
	OPENSSL_free(der);
	OPENSSL_free(ser);
	X509_free(x);
	EVP_PKEY_free(k);
	assert_int_equal(ERR_peek_error(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_copy_out),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_create_certificate),
	};

	return cmocka_run_group_tests_name("attrs", tests, NULL, NULL);
}
