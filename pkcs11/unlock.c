/*
 * unlock.c: the card side of self-service unlock: sealing the card key to
 * the CA's unblock key at personalisation, and opening the CA's response
 * with the request's ephemeral key (pkcs11/CARD-FORMAT.md).
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "pkcs11/unlock.h"

#define TBS_PREFIX "carecard unlock v1"
#define TBS_PREFIX_LEN (sizeof(TBS_PREFIX) - 1)

bool
cc_unlock_label_is(const void *label, CK_ULONG len, const char *want)
{
	return label != NULL && len == strlen(want) && memcmp(label, want, len) == 0;
}

bool
cc_unlock_is_response(const unsigned char *pin, CK_ULONG len)
{
	return pin != NULL && len > CC_UNLOCK_MAGIC_LEN && len <= CC_UNLOCK_MAX_LEN &&
	       memcmp(pin, CC_UNLOCK_MAGIC, CC_UNLOCK_MAGIC_LEN) == 0;
}

/* An RSA-OAEP (SHA-1 / MGF1-SHA-1) context on @pk for encryption or decryption. */
static EVP_PKEY_CTX *
oaep_ctx(OSSL_LIB_CTX *libctx, EVP_PKEY *pk, bool enc)
{
	EVP_PKEY_CTX *c;

	if (!EVP_PKEY_is_a(pk, "RSA"))
		return NULL;
	if ((c = EVP_PKEY_CTX_new_from_pkey(libctx, pk, NULL)) == NULL)
		return NULL;
	if ((enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA1", NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, "SHA1", NULL) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

CK_RV
cc_unlock_seal(OSSL_LIB_CTX *libctx, EVP_PKEY *unblock, const struct cc_card_key *key,
	       unsigned char **out, size_t *outlen)
{
	EVP_PKEY_CTX *c = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (!EVP_PKEY_is_a(unblock, "RSA") || EVP_PKEY_get_bits(unblock) < 2048)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((c = oaep_ctx(libctx, unblock, true)) == NULL ||
	    EVP_PKEY_encrypt(c, NULL, &len, key->k, sizeof(key->k)) != 1)
		goto out;
	if ((buf = malloc(len)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (EVP_PKEY_encrypt(c, buf, &len, key->k, sizeof(key->k)) != 1)
		goto out;
	*out = buf;
	*outlen = len;
	buf = NULL;
	rv = CKR_OK;
out:
	if (rv == CKR_FUNCTION_FAILED)
		util_log_ossl_errors(__func__);
	free(buf);
	EVP_PKEY_CTX_free(c);
	return rv;
}

CK_RV
cc_unlock_tbs(const char *serial, const unsigned char *spki, size_t spkilen,
	      const unsigned char *wrapped, size_t wlen, unsigned char **out, size_t *outlen)
{
	size_t slen = strlen(serial), n = TBS_PREFIX_LEN + slen + 32 + wlen;
	unsigned char *buf;
	unsigned int hl = 0;

	if ((buf = malloc(n)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(buf, TBS_PREFIX, TBS_PREFIX_LEN);
	memcpy(buf + TBS_PREFIX_LEN, serial, slen);
	if (EVP_Digest(spki, spkilen, buf + TBS_PREFIX_LEN + slen, &hl, EVP_sha256(), NULL) != 1 ||
	    hl != 32) {
		util_log_ossl_errors(__func__);
		free(buf);
		return CKR_FUNCTION_FAILED;
	}
	memcpy(buf + TBS_PREFIX_LEN + slen + 32, wrapped, wlen);
	*out = buf;
	*outlen = n;
	return CKR_OK;
}

/* Split MAGIC || len(2) || wrapped || len(2) || sig, nothing after. */
static bool
split(const unsigned char *resp, size_t len, const unsigned char **w, size_t *wlen,
      const unsigned char **sig, size_t *siglen)
{
	const unsigned char *p = resp + CC_UNLOCK_MAGIC_LEN, *end = resp + len;

	if (len < CC_UNLOCK_MAGIC_LEN + 4 || end - p < 2)
		return false;
	*wlen = (size_t)p[0] << 8 | p[1];
	p += 2;
	if ((size_t)(end - p) < *wlen + 2)
		return false;
	*w = p;
	p += *wlen;
	*siglen = (size_t)p[0] << 8 | p[1];
	p += 2;
	if ((size_t)(end - p) != *siglen || *wlen == 0 || *siglen == 0)
		return false;
	*sig = p;
	return true;
}

static CK_RV
verify(OSSL_LIB_CTX *libctx, EVP_PKEY *ephemeral, EVP_PKEY *unblock, const char *serial,
       const unsigned char *w, size_t wlen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *spki = NULL, *tbs = NULL;
	size_t tbslen = 0;
	int spkilen;
	CK_RV rv = CKR_PIN_INCORRECT;

	if ((spkilen = i2d_PUBKEY(ephemeral, &spki)) <= 0) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	if ((rv = cc_unlock_tbs(serial, spki, (size_t)spkilen, w, wlen, &tbs, &tbslen)) != CKR_OK)
		goto out;
	rv = CKR_PIN_INCORRECT;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", libctx, NULL, unblock, NULL) != 1 ||
	    EVP_DigestVerify(md, sig, siglen, tbs, tbslen) != 1)
		goto out;
	rv = CKR_OK;
out:
	ERR_clear_error();	/* a bad signature is the caller's, not ours */
	EVP_MD_CTX_free(md);
	OPENSSL_free(spki);
	free(tbs);
	return rv;
}

CK_RV
cc_unlock_open(OSSL_LIB_CTX *libctx, EVP_PKEY *ephemeral, EVP_PKEY *unblock, const char *serial,
	       const unsigned char *resp, size_t len, struct cc_card_key *key)
{
	const unsigned char *w, *sig;
	size_t wlen, siglen, outlen = 0;
	unsigned char *plain = NULL;
	EVP_PKEY_CTX *c = NULL;
	CK_RV rv = CKR_PIN_INCORRECT;

	if (!cc_unlock_is_response(resp, len) || !split(resp, len, &w, &wlen, &sig, &siglen))
		return CKR_PIN_INCORRECT;
	if ((rv = verify(libctx, ephemeral, unblock, serial, w, wlen, sig, siglen)) != CKR_OK)
		return rv;
	rv = CKR_PIN_INCORRECT;
	if ((c = oaep_ctx(libctx, ephemeral, false)) == NULL ||
	    EVP_PKEY_decrypt(c, NULL, &outlen, w, wlen) != 1 ||
	    (plain = OPENSSL_malloc(outlen)) == NULL ||
	    EVP_PKEY_decrypt(c, plain, &outlen, w, wlen) != 1 || outlen != sizeof(key->k))
		goto out;
	memcpy(key->k, plain, sizeof(key->k));
	rv = CKR_OK;
out:
	ERR_clear_error();
	OPENSSL_clear_free(plain, outlen);
	EVP_PKEY_CTX_free(c);
	return rv;
}
