/*
 * ca/service/sms.c: see sms.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "ca/core/error.h"
#include "ca/service/sms.h"
#include "common/log.h"

#define BODY_MAX 2048

static int
e164(const char *n)
{
	size_t i, len = strlen(n);

	if (len < 8 || len > 16 || n[0] != '+' || n[1] == '0')
		return 0;
	for (i = 1; i < len; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

/* The gateway's answer body is not ours to keep. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int
svc_sms_send(const struct svc_sms_conf *c, const char *number, const char *text)
{
	char body[BODY_MAX], err[CURL_ERROR_SIZE] = "";
	char *to = NULL, *msg = NULL;
	CURL *h = NULL;
	CURLcode rc;
	long status = 0;
	int n, r = CA_ERR_ALLOC;

	if (c == NULL || c->url == NULL)
		return CA_ERR_USAGE;
	if (!e164(number) || text == NULL)
		return CA_ERR_INPUT;
	if ((h = curl_easy_init()) == NULL ||
	    (to = curl_easy_escape(h, number, 0)) == NULL ||
	    (msg = curl_easy_escape(h, text, 0)) == NULL)
		goto out;
	n = snprintf(body, sizeof(body), "%s=%s&%s=%s", c->to_field ? c->to_field : "to", to,
		     c->text_field ? c->text_field : "text", msg);
	if (n < 0 || (size_t)n >= sizeof(body)) {
		r = CA_ERR_INPUT;
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)n);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 30L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status < 200 || status > 299) {
		/* Never the body: it holds the code. */
		util_log(LOG_ERR, "SMS through %s failed: %s", c->url,
			 rc != CURLE_OK ? (err[0] != '\0' ? err : curl_easy_strerror(rc))
					: "the gateway did not answer 2xx");
		r = CA_ERR_IO;
		goto out;
	}
	r = CA_OK;
out:
	OPENSSL_cleanse(body, sizeof(body));
	if (msg != NULL) {
		OPENSSL_cleanse(msg, strlen(msg));
		curl_free(msg);
	}
	curl_free(to);
	if (h != NULL)
		curl_easy_cleanup(h);
	return r;
}
