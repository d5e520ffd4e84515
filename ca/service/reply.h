/*
 * ca/service/reply: what an endpoint that answers through the CA library
 * (EST, est.c; the holder's, holder.c) hands back to the request path
 * (handler.c), and the helpers both use to fill it.
 */
#ifndef CC_SVC_REPLY_H
#define CC_SVC_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>
#include <openssl/ssl.h>

struct svc_blob;

struct svc_reply {
	int status;
	struct svc_blob *blob;		/* body (a reference), or NULL */
	const char *type;		/* its Content-Type */
	const char *outcome;		/* for the access log */
	const char *allow;		/* 405 */
	const char *text;		/* static text body when no blob */
	const char *disposition;	/* Content-Disposition (static), or NULL */
};

/* A static text body. */
void svc_reply_say(struct svc_reply *out, int status, const char *outcome, const char *text);

/* A text body made now (@len bytes of @text; a refusal's words, a status). */
void svc_reply_body(struct svc_reply *out, int status, const char *outcome, const char *text,
		    size_t len);

/* @text and a newline as the body (a library result's one line). */
void svc_reply_line(struct svc_reply *out, int status, const char *outcome, const char *text);

/* 405 with the methods allowed. */
void svc_reply_method(struct svc_reply *out, const char *allow);

/*
 * How a library result other than CA_OK is answered over HTTP: one table
 * for every endpoint (holder.c, est.c, api.c) — the status, the outcome
 * word (the access log; the API's "error"), the words to use when the
 * library's own text is not for the client, and what the client may do.
 */
struct svc_refusal {
	int status;
	const char *outcome;	/* bad-request, not-found, refused, no-hsm, not-delivered, error */
	const char *message;	/* used instead of the library's text when it is empty, or always
				 * when own_words */
	bool own_words;
	const char *todo;	/* or NULL */
};

const struct svc_refusal *svc_refusal_of(int r);

/* The words to answer @r with: the library's @text, or the table's. */
const char *svc_refusal_text(const struct svc_refusal *f, const char *text);

/* @r as a text line ("words: todo"); a 500 is logged with @who and @text. */
void svc_reply_refusal(struct svc_reply *out, int r, const char *text, const char *who);

/* The TLS connection of @req, or NULL over plain HTTP. */
SSL *svc_request_ssl(struct evhttp_request *req);

#endif
