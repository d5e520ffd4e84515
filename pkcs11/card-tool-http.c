/*
 * pkcs11/card-tool-http.c: the holder tools' HTTP(S) GET and (HTTPS only) form
 * POST, on libcurl.
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

/* GET, or with @form a POST of it (then HTTPS only: it carries secrets). */
static int
request(const char *base, const char *path, const char *cacert, const char *form, size_t max,
	struct tool_http *h)
{
	struct sink k = { h, max };
	char *url = NULL;
	CURL *c = NULL;
	CURLcode e;
	long status = 0;

	memset(h, 0, sizeof(*h));
	h->result = TOOL_HTTP_FAILED;
	if (asprintf(&url, "%s%s", base, path) < 0 || (c = curl_easy_init()) == NULL) {
		snprintf(h->error, sizeof(h->error), "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, form != NULL ? "https" : "http,https");
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
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
	free(url);
	return h->result == TOOL_HTTP_OK ? 0 : -1;
}

int
tool_http_get(const char *base, const char *path, const char *cacert, size_t max,
	      struct tool_http *h)
{
	return request(base, path, cacert, NULL, max, h);
}

int
tool_http_post(const char *base, const char *path, const char *cacert, const char *form,
	       size_t max, struct tool_http *h)
{
	return request(base, path, cacert, form, max, h);
}

void
tool_http_clear(struct tool_http *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}
