/*
 * pkcs11/card-tool-p11key.c: an OpenSSL key whose private half stays on the
 * card.
 *
 * carecard-card renew signs its certification requests and authenticates
 * its TLS connections with keys on the card. OpenSSL gets an EVP_PKEY that
 * holds the public key and, for the private operation, calls C_Sign in the
 * tool's own session with the module (card-tool-p11.c): the module is
 * loaded and initialised once, as one application, and the private key
 * never leaves the card. This is how libp11 does it (an EC_KEY_METHOD and an
 * RSA_METHOD that hand the operation to the token); libp11 itself would load
 * the module a second time, and cannot make EC keys or rename objects, so
 * the renewal would have to talk to the card in two ways.
 *
 *   EC:  ECDSA over the digest OpenSSL computed (CKM_ECDSA), r || s -> DER.
 *   RSA: PKCS#1 v1.5 over OpenSSL's DigestInfo (CKM_RSA_PKCS). The card has
 *        no raw RSA, so PSS (TLS 1.3's only RSA scheme) is not offered:
 *        tool_p11_pkey_tls() keeps an RSA key's connections at TLS 1.2
 *        with PKCS#1 v1.5 signatures.
 *
 * The method tables are OpenSSL's deprecated "legacy key method" API: the
 * one OpenSSL 3 routes to when a key carries foreign methods (the
 * alternative is a whole provider). The project builds with
 * OPENSSL_NO_DEPRECATED (Makefile.am); this file alone is exempt, and uses
 * nothing else of that API.
 */
#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#define OPENSSL_API_COMPAT 10101
#define OPENSSL_SUPPRESS_DEPRECATED	/* EC_KEY_METHOD, RSA_METHOD: see above */

#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct cardkey {
	const struct tool_p11 *p;
	CK_OBJECT_HANDLE h;
	const char *pin;	/* for CKA_ALWAYS_AUTHENTICATE keys; owned by the caller */
	bool always;
};

static int ec_idx = -1, rsa_idx = -1;
static EC_KEY_METHOD *ec_meth;
static RSA_METHOD *rsa_meth;

static void
cardkey_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	free(ptr);
}

/* One C_Sign with @k's key; a context login first when the key asks for it. */
static CK_RV
card_sign(const struct cardkey *k, CK_MECHANISM_TYPE mech, const unsigned char *in,
	  size_t inlen, unsigned char *out, CK_ULONG *outlen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_FUNCTION_LIST_PTR f = k->p->f;
	CK_RV rv;

	if ((rv = f->C_SignInit(k->p->session, &m, k->h)) != CKR_OK)
		return rv;
	if (k->always && (rv = f->C_Login(k->p->session, CKU_CONTEXT_SPECIFIC,
					  (CK_UTF8CHAR_PTR)k->pin, (CK_ULONG)strlen(k->pin))) !=
	    CKR_OK) {
		/* End the operation: a C_Sign that fails does (a size query would not). */
		f->C_Sign(k->p->session, (CK_BYTE_PTR)in, (CK_ULONG)inlen, out, outlen);
		return rv;
	}
	return f->C_Sign(k->p->session, (CK_BYTE_PTR)in, (CK_ULONG)inlen, out, outlen);
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv, const BIGNUM *r,
	    EC_KEY *ec)
{
	const struct cardkey *k = EC_KEY_get_ex_data(ec, ec_idx);
	unsigned char rs[2 * 66];
	CK_ULONG n = sizeof(rs);
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	CK_RV rv;

	if (k == NULL || dlen < 0)
		return NULL;
	if ((rv = card_sign(k, CKM_ECDSA, dgst, (size_t)dlen, rs, &n)) != CKR_OK ||
	    n == 0 || n % 2 != 0) {
		tool_error("the card did not sign (0x%lx)", (unsigned long)rv);
		return NULL;
	}
	if ((sig = ECDSA_SIG_new()) == NULL || (br = BN_bin2bn(rs, (int)n / 2, NULL)) == NULL ||
	    (bs = BN_bin2bn(rs + n / 2, (int)n / 2, NULL)) == NULL ||
	    ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(sig);
		return NULL;
	}
	return sig;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
{
	const struct cardkey *k = RSA_get_ex_data(rsa, rsa_idx);
	CK_ULONG n = (CK_ULONG)RSA_size(rsa);
	CK_RV rv;

	if (k == NULL || flen < 0 || padding != RSA_PKCS1_PADDING) {
		tool_error("the card signs RSA with PKCS#1 v1.5 padding only");
		return -1;
	}
	if ((rv = card_sign(k, CKM_RSA_PKCS, from, (size_t)flen, to, &n)) != CKR_OK) {
		tool_error("the card did not sign (0x%lx)", (unsigned long)rv);
		return -1;
	}
	return (int)n;
}

/* The method tables, once per process (the tool is single-threaded). */
static int
methods(void)
{
	int (*sign)(int, const unsigned char *, int, unsigned char *, unsigned int *,
		    const BIGNUM *, const BIGNUM *, EC_KEY *) = NULL;
	int (*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **) = NULL;
	ECDSA_SIG *(*sig)(const unsigned char *, int, const BIGNUM *, const BIGNUM *,
			  EC_KEY *) = NULL;

	if (ec_meth != NULL)
		return 0;
	ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, cardkey_free);
	rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL, cardkey_free);
	if (ec_idx < 0 || rsa_idx < 0 || (ec_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		return -1;
	EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &sign, &setup, &sig);
	EC_KEY_METHOD_set_sign(ec_meth, sign, NULL, ec_sign_sig);
	if ((rsa_meth = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(rsa_meth, "carecard card key") != 1 ||
	    RSA_meth_set_priv_enc(rsa_meth, rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rsa_meth, NULL) != 1) {
		RSA_meth_free(rsa_meth);
		EC_KEY_METHOD_free(ec_meth);
		rsa_meth = NULL;
		ec_meth = NULL;
		return -1;
	}
	return 0;
}

/* See card-tool.h. */
EVP_PKEY *
tool_p11_pkey(const struct tool_p11 *p, CK_OBJECT_HANDLE priv, const EVP_PKEY *pub,
	      const char *pin)
{
	CK_BBOOL always = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &always, sizeof(always) };
	unsigned char *der = NULL;
	const unsigned char *q;
	struct cardkey *k = NULL;
	EVP_PKEY *out = NULL;
	EC_KEY *ec = NULL;
	RSA *rsa = NULL;
	int len;

	if (methods() != 0 || (len = i2d_PUBKEY(pub, &der)) <= 0 ||
	    (k = calloc(1, sizeof(*k))) == NULL || (out = EVP_PKEY_new()) == NULL)
		goto fail;
	if (p->f->C_GetAttributeValue(p->session, priv, &a, 1) != CKR_OK)
		always = CK_FALSE;
	k->p = p;
	k->h = priv;
	k->pin = pin;
	k->always = always == CK_TRUE;
	q = der;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
		if ((ec = d2i_EC_PUBKEY(NULL, &q, len)) == NULL ||
		    EC_KEY_set_method(ec, ec_meth) != 1 || EC_KEY_set_ex_data(ec, ec_idx, k) != 1)
			goto fail;
		k = NULL;	/* the EC_KEY's now */
		if (EVP_PKEY_assign_EC_KEY(out, ec) != 1)
			goto fail;
		ec = NULL;
	} else if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
		if ((rsa = d2i_RSA_PUBKEY(NULL, &q, len)) == NULL ||
		    RSA_set_method(rsa, rsa_meth) != 1 || RSA_set_ex_data(rsa, rsa_idx, k) != 1)
			goto fail;
		k = NULL;
		if (EVP_PKEY_assign_RSA(out, rsa) != 1)
			goto fail;
		rsa = NULL;
	} else {
		tool_error("the card's key is neither EC nor RSA");
		goto fail;
	}
	OPENSSL_free(der);
	return out;
fail:
	ERR_clear_error();
	EC_KEY_free(ec);
	RSA_free(rsa);
	free(k);
	EVP_PKEY_free(out);
	OPENSSL_free(der);
	return NULL;
}

/* See card-tool.h. */
int
tool_p11_pkey_tls(SSL_CTX *ctx, X509 *cert, EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	    (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	     SSL_CTX_set1_client_sigalgs_list(ctx, "RSA+SHA256:RSA+SHA384:RSA+SHA512") != 1))
		return -1;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		return -1;
	return 0;
}

/* See card-tool.h. */
void
tool_p11_pkey_cleanup(void)
{
	if (ec_meth != NULL)	/* EC_KEY_METHOD_free(NULL) is not a no-op */
		EC_KEY_METHOD_free(ec_meth);
	RSA_meth_free(rsa_meth);
	ec_meth = NULL;
	rsa_meth = NULL;
}
