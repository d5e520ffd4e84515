/*
 * ca/service/holder-form.c: see holder-form.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/service/holder-form.h"

#define FORM_TYPE "application/x-www-form-urlencoded"

/* The media type, case-insensitive, parameters after ';' ignored. */
static bool
is_form(const char *ctype)
{
	size_t n = sizeof(FORM_TYPE) - 1;

	if (ctype == NULL)
		return false;
	ctype += strspn(ctype, " \t");
	return strncasecmp(ctype, FORM_TYPE, n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' || ctype[n] == '\t');
}

static void
clear_query(struct evkeyvalq *q)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, q, next)
		OPENSSL_cleanse(kv->value, strlen(kv->value));
	evhttp_clear_headers(q);
}

static bool
copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/* Base64 of at most SVC_HOLDER_KEY_MAX bytes, no whitespace. */
static bool
key_decode(const char *b64, unsigned char *out, size_t *outlen)
{
	size_t n = strlen(b64), pad;
	int k;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > SVC_HOLDER_KEY_MAX ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return false;
	pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
	if (strchr(b64, '=') != b64 + n - pad && pad > 0)
		return false;	/* '=' only at the end */
	if (pad == 0 && strchr(b64, '=') != NULL)
		return false;
	if ((k = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n)) < 0 ||
	    (size_t)k < pad)
		return false;
	*outlen = (size_t)k - pad;	/* EVP_DecodeBlock counts the padding as bytes */
	return *outlen > 0;
}

int
svc_holder_form_parse(const char *ctype, const unsigned char *body, size_t len,
		      struct svc_holder_form *out, const char **why)
{
	struct evkeyvalq q;
	const char *v;
	char *text;
	int st = 400;

	memset(out, 0, sizeof(*out));
	TAILQ_INIT(&q);
	if (!is_form(ctype)) {
		*why = "send " FORM_TYPE;
		return 415;
	}
	if (len > SVC_HOLDER_FORM_MAX) {
		*why = "request too large";
		return 413;
	}
	if ((text = malloc(len + 1)) == NULL) {
		*why = "out of memory";
		return 503;
	}
	if (len > 0)
		memcpy(text, body, len);
	text[len] = '\0';
	*why = "malformed form";
	if (strlen(text) != len || evhttp_parse_query_str(text, &q) != 0)
		goto out;
	*why = "a field is too long";
	if ((v = evhttp_find_header(&q, "card")) != NULL && !copy(out->card, sizeof(out->card), v))
		goto out;
	if ((v = evhttp_find_header(&q, "code")) != NULL && !copy(out->code, sizeof(out->code), v))
		goto out;
	if ((v = evhttp_find_header(&q, "email")) != NULL &&
	    !copy(out->email, sizeof(out->email), v))
		goto out;
	if ((v = evhttp_find_header(&q, "mobile")) != NULL &&
	    !copy(out->mobile, sizeof(out->mobile), v))
		goto out;
	*why = "key: base64 of the card's request key (SubjectPublicKeyInfo)";
	if ((v = evhttp_find_header(&q, "key")) != NULL &&
	    !key_decode(v, out->key, &out->keylen))
		goto out;
	*why = NULL;
	st = 200;
out:
	clear_query(&q);
	OPENSSL_clear_free(text, len + 1);
	if (st != 200)
		svc_holder_form_clear(out);
	return st;
}

void
svc_holder_form_clear(struct svc_holder_form *f)
{
	OPENSSL_cleanse(f, sizeof(*f));
}
