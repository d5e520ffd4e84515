/*
 * Unit tests for the card store (pkcs11/card-image*.c): formats, keys,
 * passcodes, sealing, validation of hostile images and file permissions.
 * Transactions, locking and the rollback guard: test-card-image-txn.c.
 * A fast scrypt (N=1024) keeps it quick.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "pkcs11/card-image.h"

#include "tests/unit/test-card-image-fixture.h"

/* Add a private-key object with @der sealed; returns its uid. */
static uint32_t
add_sealed(struct cc_card *card, const struct cc_card_key *key, const char *label,
	   const unsigned char *der, size_t len)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	unsigned char id[2] = { 0xab, 0xcd };
	CK_ATTRIBUTE attrs[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, id, sizeof(id) },
	};
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	uint32_t uid = cc_card_object_reserve_uid(card);

	assert_int_equal(cc_card_seal(card, key, uid, der, len, &sealed, &sealed_len), CKR_OK);
	assert_int_equal(cc_card_object_add(card, uid, attrs, 4, sealed, sealed_len), CKR_OK);
	free(sealed);
	return uid;
}

static void
test_manufacture_load(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	struct stat st;

	assert_int_equal(cc_card_manufacture(fx->path, "123"), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_card_manufacture(fx->path, "04123456789012345"), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_card_manufacture(fx->path, "04123456789012a4"), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_OK);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_DEVICE_ERROR);

	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_string_equal(card->serial, SERIAL);
	assert_int_equal(cc_card_series(card), 4);
	assert_false(card->initialized);
	assert_false(card->user.set);
	assert_int_equal(card->generation, 0);
	assert_int_equal(card->nobjects, 0);
	assert_string_equal(card->label, "");
	cc_card_free(card);
	cc_card_free(NULL);
}

static void
test_missing_file(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	struct cc_card_txn *txn = NULL;
	struct cc_card_stamp st;

	assert_int_equal(cc_card_load(fx->path, &card), CKR_DEVICE_REMOVED);
	assert_null(card);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_DEVICE_REMOVED);
	assert_int_equal(cc_card_stamp(fx->path, &st), CKR_DEVICE_REMOVED);
}

static void
test_init_token_unwrap_so(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, so_key, user_key;
	struct cc_card *card = NULL;

	make_card(fx, &key);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_true(card->initialized);
	assert_string_equal(card->label, "Test card");
	assert_int_equal(card->so.max_tries, 3);
	assert_int_equal(card->so.tries_left, 3);
	assert_int_equal(card->generation, 1);
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					   &so_key), CKR_OK);
	assert_memory_equal(so_key.k, key.k, sizeof(key.k));
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)"wrong", 5, &so_key),
			 CKR_PIN_INCORRECT);
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)USER_PIN,
					   strlen(USER_PIN), &so_key), CKR_PIN_INCORRECT);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)SO_PIN,
					     strlen(SO_PIN), &user_key), CKR_PIN_INCORRECT);
	cc_card_key_clear(&key);
	cc_card_key_clear(&so_key);
	cc_card_free(card);
}

static void
test_user_pin_not_set(void **state)
{
	struct fx *fx = *state;
	struct cc_card_txn *txn = NULL;
	struct cc_card_key key, k2;
	struct cc_card *card = NULL;

	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)"x", 1, &k2),
			 CKR_USER_PIN_NOT_INITIALIZED);
	cc_card_free(card);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_int_equal(cc_card_init_token(cc_card_txn_card(txn), (const unsigned char *)SO_PIN,
					    strlen(SO_PIN), "L", 3, &fast_kdf, &key), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_false(card->user.set);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_USER_PIN_NOT_INITIALIZED);
	cc_card_free(card);
}

static void
test_user_pin_right_wrong(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, k2;
	struct cc_card *card = NULL;

	make_card(fx, &key);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_true(card->user.set);
	assert_int_equal(card->user.max_tries, 3);
	assert_int_equal(card->user.tries_left, 3);
	assert_int_equal(card->user.changed_at, 1000);
	assert_false(card->user.must_change);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_OK);
	assert_memory_equal(k2.k, key.k, sizeof(key.k));
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)"1235", 4, &k2),
			 CKR_PIN_INCORRECT);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)"", 0, &k2),
			 CKR_PIN_INCORRECT);
	cc_card_free(card);
}

/* Offsets from CARD-FORMAT.md. */
#define USER_SLOT	76
#define SLOT_N		(USER_SLOT + 4)

static void
test_slot_binding(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, k2;
	struct cc_card *card = NULL;
	char other[600];
	size_t len, olen;
	unsigned char *img, *oimg;

	make_card(fx, &key);
	img = read_file(fx->path, &len);
	/* Lowering N in place (a cheaper brute force) breaks the slot's AAD. */
	assert_int_equal(img[SLOT_N + 6], 0x04);	/* N = 1024 = 0x400 */
	img[SLOT_N + 6] = 0x02;
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_PIN_INCORRECT);
	cc_card_free(card);

	/* A user slot copied from another card (same PIN) does not unwrap here. */
	snprintf(other, sizeof(other), "%s/other.card", fx->dir);
	assert_int_equal(cc_card_manufacture(other, "0499999999999999"), CKR_OK);
	{
		struct cc_card_txn *txn = NULL;
		struct cc_card_key ok;

		assert_int_equal(cc_card_txn_begin(other, &txn), CKR_OK);
		assert_int_equal(cc_card_init_token(cc_card_txn_card(txn),
						    (const unsigned char *)SO_PIN, strlen(SO_PIN),
						    "Other", 3, &fast_kdf, &ok), CKR_OK);
		assert_int_equal(cc_card_set_user_pin(cc_card_txn_card(txn), &ok,
						      (const unsigned char *)USER_PIN,
						      strlen(USER_PIN), 3, 1, &fast_kdf), CKR_OK);
		assert_int_equal(cc_card_txn_commit(txn, &ok), CKR_OK);
	}
	oimg = read_file(other, &olen);
	img[SLOT_N + 6] = 0x04;
	memcpy(img + USER_SLOT, oimg + USER_SLOT, 96);
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_PIN_INCORRECT);
	cc_card_free(card);
	free(img);
	free(oimg);
}

/* The compiled-in scrypt cost (NULL kdf) works end to end. */
static void
test_default_kdf(void **state)
{
	struct fx *fx = *state;
	struct cc_card_txn *txn = NULL;
	struct cc_card_key key, k2;
	struct cc_card *card = NULL;

	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_OK);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_int_equal(cc_card_init_token(cc_card_txn_card(txn), (const unsigned char *)SO_PIN,
					    strlen(SO_PIN), "Default", 3, NULL, &key), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					   &k2), CKR_OK);
	assert_memory_equal(k2.k, key.k, sizeof(key.k));
	cc_card_free(card);
}

static void
test_so_resets_user_pin(void **state)
{
	struct fx *fx = *state;
	static const unsigned char der[] = "pretend PKCS#8 bytes of a private key";
	struct cc_card_txn *txn = NULL;
	struct cc_card_key key, so_key, k2;
	struct cc_card *card;
	unsigned char *plain = NULL;
	size_t len = 0;
	uint32_t uid;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	uid = add_sealed(cc_card_txn_card(txn), &key, "sig", der, sizeof(der));
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);

	/* The holder forgot the PIN: the SO unwraps with the SO secret and sets a new one. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					   &so_key), CKR_OK);
	assert_int_equal(cc_card_set_user_pin(card, &so_key, (const unsigned char *)"9999", 4, 5,
					      2000, &fast_kdf), CKR_OK);
	card->user.must_change = true;
	assert_int_equal(cc_card_txn_commit(txn, &so_key), CKR_OK);

	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_true(card->user.must_change);
	assert_int_equal(card->user.max_tries, 5);
	assert_int_equal(card->user.changed_at, 2000);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_PIN_INCORRECT);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)"9999", 4, &k2), CKR_OK);
	assert_int_equal(cc_card_unseal(card, &k2, cc_card_object_find(card, uid), &plain, &len),
			 CKR_OK);
	assert_int_equal(len, sizeof(der));
	assert_memory_equal(plain, der, len);
	OPENSSL_clear_free(plain, len);
	cc_card_free(card);
}

static void
test_seal_bound_to_uid(void **state)
{
	struct fx *fx = *state;
	static const unsigned char a[] = "key material A", b[] = "key material B";
	struct cc_card_key key, other;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_stored_object *oa, *ob;
	unsigned char *plain = NULL, *tmp;
	size_t len = 0, tlen;
	uint32_t ua, ub;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	ua = add_sealed(card, &key, "a", a, sizeof(a));
	ub = add_sealed(card, &key, "b", b, sizeof(b));
	oa = cc_card_object_find(card, ua);
	ob = cc_card_object_find(card, ub);
	assert_int_equal(cc_card_unseal(card, &key, oa, &plain, &len), CKR_OK);
	assert_memory_equal(plain, a, sizeof(a));
	OPENSSL_clear_free(plain, len);

	/* Swap the blobs: each must now fail, not decrypt to the other key. */
	tmp = oa->sealed; tlen = oa->sealed_len;
	oa->sealed = ob->sealed; oa->sealed_len = ob->sealed_len;
	ob->sealed = tmp; ob->sealed_len = tlen;
	plain = NULL;
	assert_int_equal(cc_card_unseal(card, &key, oa, &plain, &len), CKR_DEVICE_ERROR);
	assert_null(plain);
	assert_int_equal(cc_card_unseal(card, &key, ob, &plain, &len), CKR_DEVICE_ERROR);
	/* A different card key does not unseal either. */
	memset(other.k, 0x5a, sizeof(other.k));
	assert_int_equal(cc_card_unseal(card, &other, ob, &plain, &len), CKR_DEVICE_ERROR);
	assert_true(log_has(fx, "does not authenticate"));
	cc_card_txn_abort(txn);
}

/* Is @needle (n bytes) anywhere in @hay? */
static bool
contains(const unsigned char *hay, size_t hlen, const unsigned char *needle, size_t n)
{
	size_t i;

	for (i = 0; n > 0 && i + n <= hlen; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static void
assert_bn_absent(const EVP_PKEY *pk, const char *param, const unsigned char *img, size_t len)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1024];
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, param, &bn), 1);
	n = BN_bn2bin(bn, buf);
	assert_true(n > 16);
	assert_false(contains(img, len, buf, (size_t)n));
	BN_clear_free(bn);
}

static int
pkcs8_der(EVP_PKEY *pk, unsigned char **der)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	int n;

	assert_non_null(p8);
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	assert_true(n > 0);
	return n;
}

static void
test_no_private_key_in_clear(void **state)
{
	struct fx *fx = *state;
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	unsigned char *ec_der = NULL, *rsa_der = NULL, *img;
	int ec_len, rsa_len;
	size_t len;

	assert_non_null(ec);
	assert_non_null(rsa);
	ec_len = pkcs8_der(ec, &ec_der);
	rsa_len = pkcs8_der(rsa, &rsa_der);
	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	add_sealed(cc_card_txn_card(txn), &key, "ec", ec_der, (size_t)ec_len);
	add_sealed(cc_card_txn_card(txn), &key, "rsa", rsa_der, (size_t)rsa_len);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);

	img = read_file(fx->path, &len);
	assert_true(len > (size_t)(ec_len + rsa_len));
	assert_false(contains(img, len, ec_der, (size_t)ec_len));
	assert_false(contains(img, len, rsa_der, (size_t)rsa_len));
	assert_false(contains(img, len, key.k, sizeof(key.k)));
	assert_bn_absent(ec, OSSL_PKEY_PARAM_PRIV_KEY, img, len);
	assert_bn_absent(rsa, OSSL_PKEY_PARAM_RSA_D, img, len);
	assert_bn_absent(rsa, OSSL_PKEY_PARAM_RSA_FACTOR1, img, len);
	assert_bn_absent(rsa, OSSL_PKEY_PARAM_RSA_FACTOR2, img, len);
	free(img);
	OPENSSL_clear_free(ec_der, (size_t)ec_len);
	OPENSSL_clear_free(rsa_der, (size_t)rsa_len);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

/* A small initialised image with one public and one private object, in memory. */
static unsigned char *
small_image(const struct fx *fx, size_t *len)
{
	static const unsigned char der[] = "0123456789abcdef";
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_LABEL, "d", 1 } };

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	add_sealed(cc_card_txn_card(txn), &key, "k", der, sizeof(der));
	assert_int_equal(cc_card_object_add(cc_card_txn_card(txn), 0, attrs, 2, NULL, 0), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);
	return read_file(fx->path, len);
}

static void
test_truncation_every_length(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	size_t len, i;
	unsigned char *img = small_image(fx, &len);

	assert_int_equal(cc_card_decode(img, len, "x", &card), CKR_OK);
	cc_card_free(card);
	for (i = 0; i < len; i++) {
		card = NULL;
		assert_int_equal(cc_card_decode(img, i, "x", &card), CKR_TOKEN_NOT_RECOGNIZED);
		assert_null(card);
	}
	/* Through the file loader too, at a few lengths, with the reason logged. */
	for (i = 0; i < len; i += len / 7) {
		write_file(fx->path, img, i);
		assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	}
	assert_true(log_has(fx, "truncated"));
	free(img);
}

static void
test_byte_flips(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	size_t len, i;
	unsigned char *img = small_image(fx, &len);

	for (i = 0; i < len; i++) {
		img[i] ^= 0x01;
		assert_int_equal(cc_card_decode(img, len, "x", &card), CKR_TOKEN_NOT_RECOGNIZED);
		img[i] ^= 0x81;
		assert_int_equal(cc_card_decode(img, len, "x", &card), CKR_TOKEN_NOT_RECOGNIZED);
		img[i] ^= 0x80;
	}
	assert_null(card);
	img[HDR_LEN + 3] ^= 0x40;
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_true(log_has(fx, "checksum mismatch"));
	free(img);
}

static void
test_future_version_foreign_magic(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	size_t len;
	unsigned char *img = small_image(fx, &len);

	img[9] = 3;	/* version 3, with a checksum that matches */
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_true(log_has(fx, "format version 3 not supported"));
	img[9] = 0;
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_true(log_has(fx, "format version 0 not supported"));

	img[9] = 2;
	memcpy(img, "%PDF-1.4", 8);
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_true(log_has(fx, "bad magic"));
	write_file(fx->path, (const unsigned char *)"", 0);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_null(card);
	free(img);
}

static void
test_too_large(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	int fd = open(fx->path, O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CC_CARD_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
	assert_true(log_has(fx, "larger than"));
	/* A directory where the image should be is not a card either. */
	unlink(fx->path);
	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_TOKEN_NOT_RECOGNIZED);
}

static void
test_content_tamper(void **state)
{
	struct fx *fx = *state;
	struct cc_card *card = NULL;
	struct cc_card_key k;
	size_t len;
	unsigned char *img = small_image(fx, &len);

	/* Change the label "Test card" -> "Best card" and fix the checksum. */
	assert_int_equal(img[HDR_LEN], 9);
	assert_memory_equal(img + HDR_LEN + 1, "Test card", 9);
	img[HDR_LEN + 1] = 'B';
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);	/* cannot tell yet */
	assert_string_equal(card->label, "Best card");
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k), CKR_DEVICE_ERROR);
	assert_true(log_has(fx, "tampered"));
	assert_int_equal(cc_card_unwrap_so(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					   &k), CKR_DEVICE_ERROR);
	cc_card_free(card);
	free(img);
}

static void
test_permissions(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	char lock[PATH_MAX];
	struct stat st;

	umask(0);	/* the store must not depend on the caller's umask */
	make_card(fx, &key);
	umask(022);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(lock, sizeof(lock), "%s" CC_CARD_LOCK_EXT, fx->path);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
touch(const char *dir, const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	write_file(p, (const unsigned char *)"x", 1);
}

static void
test_find_in_reader(void **state)
{
	struct fx *fx = *state;
	char rd[1024], sub[PATH_MAX], got[PATH_MAX], want[PATH_MAX];

	snprintf(rd, sizeof(rd), "%s/reader", fx->dir);
	assert_int_equal(cc_card_find_in_reader(rd, got, sizeof(got)), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(mkdir(rd, 0700), 0);
	assert_int_equal(cc_card_find_in_reader(rd, got, sizeof(got)), CKR_TOKEN_NOT_PRESENT);
	touch(rd, "b.card.lock");
	touch(rd, "b.card.tmp.Xy12ab");
	touch(rd, "b.card.tmp-new.123");
	touch(rd, ".hidden.card");
	touch(rd, "notes.txt");
	touch(rd, ".card");
	snprintf(sub, sizeof(sub), "%s/dir.card", rd);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(cc_card_find_in_reader(rd, got, sizeof(got)), CKR_TOKEN_NOT_PRESENT);
	touch(rd, "b.card");
	snprintf(want, sizeof(want), "%s/b.card", rd);
	assert_int_equal(cc_card_find_in_reader(rd, got, sizeof(got)), CKR_OK);
	assert_string_equal(got, want);
	assert_int_equal(cc_card_find_in_reader(rd, got, 5), CKR_BUFFER_TOO_SMALL);
}

static void
test_commit_rules(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, wrong;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;
	size_t len1, len2;
	unsigned char *before, *after;

	make_card(fx, &key);
	before = read_file(fx->path, &len1);
	/* Content change without the key: refused, nothing written. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	strcpy(cc_card_txn_card(txn)->label, "Evil");
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_USER_NOT_LOGGED_IN);
	/* With a key that is not this card's: refused. */
	memset(wrong.k, 7, sizeof(wrong.k));
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	strcpy(cc_card_txn_card(txn)->label, "Evil");
	assert_int_equal(cc_card_txn_commit(txn, &wrong), CKR_DEVICE_ERROR);
	/* Abort writes nothing. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.tries_left = 0;
	cc_card_txn_abort(txn);
	after = read_file(fx->path, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(before, after, len1);
	free(after);
	/* With the key the label change sticks and still authenticates. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	strcpy(cc_card_txn_card(txn)->label, "Renamed");
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_string_equal(card->label, "Renamed");
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &wrong), CKR_OK);
	cc_card_free(card);
	/* A card pulled out of the reader mid-transaction is not recreated. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_DEVICE_REMOVED);
	assert_int_equal(access(fx->path, F_OK), -1);
	free(before);
}

static void
test_commit_never_writes_unreadable(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, k2;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.tries_left = 9;	/* > max_tries 3 */
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_GENERAL_ERROR);
	assert_true(log_has(fx, "refusing to write an image that would not load"));
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.tries_left, 3);
	cc_card_free(card);
	/* Clearing user.set really removes the user passcode. */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user = (struct cc_pin_state){ 0 };
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_false(card->user.set);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &k2), CKR_USER_PIN_NOT_INITIALIZED);
	cc_card_free(card);
}

static void
test_stamp(void **state)
{
	struct fx *fx = *state;
	struct cc_card_stamp a, b;
	struct cc_card_txn *txn = NULL;

	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_OK);
	assert_int_equal(cc_card_stamp(fx->path, &a), CKR_OK);
	assert_int_equal(cc_card_stamp(fx->path, &b), CKR_OK);
	assert_true(cc_card_stamp_equal(&a, &b));
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_int_equal(cc_card_stamp(fx->path, &b), CKR_OK);
	assert_false(cc_card_stamp_equal(&a, &b));	/* new inode after the rename */
}

static void
test_objects(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;
	struct cc_stored_object *o;
	const struct cc_stored_attr *a;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_LABEL, "cert", 4 },
				 { CKA_ID, NULL, 0 } };
	uint32_t u1, u2;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	u1 = cc_card_object_reserve_uid(card);
	assert_int_equal(cc_card_object_add(card, u1, attrs, 3, NULL, 0), CKR_OK);
	assert_int_equal(cc_card_object_add(card, u1, attrs, 3, NULL, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_card_object_add(card, 999, attrs, 3, NULL, 0), CKR_ARGUMENTS_BAD);
	assert_int_equal(cc_card_object_add(card, 0, attrs, 2, NULL, 0), CKR_OK);
	u2 = card->objects[card->nobjects - 1].uid;
	assert_int_equal(u2, u1 + 1);
	o = cc_card_object_find(card, u1);
	assert_non_null(o);
	assert_int_equal(cc_stored_object_set_attr(o, CKA_LABEL, "renamed", 7), CKR_OK);
	assert_int_equal(cc_stored_object_set_attr(o, CKA_SUBJECT, "s", 1), CKR_OK);
	assert_int_equal(cc_card_object_remove(card, u2), CKR_OK);
	assert_int_equal(cc_card_object_remove(card, u2), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);

	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->nobjects, 1);
	assert_int_equal(card->next_uid, u2 + 1);	/* uids are never reused */
	o = cc_card_object_find(card, u1);
	assert_non_null(o);
	assert_null(o->sealed);
	a = cc_stored_object_attr(o, CKA_LABEL);
	assert_non_null(a);
	assert_int_equal(a->len, 7);
	assert_memory_equal(a->value, "renamed", 7);
	a = cc_stored_object_attr(o, CKA_ID);
	assert_non_null(a);
	assert_int_equal(a->len, 0);
	assert_non_null(cc_stored_object_attr(o, CKA_SUBJECT));
	assert_null(cc_stored_object_attr(o, CKA_VALUE));
	assert_null(cc_card_object_find(card, u2));
	cc_card_free(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_manufacture_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_token_unwrap_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_pin_not_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_pin_right_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_kdf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_so_resets_user_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_bound_to_uid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_private_key_in_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_every_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_flips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_version_foreign_magic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_in_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_never_writes_unreadable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
	};

	/* CC_TEST_FILTER=test_txn_threads runs one test (e.g. under helgrind). */
	if (getenv("CC_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("CC_TEST_FILTER"));
	return cmocka_run_group_tests_name("card-image", tests, NULL, NULL);
}
