/*
 * pkcs11/card-tool-http.c: the holder tools' HTTP(S) GET and (HTTPS only) form
 * POST, and a POST authenticated by the card's key (TLS client certificate;
 * the key's operations on the card, card-tool-p11key.c), on libcurl.
 *
 * Certificates are verified the way every HTTPS client does it (the
 * system's trust store, or the CA file the holder names); a body larger
 * than asked for is cut off and reported, never grown without bound.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct sink {
	struct tool_http *h;
	size_t max;
};

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct sink *k = arg;
	size_t len = size * n;
	char *more;

	if (k->h->len + len > k->max)
		return 0;	/* too large: curl stops with CURLE_WRITE_ERROR */
	if ((more = realloc(k->h->body, k->h->len + len + 1)) == NULL)
		return 0;
	memcpy(more + k->h->len, data, len);
	k->h->body = more;
	k->h->len += len;
	k->h->body[k->h->len] = '\0';
	return len;
}

/* What a request sends beyond its URL. */
struct send {
	const char *form;		/* a form POST (HTTPS only: it carries secrets) */
	const char *ctype;		/* or a POST of @body as @ctype (HTTPS only) */
	const void *body;
	size_t len;
	X509 *cert;			/* TLS client certificate and its card key */
	EVP_PKEY *key;
};

/* The client certificate and its key on the card into curl's OpenSSL context. */
static CURLcode
on_ssl_ctx(CURL *c, void *ssl_ctx, void *arg)
{
	const struct send *s = arg;

	return tool_p11_pkey_tls(ssl_ctx, s->cert, s->key) == 0 ? CURLE_OK
								 : CURLE_SSL_CERTPROBLEM;
}

/* GET, or a POST of what @s says. */
static int
request(const char *base, const char *path, const char *cacert, const struct send *s,
	size_t max, struct tool_http *h)
{
	struct sink k = { h, max };
	struct curl_slist *hdr = NULL;
	char *url = NULL, *ct = NULL;
	CURL *c = NULL;
	CURLcode e;
	long status = 0;
	bool post = s->form != NULL || s->ctype != NULL;

	memset(h, 0, sizeof(*h));
	h->result = TOOL_HTTP_FAILED;
	if (asprintf(&url, "%s%s", base, path) < 0 || (c = curl_easy_init()) == NULL) {
		snprintf(h->error, sizeof(h->error), "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, post || s->cert != NULL ? "https" : "http,https");
	if (s->form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->form);
	if (s->ctype != NULL) {
		if (asprintf(&ct, "Content-Type: %s", s->ctype) < 0 ||
		    (hdr = curl_slist_append(NULL, ct)) == NULL) {
			snprintf(h->error, sizeof(h->error), "out of memory");
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)s->len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->len > 0 ? s->body : "");
	}
	if (s->cert != NULL) {
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)s);
		/* the context carries this request's key: never reuse a cached one */
		curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->error);
	if (cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
	e = curl_easy_perform(c);
	switch (e) {
	case CURLE_OK:
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		h->status = (int)status;
		h->result = TOOL_HTTP_OK;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		h->result = TOOL_HTTP_UNREACHABLE;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		h->result = TOOL_HTTP_UNTRUSTED;
		break;
	case CURLE_SSL_CERTPROBLEM:
		snprintf(h->error, sizeof(h->error), "the card's certificate or key could not "
			 "be used for TLS");
		break;
	case CURLE_WRITE_ERROR:
		snprintf(h->error, sizeof(h->error), "answer larger than %zu bytes", max);
		break;
	default:
		break;
	}
	if (h->error[0] == '\0')
		snprintf(h->error, sizeof(h->error), "%s", curl_easy_strerror(e));
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	free(ct);
	free(url);
	return h->result == TOOL_HTTP_OK ? 0 : -1;
}

int
tool_http_get(const char *base, const char *path, const char *cacert, size_t max,
	      struct tool_http *h)
{
	struct send s = { NULL };

	return request(base, path, cacert, &s, max, h);
}

int
tool_http_post(const char *base, const char *path, const char *cacert, const char *form,
	       size_t max, struct tool_http *h)
{
	struct send s = { form };

	return request(base, path, cacert, &s, max, h);
}

int
tool_http_post_as(const char *base, const char *path, const char *cacert, const char *ctype,
		  const void *body, size_t len, X509 *cert, EVP_PKEY *key, size_t max,
		  struct tool_http *h)
{
	struct send s = { NULL, ctype, body, len, cert, key };

	return request(base, path, cacert, &s, max, h);
}

void
tool_http_clear(struct tool_http *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}

/* See card-tool.h. */
void
tool_http_refusal(const struct tool_http *h)
{
	char text[512];
	size_t i, n = 0;

	for (i = 0; i < h->len && n + 1 < sizeof(text); i++)
		if ((unsigned char)h->body[i] >= ' ' || h->body[i] == '\n')
			text[n++] = h->body[i] == '\n' ? ' ' : h->body[i];
	while (n > 0 && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	tool_error("the CA refused (HTTP %d): %s", h->status, n > 0 ? text : "no reason given");
}
