/*
 * Signing, verification and digests for every advertised mechanism, each
 * signature also checked by OpenSSL against the public key; operation
 * lifetime rules (size query keeps the operation, anything else ends it);
 * CKA_ALWAYS_AUTHENTICATE with CKU_CONTEXT_SPECIFIC.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)

static const CK_BYTE msg[] = "an electronic prescription, signed";

struct sfx {
	struct fx *fx;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE rsa_pub, rsa_priv, ec_pub, ec_priv, ec3_pub, ec3_priv;
	EVP_PKEY *rsa, *ec, *ec3;	/* OpenSSL's view of the public keys */
};

static int
setup_with(void **state, const char *yaml)
{
	struct sfx *f = calloc(1, sizeof(*f));
	/* the card of the first set-up with this configuration, again (fx_card_save) */
	const char *snap = yaml != NULL ? yaml : "signer";
	bool again;

	f->fx = fx_new(yaml);
	if (!(again = fx_card_restore(f->fx, 0, FX_SERIAL_A, snap)))
		fx_card_insert(f->fx, 0, FX_SERIAL_A);
	assert_int_equal(f->fx->p11->C_Initialize(NULL), CKR_OK);
	if (!again)
		fx_personalise(f->fx, 0, "Signer");
	f->s = fx_open(f->fx, 0, true);
	if (again) {
		f->rsa_pub = fx_find(f->fx, f->s, CKO_PUBLIC_KEY, "01");
		f->rsa_priv = fx_find(f->fx, f->s, CKO_PRIVATE_KEY, "01");
		f->ec_pub = fx_find(f->fx, f->s, CKO_PUBLIC_KEY, "02");
		f->ec_priv = fx_find(f->fx, f->s, CKO_PRIVATE_KEY, "02");
		f->ec3_pub = fx_find(f->fx, f->s, CKO_PUBLIC_KEY, "03");
		f->ec3_priv = fx_find(f->fx, f->s, CKO_PRIVATE_KEY, "03");
	} else {
		fx_gen_rsa(f->fx, f->s, 2048, "01", "Digital Signature", &f->rsa_pub, &f->rsa_priv);
		fx_gen_ec(f->fx, f->s, false, "02", "Authentication", &f->ec_pub, &f->ec_priv);
		fx_gen_ec(f->fx, f->s, true, "03", "Authentication 384", &f->ec3_pub, &f->ec3_priv);
		fx_card_save(f->fx, 0, snap);
	}
	f->rsa = fx_pubkey(f->fx, f->s, f->rsa_pub);
	f->ec = fx_pubkey(f->fx, f->s, f->ec_pub);
	f->ec3 = fx_pubkey(f->fx, f->s, f->ec3_pub);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, NULL);
}

static int
setup_always_auth(void **state)
{
	return setup_with(state, "signing-key-always-authenticate: true\n");
}

static int
teardown(void **state)
{
	struct sfx *f = *state;

	EVP_PKEY_free(f->rsa);
	EVP_PKEY_free(f->ec);
	EVP_PKEY_free(f->ec3);
	fx_free(f->fx);
	free(f);
	return 0;
}

/* Sign @data in one part; returns the signature length. */
static CK_ULONG
sign1(struct sfx *f, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const CK_BYTE *data, CK_ULONG len,
      CK_BYTE *sig)
{
	CK_ULONG siglen = 0;

	assert_int_equal(f->fx->p11->C_SignInit(f->s, m, k), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)data, len, NULL, &siglen), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)data, len, sig, &siglen), CKR_OK);
	return siglen;
}

/* Same in three parts. */
static CK_ULONG
sign3(struct sfx *f, CK_MECHANISM *m, CK_OBJECT_HANDLE k, CK_BYTE *sig)
{
	CK_ULONG siglen = 512;

	assert_int_equal(f->fx->p11->C_SignInit(f->s, m, k), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignUpdate(f->s, (CK_BYTE_PTR)msg, 5), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignUpdate(f->s, (CK_BYTE_PTR)msg + 5, 0), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignUpdate(f->s, (CK_BYTE_PTR)msg + 5, sizeof(msg) - 5), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignFinal(f->s, sig, &siglen), CKR_OK);
	return siglen;
}

static void
verify_module(struct sfx *f, CK_MECHANISM *m, CK_OBJECT_HANDLE pub, const CK_BYTE *data,
	      CK_ULONG len, CK_BYTE *sig, CK_ULONG siglen)
{
	assert_int_equal(f->fx->p11->C_VerifyInit(f->s, m, pub), CKR_OK);
	assert_int_equal(f->fx->p11->C_Verify(f->s, (CK_BYTE_PTR)data, len, sig, siglen), CKR_OK);
	sig[siglen / 2] ^= 0x01;
	assert_int_equal(f->fx->p11->C_VerifyInit(f->s, m, pub), CKR_OK);
	assert_int_equal(f->fx->p11->C_Verify(f->s, (CK_BYTE_PTR)data, len, sig, siglen),
			 CKR_SIGNATURE_INVALID);
	sig[siglen / 2] ^= 0x01;
	assert_int_equal(f->fx->p11->C_VerifyInit(f->s, m, pub), CKR_OK);
	assert_int_equal(f->fx->p11->C_Verify(f->s, (CK_BYTE_PTR)data, len, sig, siglen - 1),
			 CKR_SIGNATURE_LEN_RANGE);
}

/* OpenSSL verification of an RSA signature over @msg (pad: PKCS#1 or PSS with @salt). */
static void
ossl_verify_rsa(EVP_PKEY *pk, const char *md, bool pss, int salt, const CK_BYTE *sig, size_t len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_int_equal(EVP_DigestVerifyInit_ex(c, &pc, md, NULL, NULL, pk, NULL), 1);
	if (pss) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt), 1);
	}
	assert_int_equal(EVP_DigestVerify(c, sig, len, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(c);
}

/* OpenSSL verification of a raw r || s ECDSA signature over @msg. */
static void
ossl_verify_ec(EVP_PKEY *pk, const char *md, const CK_BYTE *sig, size_t len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int dlen;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)len / 2, NULL),
					BN_bin2bn(sig + len / 2, (int)len / 2, NULL)), 1);
	assert_true((dlen = i2d_ECDSA_SIG(es, &der)) > 0);
	assert_int_equal(EVP_DigestVerifyInit_ex(c, NULL, md, NULL, NULL, pk, NULL), 1);
	assert_int_equal(EVP_DigestVerify(c, der, (size_t)dlen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(c);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
}

static void
test_rsa_pkcs(void **state)
{
	struct sfx *f = *state;
	const struct { CK_MECHANISM_TYPE m; const char *md; } hs[] = {
		{ CKM_SHA256_RSA_PKCS, "SHA256" },
		{ CKM_SHA384_RSA_PKCS, "SHA384" },
		{ CKM_SHA512_RSA_PKCS, "SHA512" },
	};
	/* DigestInfo prefix for SHA-256 (RFC 8017 section 9.2 note 1). */
	static const CK_BYTE prefix[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					  0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	CK_BYTE di[sizeof(prefix) + 32], sig[512];
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_ULONG n;
	size_t i;

	memcpy(di, prefix, sizeof(prefix));
	assert_int_equal(EVP_Digest(msg, sizeof(msg), di + sizeof(prefix), NULL, EVP_sha256(), NULL), 1);
	n = sign1(f, &m, f->rsa_priv, di, sizeof(di), sig);
	assert_int_equal(n, 256);
	ossl_verify_rsa(f->rsa, "SHA256", false, 0, sig, n);
	verify_module(f, &m, f->rsa_pub, di, sizeof(di), sig, n);
	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		m.mechanism = hs[i].m;
		n = sign1(f, &m, f->rsa_priv, msg, sizeof(msg), sig);
		ossl_verify_rsa(f->rsa, hs[i].md, false, 0, sig, n);
		verify_module(f, &m, f->rsa_pub, msg, sizeof(msg), sig, n);
		/* Multi-part gives the same (deterministic) signature. */
		{
			CK_BYTE sig2[512];

			assert_int_equal(sign3(f, &m, f->rsa_priv, sig2), n);
			assert_memory_equal(sig, sig2, n);
		}
		assert_int_equal(f->fx->p11->C_VerifyInit(f->s, &m, f->rsa_pub), CKR_OK);
		assert_int_equal(f->fx->p11->C_VerifyUpdate(f->s, (CK_BYTE_PTR)msg, 3), CKR_OK);
		assert_int_equal(f->fx->p11->C_VerifyUpdate(f->s, (CK_BYTE_PTR)msg + 3, sizeof(msg) - 3),
				 CKR_OK);
		assert_int_equal(f->fx->p11->C_VerifyFinal(f->s, sig, n), CKR_OK);
	}
	/* Verification with the private key handle works too. */
	verify_module(f, &m, f->rsa_priv, msg, sizeof(msg), sig, n);
}

static CK_RV
pss_init(struct sfx *f, CK_MECHANISM_TYPE mt, CK_MECHANISM_TYPE hash, CK_ULONG mgf, CK_ULONG salt)
{
	CK_RSA_PKCS_PSS_PARAMS pp = { hash, mgf, salt };
	CK_MECHANISM m = { mt, &pp, sizeof(pp) };

	return f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv);
}

static void
test_rsa_pss(void **state)
{
	struct sfx *f = *state;
	CK_BYTE hash[32], sig[256];
	CK_ULONG salts[] = { 0, 20, 32, 222 }, n;
	CK_MECHANISM bare = { CKM_RSA_PKCS_PSS, NULL, 0 };
	size_t i;

	assert_int_equal(EVP_Digest(msg, sizeof(msg), hash, NULL, EVP_sha256(), NULL), 1);
	/* Any salt length from 0 to emLen - hLen - 2 (222 for RSA-2048 with SHA-256). */
	for (i = 0; i < sizeof(salts) / sizeof(salts[0]); i++) {
		CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, salts[i] };
		CK_MECHANISM m = { CKM_RSA_PKCS_PSS, &pp, sizeof(pp) };

		n = sign1(f, &m, f->rsa_priv, hash, sizeof(hash), sig);
		ossl_verify_rsa(f->rsa, "SHA256", true, (int)salts[i], sig, n);
		verify_module(f, &m, f->rsa_pub, hash, sizeof(hash), sig, n);
		m.mechanism = CKM_SHA256_RSA_PKCS_PSS;
		n = sign3(f, &m, f->rsa_priv, sig);
		ossl_verify_rsa(f->rsa, "SHA256", true, (int)salts[i], sig, n);
	}
	assert_int_equal(pss_init(f, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 223),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(f, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA384, 32),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(f, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(pss_init(f, CKM_RSA_PKCS_PSS, CKM_MD5, CKG_MGF1_SHA256, 32),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &bare, f->rsa_priv), CKR_MECHANISM_PARAM_INVALID);
	/* SHA-384 and SHA-512 variants with their maximum salt. */
	assert_int_equal(pss_init(f, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, 206), CKR_OK);
	n = sizeof(sig);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n), CKR_OK);
	ossl_verify_rsa(f->rsa, "SHA384", true, 206, sig, n);
	assert_int_equal(pss_init(f, CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 64), CKR_OK);
	n = sizeof(sig);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n), CKR_OK);
	ossl_verify_rsa(f->rsa, "SHA512", true, 64, sig, n);
	/* Raw PSS wants exactly one hash of the parameters' algorithm. */
	assert_int_equal(pss_init(f, CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32), CKR_OK);
	n = sizeof(sig);
	assert_int_equal(f->fx->p11->C_Sign(f->s, hash, 31, sig, &n), CKR_DATA_LEN_RANGE);
}

static void
test_ecdsa(void **state)
{
	struct sfx *f = *state;
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_BYTE hash[48], sig[96];
	CK_ULONG n;

	assert_int_equal(EVP_Digest(msg, sizeof(msg), hash, NULL, EVP_sha256(), NULL), 1);
	n = sign1(f, &m, f->ec_priv, hash, 32, sig);
	assert_int_equal(n, 64);	/* raw r || s, not DER */
	ossl_verify_ec(f->ec, "SHA256", sig, n);
	verify_module(f, &m, f->ec_pub, hash, 32, sig, n);
	m.mechanism = CKM_ECDSA_SHA256;
	n = sign1(f, &m, f->ec_priv, msg, sizeof(msg), sig);
	ossl_verify_ec(f->ec, "SHA256", sig, n);
	verify_module(f, &m, f->ec_pub, msg, sizeof(msg), sig, n);
	n = sign3(f, &m, f->ec_priv, sig);
	ossl_verify_ec(f->ec, "SHA256", sig, n);
	m.mechanism = CKM_ECDSA_SHA384;
	n = sign1(f, &m, f->ec3_priv, msg, sizeof(msg), sig);
	assert_int_equal(n, 96);
	ossl_verify_ec(f->ec3, "SHA384", sig, n);
	verify_module(f, &m, f->ec3_pub, msg, sizeof(msg), sig, n);
	assert_int_equal(EVP_Digest(msg, sizeof(msg), hash, NULL, EVP_sha384(), NULL), 1);
	m.mechanism = CKM_ECDSA;
	n = sign1(f, &m, f->ec3_priv, hash, 48, sig);
	ossl_verify_ec(f->ec3, "SHA384", sig, n);
}

/*
 * A session keeps its last prepared signing context for the next operation
 * with the same key and parameters. Alternating keys, digests and PSS salt
 * lengths on one session must never sign with a stale context, and a
 * logout must drop it (the next login builds new keys).
 */
static void
test_context_reuse(void **state)
{
	struct sfx *f = *state;
	CK_RSA_PKCS_PSS_PARAMS p32 = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_RSA_PKCS_PSS_PARAMS p0 = { CKM_SHA256, CKG_MGF1_SHA256, 0 };
	CK_MECHANISM pss32 = { CKM_SHA256_RSA_PKCS_PSS, &p32, sizeof(p32) };
	CK_MECHANISM pss0 = { CKM_SHA256_RSA_PKCS_PSS, &p0, sizeof(p0) };
	CK_MECHANISM sha256 = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM sha384 = { CKM_SHA384_RSA_PKCS, NULL, 0 };
	CK_MECHANISM ec = { CKM_ECDSA_SHA256, NULL, 0 }, ec384 = { CKM_ECDSA_SHA384, NULL, 0 };
	CK_BYTE sig[512];
	CK_ULONG n;
	int round;

	for (round = 0; round < 2; round++) {
		n = sign1(f, &pss32, f->rsa_priv, msg, sizeof(msg), sig);
		ossl_verify_rsa(f->rsa, "SHA256", true, 32, sig, n);
		n = sign1(f, &pss32, f->rsa_priv, msg, sizeof(msg), sig);	/* reused */
		ossl_verify_rsa(f->rsa, "SHA256", true, 32, sig, n);
		n = sign1(f, &pss0, f->rsa_priv, msg, sizeof(msg), sig);
		ossl_verify_rsa(f->rsa, "SHA256", true, 0, sig, n);
		n = sign1(f, &sha256, f->rsa_priv, msg, sizeof(msg), sig);
		ossl_verify_rsa(f->rsa, "SHA256", false, 0, sig, n);
		n = sign1(f, &sha384, f->rsa_priv, msg, sizeof(msg), sig);
		ossl_verify_rsa(f->rsa, "SHA384", false, 0, sig, n);
		n = sign1(f, &ec, f->ec_priv, msg, sizeof(msg), sig);
		ossl_verify_ec(f->ec, "SHA256", sig, n);
		n = sign1(f, &ec, f->ec_priv, msg, sizeof(msg), sig);
		ossl_verify_ec(f->ec, "SHA256", sig, n);
		n = sign1(f, &ec384, f->ec3_priv, msg, sizeof(msg), sig);
		assert_int_equal(n, 96);
		ossl_verify_ec(f->ec3, "SHA384", sig, n);
		/* After a logout the old keys are gone; a new login signs again. */
		assert_int_equal(f->fx->p11->C_Logout(f->s), CKR_OK);
		assert_int_equal(f->fx->p11->C_SignInit(f->s, &ec, f->ec_priv),
				 CKR_KEY_HANDLE_INVALID);
		assert_int_equal(f->fx->p11->C_Login(f->s, CKU_USER, PIN(FX_PIN)), CKR_OK);
	}
	/* A second session has its own context; the first still signs. */
	{
		CK_SESSION_HANDLE s1 = f->s, s2 = fx_open(f->fx, 0, false);

		f->s = s2;
		n = sign1(f, &ec, f->ec_priv, msg, sizeof(msg), sig);
		ossl_verify_ec(f->ec, "SHA256", sig, n);
		assert_int_equal(f->fx->p11->C_CloseSession(s2), CKR_OK);
		f->s = s1;
		n = sign1(f, &ec, f->ec_priv, msg, sizeof(msg), sig);
		ossl_verify_ec(f->ec, "SHA256", sig, n);
	}
}

static void
test_operation_lifetime(void **state)
{
	struct sfx *f = *state;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM raw = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[256], big[300] = { 0 };
	CK_ULONG n = 10;

	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OPERATION_ACTIVE);
	/* Too small: the length comes back and the operation stays. */
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 256);
	n = 0;
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), NULL, &n), CKR_OK);
	assert_int_equal(n, 256);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n), CKR_OK);
	ossl_verify_rsa(f->rsa, "SHA256", false, 0, sig, n);
	/* Success ended it. */
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* An error ends it too. */
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &raw, f->rsa_priv), CKR_OK);
	n = sizeof(sig);
	assert_int_equal(f->fx->p11->C_Sign(f->s, big, 250, sig, &n), CKR_DATA_LEN_RANGE);
	assert_int_equal(f->fx->p11->C_Sign(f->s, big, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	/* C_Sign after C_SignUpdate is refused, and (an error of C_Sign) ends it. */
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignUpdate(f->s, (CK_BYTE_PTR)msg, 4), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, 4, sig, &n), CKR_OPERATION_ACTIVE);
	assert_int_equal(f->fx->p11->C_SignFinal(f->s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_SignUpdate(f->s, (CK_BYTE_PTR)msg, 4), CKR_OK);
	n = 1;
	assert_int_equal(f->fx->p11->C_SignFinal(f->s, sig, &n), CKR_BUFFER_TOO_SMALL);
	n = sizeof(sig);
	assert_int_equal(f->fx->p11->C_SignFinal(f->s, sig, &n), CKR_OK);
	/* Logout ends signing operations. */
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_Logout(f->s), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Private keys are gone before login. */
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_KEY_HANDLE_INVALID);
	assert_true(fx_log_contains(f->fx, "signature (mechanism 0x40): 0x0"));
}

static void
test_key_checks(void **state)
{
	struct sfx *f = *state;
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM ec = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM md5 = { CKM_MD5_RSA_PKCS, NULL, 0 };
	CK_MECHANISM dig = { CKM_SHA256, NULL, 0 };

	assert_int_equal(f->fx->p11->C_SignInit(f->s, &rsa, f->ec_priv), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &ec, f->rsa_priv), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &rsa, f->rsa_pub), CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &md5, f->rsa_priv), CKR_MECHANISM_INVALID);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &dig, f->rsa_priv), CKR_MECHANISM_INVALID);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &rsa, 0x7777), CKR_KEY_HANDLE_INVALID);
	assert_int_equal(f->fx->p11->C_VerifyInit(f->s, &ec, f->rsa_pub), CKR_KEY_TYPE_INCONSISTENT);
}

static void
test_digest(void **state)
{
	struct sfx *f = *state;
	const struct { CK_MECHANISM_TYPE m; const EVP_MD *(*md)(void); } ds[] = {
		{ CKM_SHA256, EVP_sha256 }, { CKM_SHA384, EVP_sha384 }, { CKM_SHA512, EVP_sha512 },
	};
	CK_BYTE out[64], want[64];
	unsigned int wl;
	CK_ULONG n;
	size_t i;

	for (i = 0; i < 3; i++) {
		CK_MECHANISM m = { ds[i].m, NULL, 0 };

		assert_int_equal(EVP_Digest(msg, sizeof(msg), want, &wl, ds[i].md(), NULL), 1);
		assert_int_equal(f->fx->p11->C_DigestInit(f->s, &m), CKR_OK);
		assert_int_equal(f->fx->p11->C_DigestInit(f->s, &m), CKR_OPERATION_ACTIVE);
		n = 0;
		assert_int_equal(f->fx->p11->C_Digest(f->s, (CK_BYTE_PTR)msg, sizeof(msg), NULL, &n), CKR_OK);
		assert_int_equal(n, wl);
		n = 4;
		assert_int_equal(f->fx->p11->C_Digest(f->s, (CK_BYTE_PTR)msg, sizeof(msg), out, &n),
				 CKR_BUFFER_TOO_SMALL);
		n = sizeof(out);
		assert_int_equal(f->fx->p11->C_Digest(f->s, (CK_BYTE_PTR)msg, sizeof(msg), out, &n), CKR_OK);
		assert_memory_equal(out, want, wl);
		assert_int_equal(f->fx->p11->C_DigestInit(f->s, &m), CKR_OK);
		assert_int_equal(f->fx->p11->C_DigestUpdate(f->s, (CK_BYTE_PTR)msg, 7), CKR_OK);
		assert_int_equal(f->fx->p11->C_DigestUpdate(f->s, (CK_BYTE_PTR)msg + 7, sizeof(msg) - 7),
				 CKR_OK);
		n = sizeof(out);
		assert_int_equal(f->fx->p11->C_DigestFinal(f->s, out, &n), CKR_OK);
		assert_memory_equal(out, want, wl);
	}
}

static void
test_mechanism_info(void **state)
{
	struct sfx *f = *state;
	CK_MECHANISM_TYPE list[32];
	CK_MECHANISM_INFO mi;
	CK_ULONG n = 2;

	assert_int_equal(f->fx->p11->C_GetMechanismList(0, list, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	assert_int_equal(f->fx->p11->C_GetMechanismList(0, list, &n), CKR_OK);
	assert_int_equal(f->fx->p11->C_GetMechanismInfo(0, CKM_RSA_PKCS_PSS, &mi), CKR_OK);
	assert_int_equal(mi.ulMinKeySize, 1024);	/* bits */
	assert_int_equal(mi.ulMaxKeySize, 4096);
	assert_true(mi.flags & CKF_SIGN);
	assert_false(mi.flags & CKF_DECRYPT);
	assert_int_equal(f->fx->p11->C_GetMechanismInfo(0, CKM_RSA_PKCS_KEY_PAIR_GEN, &mi), CKR_OK);
	assert_int_equal(mi.ulMinKeySize, 2048);
	assert_int_equal(mi.ulMaxKeySize, 3072);
	assert_int_equal(f->fx->p11->C_GetMechanismInfo(0, CKM_EC_KEY_PAIR_GEN, &mi), CKR_OK);
	assert_int_equal(mi.ulMinKeySize, 256);
	assert_int_equal(mi.ulMaxKeySize, 384);
	assert_true(mi.flags & CKF_EC_NAMEDCURVE);
}

static void
test_random(void **state)
{
	struct sfx *f = *state;
	CK_BYTE a[32] = { 0 }, b[32] = { 0 };

	assert_int_equal(f->fx->p11->C_GenerateRandom(f->s, a, sizeof(a)), CKR_OK);
	assert_int_equal(f->fx->p11->C_GenerateRandom(f->s, b, sizeof(b)), CKR_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(f->fx->p11->C_GenerateRandom(f->s, NULL, 4), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->fx->p11->C_SeedRandom(f->s, a, 4), CKR_RANDOM_SEED_NOT_SUPPORTED);
}

static bool
always_auth(struct sfx *f, CK_OBJECT_HANDLE k)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &b, sizeof(b) };

	assert_int_equal(f->fx->p11->C_GetAttributeValue(f->s, k, &a, 1), CKR_OK);
	return b == CK_TRUE;
}

static void
test_always_authenticate(void **state)
{
	struct sfx *f = *state;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM e = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE sig[256];
	CK_ULONG n = sizeof(sig);

	/* "Digital Signature" is the signing key (label rule); "Authentication" is not. */
	assert_true(always_auth(f, f->rsa_priv));
	assert_false(always_auth(f, f->ec_priv));
	assert_int_equal(f->fx->p11->C_Login(f->s, CKU_CONTEXT_SPECIFIC, PIN(FX_PIN)),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	/* A length query does not use the key: answered before the context login. */
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), NULL, &n), CKR_OK);
	/* Signing without it is refused, and (v2.40 C_Sign) that ends the operation. */
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(f->fx->p11->C_Login(f->s, CKU_CONTEXT_SPECIFIC, PIN(FX_PIN)),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_Login(f->s, CKU_CONTEXT_SPECIFIC, PIN("0000")),
			 CKR_PIN_INCORRECT);
	assert_int_equal(f->fx->p11->C_Login(f->s, CKU_CONTEXT_SPECIFIC, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n), CKR_OK);
	ossl_verify_rsa(f->rsa, "SHA256", false, 0, sig, n);
	/* Each signature needs its own context login. */
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(f->fx->p11->C_SignInit(f->s, &m, f->rsa_priv), CKR_OK);
	assert_int_equal(f->fx->p11->C_Login(f->s, CKU_CONTEXT_SPECIFIC, PIN(FX_PIN)), CKR_OK);
	assert_int_equal(f->fx->p11->C_Sign(f->s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &n), CKR_OK);
	/* Other keys sign without it. */
	n = sizeof(sig);
	assert_int_equal(sign1(f, &e, f->ec_priv, msg, sizeof(msg), sig), 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rsa_pkcs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa_pss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecdsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operation_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mechanism_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_always_authenticate, setup_always_auth, teardown),
	};

	return cmocka_run_group_tests_name("module-sign", tests, NULL, NULL);
}
