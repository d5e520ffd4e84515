/*
 * ca/signer.c: the HSM module, its token and session, and signing.
 * See signer.h for the contract; key generation lives in signer-keys.c.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include "ca/core/error.h"
#include "ca/core/signer-int.h"
#include "common/log.h"

int
ca_signer_ck_fail(const char *what, CK_RV rv)
{
	util_log(LOG_ERR, "HSM: %s failed: CKR 0x%lx", what, (unsigned long)rv);
	return CA_ERR_HSM;
}

static const struct {
	const char *name;
	enum ca_key_type type;
} key_type_names[] = {
	{ "rsa2048", CA_KEY_RSA2048 },
	{ "rsa3072", CA_KEY_RSA3072 },
	{ "ec", CA_KEY_EC_P256 },
	{ "p256", CA_KEY_EC_P256 },
	{ "rsa", CA_KEY_RSA2048 },
};

int
ca_key_type_parse(const char *s, enum ca_key_type *out)
{
	size_t i;

	for (i = 0; i < sizeof(key_type_names) / sizeof(key_type_names[0]); i++) {
		if (strcmp(s, key_type_names[i].name) == 0) {
			*out = key_type_names[i].type;
			return CA_OK;
		}
	}
	return CA_ERR_USAGE;
}

const char *
ca_key_type_name(enum ca_key_type t)
{
	switch (t) {
	case CA_KEY_RSA2048:
		return "rsa2048";
	case CA_KEY_RSA3072:
		return "rsa3072";
	case CA_KEY_EC_P256:
		return "p256";
	case CA_KEY_DEFAULT:
		return "default";
	}
	return "unknown";
}

/* style.md snippet 6: private load, calls only through the function list. */
int
ca_signer_load(const char *module, OSSL_LIB_CTX *libctx, struct ca_signer **out)
{
	struct ca_signer *s = NULL;
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;
	int r = CA_ERR_ALLOC;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	s->libctx = libctx;
	r = CA_ERR_NOT_FOUND;
	if ((s->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		util_log(LOG_ERR, "cannot load HSM module %s: %s", module, dlerror());
		goto out;
	}
	r = CA_ERR_HSM;
	get = (CK_C_GetFunctionList)dlsym(s->dl, "C_GetFunctionList");
	if (get == NULL || get(&s->fl) != CKR_OK || s->fl == NULL) {
		util_log(LOG_ERR, "%s is not a PKCS#11 module", module);
		goto out;
	}
	/* We call from one thread, but ask for OS locking so a threaded
	 * caller of the library later needs no change here. */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	/* SoftHSM2 shares our libcrypto and leaves engine-loading noise on
	 * the error queue during C_Initialize; keep the queue as we found it. */
	ERR_set_mark();
	rv = s->fl->C_Initialize(&args);
	ERR_pop_to_mark();
	if (rv != CKR_OK) {
		s->fl = NULL;
		r = ca_signer_ck_fail("C_Initialize", rv);
		goto out;
	}
	*out = s;
	s = NULL;
	r = CA_OK;
out:
	ca_signer_free(s);
	return r;
}

void
ca_signer_free(struct ca_signer *s)
{
	struct ca_signer_key *k, *next;

	if (s == NULL)
		return;
	for (k = s->keys; k != NULL; k = next) {
		next = k->next;
		EVP_PKEY_free(k->pub);
		free(k->label);
		free(k);
	}
	if (s->fl != NULL) {
		if (s->logged_in)
			s->fl->C_Logout(s->session);
		if (s->have_session)
			s->fl->C_CloseSession(s->session);
		s->fl->C_Finalize(NULL);
	}
	if (s->dl != NULL)
		dlclose(s->dl);
	free(s);
}

/* CK_TOKEN_INFO labels are 32 bytes, blank padded, not NUL terminated. */
static int
label_pad(const char *label, CK_UTF8CHAR out[32])
{
	size_t n = strlen(label);

	if (n == 0 || n > 32)
		return CA_ERR_USAGE;
	memset(out, ' ', 32);
	memcpy(out, label, n);
	return CA_OK;
}

/*
 * Match slots against @token: a "pkcs11:" URI is matched with p11-kit's
 * parser (no home-grown RFC 7512 code); anything else is a label.
 */
struct token_match {
	P11KitUri *uri;
	CK_UTF8CHAR label[32];
};

static int
token_match_init(const char *token, struct token_match *m)
{
	memset(m, 0, sizeof(*m));
	if (strncmp(token, "pkcs11:", 7) != 0)
		return label_pad(token, m->label);
	if ((m->uri = p11_kit_uri_new()) == NULL)
		return CA_ERR_ALLOC;
	if (p11_kit_uri_parse(token, P11_KIT_URI_FOR_TOKEN, m->uri) != P11_KIT_URI_OK) {
		util_log(LOG_ERR, "invalid PKCS#11 token URI");
		p11_kit_uri_free(m->uri);
		m->uri = NULL;
		return CA_ERR_USAGE;
	}
	return CA_OK;
}

static int
token_match_one(const struct token_match *m, CK_TOKEN_INFO *ti)
{
	if (!(ti->flags & CKF_TOKEN_INITIALIZED))
		return 0;
	if (m->uri != NULL)
		return p11_kit_uri_match_token_info(m->uri, ti);
	return memcmp(ti->label, m->label, 32) == 0;
}

/*
 * Find a slot: the one whose token matches @m, or (m == NULL) the first one
 * whose token is not initialized yet.
 */
static int
slot_find(struct ca_signer *s, const struct token_match *m, CK_SLOT_ID *out)
{
	CK_SLOT_ID *slots = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i;
	CK_RV rv;
	int r = CA_ERR_HSM;

	if ((rv = s->fl->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
		r = ca_signer_ck_fail("C_GetSlotList", rv);
		goto out;
	}
	if (n > 0 && (slots = calloc(n, sizeof(*slots))) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if (n > 0 && (rv = s->fl->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		r = ca_signer_ck_fail("C_GetSlotList", rv);
		goto out;
	}
	r = CA_ERR_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (s->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (m != NULL ? token_match_one(m, &ti) : !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			*out = slots[i];
			r = CA_OK;
			break;
		}
	}
out:
	free(slots);
	return r;
}

static int
set_user_pin(struct ca_signer *s, CK_SLOT_ID slot, const char *so_pin, const char *user_pin)
{
	CK_SESSION_HANDLE h;
	CK_RV rv;
	int r = CA_OK;

	rv = s->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_OpenSession", rv);
	rv = s->fl->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin));
	if (rv != CKR_OK) {
		r = ca_signer_ck_fail("C_Login(SO)", rv);
		goto out;
	}
	rv = s->fl->C_InitPIN(h, (CK_UTF8CHAR_PTR)user_pin, strlen(user_pin));
	if (rv != CKR_OK)
		r = ca_signer_ck_fail("C_InitPIN", rv);
	s->fl->C_Logout(h);
out:
	s->fl->C_CloseSession(h);
	return r;
}

int
ca_signer_token_init(struct ca_signer *s, const char *label, const char *so_pin,
		     const char *user_pin)
{
	struct token_match m;
	CK_SLOT_ID slot;
	CK_RV rv;
	int r;

	if (strncmp(label, "pkcs11:", 7) == 0)
		return CA_ERR_USAGE;	/* a label, see ca_signer_token_label() */
	if ((r = token_match_init(label, &m)) != CA_OK)
		return r;
	if (slot_find(s, &m, &slot) == CA_OK) {
		util_log(LOG_ERR, "a token labelled '%s' already exists", label);
		return CA_ERR_EXISTS;
	}
	if ((r = slot_find(s, NULL, &slot)) != CA_OK) {
		util_log(LOG_ERR, "HSM has no free slot for a new token");
		return r;
	}
	rv = s->fl->C_InitToken(slot, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin), m.label);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_InitToken", rv);
	/* SoftHSM2 renumbers the slot of a freshly initialized token: look
	 * it up again by label rather than reusing @slot. */
	if ((r = slot_find(s, &m, &slot)) != CA_OK)
		return r;
	return set_user_pin(s, slot, so_pin, user_pin);
}

int
ca_signer_token_label(const char *token, char out[33])
{
	struct token_match m;
	CK_TOKEN_INFO *ti;
	size_t n;
	int r;

	if ((r = token_match_init(token, &m)) != CA_OK)
		return r;
	if (m.uri != NULL) {
		ti = p11_kit_uri_get_token_info(m.uri);
		memcpy(m.label, ti->label, 32);
		p11_kit_uri_free(m.uri);
	}
	for (n = 32; n > 0 && m.label[n - 1] == ' '; n--)
		;
	if (n == 0 || memchr(m.label, 0, n) != NULL) {
		util_log(LOG_ERR, "token URI has no token= label");
		return CA_ERR_USAGE;
	}
	memcpy(out, m.label, n);
	out[n] = '\0';
	return CA_OK;
}

int
ca_signer_open(struct ca_signer *s, const char *token, const char *pin)
{
	struct token_match m;
	CK_SLOT_ID slot;
	CK_RV rv;
	int r;

	if (s->have_session)
		return CA_ERR_STATE;
	if ((r = token_match_init(token, &m)) != CA_OK)
		return r;
	r = slot_find(s, &m, &slot);
	p11_kit_uri_free(m.uri);
	if (r == CA_ERR_NOT_FOUND)
		util_log(LOG_ERR, "HSM token '%s' not found", token);
	if (r != CA_OK)
		return r;
	rv = s->fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				  &s->session);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_OpenSession", rv);
	s->have_session = 1;
	rv = s->fl->C_Login(s->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return ca_signer_ck_fail("C_Login(user)", rv);
	s->logged_in = 1;
	return CA_OK;
}

int
ca_signer_find(struct ca_signer *s, CK_OBJECT_CLASS klass, const char *label,
	       CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof(klass) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if (!s->logged_in)
		return CA_ERR_STATE;
	if ((rv = s->fl->C_FindObjectsInit(s->session, tmpl, 2)) != CKR_OK)
		return ca_signer_ck_fail("C_FindObjectsInit", rv);
	rv = s->fl->C_FindObjects(s->session, h, 2, &n);
	s->fl->C_FindObjectsFinal(s->session);
	if (rv != CKR_OK)
		return ca_signer_ck_fail("C_FindObjects", rv);
	if (n == 0)
		return CA_ERR_NOT_FOUND;
	if (n > 1) {
		util_log(LOG_ERR, "HSM: more than one object labelled '%s'", label);
		return CA_ERR_STATE;
	}
	*out = h[0];
	return CA_OK;
}

int
ca_signer_object_key_type(struct ca_signer *s, CK_OBJECT_HANDLE h, enum ca_key_type *out)
{
	CK_KEY_TYPE kt;
	CK_ULONG bits = 0;
	CK_BYTE mod[512];
	CK_ATTRIBUTE a[] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_MODULUS, mod, sizeof(mod) },
	};
	CK_RV rv;

	if ((rv = s->fl->C_GetAttributeValue(s->session, h, a, 1)) != CKR_OK)
		return ca_signer_ck_fail("C_GetAttributeValue(CKA_KEY_TYPE)", rv);
	if (kt == CKK_EC) {
		*out = CA_KEY_EC_P256;	/* the only curve we generate */
		return CA_OK;
	}
	if (kt != CKK_RSA)
		return CA_ERR_STATE;
	if ((rv = s->fl->C_GetAttributeValue(s->session, h, a + 1, 1)) != CKR_OK)
		return ca_signer_ck_fail("C_GetAttributeValue(CKA_MODULUS)", rv);
	bits = a[1].ulValueLen * 8;
	*out = bits > 2048 ? CA_KEY_RSA3072 : CA_KEY_RSA2048;
	return CA_OK;
}

int
ca_signer_key_get(struct ca_signer *s, const char *label, struct ca_signer_key **out)
{
	struct ca_signer_key *k;
	int r;

	for (k = s->keys; k != NULL; k = k->next) {
		if (strcmp(k->label, label) == 0) {
			*out = k;
			return CA_OK;
		}
	}
	if ((k = calloc(1, sizeof(*k))) == NULL || (k->label = strdup(label)) == NULL) {
		r = CA_ERR_ALLOC;
		goto fail;
	}
	k->s = s;
	if ((r = ca_signer_find(s, CKO_PRIVATE_KEY, label, &k->priv)) != CA_OK ||
	    (r = ca_signer_object_key_type(s, k->priv, &k->type)) != CA_OK ||
	    (r = ca_signer_read_public(s, label, k->type, &k->pub)) != CA_OK)
		goto fail;
	k->next = s->keys;
	s->keys = k;
	*out = k;
	return CA_OK;
fail:
	if (r == CA_ERR_NOT_FOUND)
		util_log(LOG_ERR, "HSM: no private key labelled '%s'", label);
	if (k != NULL)
		free(k->label);
	free(k);
	return r;
}

enum ca_key_type
ca_signer_key_type(const struct ca_signer_key *k)
{
	return k->type;
}

EVP_PKEY *
ca_signer_key_public(const struct ca_signer_key *k)
{
	return k->pub;
}

int
ca_signer_key_bits(const struct ca_signer_key *k)
{
	return EVP_PKEY_get_bits(k->pub);
}

size_t
ca_signer_key_max_sig(const struct ca_signer_key *k)
{
	return (size_t)EVP_PKEY_get_size(k->pub);
}

/* PKCS#1 v1.5 signs a DER DigestInfo; encode it with OpenSSL's X509_SIG. */
static int
digest_info(int md_nid, const unsigned char *dig, size_t diglen, unsigned char **der,
	    int *derlen)
{
	X509_SIG *xs = NULL;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *os;
	int r = CA_ERR_CRYPTO;

	if ((xs = X509_SIG_new()) == NULL)
		goto out;
	X509_SIG_getm(xs, &alg, &os);
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(md_nid), V_ASN1_NULL, NULL) != 1 ||
	    ASN1_OCTET_STRING_set(os, dig, (int)diglen) != 1)
		goto out;
	*der = NULL;
	if ((*derlen = i2d_X509_SIG(xs, der)) <= 0)
		goto out;
	r = CA_OK;
out:
	X509_SIG_free(xs);
	return r;
}

/* PKCS#11 CKM_ECDSA returns r || s; X.509 wants ECDSA-Sig-Value (DER). */
static int
ecdsa_to_der(const unsigned char *raw, size_t rawlen, unsigned char *sig, size_t *siglen)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *p = sig;
	int n, r = CA_ERR_CRYPTO;

	if (rawlen == 0 || rawlen % 2 != 0)
		goto out;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(raw, (int)(rawlen / 2), NULL)) == NULL ||
	    (bs = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL)) == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1)
		goto out;
	br = bs = NULL;		/* owned by es */
	if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > *siglen)
		goto out;
	*siglen = (size_t)i2d_ECDSA_SIG(es, &p);
	r = CA_OK;
out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return r;
}

static int
sign_raw(struct ca_signer_key *k, CK_MECHANISM_TYPE mech, const unsigned char *in,
	 size_t inlen, unsigned char *out, CK_ULONG *outlen)
{
	CK_FUNCTION_LIST *fl = k->s->fl;
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv;

	if ((rv = fl->C_SignInit(k->s->session, &m, k->priv)) != CKR_OK)
		return ca_signer_ck_fail("C_SignInit", rv);
	if ((rv = fl->C_Sign(k->s->session, (CK_BYTE_PTR)in, inlen, out, outlen)) != CKR_OK)
		return ca_signer_ck_fail("C_Sign", rv);
	return CA_OK;
}

int
ca_signer_sign_digest(struct ca_signer_key *k, int md_nid, const unsigned char *dig,
		      size_t diglen, unsigned char *sig, size_t *siglen)
{
	unsigned char *di = NULL, raw[132];
	CK_ULONG n;
	int dilen, r;

	if (k->type == CA_KEY_EC_P256) {
		n = sizeof(raw);
		if ((r = sign_raw(k, CKM_ECDSA, dig, diglen, raw, &n)) != CA_OK)
			return r;
		r = ecdsa_to_der(raw, n, sig, siglen);
		OPENSSL_cleanse(raw, sizeof(raw));
		return r;
	}
	if ((r = digest_info(md_nid, dig, diglen, &di, &dilen)) != CA_OK)
		return r;
	n = *siglen;
	if ((r = sign_raw(k, CKM_RSA_PKCS, di, (size_t)dilen, sig, &n)) == CA_OK)
		*siglen = n;
	OPENSSL_free(di);
	return r;
}

int
ca_signer_hmac(struct ca_signer *s, const char *label, const void *data, size_t len,
	       unsigned char mac[32])
{
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 32;
	CK_RV rv;
	int r;

	if ((r = ca_signer_find(s, CKO_SECRET_KEY, label, &h)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			util_log(LOG_ERR, "HSM: no secret key labelled '%s'", label);
		return r;
	}
	if ((rv = s->fl->C_SignInit(s->session, &m, h)) != CKR_OK)
		return ca_signer_ck_fail("C_SignInit(HMAC)", rv);
	if ((rv = s->fl->C_Sign(s->session, (CK_BYTE_PTR)data, len, mac, &n)) != CKR_OK)
		return ca_signer_ck_fail("C_Sign(HMAC)", rv);
	return n == 32 ? CA_OK : CA_ERR_HSM;
}
