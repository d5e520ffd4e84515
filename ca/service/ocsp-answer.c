/*
 * ca/service/ocsp-answer.c: see ocsp-answer.h.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>

#include "ca/core/error.h"
#include "ca/service/ocsp-answer.h"

static const struct {
	const char *name;
	int status;	/* OCSPResponseStatus, for the error outcomes */
} outcomes[SVC_OCSP_NOUTCOME] = {
	[SVC_OCSP_GOOD] = { "good", -1 },
	[SVC_OCSP_REVOKED] = { "revoked", -1 },
	[SVC_OCSP_MALFORMED] = { "malformed", OCSP_RESPONSE_STATUS_MALFORMEDREQUEST },
	[SVC_OCSP_INTERNAL] = { "internal-error", OCSP_RESPONSE_STATUS_INTERNALERROR },
	[SVC_OCSP_TRYLATER] = { "try-later", OCSP_RESPONSE_STATUS_TRYLATER },
	[SVC_OCSP_UNAUTHORIZED] = { "unauthorized", OCSP_RESPONSE_STATUS_UNAUTHORIZED },
};

/* The unsigned error responses, encoded once by OpenSSL. */
static struct svc_blob *errors[SVC_OCSP_NOUTCOME];

int
svc_ocsp_init(void)
{
	OCSP_RESPONSE *r;
	unsigned char *der = NULL;
	int i, n;

	for (i = 0; i < SVC_OCSP_NOUTCOME; i++) {
		if (outcomes[i].status < 0 || errors[i] != NULL)
			continue;
		if ((r = OCSP_response_create(outcomes[i].status, NULL)) == NULL)
			return CA_ERR_CRYPTO;
		n = i2d_OCSP_RESPONSE(r, &der);
		OCSP_RESPONSE_free(r);
		if (n <= 0)
			return CA_ERR_CRYPTO;
		errors[i] = svc_blob_new(der, (size_t)n, 0, 0);
		OPENSSL_free(der);
		der = NULL;
		if (errors[i] == NULL)
			return CA_ERR_ALLOC;
	}
	return CA_OK;
}

void
svc_ocsp_cleanup(void)
{
	int i;

	for (i = 0; i < SVC_OCSP_NOUTCOME; i++) {
		svc_blob_unref(errors[i]);
		errors[i] = NULL;
	}
}

const char *
svc_ocsp_outcome_name(enum svc_ocsp_outcome o)
{
	return o < SVC_OCSP_NOUTCOME ? outcomes[o].name : "?";
}

static void
fail(struct svc_ocsp_answer *out, enum svc_ocsp_outcome o)
{
	out->outcome = o;
	out->blob = svc_blob_ref(errors[o]);
}

static void
hex(const unsigned char *b, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * len] = '\0';
}

/* The CertID's hashes are issuing CA @issuer's (in the site's snapshot). */
static bool
id_match(const struct svc_site *site, int issuer, int hash, const ASN1_OCTET_STRING *name,
	 const ASN1_OCTET_STRING *key)
{
	const struct ca_ocsp_issuer_id *want;

	if (issuer < 0 || issuer >= CA_ISSUER_COUNT || !site->has_id[issuer])
		return false;
	want = &site->id[issuer];
	return (size_t)ASN1_STRING_length(name) == want->len[hash] &&
	       (size_t)ASN1_STRING_length(key) == want->len[hash] &&
	       memcmp(ASN1_STRING_get0_data(name), want->name[hash], want->len[hash]) == 0 &&
	       memcmp(ASN1_STRING_get0_data(key), want->key[hash], want->len[hash]) == 0;
}

/*
 * The request's single CertID, checked against issuing CA @issuer (the
 * URL's), or during a rollover's overlap its other generation, which
 * shares the URL and the name: the key hash tells them apart.
 */
static void
answer_id(const struct svc_site *site, struct svc_store *store, int issuer, OCSP_CERTID *id,
	  int64_t now, struct svc_ocsp_answer *out)
{
	ASN1_OCTET_STRING *name = NULL, *key = NULL;
	ASN1_OBJECT *alg = NULL;
	ASN1_INTEGER *serial = NULL;
	const unsigned char *s;
	struct svc_blob *b = NULL;
	bool revoked = false;
	int nid, n;

	if (OCSP_id_get0_info(&name, &alg, &key, &serial, id) != 1 || name == NULL ||
	    alg == NULL || key == NULL || serial == NULL) {
		fail(out, SVC_OCSP_MALFORMED);
		return;
	}
	nid = OBJ_obj2nid(alg);
	out->hash = nid == NID_sha1 ? CA_OCSP_SHA1 : nid == NID_sha256 ? CA_OCSP_SHA256 : -1;
	/* Another hash, another CA: nothing we can vouch for (RFC 5019 2.2.3). */
	if (out->hash < 0) {
		fail(out, SVC_OCSP_UNAUTHORIZED);
		return;
	}
	if (!id_match(site, issuer, out->hash, name, key)) {
		issuer = ca_issuer_sibling(issuer);
		if (!id_match(site, issuer, out->hash, name, key)) {
			fail(out, SVC_OCSP_UNAUTHORIZED);
			return;
		}
	}
	s = ASN1_STRING_get0_data(serial);
	n = ASN1_STRING_length(serial);
	while (n > 0 && *s == 0) {	/* the store's keys have no leading zeros */
		s++;
		n--;
	}
	/* Our serials are positive and at most 20 octets: anything else was
	 * never issued here. */
	if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER || n > SVC_SERIAL_MAX) {
		fail(out, SVC_OCSP_UNAUTHORIZED);
		return;
	}
	hex(s, (size_t)n, out->serial);
	switch (svc_store_get(store, issuer, s, (size_t)n, out->hash, now, &b, &revoked)) {
	case SVC_READY:
		out->outcome = revoked ? SVC_OCSP_REVOKED : SVC_OCSP_GOOD;
		out->blob = b;
		return;
	case SVC_NOT_READY:
		fail(out, SVC_OCSP_TRYLATER);
		return;
	case SVC_NOT_ISSUED:
	default:
		fail(out, SVC_OCSP_UNAUTHORIZED);
		return;
	}
}

void
svc_ocsp_answer(const struct svc_site *site, struct svc_store *store, int issuer,
		const unsigned char *der, size_t len, int64_t now, struct svc_ocsp_answer *out)
{
	const unsigned char *p = der;
	OCSP_REQUEST *req = NULL;
	OCSP_ONEREQ *one;

	out->blob = NULL;
	out->hash = -1;
	out->serial[0] = '\0';
	if (issuer < 0 || issuer >= CA_ISSUER_COUNT) {
		fail(out, SVC_OCSP_INTERNAL);
		return;
	}
	/* RFC 5019 2.1.1: exactly one Request; a signature or a nonce may be
	 * present and is ignored (the answer is pre-signed). */
	if (len == 0 || len > LONG_MAX || (req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL ||
	    p != der + len || OCSP_request_onereq_count(req) != 1 ||
	    (one = OCSP_request_onereq_get0(req, 0)) == NULL)
		fail(out, SVC_OCSP_MALFORMED);
	else
		answer_id(site, store, issuer, OCSP_onereq_get0_id(one), now, out);
	OCSP_REQUEST_free(req);
	ERR_clear_error();	/* a bad request is not our error: leave nothing queued */
}

bool
svc_ocsp_get_decode(const char *tail, size_t len, unsigned char *out, size_t cap, size_t *outlen)
{
	char *enc = NULL, *b64 = NULL, *quad = NULL, *eq;
	size_t n = 0, pad = 0, need;
	int got;
	bool ok = false;

	if (len == 0 || len > 8192 || memchr(tail, '\0', len) != NULL)
		return false;
	if ((enc = malloc(len + 1)) == NULL)
		return false;
	memcpy(enc, tail, len);
	enc[len] = '\0';
	/* Percent-decoding by libevent; '+' is a base64 digit, not a space. */
	if ((b64 = evhttp_uridecode(enc, 0, &n)) == NULL || n == 0 || memchr(b64, '\0', n))
		goto out;
	if (n % 4 == 1 || strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				 "0123456789+/=") != n)
		goto out;
	/* EVP_DecodeBlock wants whole quads and counts the padding as zero
	 * bytes: pad short input, then drop what the padding stood for. */
	need = (n + 3) / 4 * 4;
	if (need / 4 * 3 > cap || (quad = malloc(need + 1)) == NULL)
		goto out;
	memcpy(quad, b64, n);
	memset(quad + n, '=', need - n);
	quad[need] = '\0';
	while (pad < 2 && quad[need - 1 - pad] == '=')
		pad++;
	if ((eq = strchr(quad, '=')) != NULL && eq < quad + need - pad)
		goto out;	/* padding in the middle */
	if ((got = EVP_DecodeBlock(out, (const unsigned char *)quad, (int)need)) < 0 ||
	    (size_t)got < pad)
		goto out;
	*outlen = (size_t)got - pad;
	ok = true;
out:
	free(quad);
	free(b64);
	free(enc);
	return ok;
}
