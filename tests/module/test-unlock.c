/*
 * Self-service unlock on the card side (pkcs11/CARD-FORMAT.md): the SO
 * gives the card the CA's unblock key and the module seals the card key to
 * it; a locked card makes an ephemeral key without a login; a response
 * signed by the unblock key and wrapping the card key to that ephemeral
 * key logs the SO in once (C_Login(CKU_SO, response)), C_InitPIN sets the
 * new passcode. The test plays the CA with OpenSSL: it holds the unblock
 * private key, as the HSM does.
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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pkcs11/unlock.h"
#include "tests/module/fixture.h"

#define PIN(s) (CK_UTF8CHAR_PTR)(s), strlen(s)
#define NEW_PIN "5678"

struct ufx {
	struct fx *fx;
	EVP_PKEY *unblock;		/* the CA's unblock key pair (the HSM's, in real life) */
	unsigned char k[32];		/* the card key, as the CA's HSM would unwrap it */
};

static const CK_BBOOL yes = CK_TRUE;

/* The template of a public key object made from @pk, with @label. */
static CK_OBJECT_HANDLE
create_pubkey(struct fx *fx, CK_SESSION_HANDLE s, EVP_PKEY *pk, const char *label, CK_RV want)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char nb[512], eb[8];
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	int nl, el;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	nl = BN_bn2bin(n, nb);
	el = BN_bn2bin(e, eb);
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_TOKEN, (void *)&yes, sizeof(yes) },
			{ CKA_LABEL, (void *)label, strlen(label) },
			{ CKA_MODULUS, nb, (CK_ULONG)nl },
			{ CKA_PUBLIC_EXPONENT, eb, (CK_ULONG)el },
		};

		assert_int_equal(fx->p11->C_CreateObject(s, t, 6, &h), want);
	}
	BN_free(n);
	BN_free(e);
	return h;
}

static CK_OBJECT_HANDLE
find_unblock(struct fx *fx, CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t = { CKA_LABEL, (void *)CC_UNLOCK_KEY_LABEL, strlen(CC_UNLOCK_KEY_LABEL) };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	assert_int_equal(fx->p11->C_FindObjectsInit(s, &t, 1), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjects(s, &h, 1, &n), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjectsFinal(s), CKR_OK);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

static void
oaep(EVP_PKEY *pk, bool enc, const unsigned char *in, size_t inlen, unsigned char *out,
     size_t *outlen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);

	assert_non_null(c);
	assert_int_equal(enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA1", NULL), 1);
	assert_int_equal(enc ? EVP_PKEY_encrypt(c, out, outlen, in, inlen)
			     : EVP_PKEY_decrypt(c, out, outlen, in, inlen), 1);
	EVP_PKEY_CTX_free(c);
}

/* Personalise, then (as the SO) give the card the unblock key and learn K like the HSM. */
static int
setup(void **state)
{
	struct ufx *u = calloc(1, sizeof(*u));
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *sealed;
	CK_ULONG len;
	unsigned char plain[256];
	size_t klen = sizeof(plain);

	u->fx = fx_new_policy(NULL, "passcode: { min-length: 4, max-length: 8, max-tries: 3 }\n");
	fx_card_insert(u->fx, 0, FX_SERIAL_A);
	assert_int_equal(u->fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(u->fx, 0, "Unlock card");
	u->unblock = fx_rsa_key(0);
	s = fx_open(u->fx, 0, false);
	assert_int_equal(u->fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	h = create_pubkey(u->fx, s, u->unblock, CC_UNLOCK_KEY_LABEL, CKR_OK);
	sealed = fx_attr(u->fx, s, h, CKA_CC_SEALED_CARD_KEY, &len);
	assert_int_equal(len, 256);
	oaep(u->unblock, false, sealed, len, plain, &klen);
	assert_int_equal(klen, 32);
	memcpy(u->k, plain, sizeof(u->k));
	free(sealed);
	assert_int_equal(u->fx->p11->C_Logout(s), CKR_OK);
	assert_int_equal(u->fx->p11->C_CloseSession(s), CKR_OK);
	*state = u;
	return 0;
}

static int
teardown(void **state)
{
	struct ufx *u = *state;

	EVP_PKEY_free(u->unblock);
	fx_free(u->fx);
	free(u);
	return 0;
}

static void
lock_card(struct fx *fx)
{
	CK_SESSION_HANDLE s = fx_open(fx, 0, false);

	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0001")), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN("0002")), CKR_PIN_LOCKED);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_PIN_LOCKED);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

/* The request's ephemeral pair, made on the card without a login. */
static CK_OBJECT_HANDLE
ephemeral(struct fx *fx, CK_SESSION_HANDLE s, const char *label, CK_BBOOL token, CK_RV want)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;

	assert_int_equal(fx->p11->C_GenerateKeyPair(s, &m, pub, 3, priv, 2, &hpub, &hpriv), want);
	return hpub;
}

/*
 * What the CA sends: MAGIC || len || OAEP(@k) to the ephemeral key || len ||
 * signature by @signer over the tbs. *len gets the size.
 */
static unsigned char *
response(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE eph, EVP_PKEY *signer,
	 const unsigned char k[32], size_t *len)
{
	EVP_PKEY *pk = fx_pubkey(fx, s, eph);
	unsigned char w[512], sig[512], *spki = NULL, *tbs = NULL, *out;
	size_t wlen = sizeof(w), siglen = sizeof(sig), tbslen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int spkilen;

	oaep(pk, true, k, 32, w, &wlen);
	assert_true((spkilen = i2d_PUBKEY(pk, &spki)) > 0);
	assert_int_equal(cc_unlock_tbs(FX_SERIAL_A, spki, (size_t)spkilen, w, wlen, &tbs, &tbslen),
			 CKR_OK);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, signer), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, tbs, tbslen), 1);
	assert_non_null(out = malloc(CC_UNLOCK_MAGIC_LEN + 4 + wlen + siglen));
	memcpy(out, CC_UNLOCK_MAGIC, CC_UNLOCK_MAGIC_LEN);
	out[8] = (unsigned char)(wlen >> 8);
	out[9] = (unsigned char)wlen;
	memcpy(out + 10, w, wlen);
	out[10 + wlen] = (unsigned char)(siglen >> 8);
	out[11 + wlen] = (unsigned char)siglen;
	memcpy(out + 12 + wlen, sig, siglen);
	*len = 12 + wlen + siglen;
	EVP_MD_CTX_free(md);
	OPENSSL_free(spki);
	free(tbs);
	EVP_PKEY_free(pk);
	return out;
}

static void
test_unlock_once(void **state)
{
	struct ufx *u = *state;
	struct fx *fx = u->fx;
	CK_SESSION_HANDLE s, s2;
	CK_OBJECT_HANDLE eph;
	unsigned char *r, *r2;
	size_t rlen, r2len;

	lock_card(fx);
	s = fx_open(fx, 0, false);
	eph = ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r = response(fx, s, eph, u->unblock, u->k, &rlen);
	/* As for any SO login, no read-only session may be open; that costs no key. */
	assert_int_equal(fx->p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_SESSION_READ_ONLY_EXISTS);
	assert_int_equal(fx->p11->C_CloseSession(s2), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_OK);
	/* The ephemeral pair is gone with its use. */
	assert_int_equal(fx->p11->C_GetAttributeValue(s, eph, NULL, 0), CKR_OBJECT_HANDLE_INVALID);
	/* An unlock login cannot change the unblock key... */
	create_pubkey(fx, s, u->unblock, CC_UNLOCK_KEY_LABEL, CKR_USER_NOT_LOGGED_IN);
	/* ...but sets the new passcode. */
	assert_int_equal(fx->p11->C_InitPIN(s, PIN(NEW_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(NEW_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	/* Replayed in the same session (its key is gone): refused. */
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	/* Replayed to a new request's key: the signature names the old key. */
	s2 = fx_open(fx, 0, false);
	ephemeral(fx, s2, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	assert_int_equal(fx->p11->C_Login(s2, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	/* And that key was spent by the refusal: even its own right response fails now. */
	eph = ephemeral(fx, s2, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r2 = response(fx, s2, eph, u->unblock, u->k, &r2len);
	assert_int_equal(fx->p11->C_Login(s2, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	assert_int_equal(fx->p11->C_Login(s2, CKU_SO, r2, r2len), CKR_PIN_INCORRECT);
	assert_true(fx_log_contains(fx, "SO logged in by a self-service unlock response"));
	free(r);
	free(r2);
	assert_int_equal(fx->p11->C_CloseSession(s2), CKR_OK);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

static void
test_forged_responses(void **state)
{
	struct ufx *u = *state;
	struct fx *fx = u->fx;
	EVP_PKEY *other = fx_rsa_key(1);
	unsigned char wrong[32], *r;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE eph;
	size_t rlen;

	assert_non_null(other);
	lock_card(fx);
	s = fx_open(fx, 0, false);
	/* Signed by another key (someone who knows K but is not the CA). */
	eph = ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r = response(fx, s, eph, other, u->k, &rlen);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	free(r);
	/* Signed by the CA, but not this card's key. */
	assert_int_equal(RAND_bytes(wrong, sizeof(wrong)), 1);
	eph = ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r = response(fx, s, eph, u->unblock, wrong, &rlen);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	free(r);
	/* Truncated and padded responses. */
	eph = ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r = response(fx, s, eph, u->unblock, u->k, &rlen);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen - 1), CKR_PIN_INCORRECT);
	free(r);
	/* Still locked, and the SO secret still works (no SO try was spent). */
	assert_int_equal(fx->p11->C_Login(s, CKU_USER, PIN(FX_PIN)), CKR_PIN_LOCKED);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	/* Only the labelled session pair is allowed without a login. */
	ephemeral(fx, s, "something else", CK_FALSE, CKR_USER_NOT_LOGGED_IN);
	ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_TRUE, CKR_USER_NOT_LOGGED_IN);
	EVP_PKEY_free(other);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

static void
test_unblock_key_protected(void **state)
{
	struct ufx *u = *state;
	struct fx *fx = u->fx;
	CK_SESSION_HANDLE s = fx_open(fx, 0, true);
	CK_OBJECT_HANDLE h = find_unblock(fx, s), mine;
	EVP_PKEY *other = fx_rsa_key(2);
	CK_ATTRIBUTE lab = { CKA_LABEL, (void *)CC_UNLOCK_KEY_LABEL, strlen(CC_UNLOCK_KEY_LABEL) };
	unsigned char junk[4] = { 0 };
	CK_ATTRIBUTE sealed = { CKA_CC_SEALED_CARD_KEY, junk, sizeof(junk) };

	assert_int_not_equal(h, CK_INVALID_HANDLE);
	/* The holder can neither replace, change nor remove it. */
	create_pubkey(fx, s, other, CC_UNLOCK_KEY_LABEL, CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(fx->p11->C_DestroyObject(s, h), CKR_ACTION_PROHIBITED);
	assert_int_equal(fx->p11->C_SetAttributeValue(s, h, &sealed, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	mine = create_pubkey(fx, s, other, "mine", CKR_OK);
	assert_int_equal(fx->p11->C_SetAttributeValue(s, mine, &lab, 1),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	/* The SO cannot add a second one; the sealed key is never a template's. */
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, PIN(FX_SO_PIN)), CKR_OK);
	create_pubkey(fx, s, other, CC_UNLOCK_KEY_LABEL, CKR_ACTION_PROHIBITED);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	/* It is on the card: still there for another process (a fresh initialisation). */
	assert_int_equal(fx->p11->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	s = fx_open(fx, 0, false);
	assert_int_not_equal(find_unblock(fx, s), CK_INVALID_HANDLE);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
	EVP_PKEY_free(other);
}

/* A card personalised without the unblock key (before this change) cannot self-unlock. */
static void
test_old_card_refused(void **state)
{
	struct ufx *u = *state;
	struct fx *fx = u->fx;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE eph;
	unsigned char *r;
	size_t rlen;

	fx_personalise(fx, 0, "Old card");	/* C_InitToken: a new card key, no unblock key */
	lock_card(fx);
	s = fx_open(fx, 0, false);
	assert_int_equal(find_unblock(fx, s), CK_INVALID_HANDLE);
	eph = ephemeral(fx, s, CC_UNLOCK_EPHEMERAL_LABEL, CK_FALSE, CKR_OK);
	r = response(fx, s, eph, u->unblock, u->k, &rlen);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, r, rlen), CKR_PIN_INCORRECT);
	assert_true(fx_log_contains(fx, "has no unblock key"));
	free(r);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unlock_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_responses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unblock_key_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_card_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("unlock", tests, NULL, NULL);
}
