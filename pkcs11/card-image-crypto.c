/*
 * card-image-crypto.c: the card key, its wrapped copies, sealed private
 * keys and the content MAC (CARD-FORMAT.md, "Cryptography").
 *
 * All algorithms are fetched from the default library context (NULL): the
 * module passes none to the store, and fetching by name with EVP_*_fetch()
 * keeps the store free of deprecated low-level APIs. Every derived key and
 * plaintext buffer is cleansed before it is released.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-image-int.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define WRAP_AAD_LABEL	"carecard wrap v1"
#define SEAL_INFO	"carecard seal v1"
#define MAC_INFO	"carecard content mac v1"

CK_RV
cc_card_sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	unsigned int n = 0;
	CK_RV rv = CKR_OK;

	if (md == NULL || EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != 32) {
		util_log_ossl_errors(__func__);
		rv = CKR_FUNCTION_FAILED;
	}
	EVP_MD_free(md);
	return rv;
}

/* scrypt(@pin, @salt) -> 32-byte key-encryption key. The slow step of a login. */
static CK_RV
derive_kek(const unsigned char *pin, size_t len, const struct cc_kdf_params *kdf,
	   const unsigned char *salt, unsigned char kek[CC_CARD_KEY_LEN])
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = NULL;
	uint64_t n = kdf->n, r = kdf->r, p = kdf->p;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pin, len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, CC_SALT_LEN),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_END,
	};
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (!cc_kdf_params_valid(kdf))
		return CKR_ARGUMENTS_BAD;
	if (k == NULL || (ctx = EVP_KDF_CTX_new(k)) == NULL ||
	    EVP_KDF_derive(ctx, kek, CC_CARD_KEY_LEN, params) != 1) {
		util_log_ossl_errors(__func__);
		goto out;
	}
	rv = CKR_OK;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(k);
	return rv;
}

/* HKDF-SHA256(card key, @info) -> 32-byte subkey, so each use has its own key. */
static CK_RV
derive_subkey(const struct cc_card_key *key, const char *info, unsigned char out[32])
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key->k,
						  sizeof(key->k)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						  strlen(info)),
		OSSL_PARAM_END,
	};
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (k == NULL || (ctx = EVP_KDF_CTX_new(k)) == NULL ||
	    EVP_KDF_derive(ctx, out, 32, params) != 1) {
		util_log_ossl_errors(__func__);
		goto out;
	}
	rv = CKR_OK;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(k);
	return rv;
}

/*
 * AES-256-GCM one-shot. @enc: encrypt @in into @out and write @tag;
 * otherwise decrypt and check @tag (CKR_ENCRYPTED_DATA_INVALID on mismatch,
 * with the OpenSSL queue emptied: a bad tag is an expected outcome).
 */
static CK_RV
gcm(bool enc, const unsigned char key[32], const unsigned char nonce[CC_NONCE_LEN],
    const unsigned char *aad, size_t aadlen, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char tag[CC_TAG_LEN])
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (c == NULL || ctx == NULL || len > INT32_MAX ||
	    EVP_CipherInit_ex2(ctx, c, key, nonce, enc ? 1 : 0, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1))
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CC_TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1) {
		rv = enc ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CC_TAG_LEN, tag) != 1)
		goto out;
	rv = CKR_OK;
out:
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		ERR_clear_error();
	else if (rv != CKR_OK)
		util_log_ossl_errors(__func__);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return rv;
}

/* AAD for a key slot: binds it to this card, its role and its KDF parameters. */
static size_t
wrap_aad(const char *serial, char role, const struct cc_key_slot *s, unsigned char *aad)
{
	size_t n = 0;
	int i;

	memcpy(aad, WRAP_AAD_LABEL, sizeof(WRAP_AAD_LABEL) - 1);
	n += sizeof(WRAP_AAD_LABEL) - 1;
	memcpy(aad + n, serial, CC_CARD_SERIAL_LEN);
	n += CC_CARD_SERIAL_LEN;
	aad[n++] = (unsigned char)role;
	for (i = 7; i >= 0; i--)
		aad[n++] = (unsigned char)(s->kdf.n >> (8 * i));
	for (i = 3; i >= 0; i--)
		aad[n++] = (unsigned char)(s->kdf.r >> (8 * i));
	for (i = 3; i >= 0; i--)
		aad[n++] = (unsigned char)(s->kdf.p >> (8 * i));
	return n;
}

/* Fill @s with @key wrapped under scrypt(@pin) with a fresh salt and nonce. */
static CK_RV
slot_wrap(const char *serial, char role, struct cc_key_slot *s, const struct cc_card_key *key,
	  const unsigned char *pin, size_t len, const struct cc_kdf_params *kdf)
{
	struct cc_key_slot tmp = { .present = true };
	unsigned char kek[CC_CARD_KEY_LEN], aad[64];
	size_t aadlen;
	CK_RV rv;

	if (kdf == NULL)
		kdf = &cc_kdf_default;
	tmp.kdf = *kdf;
	if (RAND_bytes(tmp.salt, sizeof(tmp.salt)) != 1 ||
	    RAND_bytes(tmp.nonce, sizeof(tmp.nonce)) != 1) {
		util_log_ossl_errors(__func__);
		return CKR_FUNCTION_FAILED;
	}
	if ((rv = derive_kek(pin, len, kdf, tmp.salt, kek)) != CKR_OK)
		goto out;
	aadlen = wrap_aad(serial, role, &tmp, aad);
	rv = gcm(true, kek, tmp.nonce, aad, aadlen, key->k, sizeof(key->k), tmp.wrapped,
		 tmp.tag);
	if (rv == CKR_OK)
		*s = tmp;
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return rv;
}

/* Unwrap @s with @pin: CKR_PIN_INCORRECT when the GCM tag does not verify. */
static CK_RV
slot_unwrap(const char *serial, char role, const struct cc_key_slot *s,
	    const unsigned char *pin, size_t len, struct cc_card_key *key)
{
	unsigned char kek[CC_CARD_KEY_LEN], aad[64], tag[CC_TAG_LEN];
	struct cc_card_key k;
	size_t aadlen;
	CK_RV rv;

	if ((rv = derive_kek(pin, len, &s->kdf, s->salt, kek)) != CKR_OK)
		goto out;
	aadlen = wrap_aad(serial, role, s, aad);
	memcpy(tag, s->tag, sizeof(tag));
	rv = gcm(false, kek, s->nonce, aad, aadlen, s->wrapped, sizeof(s->wrapped), k.k, tag);
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK)
		*key = k;
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	cc_card_key_clear(&k);
	return rv;
}

CK_RV
cc_card_content_mac(const char *serial, const struct cc_card_key *key,
		    const unsigned char *content, size_t len, unsigned char mac[CC_IMG_MAC_LEN])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	unsigned char mk[32];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_END,
	};
	size_t outl = 0;
	CK_RV rv;

	if ((rv = derive_subkey(key, MAC_INFO, mk)) != CKR_OK)
		goto out;
	rv = CKR_FUNCTION_FAILED;
	if (m == NULL || (ctx = EVP_MAC_CTX_new(m)) == NULL ||
	    EVP_MAC_init(ctx, mk, sizeof(mk), params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)MAC_INFO, sizeof(MAC_INFO) - 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)serial, CC_CARD_SERIAL_LEN) != 1 ||
	    EVP_MAC_update(ctx, content, len) != 1 ||
	    EVP_MAC_final(ctx, mac, &outl, CC_IMG_MAC_LEN) != 1 || outl != CC_IMG_MAC_LEN) {
		util_log_ossl_errors(__func__);
		goto out;
	}
	rv = CKR_OK;
out:
	OPENSSL_cleanse(mk, sizeof(mk));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return rv;
}

/* Re-encode the content from the in-memory card and MAC it under @key. */
CK_RV
cc_card_refresh_mac(struct cc_card *card, const struct cc_card_key *key)
{
	struct cc_card_slots *sl = card->slots;
	unsigned char *content = NULL, mac[CC_IMG_MAC_LEN];
	size_t len = 0;
	CK_RV rv;

	if ((rv = cc_card_encode_content(card, &content, &len)) != CKR_OK)
		return rv;
	if ((rv = cc_card_content_mac(card->serial, key, content, len, mac)) != CKR_OK) {
		free(content);
		return rv;
	}
	OPENSSL_clear_free(sl->content, sl->content_len);
	sl->content = content;
	sl->content_len = len;
	memcpy(sl->mac, mac, sizeof(mac));
	return CKR_OK;
}

/* After an unwrap: does the stored content authenticate under @key? */
static CK_RV
verify_content(const struct cc_card *card, const struct cc_card_key *key)
{
	const struct cc_card_slots *sl = card->slots;
	unsigned char mac[CC_IMG_MAC_LEN];
	CK_RV rv;

	rv = cc_card_content_mac(card->serial, key, sl->content, sl->content_len, mac);
	if (rv != CKR_OK)
		return rv;
	if (CRYPTO_memcmp(mac, sl->mac, sizeof(mac)) != 0) {
		util_log(LOG_ERR, "card %s: content MAC mismatch: image tampered with "
			 "(or written with another card key)", card->serial);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

CK_RV
cc_card_key_check(const struct cc_card *card, const struct cc_card_key *key)
{
	if (!card->initialized)
		return CKR_USER_PIN_NOT_INITIALIZED;
	return verify_content(card, key);
}

static CK_RV
unwrap_role(const struct cc_card *card, char role, const unsigned char *pin, size_t len,
	    struct cc_card_key *key)
{
	const struct cc_key_slot *s = role == 'U' ? &card->slots->user : &card->slots->so;
	struct cc_card_key k;
	CK_RV rv;

	if (pin == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if (!card->initialized || !s->present)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((rv = slot_unwrap(card->serial, role, s, pin, len, &k)) != CKR_OK)
		goto out;
	if ((rv = verify_content(card, &k)) != CKR_OK)
		goto out;
	*key = k;
out:
	cc_card_key_clear(&k);
	return rv;
}

CK_RV
cc_card_unwrap_user(const struct cc_card *card, const unsigned char *pin, size_t len,
		    struct cc_card_key *key)
{
	return unwrap_role(card, 'U', pin, len, key);
}

CK_RV
cc_card_unwrap_so(const struct cc_card *card, const unsigned char *pin, size_t len,
		  struct cc_card_key *key)
{
	return unwrap_role(card, 'S', pin, len, key);
}

static void
objects_clear(struct cc_card *card)
{
	while (card->nobjects > 0)
		cc_card_object_remove(card, card->objects[card->nobjects - 1].uid);
	free(card->objects);
	card->objects = NULL;
}

CK_RV
cc_card_init_token(struct cc_card *card, const unsigned char *so_pin, size_t so_len,
		   const char *label, uint8_t so_max_tries, const struct cc_kdf_params *kdf,
		   struct cc_card_key *key)
{
	struct cc_key_slot so = { 0 };
	struct cc_card_key k;
	size_t lablen = label ? strlen(label) : 0;
	CK_RV rv;

	if ((so_pin == NULL && so_len > 0) || lablen > CC_CARD_LABEL_MAX || so_max_tries == 0)
		return CKR_ARGUMENTS_BAD;
	if (RAND_priv_bytes(k.k, sizeof(k.k)) != 1) {
		util_log_ossl_errors(__func__);
		return CKR_FUNCTION_FAILED;
	}
	if ((rv = slot_wrap(card->serial, 'S', &so, &k, so_pin, so_len, kdf)) != CKR_OK)
		goto out;
	objects_clear(card);
	memset(card->label, 0, sizeof(card->label));
	memcpy(card->label, label ? label : "", lablen);
	card->slots->so = so;
	memset(&card->slots->user, 0, sizeof(card->slots->user));
	memset(&card->user, 0, sizeof(card->user));
	card->so = (struct cc_pin_state){ .set = true, .max_tries = so_max_tries,
					  .tries_left = so_max_tries };
	card->initialized = true;
	card->rolled_back = false;	/* re-personalised: the SO vouches for this card now */
	if ((rv = cc_card_refresh_mac(card, &k)) != CKR_OK)
		goto out;
	*key = k;
out:
	cc_card_key_clear(&k);
	OPENSSL_cleanse(&so, sizeof(so));
	return rv;
}

/*
 * Common part of set_user_pin / set_so_pin. The content MAC check proves
 * @key is this card's key before a slot is overwritten with it (a stale key
 * would otherwise lock the holder out for good).
 */
static CK_RV
set_pin(struct cc_card *card, char role, const struct cc_card_key *key,
	const unsigned char *pin, size_t len, uint8_t max_tries, int64_t now,
	const struct cc_kdf_params *kdf)
{
	struct cc_key_slot *s = role == 'U' ? &card->slots->user : &card->slots->so;
	struct cc_pin_state *ps = role == 'U' ? &card->user : &card->so;
	struct cc_key_slot fresh = { 0 };
	CK_RV rv;

	if (key == NULL || (pin == NULL && len > 0) || max_tries == 0)
		return CKR_ARGUMENTS_BAD;
	if (!card->initialized)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((rv = verify_content(card, key)) != CKR_OK)
		return rv;
	if ((rv = slot_wrap(card->serial, role, &fresh, key, pin, len, kdf)) != CKR_OK)
		goto out;
	*s = fresh;
	*ps = (struct cc_pin_state){ .set = true, .max_tries = max_tries,
				     .tries_left = max_tries, .changed_at = now };
out:
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return rv;
}

CK_RV
cc_card_set_user_pin(struct cc_card *card, const struct cc_card_key *key,
		     const unsigned char *pin, size_t len, uint8_t max_tries, int64_t now,
		     const struct cc_kdf_params *kdf)
{
	return set_pin(card, 'U', key, pin, len, max_tries, now, kdf);
}

CK_RV
cc_card_set_so_pin(struct cc_card *card, const struct cc_card_key *key,
		   const unsigned char *pin, size_t len, uint8_t max_tries,
		   const struct cc_kdf_params *kdf)
{
	int64_t keep = card->so.changed_at;
	CK_RV rv = set_pin(card, 'S', key, pin, len, max_tries, keep, kdf);

	return rv;
}

CK_RV
cc_card_rewrap_user(struct cc_card *card, const struct cc_card_key *key, const unsigned char *pin,
		    size_t len, const struct cc_kdf_params *kdf)
{
	struct cc_pin_state keep = card->user;
	CK_RV rv;

	if (!keep.set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((rv = set_pin(card, 'U', key, pin, len, keep.max_tries, keep.changed_at, kdf)) != CKR_OK)
		return rv;
	card->user = keep;	/* same passcode: same counters, same age */
	return CKR_OK;
}

struct cc_kdf_params
cc_card_user_kdf(const struct cc_card *card)
{
	struct cc_kdf_params none = { 0 };

	return card->slots->user.present ? card->slots->user.kdf : none;
}

/* AAD for a sealed blob: this card, this object. */
static size_t
seal_aad(const char *serial, uint32_t uid, unsigned char *aad)
{
	size_t n = sizeof(SEAL_INFO) - 1;

	memcpy(aad, SEAL_INFO, n);
	memcpy(aad + n, serial, CC_CARD_SERIAL_LEN);
	n += CC_CARD_SERIAL_LEN;
	aad[n++] = (unsigned char)(uid >> 24);
	aad[n++] = (unsigned char)(uid >> 16);
	aad[n++] = (unsigned char)(uid >> 8);
	aad[n++] = (unsigned char)uid;
	return n;
}

CK_RV
cc_card_seal(const struct cc_card *card, const struct cc_card_key *key, uint32_t uid,
	     const unsigned char *plain, size_t len, unsigned char **sealed, size_t *sealed_len)
{
	unsigned char sk[32], aad[64], *blob = NULL;
	size_t aadlen, total = CC_SEAL_OVERHEAD + len;
	CK_RV rv;

	if (key == NULL || plain == NULL || len == 0 || len > CC_CARD_MAX_SIZE)
		return CKR_ARGUMENTS_BAD;
	if ((blob = malloc(total)) == NULL)
		return CKR_HOST_MEMORY;
	blob[0] = CC_SEAL_VERSION;
	if (RAND_bytes(blob + 1, CC_NONCE_LEN) != 1) {
		util_log_ossl_errors(__func__);
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	if ((rv = derive_subkey(key, SEAL_INFO, sk)) != CKR_OK)
		goto out;
	aadlen = seal_aad(card->serial, uid, aad);
	rv = gcm(true, sk, blob + 1, aad, aadlen, plain, len, blob + 1 + CC_NONCE_LEN,
		 blob + 1 + CC_NONCE_LEN + len);
	if (rv != CKR_OK)
		goto out;
	*sealed = blob;
	*sealed_len = total;
	blob = NULL;
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_clear_free(blob, total);
	return rv;
}

CK_RV
cc_card_unseal(const struct cc_card *card, const struct cc_card_key *key,
	       const struct cc_stored_object *obj, unsigned char **plain, size_t *len)
{
	unsigned char sk[32], aad[64], tag[CC_TAG_LEN], *out = NULL;
	size_t aadlen, n;
	CK_RV rv;

	if (key == NULL || obj == NULL)
		return CKR_ARGUMENTS_BAD;
	if (obj->sealed == NULL || obj->sealed_len <= CC_SEAL_OVERHEAD ||
	    obj->sealed[0] != CC_SEAL_VERSION) {
		util_log(LOG_ERR, "card %s: object %u has no usable sealed key", card->serial,
			 obj->uid);
		return CKR_DEVICE_ERROR;
	}
	n = obj->sealed_len - CC_SEAL_OVERHEAD;
	if ((out = malloc(n)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = derive_subkey(key, SEAL_INFO, sk)) != CKR_OK)
		goto out;
	aadlen = seal_aad(card->serial, obj->uid, aad);
	memcpy(tag, obj->sealed + 1 + CC_NONCE_LEN + n, sizeof(tag));
	rv = gcm(false, sk, obj->sealed + 1, aad, aadlen, obj->sealed + 1 + CC_NONCE_LEN, n,
		 out, tag);
	if (rv == CKR_ENCRYPTED_DATA_INVALID) {
		util_log(LOG_ERR, "card %s: sealed key of object %u does not authenticate",
			 card->serial, obj->uid);
		rv = CKR_DEVICE_ERROR;
	}
	if (rv != CKR_OK)
		goto out;
	*plain = out;
	*len = n;
	out = NULL;
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_clear_free(out, n);
	return rv;
}
