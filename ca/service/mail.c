/*
 * ca/service/mail.c: see mail.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "ca/core/error.h"
#include "ca/service/mail.h"
#include "common/log.h"

#define ADDR_MAX 254	/* RFC 5321 4.5.3.1.3 path, less the brackets */
#define MSG_MAX 4096

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t len = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, len);
	u->p += len;
	u->left -= len;
	return len;
}

/* A mailbox we put into an SMTP command and a header as is: no controls, no <>, one @. */
static int
addr_ok(const char *a)
{
	size_t n = strlen(a), i, at = 0;

	if (n == 0 || n > ADDR_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)a[i];

		if (ch <= ' ' || ch == 0x7f || ch == '<' || ch == '>' || ch == '"' || ch == '\\')
			return 0;
		at += ch == '@';
	}
	return at == 1 && a[0] != '@' && a[n - 1] != '@';
}

static int
line_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* The message: headers, blank line, body with CRLF line ends (RFC 5322). */
static int
compose(const struct svc_mail_conf *c, const char *to, const char *subject, const char *text,
	char *out, size_t size, size_t *len)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t used;
	int n;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		return CA_ERR_INTERNAL;
	n = snprintf(out, size, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
		     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: 8bit\r\n\r\n", date, c->from, to, subject);
	if (n < 0 || (size_t)n >= size)
		return CA_ERR_INPUT;
	used = (size_t)n;
	for (; *text != '\0'; text++) {
		if (used + 3 >= size)
			return CA_ERR_INPUT;
		if (*text == '\r')
			continue;
		if (*text == '\n')
			out[used++] = '\r';
		out[used++] = *text;
	}
	if (used + 3 >= size)
		return CA_ERR_INPUT;
	memcpy(out + used, "\r\n", 3);
	*len = used + 2;
	return CA_OK;
}

int
svc_mail_send(const struct svc_mail_conf *c, const char *to, const char *subject,
	      const char *text)
{
	char msg[MSG_MAX], err[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL;
	struct upload u;
	size_t len = 0;
	CURL *h = NULL;
	CURLcode rc;
	int r;

	if (c == NULL || c->relay == NULL || c->from == NULL || !addr_ok(c->from))
		return CA_ERR_USAGE;
	if (!addr_ok(to) || !line_ok(subject))
		return CA_ERR_INPUT;
	if ((r = compose(c, to, subject, text, msg, sizeof(msg), &len)) != CA_OK)
		goto out;
	r = CA_ERR_ALLOC;
	if ((h = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, to)) == NULL)
		goto out;
	u.p = msg;
	u.left = len;
	curl_easy_setopt(h, CURLOPT_URL, c->relay);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);	/* STARTTLS or nothing */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, c->from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 30L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		/* Never the message: it may hold a code. */
		util_log(LOG_ERR, "mail to the holder's address through %s failed: %s", c->relay,
			 err[0] != '\0' ? err : curl_easy_strerror(rc));
		r = CA_ERR_IO;
		goto out;
	}
	r = CA_OK;
out:
	OPENSSL_cleanse(msg, sizeof(msg));
	curl_slist_free_all(rcpt);
	if (h != NULL)
		curl_easy_cleanup(h);
	return r;
}
