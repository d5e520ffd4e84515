/*
 * ca/service/reply.c: see reply.h.
 */
#include "config.h"

#include <stdio.h>

#include <event2/bufferevent_ssl.h>

#include "ca/service/blob.h"
#include "ca/service/reply.h"
#include "ca/service/svc.h"

#define TEXT_TYPE "text/plain; charset=utf-8"

void
svc_reply_say(struct svc_reply *out, int status, const char *outcome, const char *text)
{
	out->status = status;
	out->outcome = outcome;
	out->text = text;
}

void
svc_reply_body(struct svc_reply *out, int status, const char *outcome, const char *text,
	       size_t len)
{
	out->status = status;
	out->outcome = outcome;
	if ((out->blob = svc_blob_new(text, len, svc_now(), 0)) == NULL) {
		out->text = "out of memory\n";
		return;
	}
	out->type = TEXT_TYPE;
}

void
svc_reply_line(struct svc_reply *out, int status, const char *outcome, const char *text)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);

	svc_reply_body(out, status, outcome, buf,
		       (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void
svc_reply_method(struct svc_reply *out, const char *allow)
{
	svc_reply_say(out, 405, "method-not-allowed", "method not allowed\n");
	out->allow = allow;
}

SSL *
svc_request_ssl(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;

	return bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
}
