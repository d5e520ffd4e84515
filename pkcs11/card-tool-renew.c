/*
 * carecard-card renew: the holder's network self-renewal over EST (RFC 7030)
 * with the card, against carecard-ca serve --https (ca/service/est.c,
 * ca/ra/est-renew.c; the protocol is the one tests/integration/
 * test-est-renew.sh drives with curl and OpenSSL's PKCS#11 engine):
 *
 *   1. two new key pairs generated on the card, CKA_ID 0x11
 *      (authentication) and 0x12 (signing), of the current keys' type;
 *   2. a PKCS#10 request for each, signed on the card, subject and
 *      subjectAltName those of the certificate it renews (0x01, 0x02);
 *   3. POST SERVER/.well-known/est/simplereenroll and
 *      .../signing/simplereenroll (base64 application/pkcs10), TLS client
 *      authentication by the current authentication key (0x01); each new
 *      certificate stored on the card under 0x11 / 0x12;
 *   4. POST .../confirm, authenticated by the NEW authentication key (0x11):
 *      only now does the CA count the renewal and supersede the old
 *      certificates;
 *   5. the swap: the old objects 0x01 / 0x02 deleted, the new ones renamed
 *      to 0x01 / 0x02.
 *
 * Restartable at every point (a re-run finishes what a killed run began;
 * the CA never counts a renewal twice, repeated requests within one open
 * renewal replace the earlier certificate): new pairs and certificates
 * already under 0x11 / 0x12 are reused. Once the CA has confirmed, the new
 * authentication certificate's label is marked (CONFIRMED) before the
 * first object is deleted; a run that finds the mark only completes the
 * swap, which is idempotent per object class (delete the old object, then
 * rename the new one) and renames the marked certificate last. A run that
 * lost the confirmation's answer asks again: the CA answers 403 (no open
 * renewal) when it already confirmed, so a refused confirm is checked
 * against the CA's view of the card (GET /holder/status/SERIAL: its expiry
 * is the new certificate's) before it is taken as a refusal.
 *
 * A refusal (403) prints the CA's words, which name the rule and what to
 * do, removes the new pairs and certificates, and exits 8: the card is as
 * it was. Any other failure (network, 5xx) keeps them for a re-run.
 *
 * The module is loaded once, as one PKCS#11 application (card-tool-p11.c);
 * OpenSSL signs through it (card-tool-p11key.c).
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"
#include "pkcs11/card-tool-answer.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define SECRET_MAX	64
#define ANSWER_MAX	(64 * 1024)
#define EST		"/.well-known/est"
#define CONFIRMED	"renewal-confirmed:"	/* label prefix of the marked certificate */

static const char *const names[2] = { "authentication", "signing" };
static const char *const paths[2] = { EST "/simplereenroll", EST "/signing/simplereenroll" };
static const unsigned char old_id[2] = { 0x01, 0x02 }, new_id[2] = { 0x11, 0x12 };

#ifdef CC_TEST_HOOKS
/*
 * Test builds only (--enable-test-hooks): die at a named step when
 * CARECARD_CARD_TEST_KILL_AT says so (tests/integration/test-card-renew.sh).
 */
static void
kill_point(const char *name)
{
	const char *at = getenv("CARECARD_CARD_TEST_KILL_AT");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}
#else
#define kill_point(name) do { } while (0)
#endif

struct renew {
	const char *server, *cacert;
	struct tool_p11 p;
	char serial[17];
	char pin[SECRET_MAX];
	X509 *cur[2];		/* the card's certificates 0x01, 0x02 */
	EVP_PKEY *curkey;	/* the card's authentication key 0x01 */
	EVP_PKEY *pub[2];	/* the new public keys 0x11, 0x12 */
	EVP_PKEY *key[2];	/* ... and their private halves on the card */
	X509 *cert[2];		/* the new certificates */
};

/* Attribute @type of @o, malloc'd (NUL-terminated for labels); NULL when absent. */
static unsigned char *
attr(const struct tool_p11 *p, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	unsigned char *v;

	if (o == CK_INVALID_HANDLE || p->f->C_GetAttributeValue(p->session, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 64 * 1024 ||
	    (v = calloc(1, a.ulValueLen + 1)) == NULL)
		return NULL;
	a.pValue = v;
	if (p->f->C_GetAttributeValue(p->session, o, &a, 1) != CKR_OK) {
		free(v);
		return NULL;
	}
	*len = a.ulValueLen;
	return v;
}

/* The label of @o, or @def; malloc'd. */
static char *
label_of(const struct tool_p11 *p, CK_OBJECT_HANDLE o, const char *def)
{
	CK_ULONG n = 0;
	char *l = (char *)attr(p, o, CKA_LABEL, &n);

	return l != NULL ? l : strdup(def);
}

/* The public key of the pair's public-key object (CKA_PUBLIC_KEY_INFO). */
static EVP_PKEY *
spki(const struct tool_p11 *p, CK_OBJECT_HANDLE pub)
{
	CK_ULONG n = 0;
	unsigned char *der = attr(p, pub, CKA_PUBLIC_KEY_INFO, &n);
	const unsigned char *q = der;
	EVP_PKEY *k = der != NULL ? d2i_PUBKEY(NULL, &q, (long)n) : NULL;

	free(der);
	return k;
}

/* Delete everything under 0x11 / 0x12: certificates first, then the pairs. */
static void
remove_new(const struct tool_p11 *p)
{
	static const CK_OBJECT_CLASS order[] = { CKO_CERTIFICATE, CKO_PRIVATE_KEY,
						 CKO_PUBLIC_KEY };
	CK_OBJECT_HANDLE o;
	size_t c;
	int k;

	for (c = 0; c < sizeof(order) / sizeof(order[0]); c++)
		for (k = 1; k >= 0; k--)
			while ((o = tool_p11_find(p, order[c], new_id[k])) != CK_INVALID_HANDLE)
				if (p->f->C_DestroyObject(p->session, o) != CKR_OK)
					break;
}

/* A new pair under new_id[k], of the type and size of the card's pair old_id[k]. */
static int
generate(struct renew *r, int k)
{
	const struct tool_p11 *p = &r->p;
	CK_OBJECT_HANDLE oldpub = tool_p11_find(p, CKO_PUBLIC_KEY, old_id[k]), hpub, hpriv;
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG bits = (CK_ULONG)EVP_PKEY_get_bits(X509_get0_pubkey(r->cur[k])), plen = 0, n;
	unsigned char id = new_id[k], *params = NULL, e[] = { 0x01, 0x00, 0x01 };
	char *label = label_of(p, tool_p11_find(p, CKO_PRIVATE_KEY, old_id[k]), names[k]);
	bool ec = EVP_PKEY_get_base_id(X509_get0_pubkey(r->cur[k])) == EVP_PKEY_EC;
	CK_MECHANISM m = { ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[7] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_ID, &id, 1 },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_LABEL, label, 0 },
	}, priv[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_ID, &id, 1 },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, label, 0 },
	};
	CK_RV rv = CKR_HOST_MEMORY;
	int ret = EXIT_FAIL;

	if (label == NULL)
		goto out;
	pub[3].ulValueLen = priv[5].ulValueLen = strlen(label);
	n = 4;
	if (ec) {
		/* The curve: the current public key's parameters, as the card holds them. */
		if ((params = attr(p, oldpub, CKA_EC_PARAMS, &plen)) == NULL) {
			tool_error("the card's %s key has no EC parameters", names[k]);
			goto out;
		}
		pub[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, plen };
	} else {
		pub[n++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		pub[n++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, e, sizeof(e) };
	}
	printf("generating the new %s key on the card (%s %lu)...\n", names[k],
	       ec ? "EC" : "RSA", (unsigned long)bits);
	fflush(stdout);
	rv = p->f->C_GenerateKeyPair(p->session, &m, pub, n, priv, 6, &hpub, &hpriv);
	if (rv != CKR_OK) {
		tool_error("the card could not make the new %s key (0x%lx)", names[k],
			   (unsigned long)rv);
		goto out;
	}
	ret = EXIT_OK;
out:
	free(params);
	free(label);
	return ret;
}

/* The new pair under new_id[k]: the one an earlier run left, or a new one. */
static int
new_pair(struct renew *r, int k)
{
	const struct tool_p11 *p = &r->p;
	CK_OBJECT_HANDLE hpub = tool_p11_find(p, CKO_PUBLIC_KEY, new_id[k]);
	CK_OBJECT_HANDLE hpriv = tool_p11_find(p, CKO_PRIVATE_KEY, new_id[k]);
	int ret;

	if (hpub != CK_INVALID_HANDLE && hpriv != CK_INVALID_HANDLE) {
		printf("using the new %s key already on the card (an earlier run was "
		       "interrupted)\n", names[k]);
	} else {
		/* Half a pair (an interrupted clean-up): not worth keeping. */
		if (hpub != CK_INVALID_HANDLE)
			p->f->C_DestroyObject(p->session, hpub);
		if (hpriv != CK_INVALID_HANDLE)
			p->f->C_DestroyObject(p->session, hpriv);
		if ((ret = generate(r, k)) != EXIT_OK)
			return ret;
		kill_point(k == 0 ? "renew:key-authentication" : "renew:key-signing");
		hpub = tool_p11_find(p, CKO_PUBLIC_KEY, new_id[k]);
		hpriv = tool_p11_find(p, CKO_PRIVATE_KEY, new_id[k]);
	}
	if ((r->pub[k] = spki(p, hpub)) == NULL ||
	    (r->key[k] = tool_p11_pkey(p, hpriv, r->pub[k], r->pin)) == NULL) {
		tool_error("cannot use the new %s key on the card", names[k]);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The request for new key k: subject and subjectAltName of the certificate it renews. */
static int
request(const struct renew *r, int k, char **b64)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned char *der = NULL;
	X509_REQ *req = X509_REQ_new();
	int i, len = 0, ret = -1;

	if (req == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, X509_get_subject_name(r->cur[k])) != 1 ||
	    X509_REQ_set_pubkey(req, r->pub[k]) != 1)
		goto out;
	if ((i = X509_get_ext_by_NID(r->cur[k], NID_subject_alt_name, -1)) >= 0) {
		if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
		    sk_X509_EXTENSION_push(exts, X509_get_ext(r->cur[k], i)) <= 0 ||
		    X509_REQ_add_extensions(req, exts) != 1)
			goto out;
	}
	/* The signature is the card's (tool_p11_pkey). */
	if (X509_REQ_sign(req, r->key[k], EVP_sha256()) <= 0 ||
	    (len = i2d_X509_REQ(req, &der)) <= 0 ||
	    (*b64 = malloc(4 * (((size_t)len + 2) / 3) + 1)) == NULL)
		goto out;
	EVP_EncodeBlock((unsigned char *)*b64, der, len);
	ret = 0;
out:
	if (ret != 0)
		tool_error("cannot make the %s certificate request on the card", names[k]);
	ERR_clear_error();
	sk_X509_EXTENSION_free(exts);
	OPENSSL_free(der);
	X509_REQ_free(req);
	return ret;
}

/* @x onto the card under @id with @label. */
static int
store(const struct tool_p11 *p, X509 *x, unsigned char id, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
	int dl = i2d_X509(x, &der), sl = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	int il = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	int nl = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_ID, &id, 1 },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, der, (CK_ULONG)dl },
		{ CKA_SUBJECT, subj, (CK_ULONG)sl },
		{ CKA_ISSUER, iss, (CK_ULONG)il },
		{ CKA_SERIAL_NUMBER, ser, (CK_ULONG)nl },
	};
	CK_OBJECT_HANDLE o;
	CK_RV rv = CKR_HOST_MEMORY;

	if (dl > 0 && sl > 0 && il > 0 && nl > 0)
		rv = p->f->C_CreateObject(p->session, t, sizeof(t) / sizeof(t[0]), &o);
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	if (rv != CKR_OK) {
		tool_error("cannot store the new certificate on the card (0x%lx): run "
			   "'carecard-card renew' again", (unsigned long)rv);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* A non-2xx answer: 403 is the CA's refusal (EXIT_REFUSED), anything else a failure. */
static int
not_ok(const struct renew *r, const char *path, const struct tool_http *h, int ok)
{
	if (ok != 0 && h->result == TOOL_HTTP_UNTRUSTED) {
		tool_error("%s: the service's certificate is not trusted (%s): name its CA with "
			   "--cacert FILE", r->server, h->error);
		return EXIT_FAIL;
	}
	if (ok != 0) {
		tool_error("%s%s: %s (nothing is lost: run 'carecard-card renew' again)",
			   r->server, path, h->error);
		return EXIT_FAIL;
	}
	tool_http_refusal(h);
	if (h->status == 403)
		return EXIT_REFUSED;
	tool_error("nothing is lost: run 'carecard-card renew' again later");
	return EXIT_FAIL;
}

/* The new certificate k: the one on the card from an earlier run, or the CA's. */
static int
new_cert(struct renew *r, int k)
{
	const struct tool_p11 *p = &r->p;
	CK_OBJECT_HANDLE o = tool_p11_find(p, CKO_CERTIFICATE, new_id[k]);
	struct tool_http h = { 0 };
	char *b64 = NULL, *label = NULL, *sn = NULL;
	int ok, ret = EXIT_FAIL;

	if (o != CK_INVALID_HANDLE) {
		r->cert[k] = tool_p11_cert(p, new_id[k]);
		if (r->cert[k] != NULL && EVP_PKEY_eq(X509_get0_pubkey(r->cert[k]), r->pub[k]) == 1) {
			printf("the new %s certificate is already on the card\n", names[k]);
			return EXIT_OK;
		}
		X509_free(r->cert[k]);
		r->cert[k] = NULL;
		p->f->C_DestroyObject(p->session, o);	/* not this key's: ask again */
	}
	if (request(r, k, &b64) != 0)
		goto out;
	ok = tool_http_post_as(r->server, paths[k], r->cacert, "application/pkcs10", b64,
			       strlen(b64), r->cur[0], r->curkey, ANSWER_MAX, &h);
	if (ok != 0 || h.status != 200) {
		ret = not_ok(r, paths[k], &h, ok);
		goto out;
	}
	if ((r->cert[k] = tool_answer_cert(h.body, h.len)) == NULL ||
	    EVP_PKEY_eq(X509_get0_pubkey(r->cert[k]), r->pub[k]) != 1) {
		tool_error("the CA's answer is not a certificate for the new %s key", names[k]);
		goto out;
	}
	kill_point(k == 0 ? "renew:received-authentication" : "renew:received-signing");
	label = label_of(p, tool_p11_find(p, CKO_CERTIFICATE, old_id[k]), names[k]);
	if (label == NULL || (ret = store(p, r->cert[k], new_id[k], label)) != EXIT_OK)
		goto out;
	sn = i2s_ASN1_INTEGER(NULL, X509_get_serialNumber(r->cert[k]));
	printf("%s certificate received (serial %s)\n", names[k], sn != NULL ? sn : "?");
	kill_point(k == 0 ? "renew:stored-authentication" : "renew:stored-signing");
out:
	OPENSSL_free(sn);
	free(label);
	free(b64);
	tool_http_clear(&h);
	return ret;
}

/*
 * After a refused confirm: whether the CA has the new certificates as the
 * card's own already (an earlier run's confirmation whose answer was lost).
 */
static bool
already_confirmed(const struct renew *r)
{
	struct tool_http h = { 0 };
	char path[64], want[32], have[32];
	struct tm tm;
	bool yes = false;
	int k;

	snprintf(path, sizeof(path), "/holder/status/%s", r->serial);
	if (tool_http_get(r->server, path, r->cacert, 8192, &h) != 0 || h.status != 200 ||
	    !tool_answer_field(h.body, "expires", have, sizeof(have)))
		goto out;
	for (k = 0; k < 2 && !yes; k++) {
		if (ASN1_TIME_to_tm(X509_get0_notAfter(r->cert[k]), &tm) != 1)
			continue;
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		yes = strcmp(have, want) == 0;
	}
out:
	tool_http_clear(&h);
	return yes;
}

/* Confirm with the new authentication key; EXIT_OK when the CA has confirmed. */
static int
confirm(struct renew *r)
{
	struct tool_http h = { 0 };
	int ok, ret = EXIT_OK;

	ok = tool_http_post_as(r->server, EST "/confirm", r->cacert, "application/pkcs10", "", 0,
			       r->cert[0], r->key[0], ANSWER_MAX, &h);
	if (ok == 0 && h.status == 200)
		goto out;
	if (ok == 0 && h.status == 403 && already_confirmed(r)) {
		printf("the CA had confirmed this renewal already (an earlier run was "
		       "interrupted)\n");
		goto out;
	}
	ret = not_ok(r, EST "/confirm", &h, ok);
out:
	tool_http_clear(&h);
	return ret;
}

/* Move the object of @cls from @from to @to: delete what @to holds, then rename. */
static int
move(const struct tool_p11 *p, CK_OBJECT_CLASS cls, unsigned char from, unsigned char to,
     const char *label)
{
	CK_OBJECT_HANDLE n = tool_p11_find(p, cls, from), o;
	CK_ATTRIBUTE t[] = {
		{ CKA_ID, &to, 1 },
		{ CKA_LABEL, (void *)label, label != NULL ? strlen(label) : 0 },
	};
	CK_RV rv = CKR_OK;

	if (n == CK_INVALID_HANDLE)
		return EXIT_OK;		/* moved by an earlier run */
	while (rv == CKR_OK && (o = tool_p11_find(p, cls, to)) != CK_INVALID_HANDLE)
		rv = p->f->C_DestroyObject(p->session, o);
	if (rv == CKR_OK)
		rv = p->f->C_SetAttributeValue(p->session, n, t, label != NULL ? 2 : 1);
	if (rv != CKR_OK) {
		tool_error("the card refused to replace an old object (0x%lx): run "
			   "'carecard-card renew' again to finish", (unsigned long)rv);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * The confirmed renewal onto the card: the mark, then the signing objects,
 * the authentication keys, and last the marked certificate (unmarked).
 */
static int
swap(const struct tool_p11 *p)
{
	static const CK_OBJECT_CLASS keys[] = { CKO_PUBLIC_KEY, CKO_PRIVATE_KEY };
	CK_OBJECT_HANDLE c = tool_p11_find(p, CKO_CERTIFICATE, new_id[0]);
	char *label = label_of(p, c, names[0]), *marked = NULL;
	const char *plain;
	int ret = EXIT_FAIL, k;
	size_t i;

	if (label == NULL)
		return EXIT_FAIL;
	plain = strncmp(label, CONFIRMED, strlen(CONFIRMED)) == 0 ? label + strlen(CONFIRMED)
								  : label;
	if (c != CK_INVALID_HANDLE && plain == label) {
		CK_ATTRIBUTE t = { CKA_LABEL, NULL, 0 };

		if (asprintf(&marked, CONFIRMED "%s", label) < 0)
			goto out;
		t.pValue = marked;
		t.ulValueLen = strlen(marked);
		if (p->f->C_SetAttributeValue(p->session, c, &t, 1) != CKR_OK) {
			tool_error("cannot mark the renewal as confirmed on the card: run "
				   "'carecard-card renew' again");
			goto out;
		}
	}
	kill_point("renew:marked");
	for (k = 1; k >= 0; k--) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((ret = move(p, keys[i], new_id[k], old_id[k], NULL)) != EXIT_OK)
				goto out;
		if (k == 1 && (ret = move(p, CKO_CERTIFICATE, new_id[1], old_id[1], NULL)) !=
		    EXIT_OK)
			goto out;
		kill_point("renew:swapping");
	}
	ret = move(p, CKO_CERTIFICATE, new_id[0], old_id[0], plain);
out:
	free(marked);
	free(label);
	return ret;
}

/* Whether an earlier run was killed during the swap (the mark is on the card). */
static bool
swap_pending(const struct tool_p11 *p)
{
	char *label = label_of(p, tool_p11_find(p, CKO_CERTIFICATE, new_id[0]), "");
	bool yes = label != NULL && strncmp(label, CONFIRMED, strlen(CONFIRMED)) == 0;

	free(label);
	return yes;
}

/* Steps 1-4 (see the top); on a refusal the new objects are removed. */
static int
renew(struct renew *r)
{
	CK_OBJECT_HANDLE priv = tool_p11_find(&r->p, CKO_PRIVATE_KEY, old_id[0]);
	struct tool_http h = { 0 };
	int ret, k;

	for (k = 0; k < 2; k++) {
		if ((r->cur[k] = tool_p11_cert(&r->p, old_id[k])) == NULL) {
			tool_error("card %s has no %s certificate: it has not been issued (see "
				   "your RA)", r->serial, names[k]);
			return EXIT_FAIL;
		}
	}
	if ((r->curkey = tool_p11_pkey(&r->p, priv, X509_get0_pubkey(r->cur[0]), r->pin)) ==
	    NULL) {
		tool_error("cannot use the card's authentication key");
		return EXIT_FAIL;
	}
	/* The service reachable and trusted before anything is made on the card. */
	ret = tool_http_get(r->server, EST "/cacerts", r->cacert, ANSWER_MAX, &h);
	if (ret != 0 || h.status != 200) {
		ret = ret != 0 ? not_ok(r, EST "/cacerts", &h, ret) : EXIT_FAIL;
		if (ret == EXIT_FAIL && h.result == TOOL_HTTP_OK)
			tool_error("%s is not the CA's EST service (HTTP %d for cacerts)",
				   r->server, h.status);
		tool_http_clear(&h);
		return ret;
	}
	tool_http_clear(&h);
	for (k = 0; k < 2; k++)
		if ((ret = new_pair(r, k)) != EXIT_OK)
			return ret;
	for (k = 0; k < 2; k++)
		if ((ret = new_cert(r, k)) != EXIT_OK)
			goto out;
	if ((ret = confirm(r)) == EXIT_OK)
		kill_point("renew:confirmed");
out:
	if (ret == EXIT_REFUSED) {
		remove_new(&r->p);
		fprintf(stderr, "The card is unchanged (the new keys were removed).\n");
	}
	return ret;
}

static const char renew_usage[] =
	"Usage: carecard-card renew --server URL [--reader NAME|NUMBER] [--cacert FILE]\n"
	"                           [--module PATH]\n"
	"\n"
	"Renew your card's two certificates over the network (EST): new keys are made\n"
	"on the card, the CA's service issues their certificates, and only when the\n"
	"renewal is confirmed are the old keys removed. Interrupted, it is finished by\n"
	"running it again. The passcode is read from the terminal (without one, a\n"
	"line of stdin). --reader defaults to the first reader holding a card.\n"
	"Exit status: 0 renewed, 8 the CA refused (its message says what to do; the\n"
	"card is unchanged), 6 passcode wrong or card locked, 1 other failure.\n";

int
tool_cmd_renew(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "reader", required_argument, NULL, 'r' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *reader = NULL;
	struct renew r;
	size_t idx = 0;
	char *sn = NULL;
	int o, ret, k;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': r.server = optarg; break;
		case 'r': reader = optarg; break;
		case 'c': r.cacert = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(renew_usage, stdout); return EXIT_OK;
		default: fputs(renew_usage, stderr); return EXIT_USAGE;
		}
	}
	if (r.server == NULL || optind != argc || strncmp(r.server, "https://", 8) != 0) {
		tool_error("renew needs --server https://... (the CA's service)");
		return EXIT_USAGE;
	}
	if ((ret = tool_pick_reader(conf, reader, &idx)) != EXIT_OK ||
	    (ret = tool_p11_open(tool_module_path(module), conf->readers[idx].name, true, &r.p)) !=
	    EXIT_OK)
		return ret;
	if ((ret = tool_p11_login(&r.p, r.serial, r.pin, sizeof(r.pin))) != EXIT_OK)
		goto out;
	if (swap_pending(&r.p))
		printf("the CA confirmed this renewal earlier: finishing it on the card\n");
	else if ((ret = renew(&r)) != EXIT_OK)
		goto out;
	if ((ret = swap(&r.p)) != EXIT_OK)
		goto out;
	printf("renewal confirmed; old keys removed\n");
	X509_free(r.cur[0]);
	if ((r.cur[0] = tool_p11_cert(&r.p, old_id[0])) != NULL &&
	    (sn = i2s_ASN1_INTEGER(NULL, X509_get_serialNumber(r.cur[0]))) != NULL)
		printf("Card %s renewed: authentication certificate %s.\n", r.serial, sn);
out:
	OPENSSL_free(sn);
	for (k = 0; k < 2; k++) {
		X509_free(r.cur[k]);
		X509_free(r.cert[k]);
		EVP_PKEY_free(r.key[k]);
		EVP_PKEY_free(r.pub[k]);
	}
	EVP_PKEY_free(r.curkey);
	if (r.p.f != NULL && r.p.session != CK_INVALID_HANDLE)
		r.p.f->C_Logout(r.p.session);
	tool_p11_close(&r.p);
	tool_p11_pkey_cleanup();
	OPENSSL_cleanse(r.pin, sizeof(r.pin));
	return ret;
}
