/*
 * carecard-card's on-card OpenSSL key (pkcs11/card-tool-p11key.c) against
 * the real module in-process: certification requests and certificates
 * signed by EC P-256, P-384 and RSA keys on the card verify with the public
 * keys; a key with CKA_ALWAYS_AUTHENTICATE signs after a context login with
 * the passcode, and a wrong passcode makes the signature fail cleanly; the
 * key and a certificate make a TLS client identity (RSA held to TLS 1.2).
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

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pkcs11/card-tool.h"
#include "tests/module/fixture.h"

/* card-tool-p11key.c reports through the tool's error printer (carecard-card.c). */
void
tool_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct kfx {
	struct fx *fx;
	struct tool_p11 p;
	CK_OBJECT_HANDLE pub[3], priv[3];	/* EC P-256, EC P-384, RSA 2048 */
	EVP_PKEY *pk[3];
	char pin[16];
};

static int
setup_with(void **state, const char *yaml)
{
	struct kfx *f = calloc(1, sizeof(*f));

	f->fx = fx_new(yaml);
	fx_card_insert(f->fx, 0, FX_SERIAL_A);
	assert_int_equal(f->fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(f->fx, 0, "Holder");
	f->p.f = f->fx->p11;
	f->p.slot = 0;
	f->p.session = fx_open(f->fx, 0, true);
	snprintf(f->pin, sizeof(f->pin), "%s", FX_PIN);
	fx_gen_ec(f->fx, f->p.session, false, "11", "authentication", &f->pub[0], &f->priv[0]);
	fx_gen_ec(f->fx, f->p.session, true, "13", "authentication 384", &f->pub[1], &f->priv[1]);
	fx_gen_rsa(f->fx, f->p.session, 2048, "12", "signing", &f->pub[2], &f->priv[2]);
	for (int i = 0; i < 3; i++)
		f->pk[i] = fx_pubkey(f->fx, f->p.session, f->pub[i]);
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
	struct kfx *f = *state;

	for (int i = 0; i < 3; i++)
		EVP_PKEY_free(f->pk[i]);
	f->fx->p11->C_CloseSession(f->p.session);
	f->fx->p11->C_Finalize(NULL);
	fx_free(f->fx);
	tool_p11_pkey_cleanup();
	free(f);
	return 0;
}

/* A request signed with card key @i; 1 when it verifies with the public key. */
static int
csr_verifies(struct kfx *f, int i, const char *pin)
{
	EVP_PKEY *k = tool_p11_pkey(&f->p, f->priv[i], f->pk[i], pin);
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	int ok;

	assert_non_null(k);
	assert_int_equal(EVP_PKEY_eq(k, f->pk[i]), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"Bob Holder",
				   -1, -1, 0);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, f->pk[i]), 1);
	ok = X509_REQ_sign(req, k, EVP_sha256()) > 0 &&
	     X509_REQ_verify(req, f->pk[i]) == 1;
	ERR_clear_error();
	X509_NAME_free(n);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return ok;
}

static void
test_requests_verify(void **state)
{
	struct kfx *f = *state;

	assert_true(csr_verifies(f, 0, f->pin));
	assert_true(csr_verifies(f, 1, f->pin));
	assert_true(csr_verifies(f, 2, f->pin));
}

/* A self-signed certificate of card key @i. */
static X509 *
self_signed(struct kfx *f, int i, EVP_PKEY *k)
{
	X509 *x = X509_new();

	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"card", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_int_equal(X509_set_pubkey(x, f->pk[i]), 1);
	assert_true(X509_sign(x, k, EVP_sha384()) > 0);
	assert_int_equal(X509_verify(x, f->pk[i]), 1);
	return x;
}

static void
test_tls_identity(void **state)
{
	struct kfx *f = *state;

	for (int i = 0; i < 3; i++) {
		EVP_PKEY *k = tool_p11_pkey(&f->p, f->priv[i], f->pk[i], f->pin);
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
		X509 *x = self_signed(f, i, k);

		assert_non_null(ctx);
		assert_int_equal(tool_p11_pkey_tls(ctx, x, k), 0);
		assert_int_equal(SSL_CTX_check_private_key(ctx), 1);
		/* The card signs RSA with PKCS#1 v1.5 only: no TLS 1.3 (PSS) for it. */
		assert_int_equal(SSL_CTX_get_max_proto_version(ctx),
				 i == 2 ? TLS1_2_VERSION : 0);
		SSL_CTX_free(ctx);
		X509_free(x);
		EVP_PKEY_free(k);
	}
}

/* The certificate of another key is refused as the identity. */
static void
test_tls_mismatch(void **state)
{
	struct kfx *f = *state;
	EVP_PKEY *k0 = tool_p11_pkey(&f->p, f->priv[0], f->pk[0], f->pin);
	EVP_PKEY *k1 = tool_p11_pkey(&f->p, f->priv[1], f->pk[1], f->pin);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	X509 *x = self_signed(f, 0, k0);

	assert_int_equal(tool_p11_pkey_tls(ctx, x, k1), -1);
	ERR_clear_error();
	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(k0);
	EVP_PKEY_free(k1);
}

static void
test_always_authenticate(void **state)
{
	struct kfx *f = *state;
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &b, sizeof(b) };

	/* The RSA key labelled "signing" asks for the passcode on every signature. */
	assert_int_equal(f->p.f->C_GetAttributeValue(f->p.session, f->priv[2], &a, 1), CKR_OK);
	assert_true(b);
	assert_true(csr_verifies(f, 2, f->pin));
	/* A wrong one: no signature, no crash, the session usable afterwards. */
	assert_false(csr_verifies(f, 2, "9999"));
	assert_true(csr_verifies(f, 2, f->pin));
	assert_true(csr_verifies(f, 0, f->pin));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_always_authenticate, setup_always_auth,
						teardown),
	};

	return cmocka_run_group_tests_name("card-p11key", tests, NULL, NULL);
}
