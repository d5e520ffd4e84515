#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "pkcs11/api.h"
#include "pkcs11/card-image.h"
#include "tests/module/fixture.h"

const unsigned char fx_p256_oid[10] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
const unsigned char fx_p384_oid[7] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

struct fx *
fx_new(const char *extra_yaml)
{
	return fx_new_policy(extra_yaml, NULL);
}

struct fx *
fx_new_policy(const char *extra_yaml, const char *policy_yaml)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	FILE *f;
	int i;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/cc-module-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->conf, sizeof(fx->conf), "%s/carecard.yaml", fx->dir);
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	for (i = 0; i < 2; i++) {
		snprintf(fx->reader[i], sizeof(fx->reader[i]), "%s/reader-%d", fx->dir, i + 1);
		assert_int_equal(mkdir(fx->reader[i], 0700), 0);
	}
	snprintf(fx->policy, sizeof(fx->policy), "%s/policy.yaml", fx->dir);
	if (policy_yaml != NULL) {
		assert_non_null(f = fopen(fx->policy, "w"));
		fprintf(f, "version: 1\n%s", policy_yaml);
		fclose(f);
	}
	assert_non_null(f = fopen(fx->conf, "w"));
	fprintf(f, "readers:\n  - name: Test Reader 1\n    directory: %s\n"
		   "  - name: Test Reader 2\n    directory: %s\n"
		   "kdf: { n: 16, r: 8, p: 1 }\nstate-directory: %s/state\n%s",
		fx->reader[0], fx->reader[1], fx->dir, extra_yaml != NULL ? extra_yaml : "");
	if (policy_yaml != NULL)
		fprintf(f, "policy: %s\n", fx->policy);
	fclose(f);
	setenv("CARECARD_CONF", fx->conf, 1);
	setenv("CARECARD_LOG_FILE", fx->log, 1);
	fx->p11 = cc_function_list();
	return fx;
}

static void
rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

void
fx_free(struct fx *fx)
{
	if (fx == NULL)
		return;
	fx->p11->C_Finalize(NULL);
	EVP_PKEY_free(fx->ca_key);
	rm_tree(fx->dir);
	/* Every test leaves the OpenSSL error queue empty (style.md). */
	assert_int_equal(ERR_peek_error(), 0);
	free(fx);
}

void
fx_card_path(struct fx *fx, int r, char *out, size_t size)
{
	assert_int_equal(cc_card_find_in_reader(fx->reader[r], out, size), CKR_OK);
}

void
fx_card_insert(struct fx *fx, int r, const char *serial)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64];

	/* Manufacture beside the reader, then rename in: readers never see half a card. */
	snprintf(tmp, sizeof(tmp), "%s/%s.new", fx->dir, serial);
	snprintf(path, sizeof(path), "%s/%s%s", fx->reader[r], serial, CC_CARD_EXT);
	unlink(tmp);
	assert_int_equal(cc_card_manufacture(tmp, serial), CKR_OK);
	assert_int_equal(rename(tmp, path), 0);
}

void
fx_card_remove(struct fx *fx, int r, const char *to)
{
	char path[PATH_MAX];

	fx_card_path(fx, r, path, sizeof(path));
	if (to != NULL)
		assert_int_equal(rename(path, to), 0);
	else
		assert_int_equal(unlink(path), 0);
}

EVP_PKEY *
fx_rsa_key(unsigned i)
{
	static EVP_PKEY *keys[4];

	assert_true(i < sizeof(keys) / sizeof(keys[0]));
	if (keys[i] == NULL)
		assert_non_null(keys[i] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	assert_int_equal(EVP_PKEY_up_ref(keys[i]), 1);
	return keys[i];
}

static struct fx_snapshot {
	char name[48];
	unsigned char *img;
	size_t len;
} fx_snapshots[8];

void
fx_card_save(struct fx *fx, int r, const char *name)
{
	struct fx_snapshot *sn = NULL;
	char path[PATH_MAX];
	struct stat st;
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(fx_snapshots) / sizeof(fx_snapshots[0]) && sn == NULL; i++)
		if (fx_snapshots[i].img == NULL)
			sn = &fx_snapshots[i];
	assert_non_null(sn);
	fx_card_path(fx, r, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_non_null(sn->img = malloc((size_t)st.st_size));
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(sn->img, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	sn->len = (size_t)st.st_size;
	snprintf(sn->name, sizeof(sn->name), "%s", name);
}

bool
fx_card_restore(struct fx *fx, int r, const char *serial, const char *name)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64];
	const struct fx_snapshot *sn = NULL;
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(fx_snapshots) / sizeof(fx_snapshots[0]) && sn == NULL; i++)
		if (fx_snapshots[i].img != NULL && strcmp(fx_snapshots[i].name, name) == 0)
			sn = &fx_snapshots[i];
	if (sn == NULL)
		return false;
	/* as fx_card_insert: beside the reader, then renamed in */
	snprintf(tmp, sizeof(tmp), "%s/%s.new", fx->dir, serial);
	snprintf(path, sizeof(path), "%s/%s%s", fx->reader[r], serial, CC_CARD_EXT);
	assert_non_null(f = fopen(tmp, "wb"));
	assert_int_equal(fwrite(sn->img, 1, sn->len, f), sn->len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
	return true;
}

CK_OBJECT_HANDLE
fx_find(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *id)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)id, strlen(id) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG got = 0;

	assert_int_equal(fx->p11->C_FindObjectsInit(s, t, 2), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjects(s, h, 2, &got), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(got, 1);
	return h[0];
}

struct cc_card *
fx_card_load(struct fx *fx, int r)
{
	char path[PATH_MAX];
	struct cc_card *card = NULL;

	fx_card_path(fx, r, path, sizeof(path));
	assert_int_equal(cc_card_load(path, &card), CKR_OK);
	return card;
}

void
fx_personalise(struct fx *fx, CK_SLOT_ID slot, const char *label)
{
	CK_UTF8CHAR lab[32];
	CK_SESSION_HANDLE s;
	size_t n = strlen(label);

	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, n);
	assert_int_equal(fx->p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)FX_SO_PIN, strlen(FX_SO_PIN),
					      lab), CKR_OK);
	assert_int_equal(fx->p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						NULL, &s), CKR_OK);
	assert_int_equal(fx->p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FX_SO_PIN,
					  strlen(FX_SO_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_InitPIN(s, (CK_UTF8CHAR_PTR)FX_PIN, strlen(FX_PIN)), CKR_OK);
	assert_int_equal(fx->p11->C_Logout(s), CKR_OK);
	assert_int_equal(fx->p11->C_CloseSession(s), CKR_OK);
}

unsigned
fx_tries_on_disk(struct fx *fx, int r)
{
	struct cc_card *card = fx_card_load(fx, r);
	unsigned t = card->user.tries_left;

	cc_card_free(card);
	return t;
}

void
fx_set_kdf(struct fx *fx, unsigned n)
{
	char buf[8192], *at, *end;
	size_t len;
	FILE *f;

	assert_non_null(f = fopen(fx->conf, "r"));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	assert_non_null(at = strstr(buf, "kdf: {"));
	assert_non_null(end = strchr(at, '\n'));
	assert_non_null(f = fopen(fx->conf, "w"));
	if (n == 0)
		fprintf(f, "%.*s%s", (int)(at - buf), buf, end + 1);
	else
		fprintf(f, "%.*skdf: { n: %u, r: 8, p: 1 }%s", (int)(at - buf), buf, n, end);
	fclose(f);
}

int
fx_setup_card(void **state)
{
	struct fx *fx = fx_new(NULL);

	fx_card_insert(fx, 0, FX_SERIAL_A);
	assert_int_equal(fx->p11->C_Initialize(NULL), CKR_OK);
	fx_personalise(fx, 0, "Test card");
	*state = fx;
	return 0;
}

int
fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

CK_SESSION_HANDLE
fx_open(struct fx *fx, CK_SLOT_ID slot, bool login)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(fx->p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						NULL, &s), CKR_OK);
	if (login)
		assert_int_equal(fx->p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FX_PIN,
						  strlen(FX_PIN)), CKR_OK);
	return s;
}

void
fx_gen_rsa(struct fx *fx, CK_SESSION_HANDLE s, CK_ULONG bits, const char *id, const char *label,
	   CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL t = CK_TRUE;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, e, sizeof(e) },
		{ CKA_ID, (void *)id, strlen(id) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_SIGN, &t, sizeof(t) },
		{ CKA_ID, (void *)id, strlen(id) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};

	assert_int_equal(fx->p11->C_GenerateKeyPair(s, &m, pt, 5, vt, 4, pub, priv), CKR_OK);
}

void
fx_gen_ec(struct fx *fx, CK_SESSION_HANDLE s, bool p384, const char *id, const char *label,
	  CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_EC_PARAMS, (void *)(p384 ? fx_p384_oid : fx_p256_oid),
		  p384 ? sizeof(fx_p384_oid) : sizeof(fx_p256_oid) },
		{ CKA_ID, (void *)id, strlen(id) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_ID, (void *)id, strlen(id) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};

	assert_int_equal(fx->p11->C_GenerateKeyPair(s, &m, pt, 4, vt, 3, pub, priv), CKR_OK);
}

unsigned char *
fx_attr(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
	CK_ULONG *len)
{
	CK_ATTRIBUTE a = { t, NULL, 0 };

	assert_int_equal(fx->p11->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	assert_non_null(a.pValue = malloc(a.ulValueLen + 1));
	assert_int_equal(fx->p11->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	*len = a.ulValueLen;
	return a.pValue;
}

EVP_PKEY *
fx_pubkey(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub)
{
	CK_ULONG len;
	unsigned char *spki = fx_attr(fx, s, pub, CKA_PUBLIC_KEY_INFO, &len);
	const unsigned char *p = spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);

	assert_non_null(pk);
	free(spki);
	return pk;
}

static X509 *
make_cert(struct fx *fx, EVP_PKEY *subject_key, const char *cn)
{
	static long serial = 0x1001;
	X509 *x = X509_new();
	X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();

	if (fx->ca_key == NULL)
		assert_non_null(fx->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_int_equal(X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_UTF8,
						    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_UTF8,
						    (const unsigned char *)"Test CA", -1, -1, 0), 1);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	assert_int_equal(X509_set_subject_name(x, sn), 1);
	assert_int_equal(X509_set_issuer_name(x, in), 1);
	assert_int_equal(X509_set_pubkey(x, subject_key), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_true(X509_sign(x, fx->ca_key, EVP_sha256()) > 0);
	X509_NAME_free(sn);
	X509_NAME_free(in);
	return x;
}

CK_OBJECT_HANDLE
fx_add_cert(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, const char *id,
	    const char *label, unsigned char **der, size_t *len)
{
	EVP_PKEY *pk = fx_pubkey(fx, s, pub);
	X509 *x = make_cert(fx, pk, label);
	unsigned char *buf = NULL;
	int n = i2d_X509(x, &buf);
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL t = CK_TRUE;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_ID, (void *)id, strlen(id) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, buf, (CK_ULONG)n },
	};

	assert_true(n > 0);
	assert_int_equal(fx->p11->C_CreateObject(s, tmpl, 6, &h), CKR_OK);
	if (der != NULL) {
		*der = malloc((size_t)n);
		memcpy(*der, buf, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(buf);
	X509_free(x);
	EVP_PKEY_free(pk);
	return h;
}

CK_ULONG
fx_count(struct fx *fx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG got = 0;

	assert_int_equal(fx->p11->C_FindObjectsInit(s, tmpl, n), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjects(s, h, 64, &got), CKR_OK);
	assert_int_equal(fx->p11->C_FindObjectsFinal(s), CKR_OK);
	return got;
}

bool
fx_log_contains(struct fx *fx, const char *needle)
{
	char buf[65536];
	FILE *f = fopen(fx->log, "r");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}
