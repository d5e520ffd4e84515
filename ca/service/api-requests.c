/*
 * ca/service/api-requests.c: registration requests in the portal API (see
 * api-requests.h), over the library's request operations (ca/ra/ops.h) as
 * the client certificate's holder acting as an RA operator. The gate
 * decides who may do what (a sponsor registers, an RA agent other than the
 * sponsor approves, the sponsor withdraws or an RA agent rejects) and the
 * library scopes what a sponsor reads to their own organisations: nothing
 * here checks a role.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "ca/core/error.h"
#include "ca/ra/ops.h"
#include "ca/service/api-int.h"
#include "ca/service/api-requests.h"

#define ID_DIGITS 18		/* a request number: 1 to 18 digits */

/* @s (@n bytes) as a request number: > 0, or 0 if it is not one. */
static int64_t
id_parse(const char *s, size_t n)
{
	int64_t id = 0;
	size_t i;

	if (n == 0 || n > ID_DIGITS)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		id = id * 10 + (s[i] - '0');
	}
	return id;
}

static void
bad_id(struct svc_reply *out)
{
	svc_api_error(out, 400, "bad-request", "a request is named by its number "
		      "(/api/v1/requests/ID, ID digits)", NULL, "see the open requests at "
		      "/api/v1/requests");
}

/* The library's calls, on the CA thread as the certificate's holder. */
struct req_job {
	const char *state;		/* list: NULL for all */
	int64_t id;			/* show, approve, reject */
	const char *text;		/* approve: the documents; reject: the reason */
	struct ca_register_req reg;
	enum { J_LIST, J_SHOW, J_REGISTER, J_APPROVE, J_REJECT } what;
	struct ca_table t;
};

static int
req_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct req_job *j = arg;

	switch (j->what) {
	case J_LIST:
		return ca_op_request_list(s, j->state, &j->t, res);
	case J_SHOW:
		return ca_op_request_show(s, j->id, &j->t, res);
	case J_REGISTER:
		return ca_op_register(s, &j->reg, &j->id, res);
	case J_APPROVE:
		return ca_op_verify_identity(s, j->id, j->text, res);
	case J_REJECT:
		return ca_op_request_reject(s, j->id, j->text, res);
	}
	return CA_ERR_INTERNAL;
}

/*
 * The one parameter "state" of @query (NULL: none, all requests): "open"
 * (or "sponsored": awaiting the identity check), "verified", "rejected" or
 * "all" into *@state (NULL for all): true, or false having answered 400.
 */
static bool
list_query(struct evhttp_request *req, const char **state, struct svc_reply *out)
{
	static const struct {
		const char *word, *state;
	} words[] = {
		{ "open", "sponsored" }, { "sponsored", "sponsored" }, { "verified", "verified" },
		{ "rejected", "rejected" }, { "all", NULL },
	};
	char v[16];
	const struct svc_api_param p = { "state", v, sizeof(v) };
	size_t i = 0;
	bool ok = svc_api_query(req, &p, 1);

	*state = NULL;
	if (ok && v[0] == '\0')
		return true;
	for (; ok && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i].word) == 0)
			break;
	if (!ok || i == sizeof(words) / sizeof(words[0])) {
		svc_api_error(out, 400, "bad-request", "send at most one parameter, state: open "
			      "(awaiting the identity check), verified, rejected or all "
			      "(/api/v1/requests?state=open)", NULL, NULL);
		return false;
	}
	*state = words[i].state;
	return true;
}

/* GET /api/v1/requests[?state=...]: {"state": ..., "requests": [...]}. */
static void
list(struct svc *svc, struct evhttp_request *req, X509 *cert, struct svc_reply *out)
{
	struct req_job j;
	struct ca_result res;
	json_t *o, *a;
	int r;

	memset(&j, 0, sizeof(j));
	j.what = J_LIST;
	if (!list_query(req, &j.state, out))
		return;
	if ((r = svc_api_as_operator(svc, cert, req_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
		goto out;
	}
	o = json_object();
	a = svc_api_table(&j.t);
	if (o == NULL || a == NULL || json_object_set_new(o, "requests", a) != 0) {
		json_decref(o);
		json_decref(a);
		o = NULL;
	} else {
		json_object_set_new(o, "state", svc_api_str(j.state != NULL ? j.state : "all"));
	}
	svc_api_reply(out, 200, "api-requests", o);
out:
	ca_table_clear(&j.t);
}

/* GET /api/v1/requests/ID: the request as one object of the list's members. */
static void
show(struct svc *svc, X509 *cert, int64_t id, struct svc_reply *out)
{
	struct req_job j;
	struct ca_result res;
	json_t *a;
	int r;

	memset(&j, 0, sizeof(j));
	j.what = J_SHOW;
	j.id = id;
	if ((r = svc_api_as_operator(svc, cert, req_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
	} else {
		a = svc_api_table(&j.t);
		svc_api_reply(out, 200, "api-request", a != NULL && json_array_size(a) == 1 ?
			      json_incref(json_array_get(a, 0)) : NULL);
		json_decref(a);
	}
	ca_table_clear(&j.t);
}

/* {"status": @outcome, "id": @id, "message": the library's words}. */
static void
done(struct svc_reply *out, int status, const char *outcome, int64_t id,
     const struct ca_result *res)
{
	json_t *o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "status", svc_api_str(outcome));
		json_object_set_new(o, "id", json_integer(id));
		json_object_set_new(o, "message", svc_api_str(res->done));
	}
	svc_api_reply(out, status, outcome, o);
}

/*
 * POST /api/v1/requests {"uuid", "name", "role", "ods"[, "email",
 * "mobile"]}: the caller sponsors the holder for the position (201).
 */
static void
register_one(struct svc *svc, struct evhttp_request *req, X509 *cert, struct svc_reply *out)
{
	char uuid[16], name[256], email[256], mobile[32], role[64], ods[32];
	const struct svc_api_field fields[] = {
		{ "uuid", uuid, sizeof(uuid), true },
		{ "name", name, sizeof(name), true },
		{ "email", email, sizeof(email), false },
		{ "mobile", mobile, sizeof(mobile), false },
		{ "role", role, sizeof(role), true },
		{ "ods", ods, sizeof(ods), true },
	};
	struct req_job j;
	struct ca_result res;
	int r;

	if (!svc_api_body(req, fields, sizeof(fields) / sizeof(fields[0]), out))
		return;
	memset(&j, 0, sizeof(j));
	j.what = J_REGISTER;
	j.reg.uuid = uuid;
	j.reg.name = name;
	j.reg.email = email[0] != '\0' ? email : NULL;
	j.reg.mobile = mobile[0] != '\0' ? mobile : NULL;
	j.reg.role = role;
	j.reg.ods = ods;
	if ((r = svc_api_as_operator(svc, cert, req_run, &j, &res)) != CA_OK)
		svc_api_refusal(&res, r, out);
	else
		done(out, 201, "registered", j.id, &res);
}

/*
 * POST /api/v1/requests/ID/approve {"documents": "passport,..."}: the RA
 * agent checked the holder's identity; POST .../reject {"reason": ...}:
 * closed unverified (the sponsor withdraws it, or an RA agent rejects it).
 */
static void
close_one(struct svc *svc, struct evhttp_request *req, X509 *cert, int64_t id, bool approve,
	  struct svc_reply *out)
{
	char text[512];
	const struct svc_api_field field = { approve ? "documents" : "reason", text,
					     sizeof(text), true };
	struct req_job j;
	struct ca_result res;
	int r;

	if (!svc_api_body(req, &field, 1, out))
		return;
	memset(&j, 0, sizeof(j));
	j.what = approve ? J_APPROVE : J_REJECT;
	j.id = id;
	j.text = text;
	if ((r = svc_api_as_operator(svc, cert, req_run, &j, &res)) != CA_OK)
		svc_api_refusal(&res, r, out);
	else
		done(out, 200, approve ? "approved" : "rejected", id, &res);
}

#define READS (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

static bool
method_is(struct evhttp_request *req, int methods, const char *allow, struct svc_reply *out)
{
	if ((evhttp_request_get_command(req) & methods) != 0)
		return true;
	svc_api_error(out, 405, "method-not-allowed", allow, NULL, NULL);
	out->allow = allow;
	return false;
}

void
svc_api_requests(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		 struct svc_reply *out)
{
	(void)rest;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
		register_one(svc, req, cert, out);
	else
		list(svc, req, cert, out);
}

void
svc_api_request(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		struct svc_reply *out)
{
	size_t n = strcspn(rest, "/");
	int64_t id = id_parse(rest, n);
	const char *action = rest + n;

	if (id <= 0)
		bad_id(out);
	else if (*action == '\0') {
		if (method_is(req, READS, "GET, HEAD", out))
			show(svc, cert, id, out);
	} else if (strcmp(action, "/approve") == 0 || strcmp(action, "/reject") == 0) {
		if (method_is(req, EVHTTP_REQ_POST, "POST", out))
			close_one(svc, req, cert, id, action[1] == 'a', out);
	} else {
		svc_api_error(out, 404, "not-found", "no such API endpoint: a request's are "
			      "/api/v1/requests/ID, .../approve and .../reject", NULL, NULL);
	}
}
