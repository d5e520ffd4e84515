/*
 * ca/signer-unblock.c: the HSM half of self-service unlock (ca/README.md,
 * "Self-service unlock"). The unblock key is an RSA-2048 pair on the CA's
 * token: the card key of every card personalised since is sealed to its
 * public half (by the card module, RSA-OAEP); its private half unwraps a
 * sealed card key *inside the token* into a session secret that only
 * C_WrapKey can take out, re-wrapped to the ephemeral key the card made for
 * this request, and signs the response. No card key is ever in this
 * process in the clear.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/core/signer-int.h"
#include "ca/core/signer-unblock.h"
#include "common/log.h"

#define TBS_PREFIX "carecard unlock v1"
#define RESP_MAGIC "CCUNLK01"

static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

/* SoftHSM2 takes OAEP with SHA-1 / MGF1-SHA-1 and no label for C_WrapKey / C_UnwrapKey. */
static CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0 };

int
ca_signer_unblock_ensure(struct ca_signer *s, const char *label, unsigned char id)
{
	CK_BYTE exp[] = { 0x01, 0x00, 0x01 };
	CK_ULONG bits = 2048;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_VERIFY, &ck_true, sizeof(ck_true) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, &id, 1 },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, exp, sizeof(exp) },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
		{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
		{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
		{ CKA_SIGN, &ck_true, sizeof(ck_true) },
		{ CKA_UNWRAP, &ck_true, sizeof(ck_true) },
		{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, &id, 1 },
	};
	CK_RV rv;
	int r;

	if (!s->logged_in)
		return CA_ERR_STATE;
	if ((r = ca_signer_find(s, CKO_PRIVATE_KEY, label, &priv)) != CA_ERR_NOT_FOUND)
		return r;	/* CA_OK: there already (init, or an earlier upgrade) */
	rv = s->fl->C_GenerateKeyPair(s->session, &mech, pubt, 6, privt,
				      sizeof(privt) / sizeof(privt[0]), &pub, &priv);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_GenerateKeyPair(unblock)", rv);
	util_log(LOG_NOTICE, "HSM: generated the self-service unblock key '%s'", label);
	return CA_OK;
}

int
ca_signer_unblock_public(struct ca_signer *s, const char *label, EVP_PKEY **out)
{
	return ca_signer_read_public(s, label, CA_KEY_RSA2048, out);
}

int
ca_rsa_public_bytes(EVP_PKEY *pk, struct ca_rsa_public *out)
{
	BIGNUM *n = NULL, *e = NULL;
	int r = CA_ERR_CRYPTO;

	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    BN_num_bytes(n) > (int)sizeof(out->n) || BN_num_bytes(e) > (int)sizeof(out->e))
		goto out;
	out->nlen = (unsigned long)BN_bn2bin(n, out->n);
	out->elen = (unsigned long)BN_bn2bin(e, out->e);
	r = CA_OK;
out:
	BN_free(n);
	BN_free(e);
	return r;
}

/* A session public key object of RSA key @pk, usable to wrap. */
static int
import_wrapping_key(struct ca_signer *s, EVP_PKEY *pk, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS klass = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	struct ca_rsa_public k;
	CK_RV rv;

	if (!EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_get_bits(pk) < 2048 ||
	    EVP_PKEY_get_bits(pk) > 4096 || ca_rsa_public_bytes(pk, &k) != CA_OK)
		return CA_ERR_INPUT;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &klass, sizeof(klass) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_TOKEN, &ck_false, sizeof(ck_false) },
			{ CKA_WRAP, &ck_true, sizeof(ck_true) },
			{ CKA_MODULUS, k.n, k.nlen },
			{ CKA_PUBLIC_EXPONENT, k.e, k.elen },
		};

		if ((rv = s->fl->C_CreateObject(s->session, t, 6, out)) != CKR_OK)
			return ca_signer_ck_fail("C_CreateObject(ephemeral key)", rv);
	}
	return CA_OK;
}

/* Unwrap @sealed with the unblock key into a session secret, and wrap it to @wrapping. */
static int
rewrap(struct ca_signer *s, CK_OBJECT_HANDLE unblock, const unsigned char *sealed, size_t slen,
       CK_OBJECT_HANDLE wrapping, unsigned char *out, CK_ULONG *outlen)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep) };
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	/* Sensitive (no C_GetAttributeValue of CKA_VALUE), extractable only by wrapping. */
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &klass, sizeof(klass) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &ck_false, sizeof(ck_false) },
		{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
		{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
		{ CKA_EXTRACTABLE, &ck_true, sizeof(ck_true) },
	};
	CK_RV rv;
	int r = CA_OK;

	rv = s->fl->C_UnwrapKey(s->session, &m, unblock, (CK_BYTE_PTR)sealed, slen, t, 6, &k);
	if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID ||
	    rv == CKR_WRAPPED_KEY_LEN_RANGE) {
		util_log(LOG_ERR, "HSM: the sealed card key does not open with the unblock key");
		return CA_ERR_STATE;
	}
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_UnwrapKey(card key)", rv);
	if ((rv = s->fl->C_WrapKey(s->session, &m, wrapping, k, out, outlen)) != CKR_OK)
		r = ca_signer_ck_fail("C_WrapKey(card key)", rv);
	s->fl->C_DestroyObject(s->session, k);
	return r;
}

static int
sign_tbs(struct ca_signer *s, CK_OBJECT_HANDLE unblock, const char *serial, EVP_PKEY *eph,
	 const unsigned char *w, size_t wlen, unsigned char *sig, CK_ULONG *siglen)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	size_t plen = strlen(TBS_PREFIX), slen = strlen(serial), n = plen + slen + 32 + wlen;
	unsigned char *tbs = NULL, *spki = NULL;
	unsigned int hl = 0;
	int spkilen, r = CA_ERR_CRYPTO;
	CK_RV rv;

	if ((tbs = malloc(n)) == NULL)
		return CA_ERR_ALLOC;
	if ((spkilen = i2d_PUBKEY(eph, &spki)) <= 0)
		goto out;
	memcpy(tbs, TBS_PREFIX, plen);
	memcpy(tbs + plen, serial, slen);
	if (EVP_Digest(spki, (size_t)spkilen, tbs + plen + slen, &hl, EVP_sha256(), NULL) != 1)
		goto out;
	memcpy(tbs + plen + slen + 32, w, wlen);
	if ((rv = s->fl->C_SignInit(s->session, &m, unblock)) != CKR_OK ||
	    (rv = s->fl->C_Sign(s->session, tbs, n, sig, siglen)) != CKR_OK) {
		r = ca_signer_ck_fail("C_Sign(unlock response)", rv);
		goto out;
	}
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	OPENSSL_free(spki);
	free(tbs);
	return r;
}

int
ca_signer_unblock_respond(struct ca_signer *s, const char *label, const char *serial,
			  const unsigned char *sealed, size_t slen, EVP_PKEY *eph,
			  unsigned char **out, size_t *outlen)
{
	CK_OBJECT_HANDLE unblock, wrapping = CK_INVALID_HANDLE;
	unsigned char w[512], sig[512], *resp = NULL;
	CK_ULONG wlen = sizeof(w), siglen = sizeof(sig);
	int r;

	if (!s->logged_in)
		return CA_ERR_STATE;
	if ((r = ca_signer_find(s, CKO_PRIVATE_KEY, label, &unblock)) != CA_OK)
		return r;
	if ((r = import_wrapping_key(s, eph, &wrapping)) != CA_OK)
		return r;
	if ((r = rewrap(s, unblock, sealed, slen, wrapping, w, &wlen)) != CA_OK ||
	    (r = sign_tbs(s, unblock, serial, eph, w, wlen, sig, &siglen)) != CA_OK)
		goto out;
	if ((resp = malloc(8 + 4 + wlen + siglen)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	/* MAGIC || len(2) || wrapped || len(2) || signature (pkcs11/CARD-FORMAT.md). */
	memcpy(resp, RESP_MAGIC, 8);
	resp[8] = (unsigned char)(wlen >> 8);
	resp[9] = (unsigned char)wlen;
	memcpy(resp + 10, w, wlen);
	resp[10 + wlen] = (unsigned char)(siglen >> 8);
	resp[11 + wlen] = (unsigned char)siglen;
	memcpy(resp + 12 + wlen, sig, siglen);
	*out = resp;
	*outlen = 12 + wlen + siglen;
	r = CA_OK;
out:
	s->fl->C_DestroyObject(s->session, wrapping);
	return r;
}

int
ca_signer_unblock_code_mac(struct ca_signer *s, const char *label, const void *data, size_t len,
			   unsigned char mac[32])
{
	CK_OBJECT_HANDLE h;
	int r;

	if (!s->logged_in)
		return CA_ERR_STATE;
	/* Made on first use: a CA initialised before self-service unlock has none yet. */
	if ((r = ca_signer_find(s, CKO_SECRET_KEY, label, &h)) == CA_ERR_NOT_FOUND)
		r = ca_signer_secret_generate(s, label);
	if (r != CA_OK)
		return r;
	return ca_signer_hmac(s, label, data, len, mac);
}
