/*
 * Objects: on-card key generation (RSA and EC), certificates and public
 * keys through C_CreateObject, the searches real clients make,
 * C_GetAttributeValue rules, C_SetAttributeValue, session objects,
 * C_DestroyObject and another process's changes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "pkcs11/card-image.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)

#ifndef CKO_PROFILE
#define CKO_PROFILE 0x9UL
#endif

struct ofx {
	struct fx *fx;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub[2], priv[2], cert[2];
	unsigned char *der[2];
	size_t derlen[2];
};

static int
setup(void **state)
{
	struct ofx *o = calloc(1, sizeof(*o));
	struct fx *fx = fx_new(NULL);

	static const char *const id[2] = { "01", "02" };
	bool again;
	CK_ULONG len;
	int i;

	o->fx = fx;
	/* the first set-up's card again, for every later test (fx_card_save) */
	if (!(again = fx_card_restore(fx, 0, FX_SERIAL_A, "objects")))
		fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	if (!again)
		fx_personalise(fx, 0, "Dr Example");
	o->s = fx_open(fx, 0, true);
	if (again) {
		for (i = 0; i < 2; i++) {
			o->pub[i] = fx_find(fx, o->s, CKO_PUBLIC_KEY, id[i]);
			o->priv[i] = fx_find(fx, o->s, CKO_PRIVATE_KEY, id[i]);
			o->cert[i] = fx_find(fx, o->s, CKO_CERTIFICATE, id[i]);
			o->der[i] = fx_attr(fx, o->s, o->cert[i], CKA_VALUE, &len);
			o->derlen[i] = (size_t)len;
		}
		*state = o;
		return 0;
	}
	fx_gen_rsa(fx, o->s, 2048, "01", "Authentication", &o->pub[0], &o->priv[0]);
	fx_gen_rsa(fx, o->s, 2048, "02", "Digital Signature", &o->pub[1], &o->priv[1]);
	o->cert[0] = fx_add_cert(fx, o->s, o->pub[0], "01", "Authentication", &o->der[0],
				 &o->derlen[0]);
	o->cert[1] = fx_add_cert(fx, o->s, o->pub[1], "02", "Digital Signature", &o->der[1],
				 &o->derlen[1]);
	fx_card_save(fx, 0, "objects");
	*state = o;
	return 0;
}

static int
teardown(void **state)
{
	struct ofx *o = *state;

	fx_free(o->fx);
	free(o->der[0]);
	free(o->der[1]);
	free(o);
	return 0;
}

static CK_ULONG
count_class(struct ofx *o, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };

	return fx_count(o->fx, o->s, &t, 1);
}

static void
test_find(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_OBJECT_CLASS cert = CKO_CERTIFICATE, pub = CKO_PUBLIC_KEY, priv = CKO_PRIVATE_KEY;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BBOOL t = CK_TRUE;
	const unsigned char *p = o->der[1];
	X509 *x = d2i_X509(NULL, &p, (long)o->derlen[1]);
	unsigned char *subj = NULL, *iss = NULL, *ser = NULL;
	int subjlen = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	int isslen = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	int serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
	CK_OBJECT_HANDLE h;
	CK_ULONG n;

	assert_int_equal(count_class(o, CKO_CERTIFICATE), 2);
	assert_int_equal(count_class(o, CKO_PUBLIC_KEY), 2);
	assert_int_equal(count_class(o, CKO_PRIVATE_KEY), 2);
	assert_int_equal(count_class(o, CKO_PROFILE), 1);
	assert_int_equal(count_class(o, CKO_VENDOR_DEFINED | 5), 0);	/* unknown: none */
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &priv, sizeof(priv) }, { CKA_ID, "02", 2 } };

		assert_int_equal(fx->p11->C_FindObjectsInit(o->s, tmpl, 2), CKR_OK);
		assert_int_equal(fx->p11->C_FindObjects(o->s, &h, 1, &n), CKR_OK);
		assert_int_equal(n, 1);
		assert_int_equal(h, o->priv[1]);
		assert_int_equal(fx->p11->C_FindObjectsInit(o->s, tmpl, 2), CKR_OPERATION_ACTIVE);
		assert_int_equal(fx->p11->C_FindObjects(o->s, &h, 1, &n), CKR_OK);
		assert_int_equal(n, 0);
		assert_int_equal(fx->p11->C_FindObjectsFinal(o->s), CKR_OK);
	}
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cert, sizeof(cert) },
					{ CKA_LABEL, "Authentication", 14 },
					{ CKA_TOKEN, &t, sizeof(t) } };

		assert_int_equal(fx_count(fx, o->s, tmpl, 3), 1);
	}
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cert, sizeof(cert) },
					{ CKA_SUBJECT, subj, (CK_ULONG)subjlen } };

		assert_int_equal(fx_count(fx, o->s, tmpl, 2), 1);
	}
	{
		/* NSS: issuer + serial as a DER INTEGER with tag and length. */
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cert, sizeof(cert) },
					{ CKA_ISSUER, iss, (CK_ULONG)isslen },
					{ CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen } };

		assert_int_equal(ser[0], 0x02);
		assert_int_equal(fx_count(fx, o->s, tmpl, 3), 1);
	}
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cert, sizeof(cert) },
					{ CKA_VALUE, o->der[0], o->derlen[0] } };

		assert_int_equal(fx_count(fx, o->s, tmpl, 2), 1);
	}
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cert, sizeof(cert) },
					{ CKA_CERTIFICATE_TYPE, &x509, sizeof(x509) } };

		assert_int_equal(fx_count(fx, o->s, tmpl, 2), 2);
	}
	{
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &pub, sizeof(pub) }, { CKA_ID, "01", 2 } };

		assert_int_equal(fx_count(fx, o->s, tmpl, 2), 1);
	}
	/* Private objects do not exist before login; public ones do. */
	assert_int_equal(fx->p11->C_Logout(o->s), CKR_OK);
	assert_int_equal(count_class(o, CKO_PRIVATE_KEY), 0);
	assert_int_equal(count_class(o, CKO_CERTIFICATE), 2);
	assert_int_equal(count_class(o, CKO_PUBLIC_KEY), 2);
	{
		CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };

		assert_int_equal(fx->p11->C_GetAttributeValue(o->s, o->priv[0], &a, 1),
				 CKR_OBJECT_HANDLE_INVALID);
	}
	X509_free(x);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
}

static bool
bool_attr(struct ofx *o, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL b = 0xaa;
	CK_ATTRIBUTE a = { t, &b, sizeof(b) };

	assert_int_equal(o->fx->p11->C_GetAttributeValue(o->s, h, &a, 1), CKR_OK);
	return b == CK_TRUE;
}

static void
test_key_attributes(void **state)
{
	struct ofx *o = *state;
	CK_ULONG len, id_len, pid_len, bits;
	unsigned char *id = fx_attr(o->fx, o->s, o->priv[1], CKA_ID, &id_len);
	unsigned char *pid = fx_attr(o->fx, o->s, o->pub[1], CKA_ID, &pid_len);
	unsigned char *mod = fx_attr(o->fx, o->s, o->priv[1], CKA_MODULUS, &len);
	unsigned char *b = fx_attr(o->fx, o->s, o->pub[1], CKA_MODULUS_BITS, &bits);

	assert_int_equal(len, 256);	/* readable although sensitive */
	assert_memory_equal(id, pid, id_len);
	assert_int_equal(*(CK_ULONG *)b, 2048);
	assert_true(bool_attr(o, o->priv[1], CKA_SENSITIVE));
	assert_false(bool_attr(o, o->priv[1], CKA_EXTRACTABLE));
	assert_true(bool_attr(o, o->priv[1], CKA_ALWAYS_SENSITIVE));
	assert_true(bool_attr(o, o->priv[1], CKA_NEVER_EXTRACTABLE));
	assert_true(bool_attr(o, o->priv[1], CKA_LOCAL));
	assert_true(bool_attr(o, o->priv[1], CKA_PRIVATE));
	assert_true(bool_attr(o, o->priv[1], CKA_SIGN));
	assert_false(bool_attr(o, o->priv[1], CKA_DECRYPT));
	assert_false(bool_attr(o, o->priv[1], CKA_UNWRAP));
	assert_false(bool_attr(o, o->priv[1], CKA_ALWAYS_AUTHENTICATE));	/* config default */
	assert_true(bool_attr(o, o->pub[1], CKA_VERIFY));
	assert_false(bool_attr(o, o->pub[1], CKA_PRIVATE));
	assert_false(bool_attr(o, o->cert[1], CKA_PRIVATE));
	assert_true(bool_attr(o, o->cert[1], CKA_TOKEN));
	free(id);
	free(pid);
	free(mod);
	free(b);
}

static void
test_get_attribute_rules(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_BYTE small[4], mod[512], label[64];
	CK_ATTRIBUTE t[4];

	/* Sensitive wins over type-invalid wins over buffer-too-small; good entries filled. */
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof(label) };
	t[1] = (CK_ATTRIBUTE){ CKA_PRIVATE_EXPONENT, mod, sizeof(mod) };
	t[2] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, small, sizeof(small) };
	t[3] = (CK_ATTRIBUTE){ CKA_MODULUS, small, sizeof(small) };
	assert_int_equal(fx->p11->C_GetAttributeValue(o->s, o->priv[0], t, 4),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(t[0].ulValueLen, 14);
	assert_memory_equal(label, "Authentication", 14);
	assert_int_equal(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[1] = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof(label) };
	t[2].ulValueLen = sizeof(small);
	t[3].ulValueLen = sizeof(small);
	assert_int_equal(fx->p11->C_GetAttributeValue(o->s, o->priv[0], t, 4),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	t[2] = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof(label) };
	t[3].ulValueLen = sizeof(small);
	assert_int_equal(fx->p11->C_GetAttributeValue(o->s, o->priv[0], t, 4),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	/* Size query: NULL buffers report lengths. */
	t[3] = (CK_ATTRIBUTE){ CKA_MODULUS, NULL, 0 };
	assert_int_equal(fx->p11->C_GetAttributeValue(o->s, o->priv[0], &t[3], 1), CKR_OK);
	assert_int_equal(t[3].ulValueLen, 256);
	assert_int_equal(fx->p11->C_GetAttributeValue(o->s, 0xdead, &t[3], 1),
			 CKR_OBJECT_HANDLE_INVALID);
}

static void
test_set_attribute(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_ATTRIBUTE a = { CKA_LABEL, "Renamed", 7 };
	CK_ATTRIBUTE v = { CKA_VALUE, "x", 1 };
	CK_ATTRIBUTE u = { CKA_VENDOR_DEFINED | 9, "x", 1 };
	CK_ULONG len;
	unsigned char *got;

	assert_int_equal(fx->p11->C_SetAttributeValue(o->s, o->cert[0], &a, 1), CKR_OK);
	assert_int_equal(fx->p11->C_SetAttributeValue(o->s, o->cert[0], &v, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(fx->p11->C_SetAttributeValue(o->s, o->cert[0], &u, 1),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	a = (CK_ATTRIBUTE){ CKA_ID, "99", 2 };
	assert_int_equal(fx->p11->C_SetAttributeValue(o->s, o->priv[0], &a, 1), CKR_OK);
	/* Persisted on the card: visible after a restart, same handles kept meanwhile. */
	got = fx_attr(fx, o->s, o->cert[0], CKA_LABEL, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(got, "Renamed", 7);
	free(got);
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	o->s = fx_open(fx, 0, true);
	{
		CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_ID, "99", 2 } };

		assert_int_equal(fx_count(fx, o->s, t, 2), 1);
	}
}

static void
test_ec_keys(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_OBJECT_HANDLE pub, priv;
	CK_ULONG len, plen, klen;
	unsigned char *pt, *params, *kp;

	fx_gen_ec(fx, o->s, false, "e1", "EC auth", &pub, &priv);
	pt = fx_attr(fx, o->s, pub, CKA_EC_POINT, &len);
	assert_int_equal(len, 67);	/* DER OCTET STRING of an uncompressed P-256 point */
	assert_int_equal(pt[0], 0x04);
	assert_int_equal(pt[1], 65);
	assert_int_equal(pt[2], 0x04);
	params = fx_attr(fx, o->s, pub, CKA_EC_PARAMS, &plen);
	assert_int_equal(plen, sizeof(fx_p256_oid));
	assert_memory_equal(params, fx_p256_oid, plen);
	kp = fx_attr(fx, o->s, priv, CKA_EC_PARAMS, &klen);
	assert_memory_equal(kp, fx_p256_oid, klen);
	free(pt);
	free(params);
	free(kp);
	fx_gen_ec(fx, o->s, true, "e2", "EC sign", &pub, &priv);
	pt = fx_attr(fx, o->s, pub, CKA_EC_POINT, &len);
	assert_int_equal(len, 99);
	free(pt);
	assert_int_equal(count_class(o, CKO_PRIVATE_KEY), 4);
}

static void
test_keygen_errors(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_MECHANISM rsa = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ec = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 1024;
	CK_BBOOL t = CK_TRUE, f = CK_FALSE;
	CK_BYTE bad_oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };	/* Ed25519: not offered */
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &t, 1 }, { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE et[] = { { CKA_TOKEN, &t, 1 }, { CKA_EC_PARAMS, bad_oid, sizeof(bad_oid) } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &t, 1 }, { CKA_SENSITIVE, &f, 1 } };
	CK_OBJECT_HANDLE a, b;
	CK_SESSION_HANDLE ro;

	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &rsa, pt, 2, vt, 1, &a, &b),
			 CKR_KEY_SIZE_RANGE);
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &rsa, pt, 1, vt, 1, &a, &b),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &ec, et, 2, vt, 1, &a, &b),
			 CKR_CURVE_NOT_SUPPORTED);
	bits = 2048;
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &rsa, pt, 2, vt, 2, &a, &b),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &rsa, pt, 2, vt, 1, NULL, &b),
			 CKR_ARGUMENTS_BAD);
	ec.mechanism = CKM_DES_KEY_GEN;
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &ec, et, 2, vt, 1, &a, &b),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	assert_int_equal(fx->p11->C_GenerateKeyPair(ro, &rsa, pt, 2, vt, 1, &a, &b),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(fx->p11->C_Logout(o->s), CKR_OK);
	assert_int_equal(fx->p11->C_GenerateKeyPair(o->s, &rsa, pt, 2, vt, 1, &a, &b),
			 CKR_USER_NOT_LOGGED_IN);
}

static void
test_create_errors(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_OBJECT_CLASS cert = CKO_CERTIFICATE, priv = CKO_PRIVATE_KEY;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BBOOL t = CK_TRUE;
	CK_OBJECT_HANDLE h;
	CK_SESSION_HANDLE ro;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cert, sizeof(cert) },
		{ CKA_CERTIFICATE_TYPE, &x509, sizeof(x509) },
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_VALUE, o->der[0], o->derlen[0] },
		{ CKA_VENDOR_DEFINED | 3, "x", 1 },
	};

	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 5, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 3, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(fx->p11->C_CreateObject(o->s, &tmpl[1], 3, &h), CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 4, NULL), CKR_ARGUMENTS_BAD);
	tmpl[3].ulValueLen = 20;	/* a truncated certificate */
	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	tmpl[3].ulValueLen = o->derlen[0];
	tmpl[0].pValue = &priv;		/* private keys only come from C_GenerateKeyPair */
	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	tmpl[0].pValue = &cert;
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	assert_int_equal(fx->p11->C_CreateObject(ro, tmpl, 4, &h), CKR_SESSION_READ_ONLY);
	assert_int_equal(fx->p11->C_Logout(o->s), CKR_OK);
	assert_int_equal(fx->p11->C_CreateObject(o->s, tmpl, 4, &h), CKR_USER_NOT_LOGGED_IN);
}

static void
test_session_objects(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_OBJECT_CLASS cert = CKO_CERTIFICATE, pub = CKO_PUBLIC_KEY;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_KEY_TYPE rsa = CKK_RSA;
	CK_BBOOL f = CK_FALSE;
	CK_ULONG mlen, elen;
	unsigned char *mod = fx_attr(fx, o->s, o->pub[0], CKA_MODULUS, &mlen);
	unsigned char *e = fx_attr(fx, o->s, o->pub[0], CKA_PUBLIC_EXPONENT, &elen);
	CK_ATTRIBUTE ct[] = {
		{ CKA_CLASS, &cert, sizeof(cert) }, { CKA_CERTIFICATE_TYPE, &x509, sizeof(x509) },
		{ CKA_TOKEN, &f, sizeof(f) }, { CKA_VALUE, o->der[0], o->derlen[0] },
	};
	CK_ATTRIBUTE kt[] = {
		{ CKA_CLASS, &pub, sizeof(pub) }, { CKA_KEY_TYPE, &rsa, sizeof(rsa) },
		{ CKA_MODULUS, mod, mlen }, { CKA_PUBLIC_EXPONENT, e, elen },
	};
	CK_SESSION_HANDLE ro, other;
	CK_OBJECT_HANDLE hc, hk;
	struct cc_card *card;
	size_t before;

	card = fx_card_load(fx, 0);
	before = card->nobjects;
	cc_card_free(card);
	/* Session objects need neither login nor a R/W session. */
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	assert_int_equal(fx->p11->C_CreateObject(ro, ct, 4, &hc), CKR_OK);
	assert_int_equal(fx->p11->C_CreateObject(ro, kt, 4, &hk), CKR_OK);
	other = fx_open(fx, 0, false);
	assert_int_equal(count_class(o, CKO_CERTIFICATE), 3);
	{
		CK_ULONG blen;
		unsigned char *bits = fx_attr(fx, other, hk, CKA_MODULUS_BITS, &blen);

		assert_int_equal(*(CK_ULONG *)bits, 2048);
		free(bits);
	}
	card = fx_card_load(fx, 0);
	assert_int_equal(card->nobjects, before);	/* nothing written */
	cc_card_free(card);
	assert_int_equal(fx->p11->C_CloseSession(ro), CKR_OK);
	assert_int_equal(count_class(o, CKO_CERTIFICATE), 2);
	{
		CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };

		assert_int_equal(fx->p11->C_GetAttributeValue(other, hc, &a, 1),
				 CKR_OBJECT_HANDLE_INVALID);
	}
	free(mod);
	free(e);
}

static void
test_destroy(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	CK_OBJECT_CLASS cls = CKO_PROFILE;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE prof;
	CK_ULONG n;

	assert_int_equal(fx->p11->C_DestroyObject(o->s, o->cert[0]), CKR_OK);
	assert_int_equal(fx->p11->C_DestroyObject(o->s, o->cert[0]), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(count_class(o, CKO_CERTIFICATE), 1);
	assert_int_equal(fx->p11->C_FindObjectsInit(o->s, &t, 1), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjects(o->s, &prof, 1, &n), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjectsFinal(o->s), CKR_OK);
	assert_int_equal(fx->p11->C_DestroyObject(o->s, prof), CKR_ACTION_PROHIBITED);
	/* Handles of surviving objects are stable across the reload. */
	assert_true(bool_attr(o, o->priv[0], CKA_SIGN));
}

static void
test_other_process_sees_changes(void **state)
{
	struct ofx *o = *state;
	struct fx *fx = o->fx;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_SESSION_HANDLE s;
		CK_OBJECT_HANDLE a, b;
		CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
		CK_BBOOL t = CK_TRUE;
		CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &t, 1 },
				      { CKA_EC_PARAMS, (void *)fx_p256_oid, sizeof(fx_p256_oid) } };
		CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &t, 1 } };
		int code = 1;

		if (fx->p11->C_Initialize(NULL) == CKR_OK &&
		    fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
					   &s) == CKR_OK &&
		    fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)) == CKR_OK &&
		    fx->p11->C_GenerateKeyPair(s, &m, pt, 2, vt, 1, &a, &b) == CKR_OK)
			code = 0;
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The next call notices the new image; the new key is usable here too. */
	assert_int_equal(count_class(o, CKO_PRIVATE_KEY), 3);
	assert_int_equal(count_class(o, CKO_PUBLIC_KEY), 3);
	{
		CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
		CK_KEY_TYPE kt = CKK_EC;
		CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) } };
		CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
		CK_OBJECT_HANDLE k;
		CK_BYTE hash[32] = { 1 }, sig[64];
		CK_ULONG n, siglen = sizeof(sig);

		assert_int_equal(fx->p11->C_FindObjectsInit(o->s, t, 2), CKR_OK);
		assert_int_equal(fx->p11->C_FindObjects(o->s, &k, 1, &n), CKR_OK);
		assert_int_equal(n, 1);
		assert_int_equal(fx->p11->C_FindObjectsFinal(o->s), CKR_OK);
		assert_int_equal(fx->p11->C_SignInit(o->s, &m, k), CKR_OK);
		assert_int_equal(fx->p11->C_Sign(o->s, hash, sizeof(hash), sig, &siglen), CKR_OK);
		assert_int_equal(siglen, 64);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_attribute_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keygen_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_process_sees_changes, setup, teardown),
	};

	return cmocka_run_group_tests_name("module-objects", tests, NULL, NULL);
}
