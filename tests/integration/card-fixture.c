/*
 * card-fixture: test helper for test-card-tool.sh. Personalises a blank
 * card image directly through the card store (as the module would):
 *
 *   card-fixture FILE CHANGED_AT [TRIES_LEFT [LABEL]]
 *
 * SO secret "87654321", user PIN "1234" set at CHANGED_AT (unix seconds),
 * label "Fixture card" (or LABEL), one EC P-256 private key (sealed) and a
 * self-signed certificate for CN=Test Holder, serial 0x1234, notAfter
 * 2030-01-01T00:00:00Z, both with CKA_ID 01 02. Fast KDF. Exit 0 on success.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11/card-image.h"

static const struct cc_kdf_params fast_kdf = { .n = 1024, .r = 8, .p = 1 };

static X509 *
self_signed(EVP_PKEY *pk)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (x == NULL || name == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)"Test Holder", -1, -1, 0) != 1 ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234) != 1 ||
	    X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1 ||
	    ASN1_TIME_set_string(X509_getm_notBefore(x), "20240101000000Z") != 1 ||
	    ASN1_TIME_set_string(X509_getm_notAfter(x), "20300101000000Z") != 1 ||
	    X509_set_pubkey(x, pk) != 1 || X509_sign(x, pk, EVP_sha256()) <= 0) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

static int
add_objects(struct cc_card *card, const struct cc_card_key *key)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = pk ? self_signed(pk) : NULL;
	unsigned char *der = NULL, *p8 = NULL, *sealed = NULL, id[] = { 1, 2 };
	PKCS8_PRIV_KEY_INFO *info = pk ? EVP_PKEY2PKCS8(pk) : NULL;
	CK_OBJECT_CLASS cert_cls = CKO_CERTIFICATE, key_cls = CKO_PRIVATE_KEY;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_KEY_TYPE kt = CKK_EC;
	size_t sealed_len = 0;
	int der_len = x ? i2d_X509(x, &der) : -1, p8_len = info ? i2d_PKCS8_PRIV_KEY_INFO(info, &p8) : -1;
	uint32_t uid;
	int r = 1;

	if (der_len <= 0 || p8_len <= 0)
		goto out;
	{
		CK_ATTRIBUTE cert[] = {
			{ CKA_CLASS, &cert_cls, sizeof(cert_cls) },
			{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
			{ CKA_LABEL, "Signing", 7 }, { CKA_ID, id, sizeof(id) },
			{ CKA_VALUE, der, (CK_ULONG)der_len },
		};
		CK_ATTRIBUTE priv[] = {
			{ CKA_CLASS, &key_cls, sizeof(key_cls) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_LABEL, "Signing", 7 }, { CKA_ID, id, sizeof(id) },
		};

		if (cc_card_object_add(card, 0, cert, 5, NULL, 0) != CKR_OK)
			goto out;
		uid = cc_card_object_reserve_uid(card);
		if (cc_card_seal(card, key, uid, p8, (size_t)p8_len, &sealed, &sealed_len) !=
		    CKR_OK || cc_card_object_add(card, uid, priv, 4, sealed, sealed_len) != CKR_OK)
			goto out;
	}
	r = 0;
out:
	free(sealed);
	OPENSSL_clear_free(p8, p8_len > 0 ? (size_t)p8_len : 0);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(info);
	X509_free(x);
	EVP_PKEY_free(pk);
	return r;
}

int
main(int argc, char **argv)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card_key key;
	struct cc_card *card;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: card-fixture FILE CHANGED_AT [TRIES_LEFT [LABEL]]\n");
		return 2;
	}
	if (cc_card_txn_begin(argv[1], &txn) != CKR_OK)
		return 1;
	card = cc_card_txn_card(txn);
	if (cc_card_init_token(card, (const unsigned char *)"87654321", 8,
			       argc == 5 ? argv[4] : "Fixture card", 3,
			       &fast_kdf, &key) != CKR_OK ||
	    cc_card_set_user_pin(card, &key, (const unsigned char *)"1234", 4, 3,
				 strtoll(argv[2], NULL, 10), &fast_kdf) != CKR_OK ||
	    add_objects(card, &key) != 0) {
		cc_card_txn_abort(txn);
		return 1;
	}
	if (argc >= 4)
		card->user.tries_left = (uint8_t)atoi(argv[3]);
	if (cc_card_txn_commit(txn, &key) != CKR_OK)
		return 1;
	cc_card_key_clear(&key);
	return 0;
}
