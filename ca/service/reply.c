/*
 * ca/service/reply.c: see reply.h.
 */
#include "config.h"

#include <stdio.h>

#include <event2/bufferevent_ssl.h>

#include "ca/core/error.h"
#include "ca/service/blob.h"
#include "ca/service/reply.h"
#include "ca/service/svc.h"
#include "common/log.h"

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

static const struct {
	int r;
	struct svc_refusal f;
} refusals[] = {
	{ CA_ERR_INPUT, { 400, "bad-request", "the request is malformed", false, NULL } },
	{ CA_ERR_BAD_REQUEST, { 400, "bad-request", "the request is malformed", false, NULL } },
	{ CA_ERR_USAGE, { 400, "bad-request", "the request is malformed", false, NULL } },
	{ CA_ERR_NOT_FOUND, { 404, "not-found", "not found", false, NULL } },
	/* already so (a position held): nothing to do, nothing broken */
	{ CA_ERR_EXISTS, { 409, "conflict", "already exists", false, NULL } },
	{ CA_ERR_DENIED, { 403, "refused", "refused", false, NULL } },
	{ CA_ERR_AUTH, { 403, "refused", "not authenticated", false, NULL } },
	{ CA_ERR_STATE, { 403, "refused", "refused", false, NULL } },
	{ CA_ERR_HSM, { 503, "no-hsm", "this instance cannot answer (no HSM)", true,
			"try another instance" } },
	{ CA_ERR_IO, { 503, "not-delivered", "the code could not be delivered", false,
		       "try again later" } },
};

static const struct svc_refusal failed = {
	500, "error", "the CA could not complete the request (the service's log says why)", true,
	"try again later"
};

const struct svc_refusal *
svc_refusal_of(int r)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].r == r)
			return &refusals[i].f;
	return &failed;
}

const char *
svc_refusal_text(const struct svc_refusal *f, const char *text)
{
	return f->own_words || text == NULL || text[0] == '\0' ? f->message : text;
}

void
svc_reply_refusal(struct svc_reply *out, int r, const char *text, const char *who)
{
	const struct svc_refusal *f = svc_refusal_of(r);
	char line[1024];

	if (f->status == 500)
		util_log(LOG_ERR, "%s: %s: %s", who, ca_strerror(r), text != NULL ? text : "");
	snprintf(line, sizeof(line), "%s%s%s", svc_refusal_text(f, text), f->todo ? ": " : "",
		 f->todo ? f->todo : "");
	svc_reply_line(out, f->status, f->outcome, line);
}

SSL *
svc_request_ssl(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;

	return bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
}
