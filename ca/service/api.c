/*
 * ca/service/api.c: see api.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "ca/core/error.h"
#include "ca/ra/ops.h"
#include "ca/service/api-body.h"
#include "ca/service/api.h"
#include "ca/service/blob.h"
#include "ca/service/holder.h"
#include "ca/service/sched.h"
#include "ca/service/svc.h"
#include "common/log.h"

#define PREFIX "/api/"
#define JSON_TYPE "application/json"
#define HISTORY_MAX 50		/* history entries on the profile */
#define PEOPLE "/api/v1/people/"	/* + UUID: a person's record, for RA staff */
#define SEARCH "/api/v1/people"		/* ?q=TEXT: find people, for RA staff */
#define SEARCH_Q_MAX 64		/* bytes of a search text */
#define SEARCH_LIMIT 50		/* people in one answer */

bool
svc_api_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0 || strcmp(path, "/api") == 0;
}

/* @obj as the body (consumed). */
static void
reply_json(struct svc_reply *out, int status, const char *outcome, json_t *obj)
{
	/* Compact, "/" escaped so "</script>" never appears in a body. */
	const size_t flags = JSON_COMPACT | JSON_ESCAPE_SLASH;
	size_t n = obj != NULL ? json_dumpb(obj, NULL, 0, flags) : 0;
	char *text = n > 0 ? malloc(n + 1) : NULL;

	if (text != NULL && json_dumpb(obj, text, n, flags) == n)
		text[n] = '\0';
	else {
		free(text);
		text = NULL;
	}
	json_decref(obj);
	if (text == NULL) {
		svc_reply_say(out, 500, "api-error", "{\"error\":\"api-error\"}");
		out->type = JSON_TYPE;
		return;
	}
	svc_reply_body(out, status, outcome, text, n);
	out->type = JSON_TYPE;
	free(text);
}

/* A string member, or null when @s is NULL or not UTF-8. */
static json_t *
str(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

static void
reply_error(struct svc_reply *out, int status, const char *outcome, const char *message,
	    const char *rule, const char *todo)
{
	json_t *o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "error", str(outcome));
		json_object_set_new(o, "message", str(message));
		if (rule != NULL)
			json_object_set_new(o, "rule", str(rule));
		if (todo != NULL)
			json_object_set_new(o, "todo", str(todo));
	}
	reply_json(out, status, outcome, o);
}

/* A table as an array of objects keyed by column name. */
static json_t *
table_json(const struct ca_table *t)
{
	json_t *a = json_array(), *row;
	const char *cell;
	char *end;
	size_t i;
	unsigned c;

	for (i = 0; a != NULL && i < t->nrows; i++) {
		if ((row = json_object()) == NULL || json_array_append_new(a, row) != 0) {
			json_decref(a);
			return NULL;
		}
		for (c = 0; c < t->ncols; c++) {
			cell = ca_table_cell(t, i, c);
			if (cell != NULL && t->cols[c].type == CA_COL_NUM) {
				long long n = strtoll(cell, &end, 10);

				if (*cell != '\0' && *end == '\0') {
					json_object_set_new(row, t->cols[c].name, json_integer(n));
					continue;
				}
			}
			json_object_set_new(row, t->cols[c].name, str(cell));
		}
	}
	return a;
}

static json_t *
profile_json(const struct ca_person_record *r)
{
	json_t *o = json_object();
	const struct {
		const char *name;
		const struct ca_table *t;
	} parts[] = {
		{ "positions", &r->positions }, { "ra_roles", &r->roles }, { "cards", &r->cards },
		{ "certificates", &r->certs }, { "requests", &r->requests },
		{ "history", &r->history },
	};
	unsigned c;
	size_t i;

	if (o == NULL)
		return NULL;
	for (c = 0; r->person.nrows == 1 && c < r->person.ncols; c++)
		json_object_set_new(o, r->person.cols[c].name, str(ca_table_cell(&r->person, 0, c)));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		json_t *a = table_json(parts[i].t);

		if (a == NULL || json_object_set_new(o, parts[i].name, a) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* A person's record: the caller's own (@uuid NULL, as the holder) or, for RA staff, another's. */
struct record_job {
	X509 *cert;
	const char *uuid;
	struct ca_person_record rec;
	struct ca_result res;
};

static int
record_run(struct ca_session *parent, void *arg)
{
	struct record_job *j = arg;
	struct ca_session *s = NULL;
	int r;

	if ((r = ca_session_borrow(parent, &s)) != CA_OK)
		return r;
	if (j->uuid == NULL) {
		if ((r = ca_session_holder_cert(s, j->cert, &j->res)) == CA_OK)
			r = ca_op_self_profile(s, HISTORY_MAX, &j->rec, &j->res);
	} else if ((r = ca_session_operator_cert(s, j->cert, NULL, &j->res)) == CA_OK) {
		r = ca_op_person_show(s, j->uuid, HISTORY_MAX, &j->rec, &j->res);
	}
	ca_result_complete(&j->res, r);
	ca_session_close(s);
	return r;
}

static void
refusal(const struct ca_result *res, int r, struct svc_reply *out)
{
	switch (r) {
	case CA_ERR_INPUT:
	case CA_ERR_BAD_REQUEST:
	case CA_ERR_USAGE:
		reply_error(out, 400, "bad-request", res->text, NULL, NULL);
		break;
	case CA_ERR_NOT_FOUND:
		reply_error(out, 404, "not-found", res->text, res->rule, NULL);
		break;
	case CA_ERR_DENIED:
	case CA_ERR_AUTH:
	case CA_ERR_STATE:
		reply_error(out, 403, "refused", res->text, res->rule != NULL ? res->rule :
			    "authentication", NULL);
		break;
	case CA_ERR_HSM:
		reply_error(out, 503, "no-hsm", "this instance cannot answer (no HSM)",
			    NULL, "try another instance");
		break;
	case CA_ERR_IO:
		reply_error(out, 503, "not-delivered", res->text[0] != '\0' ? res->text :
			    "the code could not be delivered", NULL, "try again later");
		break;
	default:
		util_log(LOG_ERR, "api: %s: %s", ca_strerror(r), res->text);
		reply_error(out, 500, "api-error", "the service failed; the log says why", NULL,
			    "try again later");
	}
}

static void
record(struct svc *svc, X509 *cert, const char *uuid, struct svc_reply *out)
{
	struct record_job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.cert = cert;
	j.uuid = uuid;
	if ((r = svc_sched_ca(svc->sched, record_run, &j)) != CA_OK)
		refusal(&j.res, r, out);
	else
		reply_json(out, 200, uuid == NULL ? "api-me" : "api-person", profile_json(&j.rec));
	ca_person_record_clear(&j.rec);
}

/* GET /api/v1/people?q=TEXT: the library's person search, as an RA operator. */
struct search_job {
	X509 *cert;
	struct ca_person_query q;
	struct ca_table people;
	struct ca_result res;
};

static int
search_run(struct ca_session *parent, void *arg)
{
	struct search_job *j = arg;
	struct ca_session *s = NULL;
	int r;

	if ((r = ca_session_borrow(parent, &s)) != CA_OK)
		return r;
	if ((r = ca_session_operator_cert(s, j->cert, NULL, &j->res)) == CA_OK)
		r = ca_op_person_search(s, &j->q, &j->people, &j->res);
	ca_result_complete(&j->res, r);
	ca_session_close(s);
	return r;
}

/* The distinct ODS codes of a positions cell ("role@ODS,role@ODS", by ODS). */
static json_t *
orgs_json(const char *positions)
{
	json_t *a = json_array();
	const char *p = positions, *at, *end;
	char ods[32], last[32] = "";

	while (a != NULL && p != NULL && *p != '\0') {
		end = p + strcspn(p, ",");
		at = memchr(p, '@', (size_t)(end - p));
		if (at != NULL && (size_t)(end - at - 1) < sizeof(ods)) {
			memcpy(ods, at + 1, (size_t)(end - at - 1));
			ods[end - at - 1] = '\0';
			if (strcmp(ods, last) != 0)
				json_array_append_new(a, str(ods));
			snprintf(last, sizeof(last), "%s", ods);
		}
		p = *end == ',' ? end + 1 : end;
	}
	return a;
}

/* uuid, name and organisations of each person: no contact details. */
static json_t *
search_json(const char *text, const struct ca_table *t)
{
	json_t *o = json_object(), *a = json_array(), *row;
	size_t i;

	if (o == NULL || a == NULL || json_object_set_new(o, "people", a) != 0) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	json_object_set_new(o, "query", str(text));
	json_object_set_new(o, "truncated", json_boolean(t->nrows > SEARCH_LIMIT));
	for (i = 0; i < t->nrows && i < SEARCH_LIMIT; i++) {
		if ((row = json_object()) == NULL || json_array_append_new(a, row) != 0) {
			json_decref(o);
			return NULL;
		}
		/* columns: uuid, name, email, mobile, positions, ... */
		json_object_set_new(row, "uuid", str(ca_table_cell(t, i, 0)));
		json_object_set_new(row, "name", str(ca_table_cell(t, i, 1)));
		json_object_set_new(row, "organisations", orgs_json(ca_table_cell(t, i, 4)));
	}
	return o;
}

/* The one parameter q of @query (NULL: none) into @text: 200, or 400 with @why. */
static int
search_query(const char *query, char *text, size_t size, char *why, size_t wsize)
{
	struct evkeyvalq kv;
	struct evkeyval *e;
	const char *q = NULL;
	int st = 200;

	TAILQ_INIT(&kv);
	if (query == NULL || evhttp_parse_query_str(query, &kv) != 0 || strstr(query, "%00") != NULL)
		st = 400;
	TAILQ_FOREACH(e, &kv, next) {
		if (strcmp(e->key, "q") != 0 || q != NULL)
			st = 400;
		q = e->value;
	}
	if (st == 200 && (q == NULL || *q == '\0'))
		st = 400;
	if (st == 200 && strlen(q) > SEARCH_Q_MAX) {
		snprintf(why, wsize, "q: at most %d bytes of a name or the first digits of a UUID",
			 SEARCH_Q_MAX);
		st = 400;
	} else if (st != 200) {
		snprintf(why, wsize, "send one parameter, q: a part of a name or the first digits "
			 "of a UUID (/api/v1/people?q=TEXT)");
	} else {
		snprintf(text, size, "%s", q);
	}
	evhttp_clear_headers(&kv);
	return st;
}

static void
search(struct svc *svc, struct evhttp_request *req, X509 *cert, struct svc_reply *out)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	char text[SEARCH_Q_MAX + 1], why[160];
	struct search_job j;
	int r;

	memset(&j, 0, sizeof(j));
	if (search_query(uri != NULL ? evhttp_uri_get_query(uri) : NULL, text, sizeof(text), why,
			 sizeof(why)) != 200) {
		reply_error(out, 400, "bad-request", why, NULL, NULL);
		return;
	}
	/* Digits are the start of a UUID (UUIDs are digits); anything else a name. */
	if (strspn(text, "0123456789") == strlen(text))
		j.q.uuid = text;
	else
		j.q.name = text;
	j.q.limit = SEARCH_LIMIT + 1;	/* one more says there were more */
	j.cert = cert;
	if ((r = svc_sched_ca(svc->sched, search_run, &j)) != CA_OK)
		refusal(&j.res, r, out);
	else
		reply_json(out, 200, "api-search", search_json(text, &j.people));
	ca_table_clear(&j.people);
}

/* A status answer: {"status": @outcome, "message": @text}. */
static void
reply_status(struct svc_reply *out, int status, const char *outcome, const char *text)
{
	json_t *o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "status", str(outcome));
		json_object_set_new(o, "message", str(text));
	}
	reply_json(out, status, outcome, o);
}

/*
 * POST /api/v1/me/contact {"email": ...} or {"mobile": ...}: a code goes to
 * the new address (202); POST /api/v1/me/contact/confirm {"code": ...}:
 * the contact changes (200). The library decides, as for the form
 * endpoints (holder.c).
 */
static void
contact(struct svc *svc, struct evhttp_request *req, X509 *cert, bool confirm,
	struct svc_reply *out)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct svc_holder_form f;
	struct ca_result res;
	char why[160];
	int st, r;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_error(out, 405, "method-not-allowed", "POST only", NULL, NULL);
		out->allow = "POST";
		return;
	}
	st = svc_api_body_parse(len > 0 ? (const char *)evbuffer_pullup(in, -1) : NULL, len, &f,
				why, sizeof(why));
	if (len > 0)	/* the body held the code: not left in the buffer's memory */
		OPENSSL_cleanse(evbuffer_pullup(in, -1), len);
	memset(&res, 0, sizeof(res));
	if (st != 200)
		reply_error(out, st, "bad-request", why, NULL, NULL);
	else if (!confirm && (f.email[0] == '\0') == (f.mobile[0] == '\0'))
		reply_error(out, 400, "bad-request", "send one of \"email\" or \"mobile\"", NULL,
			    NULL);
	else if (confirm && (f.code[0] == '\0' || f.email[0] != '\0' || f.mobile[0] != '\0'))
		reply_error(out, 400, "bad-request", "send \"code\" alone (from the message sent "
			    "to the new address)", NULL, NULL);
	else if (!confirm && svc->cfg.mail.relay[0] == '\0' && svc->cfg.sms.gateway[0] == '\0')
		reply_error(out, 503, "no-delivery", "this service sends no codes (neither mail "
			    "nor sms is configured)", NULL, "ask your RA to change your contact details");
	else if ((r = svc_holder_contact_run(svc, cert, confirm, &f, &res)) != CA_OK)
		refusal(&res, r, out);
	else
		reply_status(out, confirm ? 200 : 202, confirm ? "contact-changed" :
			     "contact-code-sent", res.done);
	svc_holder_form_clear(&f);
}

/* "scheme://host[:port]" of @url into @out ("" if it has none). */
static void
origin_of(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	n = (size_t)(p + 3 - url) + strcspn(p + 3, "/?#");
	if (n < size) {
		memcpy(out, url, n);
		out[n] = '\0';
	}
}

bool
svc_api_same_origin(const char *self, const char *content_type, const char *origin,
		    const char *fetch_site)
{
	size_t n = strlen(JSON_TYPE);

	/* application/json, parameters allowed; no form or text/plain. */
	if (content_type == NULL || strncasecmp(content_type, JSON_TYPE, n) != 0 ||
	    (content_type[n] != '\0' && content_type[n] != ';' && content_type[n] != ' '))
		return false;
	if (fetch_site != NULL)		/* the browser says where it came from */
		return strcmp(fetch_site, "same-origin") == 0;
	return origin != NULL && self[0] != '\0' && strcmp(origin, self) == 0;
}

void
svc_api_handle(struct svc *svc, struct evhttp_request *req, const char *path,
	       struct svc_reply *out)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	SSL *ssl = svc_request_ssl(req);
	X509 *cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
	char self[SVC_PATH_MAX];

	svc_api_json_init();
	if (ssl == NULL) {
		reply_error(out, 403, "not-https", "the API is served over HTTPS only", NULL,
			    "use the service's https:// address");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		origin_of(svc->cfg.public_url, self, sizeof(self));
		if (!svc_api_same_origin(self, evhttp_find_header(in, "Content-Type"),
					 evhttp_find_header(in, "Origin"),
					 evhttp_find_header(in, "Sec-Fetch-Site"))) {
			reply_error(out, 403, "cross-origin", "a request that changes something "
				    "must come from the portal's own pages as JSON", NULL,
				    "use the portal, or send Content-Type: application/json "
				    "with the portal's Origin");
			return;
		}
	}
	if (cert == NULL) {
		reply_error(out, 401, "no-client-cert", "authenticate with your card's "
			    "authentication certificate (TLS client certificate)", "authentication",
			    "insert your card and log in again");
		return;
	}
	if (strcmp(path, "/api/v1/me") == 0) {
		if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
			reply_error(out, 405, "method-not-allowed", "GET only", NULL, NULL);
			out->allow = "GET, HEAD";
			return;
		}
		record(svc, cert, NULL, out);
		return;
	}
	if (strcmp(path, SEARCH) == 0) {
		if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
			reply_error(out, 405, "method-not-allowed", "GET only", NULL, NULL);
			out->allow = "GET, HEAD";
			return;
		}
		search(svc, req, cert, out);
		return;
	}
	if (strncmp(path, PEOPLE, sizeof(PEOPLE) - 1) == 0) {
		if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
			reply_error(out, 405, "method-not-allowed", "GET only", NULL, NULL);
			out->allow = "GET, HEAD";
			return;
		}
		record(svc, cert, path + sizeof(PEOPLE) - 1, out);
		return;
	}
	if (strcmp(path, "/api/v1/me/contact") == 0 || strcmp(path, "/api/v1/me/contact/confirm") == 0) {
		contact(svc, req, cert, path[sizeof("/api/v1/me/contact") - 1] != '\0', out);
		return;
	}
	reply_error(out, 404, "not-found", "no such API endpoint", NULL,
		    "see the API description (ca/service/api/openapi.yaml)");
}
