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
#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/ra/ops.h"
#include "ca/service/api-actions.h"
#include "ca/service/api-body.h"
#include "ca/service/api.h"
#include "ca/service/api-int.h"
#include "ca/service/api-requests.h"
#include "ca/service/api-terms.h"
#include "ca/service/blob.h"
#include "ca/service/holder.h"
#include "ca/service/http-int.h"
#include "ca/service/sched.h"
#include "ca/service/svc.h"
#include "common/log.h"

#define PREFIX "/api/"
#define JSON_TYPE "application/json"
#define HISTORY_MAX 50		/* history entries on the profile */
#define PEOPLE "/api/v1/people/"	/* + UUID: a person's record, for RA staff */
#define SEARCH "/api/v1/people"		/* ?q=TEXT: find people, for RA staff */
#define SEARCH_Q_MAX 64		/* bytes of a search text */
#define STR_(x) #x
#define STR(x) STR_(x)
#define SEARCH_LIMIT 50		/* people in one answer */

bool
svc_api_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0 || strcmp(path, "/api") == 0;
}

void
svc_api_reply(struct svc_reply *out, int status, const char *outcome, json_t *obj)
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

json_t *
svc_api_str(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

void
svc_api_error(struct svc_reply *out, int status, const char *outcome, const char *message,
	    const char *rule, const char *todo)
{
	json_t *o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "error", svc_api_str(outcome));
		json_object_set_new(o, "message", svc_api_str(message));
		if (rule != NULL)
			json_object_set_new(o, "rule", svc_api_str(rule));
		if (todo != NULL)
			json_object_set_new(o, "todo", svc_api_str(todo));
	}
	svc_api_reply(out, status, outcome, o);
}

json_t *
svc_api_table(const struct ca_table *t)
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
			json_object_set_new(row, t->cols[c].name, svc_api_str(cell));
		}
	}
	return a;
}

static json_t *
profile_json(const struct ca_person_record *r, const struct ca_table *actions)
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
		json_object_set_new(o, r->person.cols[c].name, svc_api_str(ca_table_cell(&r->person, 0, c)));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		json_t *a = svc_api_table(parts[i].t);

		if (a == NULL || json_object_set_new(o, parts[i].name, a) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	if (actions != NULL) {
		json_t *a = svc_api_table(actions);

		if (a == NULL || json_object_set_new(o, "actions", a) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * The library calls of the API, each on the CA thread in a session of its
 * own (borrowed from the thread's) whose actor is the client certificate's
 * holder.
 */
struct op_job {
	X509 *cert;
	bool operator;
	svc_api_op *fn;
	void *arg;
	struct ca_result *res;
};

static int
op_run(struct ca_session *parent, void *arg)
{
	struct op_job *j = arg;
	struct ca_session *s = NULL;
	int r;

	if ((r = ca_session_borrow(parent, &s)) != CA_OK)
		return r;
	r = j->operator ? ca_session_operator_cert(s, j->cert, NULL, j->res) :
		ca_session_holder_cert(s, j->cert, j->res);
	if (r == CA_OK)
		r = j->fn(s, j->arg, j->res);
	ca_result_complete(j->res, r);
	ca_session_close(s);
	return r;
}

static int
op_schedule(struct svc *svc, X509 *cert, bool operator, svc_api_op *fn, void *arg,
	    struct ca_result *res)
{
	struct op_job j = { .cert = cert, .operator = operator, .fn = fn, .arg = arg, .res = res };

	memset(res, 0, sizeof(*res));
	return svc_sched_ca(svc->sched, op_run, &j);
}

int
svc_api_as_operator(struct svc *svc, X509 *cert, svc_api_op *fn, void *arg,
		    struct ca_result *res)
{
	return op_schedule(svc, cert, true, fn, arg, res);
}

int
svc_api_as_holder(struct svc *svc, X509 *cert, svc_api_op *fn, void *arg, struct ca_result *res)
{
	return op_schedule(svc, cert, false, fn, arg, res);
}

bool
svc_api_body(struct evhttp_request *req, const struct svc_api_field *fields, size_t n,
	     struct svc_reply *out)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char why[200];
	int st;

	st = svc_api_body_fields(len > 0 ? (const char *)evbuffer_pullup(in, -1) : NULL, len,
				 fields, n, why, sizeof(why));
	if (len > 0)	/* a body may hold a code: not left in the buffer's memory */
		OPENSSL_cleanse(evbuffer_pullup(in, -1), len);
	if (st != 200)
		svc_api_error(out, st, st == 413 ? "too-large" : "bad-request", why, NULL, NULL);
	return st == 200;
}

/* A person's record: the caller's own (uuid NULL, as the holder) or, for RA staff, another's. */
struct record_job {
	const char *uuid;
	struct ca_person_record rec;
	struct ca_table actions;	/* another's: what the caller may do (the gate's) */
};

static int
record_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct record_job *j = arg;

	int r;

	if (j->uuid == NULL)
		return ca_op_self_profile(s, HISTORY_MAX, &j->rec, res);
	if ((r = ca_op_person_show(s, j->uuid, HISTORY_MAX, &j->rec, res)) != CA_OK)
		return r;
	return ca_op_person_actions(s, &j->rec, &j->actions, res);
}

void
svc_api_refusal(const struct ca_result *res, int r, struct svc_reply *out)
{
	const struct svc_refusal *f = svc_refusal_of(r);
	const char *rule = res->rule;

	if (f->status == 500)
		util_log(LOG_ERR, "api: %s: %s", ca_strerror(r), res->text);
	if (rule == NULL && f->status == 403)
		rule = "authentication";
	svc_api_error(out, f->status, f->outcome, svc_refusal_text(f, res->text), rule, f->todo);
}

/* My record with "terms": whether I accepted the current terms (api-terms.c). */
static json_t *
me_terms(struct svc *svc, X509 *cert, json_t *o)
{
	json_t *t = o != NULL ? svc_api_terms_me(svc, cert) : NULL;

	if (t == NULL || json_object_set_new(o, "terms", t) != 0) {
		json_decref(o);
		return NULL;	/* answered 500: never "no terms" by mistake */
	}
	return o;
}

static void
record(struct svc *svc, X509 *cert, const char *uuid, struct svc_reply *out)
{
	struct record_job j;
	struct ca_result res;
	int r;

	memset(&j, 0, sizeof(j));
	j.uuid = uuid;
	r = uuid == NULL ? svc_api_as_holder(svc, cert, record_run, &j, &res) :
		svc_api_as_operator(svc, cert, record_run, &j, &res);
	if (r != CA_OK)
		svc_api_refusal(&res, r, out);
	else if (uuid != NULL)
		svc_api_reply(out, 200, "api-person", profile_json(&j.rec, &j.actions));
	else
		svc_api_reply(out, 200, "api-me", me_terms(svc, cert, profile_json(&j.rec, NULL)));
	ca_person_record_clear(&j.rec);
	ca_table_clear(&j.actions);
}

static void
me(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
   struct svc_reply *out)
{
	(void)req;
	(void)rest;
	record(svc, cert, NULL, out);
}

#define HISTORY_SUFFIX "/history"

/*
 * PEOPLE + UUID: the record (GET); + UUID/history: api-reports.c's;
 * + UUID/positions: api-actions.c's.
 */
static void
person(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
       struct svc_reply *out)
{
	const char *slash = strchr(rest, '/');
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	bool read = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD;
	char uuid[32];

	if (slash != NULL && strncmp(slash, "/positions", 10) == 0) {
		svc_api_positions(svc, req, cert, rest, out);
	} else if (slash != NULL && strcmp(slash, HISTORY_SUFFIX) != 0) {
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL,
			      "see the API description (ca/service/api/openapi.yaml)");
	} else if (!read) {
		svc_api_error(out, 405, "method-not-allowed", "GET, HEAD", NULL, NULL);
		out->allow = "GET, HEAD";
	} else if (slash == NULL) {
		record(svc, cert, rest, out);
	} else if ((size_t)(slash - rest) >= sizeof(uuid)) {
		svc_api_error(out, 400, "bad-request", "a UUID is 12 digits", NULL, NULL);
	} else {
		memcpy(uuid, rest, (size_t)(slash - rest));
		uuid[slash - rest] = '\0';
		svc_api_person_history(svc, req, cert, uuid, out);
	}
}

/* GET /api/v1/people?q=TEXT: the library's person search, as an RA operator. */
struct search_job {
	struct ca_person_query q;
	struct ca_table people;
};

static int
search_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct search_job *j = arg;

	return ca_op_person_search(s, &j->q, &j->people, res);
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
				json_array_append_new(a, svc_api_str(ods));
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
	json_object_set_new(o, "query", svc_api_str(text));
	json_object_set_new(o, "truncated", json_boolean(t->nrows > SEARCH_LIMIT));
	for (i = 0; i < t->nrows && i < SEARCH_LIMIT; i++) {
		if ((row = json_object()) == NULL || json_array_append_new(a, row) != 0) {
			json_decref(o);
			return NULL;
		}
		/* columns: uuid, name, email, mobile, positions, ... */
		json_object_set_new(row, "uuid", svc_api_str(ca_table_cell(t, i, 0)));
		json_object_set_new(row, "name", svc_api_str(ca_table_cell(t, i, 1)));
		json_object_set_new(row, "organisations", orgs_json(ca_table_cell(t, i, 4)));
	}
	return o;
}

bool
svc_api_query(struct evhttp_request *req, const struct svc_api_param *params, size_t n)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq kv;
	struct evkeyval *e;
	bool ok = true;
	size_t i, len;

	for (i = 0; i < n; i++)
		params[i].buf[0] = '\0';
	if (query == NULL)
		return true;
	if (strstr(query, "%00") != NULL)
		return false;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(query, &kv) != 0)
		ok = false;
	TAILQ_FOREACH(e, &kv, next) {
		for (i = 0; i < n && strcmp(e->key, params[i].name) != 0; i++)
			;
		/* unknown, or given twice (a value is never empty: that is 400 too) */
		if (!ok || i == n || params[i].buf[0] != '\0' || (len = strlen(e->value)) == 0 ||
		    len >= params[i].size) {
			ok = false;
			break;
		}
		memcpy(params[i].buf, e->value, len + 1);
	}
	evhttp_clear_headers(&kv);
	return ok;
}

static void
search(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
       struct svc_reply *out)
{
	char text[1024];	/* longer than SEARCH_Q_MAX: said so below */
	const struct svc_api_param q = { "q", text, sizeof(text) };
	struct search_job j;
	struct ca_result res;
	int r;

	(void)rest;
	memset(&j, 0, sizeof(j));
	if (!svc_api_query(req, &q, 1) || text[0] == '\0') {
		svc_api_error(out, 400, "bad-request", "send one parameter, q: a part of a name or "
			      "the first digits of a UUID (/api/v1/people?q=TEXT)", NULL, NULL);
		return;
	}
	if (strlen(text) > SEARCH_Q_MAX) {
		svc_api_error(out, 400, "bad-request", "q: at most " STR(SEARCH_Q_MAX) " bytes of "
			      "a name or the first digits of a UUID", NULL, NULL);
		return;
	}
	/* Digits are the start of a UUID (UUIDs are digits); anything else a name. */
	if (strspn(text, "0123456789") == strlen(text))
		j.q.uuid = text;
	else
		j.q.name = text;
	j.q.limit = SEARCH_LIMIT + 1;	/* one more says there were more */
	if ((r = svc_api_as_operator(svc, cert, search_run, &j, &res)) != CA_OK)
		svc_api_refusal(&res, r, out);
	else
		svc_api_reply(out, 200, "api-search", search_json(text, &j.people));
	ca_table_clear(&j.people);
}

void
svc_api_status(struct svc_reply *out, int status, const char *outcome, const char *text)
{
	json_t *o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "status", svc_api_str(outcome));
		json_object_set_new(o, "message", svc_api_str(text));
	}
	svc_api_reply(out, status, outcome, o);
}

/*
 * POST /api/v1/me/contact {"email": ...} or {"mobile": ...}: a code goes to
 * the new address (202); POST /api/v1/me/contact/confirm {"code": ...}:
 * the contact changes (200). The library decides, as for the form
 * endpoints (holder.c).
 */
static void
contact(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
	struct svc_reply *out)
{
	bool confirm = strcmp(rest, "/confirm") == 0;
	struct svc_holder_form f;
	const struct svc_api_field fields[] = {
		{ "email", f.email, sizeof(f.email), false },
		{ "mobile", f.mobile, sizeof(f.mobile), false },
		{ "code", f.code, sizeof(f.code), false },
	};
	struct ca_result res;
	int r;

	memset(&f, 0, sizeof(f));
	memset(&res, 0, sizeof(res));
	if (!confirm && rest[0] != '\0')
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL, NULL);
	else if (!svc_api_body(req, fields, sizeof(fields) / sizeof(fields[0]), out))
		;
	else if (!confirm && (f.email[0] == '\0') == (f.mobile[0] == '\0'))
		svc_api_error(out, 400, "bad-request", "send one of \"email\" or \"mobile\"", NULL,
			      NULL);
	else if (confirm && (f.code[0] == '\0' || f.email[0] != '\0' || f.mobile[0] != '\0'))
		svc_api_error(out, 400, "bad-request", "send \"code\" alone (from the message sent "
			      "to the new address)", NULL, NULL);
	else if (!confirm && svc->cfg.mail.relay[0] == '\0' && svc->cfg.sms.gateway[0] == '\0')
		svc_api_error(out, 503, "no-delivery", "this service sends no codes (neither mail "
			      "nor sms is configured)", NULL, "ask your RA to change your contact details");
	else if ((r = svc_holder_contact_run(svc, cert, confirm, &f, &res)) != CA_OK)
		svc_api_refusal(&res, r, out);
	else
		svc_api_status(out, confirm ? 200 : 202, confirm ? "contact-changed" :
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

#define READ (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

/*
 * Every endpoint, one row each (the first that matches answers; a prefix
 * row's endpoint gets the rest of the path). The endpoints of one concern
 * live in their own file (api-*.c).
 */
static const struct svc_api_route routes[] = {
	{ "/api/v1/me", false, READ, "GET, HEAD", me },
	{ "/api/v1/me/contact", true, EVHTTP_REQ_POST, "POST", contact },
	{ SEARCH, false, READ, "GET, HEAD", search },
	{ PEOPLE, true, READ | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE, "GET, HEAD, POST, DELETE",
	  person },	/* + UUID[/history|/positions] */
	{ "/api/v1/cards/", true, EVHTTP_REQ_POST, "POST", svc_api_card_cancel },
	{ "/api/v1/certificates/", true, EVHTTP_REQ_POST, "POST", svc_api_cert_revoke },
	{ "/api/v1/reports/", true, READ, "GET, HEAD", svc_api_reports },
	{ "/api/v1/tac", false, READ, "GET, HEAD", svc_api_tac },
	{ "/api/v1/terms", false, READ, "GET, HEAD", svc_api_terms },
	{ "/api/v1/terms/accept", false, EVHTTP_REQ_POST, "POST", svc_api_terms_accept },
	{ "/api/v1/requests", false, READ | EVHTTP_REQ_POST, "GET, HEAD, POST", svc_api_requests },
	{ "/api/v1/requests/", true, READ | EVHTTP_REQ_POST, "GET, HEAD, POST", svc_api_request },
};

static const struct svc_api_route *
route_find(const char *path, const char **rest)
{
	size_t i, n;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (routes[i].prefix ? strncmp(path, routes[i].path, n) == 0 :
		    strcmp(path, routes[i].path) == 0) {
			*rest = path + n;
			return &routes[i];
		}
	}
	return NULL;
}

/* Within the API's rate for @cert (keyed by its SHA-256 fingerprint)? */
static bool
cert_allowed(struct svc *svc, X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	char key[2 * EVP_MAX_MD_SIZE + 1];

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return false;
	for (i = 0; i < n; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	key[2 * n] = '\0';
	return svc_ratelimit_allow(svc->cert_rl, key, svc_mono_ns());
}

void
svc_api_handle(struct svc *svc, struct evhttp_request *req, const char *path,
	       struct svc_reply *out)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	SSL *ssl = svc_request_ssl(req);
	X509 *cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
	const struct svc_api_route *route;
	const char *rest;
	char self[SVC_PATH_MAX];

	svc_api_json_init();
	if (ssl == NULL) {
		svc_api_error(out, 403, "not-https", "the API is served over HTTPS only", NULL,
			    "use the service's https:// address");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		origin_of(svc->cfg.public_url, self, sizeof(self));
		if (!svc_api_same_origin(self, evhttp_find_header(in, "Content-Type"),
					 evhttp_find_header(in, "Origin"),
					 evhttp_find_header(in, "Sec-Fetch-Site"))) {
			svc_api_error(out, 403, "cross-origin", "a request that changes something "
				    "must come from the portal's own pages as JSON", NULL,
				    "use the portal, or send Content-Type: application/json "
				    "with the portal's Origin");
			return;
		}
	}
	if (cert == NULL) {
		svc_api_error(out, 401, "no-client-cert", "authenticate with your card's "
			    "authentication certificate (TLS client certificate)", "authentication",
			    "insert your card and log in again");
		return;
	}
	if (!cert_allowed(svc, cert)) {
		svc_api_error(out, 429, "rate-limited", "too many requests with this card's "
			      "certificate", NULL, "wait a second and try again");
		return;
	}
	route = route_find(path, &rest);
	if (route == NULL) {
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL,
			      "see the API description (ca/service/api/openapi.yaml)");
		return;
	}
	if ((m & route->methods) == 0) {
		svc_api_error(out, 405, "method-not-allowed", route->allow, NULL, NULL);
		out->allow = route->allow;
		return;
	}
	route->fn(svc, req, cert, rest, out);
}
