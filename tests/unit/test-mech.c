/*
 * The mechanism table and the sign/verify engine without the module around
 * it: list/info, PSS parameter rules (salt 0 .. emLen - hLen - 2, matching
 * MGF1), raw-input size rules, and round trips for every signing mechanism.
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

#include "pkcs11/mech.h"

struct keys {
	EVP_PKEY *rsa, *ec;
};

static int
group_setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	*state = k;
	return k->rsa != NULL && k->ec != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->ec);
	free(k);
	return 0;
}

static void
test_list(void **state)
{
	CK_MECHANISM_TYPE list[32];
	CK_ULONG n = 0, i;

	assert_int_equal(cc_mech_list(NULL, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = 3;
	assert_int_equal(cc_mech_list(list, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	assert_int_equal(cc_mech_list(list, &n), CKR_OK);
	/* Everything listed has an entry and a capability. */
	for (i = 0; i < n; i++) {
		const struct cc_mech *m = cc_mech_find(list[i]);

		assert_non_null(m);
		assert_true(m->info.flags & (CKF_SIGN | CKF_DIGEST | CKF_GENERATE_KEY_PAIR));
	}
	assert_null(cc_mech_find(CKM_RSA_PKCS_OAEP));
	assert_string_equal(cc_mech_md_name(CKM_SHA384), "SHA384");
	assert_null(cc_mech_md_name(CKM_SHA_1));
	assert_string_equal(cc_mech_mgf_name(CKG_MGF1_SHA512), "SHA512");
}

static CK_RV
pss_init(EVP_PKEY *pk, CK_MECHANISM_TYPE mt, CK_MECHANISM_TYPE hash, CK_ULONG mgf, CK_ULONG salt)
{
	CK_RSA_PKCS_PSS_PARAMS pp = { hash, mgf, salt };
	CK_MECHANISM m = { mt, &pp, sizeof(pp) };
	struct cc_sign_ctx c;
	CK_RV rv = cc_sign_ctx_init(&c, NULL, cc_mech_find(mt), &m, pk);

	cc_sign_ctx_clear(&c);
	return rv;
}

static void
test_pss_params(void **state)
{
	struct keys *k = *state;

	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 0), CKR_OK);
	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 222), CKR_OK);
	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 223),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 190), CKR_OK);
	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 191),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(k->rsa, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA1, 32),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(k->rsa, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 32),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(k->ec, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32),
			 CKR_KEY_TYPE_INCONSISTENT);
}

static void
roundtrip(EVP_PKEY *pk, CK_MECHANISM *m, const unsigned char *data, size_t len)
{
	struct cc_sign_ctx c;
	unsigned char sig[512];
	CK_ULONG siglen = 0;

	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(m->mechanism), m, pk), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, data, len), CKR_OK);
	assert_int_equal(cc_sign_ctx_sign(&c, sig, &siglen), CKR_OK);
	assert_int_equal(siglen, cc_sign_ctx_siglen(&c));
	cc_sign_ctx_clear(&c);
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(m->mechanism), m, pk), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, data, len), CKR_OK);
	assert_int_equal(cc_sign_ctx_verify(&c, sig, siglen), CKR_OK);
	cc_sign_ctx_clear(&c);
	sig[0] ^= 0x80;
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(m->mechanism), m, pk), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, data, len), CKR_OK);
	assert_int_equal(cc_sign_ctx_verify(&c, sig, siglen), CKR_SIGNATURE_INVALID);
	cc_sign_ctx_clear(&c);
	assert_int_equal(ERR_peek_error(), 0);
}

static void
test_roundtrips(void **state)
{
	struct keys *k = *state;
	unsigned char h32[32] = { 7 }, h64[64] = { 9 };
	CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	const CK_MECHANISM_TYPE hashed_rsa[] = { CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
						 CKM_SHA512_RSA_PKCS };
	size_t i;

	roundtrip(k->rsa, &m, h32, sizeof(h32));
	for (i = 0; i < 3; i++) {
		m.mechanism = hashed_rsa[i];
		roundtrip(k->rsa, &m, (const unsigned char *)"data", 4);
	}
	m = (CK_MECHANISM){ CKM_RSA_PKCS_PSS, &pp, sizeof(pp) };
	roundtrip(k->rsa, &m, h32, sizeof(h32));
	m.mechanism = CKM_SHA256_RSA_PKCS_PSS;
	roundtrip(k->rsa, &m, (const unsigned char *)"data", 4);
	m = (CK_MECHANISM){ CKM_ECDSA, NULL, 0 };
	roundtrip(k->ec, &m, h32, sizeof(h32));
	roundtrip(k->ec, &m, h64, sizeof(h64));
	m.mechanism = CKM_ECDSA_SHA256;
	roundtrip(k->ec, &m, (const unsigned char *)"data", 4);
}

static void
test_raw_limits(void **state)
{
	struct keys *k = *state;
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	unsigned char big[CC_RAW_INPUT_MAX + 1] = { 0 }, sig[256];
	CK_ULONG siglen;
	struct cc_sign_ctx c;

	/* PKCS#1 v1.5 needs 11 bytes of padding: 245 bytes fit a 2048-bit key, 246 do not. */
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(CKM_RSA_PKCS), &m, k->rsa), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, big, 246), CKR_OK);
	assert_int_equal(cc_sign_ctx_sign(&c, sig, &siglen), CKR_DATA_LEN_RANGE);
	cc_sign_ctx_clear(&c);
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(CKM_RSA_PKCS), &m, k->rsa), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, big, 245), CKR_OK);
	assert_int_equal(cc_sign_ctx_sign(&c, sig, &siglen), CKR_OK);
	cc_sign_ctx_clear(&c);
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(CKM_RSA_PKCS), &m, k->rsa), CKR_OK);
	assert_int_equal(cc_sign_ctx_update(&c, big, sizeof(big)), CKR_DATA_LEN_RANGE);
	cc_sign_ctx_clear(&c);
	/* ECDSA needs some input. */
	m.mechanism = CKM_ECDSA;
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(CKM_ECDSA), &m, k->ec), CKR_OK);
	assert_int_equal(cc_sign_ctx_sign(&c, sig, &siglen), CKR_DATA_LEN_RANGE);
	cc_sign_ctx_clear(&c);
	assert_int_equal(cc_sign_ctx_init(&c, NULL, cc_mech_find(CKM_ECDSA), &m, k->rsa),
			 CKR_KEY_TYPE_INCONSISTENT);
	cc_sign_ctx_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_pss_params),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_raw_limits),
	};

	return cmocka_run_group_tests_name("mech", tests, group_setup, group_teardown);
}
