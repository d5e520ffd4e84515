/*
 * ca/service/handler.c: one HTTP request — route by path, check the
 * method, answer from memory, log one line.
 *
 *   /healthz                     GET, HEAD   200 when serving (503 if not)
 *   <profile ocsp-url>           POST        OCSP (RFC 6960 A.1)
 *   <profile ocsp-url>/<b64>     GET, HEAD   OCSP, cacheable (RFC 5019 5)
 *   <CRL, delta CRL URLs>        GET, HEAD   application/pkix-crl
 *   <CA certificate URLs>        GET, HEAD   application/pkix-cert
 *   <chain URLs>                 GET, HEAD   application/pem-certificate-chain
 *   /portal/...                  GET, HEAD   the portal's pages (portal.c), HTTPS only
 *
 * Anything else: 404, 405 with Allow, 429 over the client's rate. Caching
 * (RFC 9111): ETag and Last-Modified on every object, If-None-Match and
 * If-Modified-Since answered 304, and Cache-Control max-age never longer
 * than the policy's ocsp.revocation-latency, whatever nextUpdate says —
 * the bound relying parties are promised for seeing a revocation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "ca/service/accesslog.h"
#include "ca/service/est.h"
#include "ca/service/api.h"
#include "ca/service/holder.h"
#include "ca/service/http-int.h"
#include "ca/service/ocsp-answer.h"
#include "ca/service/portal.h"

#define OCSP_GET_MAX 4096	/* decoded request bytes in a GET URL */

static const char *const content_types[] = {
	[CA_PUB_OCSP] = "application/ocsp-response",
	[CA_PUB_CRL] = "application/pkix-crl",
	[CA_PUB_DELTA_CRL] = "application/pkix-crl",
	[CA_PUB_CERT] = "application/pkix-cert",
	[CA_PUB_CHAIN] = "application/pem-certificate-chain",
};

/* What one request gets. */
struct reply {
	int status;
	struct svc_blob *blob;		/* body (a reference), or NULL */
	const char *text;		/* or a short text body */
	const char *type;		/* Content-Type of blob */
	const char *allow;		/* 405: the methods the endpoint takes */
	const char *outcome;		/* for the log */
	const char *disposition;	/* Content-Disposition, or NULL */
	int64_t max_age;		/* -1: no caching headers; 0: no-store */
	bool validators;		/* send ETag and Last-Modified of blob */
	bool head;
	bool page;			/* the portal's or its API's: security headers */
	size_t bytes;
};

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_TRACE:		return "TRACE";
	case EVHTTP_REQ_CONNECT:	return "CONNECT";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	default:			return "?";
	}
}

static void
text(struct reply *rp, int status, const char *outcome, const char *body)
{
	svc_blob_unref(rp->blob);
	rp->blob = NULL;
	rp->status = status;
	rp->outcome = outcome;
	rp->text = body;
	rp->max_age = 0;
	rp->validators = false;
}

static void
not_allowed(struct reply *rp, const char *allow)
{
	text(rp, 405, "method-not-allowed", "method not allowed\n");
	rp->allow = allow;
}

static void
http_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || evutil_date_rfc1123(buf, len, &tm) == 0)
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* RFC 9110 13.1.3: an IMF-fixdate; the obsolete forms are not worth it. */
static bool
parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* 304 when the client's copy is current (RFC 9110 13.1.1 and 13.1.3). */
static bool
not_modified(struct evhttp_request *req, const struct svc_blob *b)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *inm = evhttp_find_header(in, "If-None-Match");
	int64_t ims;

	if (inm != NULL)	/* takes precedence over If-Modified-Since */
		return strcmp(inm, "*") == 0 || strstr(inm, b->etag) != NULL;
	return parse_date(evhttp_find_header(in, "If-Modified-Since"), &ims) &&
	       b->this_update <= ims;
}

static int64_t
max_age(const struct svc_site *site, const struct svc_blob *b, int64_t now)
{
	int64_t m = site->max_age;

	if (b->next_update > 0 && b->next_update - now < m)
		m = b->next_update - now;
	return m > 0 ? m : 0;
}

static void
serve_blob(struct reply *rp, struct svc_blob *b, const char *type, int64_t age)
{
	rp->status = 200;
	rp->blob = b;
	rp->type = type;
	rp->max_age = age;
	rp->validators = true;
}

static void
handle_ocsp(struct svc_worker *w, struct evhttp_request *req, const struct ca_pub_item *it,
	    const char *tail, size_t tlen, int64_t now, struct reply *rp)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct svc_ocsp_answer a;
	unsigned char buf[OCSP_GET_MAX];
	const unsigned char *der = buf;
	struct evbuffer *body;
	size_t len = 0;
	bool get = tail != NULL;

	if (get ? (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) : m != EVHTTP_REQ_POST) {
		not_allowed(rp, get ? "GET, HEAD" : "POST");
		return;
	}
	if (get) {
		if (!svc_ocsp_get_decode(tail, tlen, buf, sizeof(buf), &len))
			len = 0;	/* answered malformedRequest below */
	} else {
		body = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(body);
		if ((der = evbuffer_pullup(body, -1)) == NULL)
			len = 0;
	}
	svc_ocsp_answer(w->site, w->svc->store, (int)it->issuer, len > 0 ? der : NULL, len, now, &a);
	if (a.blob == NULL) {
		text(rp, 503, "out-of-memory", "try again\n");
		return;
	}
	rp->outcome = svc_ocsp_outcome_name(a.outcome);
	/* RFC 6960: errors are OCSP responses too, sent with 200. */
	serve_blob(rp, a.blob, content_types[CA_PUB_OCSP], -1);
	if (a.outcome != SVC_OCSP_GOOD && a.outcome != SVC_OCSP_REVOKED) {
		rp->validators = false;
		rp->max_age = get ? 0 : -1;
	} else if (get) {
		rp->max_age = max_age(w->site, a.blob, now);
	} else {
		rp->validators = false;	/* POST is not cacheable */
	}
}

static void
handle_object(struct svc_worker *w, struct evhttp_request *req, int i, int64_t now,
	      struct reply *rp)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct ca_pub_item *it = &w->site->names.item[i];
	struct svc_blob *b = w->site->obj[i];

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		not_allowed(rp, "GET, HEAD");
		return;
	}
	if (b == NULL) {	/* the first CRL is still being made */
		text(rp, 503, "not-yet-published", "not published yet, try again shortly\n");
		return;
	}
	rp->outcome = ca_pub_kind_name(it->kind);
	serve_blob(rp, svc_blob_ref(b), content_types[it->kind], max_age(w->site, b, now));
}

/* The CA's policy and its hash, for workstations (carecard-card doctor). */
static void
handle_policy(struct svc_worker *w, struct evhttp_request *req, bool hash, struct reply *rp)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct svc_blob *b = hash ? w->site->policy_sha256 : w->site->policy;

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		not_allowed(rp, "GET, HEAD");
		return;
	}
	rp->outcome = "policy";
	serve_blob(rp, svc_blob_ref(b), hash ? "text/plain; charset=utf-8" :
		   "application/yaml; charset=utf-8", 0);
	rp->validators = false;
}

static void
handle_health(struct svc_worker *w, struct evhttp_request *req, int64_t now, struct reply *rp)
{
	static __thread char body[384];
	char regline[128];
	struct svc *svc = w->svc;
	int64_t down = atomic_load(&svc->registry_down);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	bool ok = atomic_load(&svc->loaded) && now - atomic_load(&svc->heartbeat) < 30 &&
		  !atomic_load(&svc->stopping);

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		not_allowed(rp, "GET, HEAD");
		return;
	}
	/* Still 200 while the registry is away: OCSP answers and CRLs come
	 * from what is stored; renewals and unlocks fail until it is back. */
	if (down == 0)
		snprintf(regline, sizeof(regline), "ok");
	else
		snprintf(regline, sizeof(regline), "unreachable for %lld s (serving stored answers; "
			 "changes fail until it is back)", (long long)(now - down));
	snprintf(body, sizeof(body), "status: %s\ncertificates: %zu\nready: %zu\njobs: %s\n"
		 "registry: %s\n",
		 ok ? "ok" : atomic_load(&svc->stopping) ? "stopping" : "starting",
		 atomic_load(&svc->entries), atomic_load(&svc->ready),
		 !atomic_load(&svc->jobs) ? "elsewhere" :
		 atomic_load(&svc->jobs_failing) ? "here, failing (see the log)" : "here", regline);
	text(rp, ok ? 200 : 503, ok ? "healthy" : "unhealthy", body);
}

static void
route(struct svc_worker *w, struct evhttp_request *req, int64_t now, struct reply *rp)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	size_t plen;
	int i;

	if (path == NULL || *path != '/') {
		text(rp, 400, "bad-request", "bad request\n");
		return;
	}
	plen = strlen(path);
	if (strcmp(path, "/healthz") == 0) {
		handle_health(w, req, now, rp);
		return;
	}
	if (svc_portal_path(path)) {
		struct svc_reply pr;

		svc_portal_handle(w->svc->portal, req, path, &pr);
		text(rp, pr.status, pr.outcome, pr.text);
		rp->blob = pr.blob;
		rp->type = pr.type;
		rp->allow = pr.allow;
		rp->page = true;
		return;
	}
	if (svc_est_path(path) || svc_holder_path(path) || svc_api_path(path)) {
		struct svc_reply er;	/* est.c, holder.c, api.c */

		memset(&er, 0, sizeof(er));
		if (svc_est_path(path))
			svc_est_handle(w->svc, req, path, now, &er);
		else if (svc_holder_path(path))
			svc_holder_handle(w->svc, req, path, &er);
		else
			svc_api_handle(w->svc, req, path, &er);
		text(rp, er.status, er.outcome, er.text);
		rp->blob = er.blob;
		rp->type = er.type;
		rp->allow = er.allow;
		rp->disposition = er.disposition;
		rp->page = svc_api_path(path);
		return;
	}
	if (w->site == NULL) {
		text(rp, 503, "starting", "starting\n");
		return;
	}
	if (strcmp(path, SVC_POLICY_PATH) == 0 || strcmp(path, SVC_POLICY_SHA256_PATH) == 0) {
		handle_policy(w, req, path[sizeof(SVC_POLICY_PATH) - 1] != '\0', rp);
		return;
	}
	if ((i = svc_site_find(w->site, path, plen)) >= 0) {
		if (w->site->names.item[i].kind == CA_PUB_OCSP) {
			handle_ocsp(w, req, &w->site->names.item[i], NULL, 0, now, rp);
			return;
		}
		handle_object(w, req, i, now, rp);
		return;
	}
	if ((i = svc_site_find_ocsp_get(w->site, path, plen)) >= 0) {
		size_t l = strlen(w->site->names.item[i].path) + 1;

		handle_ocsp(w, req, &w->site->names.item[i], path + l, plen - l, now, rp);
		return;
	}
	text(rp, 404, "not-found", "not found\n");
}

static void
headers(struct evhttp_request *req, const struct reply *rp, int64_t now)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char date[64], buf[96];

	if (rp->blob != NULL)
		evhttp_add_header(out, "Content-Type", rp->type);
	if (rp->allow != NULL)
		evhttp_add_header(out, "Allow", rp->allow);
	if (rp->disposition != NULL && rp->blob != NULL)
		evhttp_add_header(out, "Content-Disposition", rp->disposition);
	if (rp->page)
		svc_portal_headers(out);
	if (rp->status == 429 || rp->status == 503)
		evhttp_add_header(out, "Retry-After", rp->status == 429 ? "1" : "5");
	if (rp->validators && rp->blob != NULL) {
		evhttp_add_header(out, "ETag", rp->blob->etag);
		http_date(rp->blob->this_update, date, sizeof(date));
		evhttp_add_header(out, "Last-Modified", date);
	}
	if (rp->max_age > 0) {
		snprintf(buf, sizeof(buf), "max-age=%lld, public, no-transform, must-revalidate",
			 (long long)rp->max_age);
		evhttp_add_header(out, "Cache-Control", buf);
		http_date(now + rp->max_age, date, sizeof(date));
		evhttp_add_header(out, "Expires", date);
	} else if (rp->max_age == 0) {
		evhttp_add_header(out, "Cache-Control", "no-store");
	}
}

static void
on_complete(struct evhttp_request *req, void *arg)
{
	struct svc_conn *c = arg;

	c->inflight--;
	c->deadline = svc_mono_ms() + c->timeout_ms;
}

static void
site_refresh(struct svc_worker *w)
{
	unsigned long gen = atomic_load_explicit(&w->svc->site.gen, memory_order_acquire);

	if (gen == w->site_gen && w->site != NULL)
		return;
	svc_site_unref(w->site);
	w->site = svc_current_get(&w->svc->site);
	w->site_gen = gen;
}

static void
send_reply(struct evhttp_request *req, struct reply *rp, int64_t now)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	char len[24];

	headers(req, rp, now);
	if (rp->validators && rp->blob != NULL && rp->status == 200 &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_POST && not_modified(req, rp->blob)) {
		rp->status = 304;
		rp->outcome = "not-modified";
	} else if (rp->head) {
		/* HEAD: the length of what GET would send, and no body */
		snprintf(len, sizeof(len), "%zu", rp->blob != NULL ? rp->blob->len
			 : rp->text != NULL ? strlen(rp->text) : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
	} else if (rp->blob != NULL) {
		/* zero-copy: the blob stays referenced until the bytes are written */
		if (evbuffer_add_reference(out, rp->blob->data, rp->blob->len, svc_blob_release_cb,
					   svc_blob_ref(rp->blob)) != 0)
			svc_blob_unref(rp->blob);
		rp->bytes = rp->blob->len;
	} else if (rp->text != NULL) {
		evbuffer_add(out, rp->text, strlen(rp->text));
		rp->bytes = strlen(rp->text);
	}
	evhttp_send_reply(req, rp->status, NULL, NULL);
}

void
svc_handle(struct evhttp_request *req, void *arg)
{
	struct svc_worker *w = arg;
	struct svc *svc = w->svc;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct svc_conn *c = NULL;
	struct reply rp;
	int64_t t0 = svc_mono_ns(), now = svc_now();
	char *peer = NULL;
	ev_uint16_t port = 0;
	const char *uri;

	memset(&rp, 0, sizeof(rp));
	rp.max_age = -1;
	if (evcon != NULL) {
		evhttp_connection_get_peer(evcon, &peer, &port);
		if ((c = svc_conn_find(w, evhttp_connection_get_bufferevent(evcon))) != NULL) {
			c->inflight++;
			c->requests++;
			evhttp_request_set_on_complete_cb(req, on_complete, c);
		}
	}
	atomic_fetch_add_explicit(&svc->requests, 1, memory_order_relaxed);
	site_refresh(w);
	rp.head = evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
	if (!svc_ratelimit_allow(svc->rl, peer != NULL ? peer : "", t0))
		text(&rp, 429, "rate-limited", "too many requests\n");
	else
		route(w, req, now, &rp);
	if (w->stopping)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	send_reply(req, &rp, now);
	uri = evhttp_request_get_uri(req);
	svc_accesslog_line(svc->log, w->logbuf, svc_worker_date(w, now), peer != NULL ? peer : "-",
			   method_name(evhttp_request_get_command(req)), uri != NULL ? uri : "-",
			   rp.status, rp.bytes, rp.outcome != NULL ? rp.outcome : "-",
			   (svc_mono_ns() - t0) / 1000);
	svc_accesslog_flush(svc->log, w->logbuf, 0);
	svc_blob_unref(rp.blob);
}
