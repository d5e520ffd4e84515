/*
 * ca/service/api-terms.c: the portal's terms and conditions (issue 17).
 *
 *   GET /api/v1/terms          the current text and version, and whether
 *                              (and when, with which card) I accepted it
 *   POST /api/v1/terms/accept  {"version": V}: accept version V, which must
 *                              be the current one (409 otherwise: the text
 *                              changed while it was being read)
 *
 * The text and version are the service's (terms.c, serve.terms); the
 * library decides and records (ca_op_terms_status, ca_op_terms_accept),
 * as the client certificate's holder.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ca/core/error.h"
#include "ca/ra/ops.h"
#include "ca/service/api-int.h"
#include "ca/service/api-terms.h"
#include "ca/service/svc.h"
#include "ca/service/terms.h"

/* A status or an acceptance, on the CA thread. */
struct terms_job {
	const char *version;
	bool accept;
	bool accepted;
	struct ca_terms_acceptance a;
};

static int
terms_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct terms_job *j = arg;

	if (j->accept) {
		j->accepted = true;
		return ca_op_terms_accept(s, j->version, &j->a, res);
	}
	return ca_op_terms_status(s, j->version, &j->accepted, &j->a, res);
}

static json_t *
iso_json(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* {"version", "accepted", "accepted_at", "card", "certificate"} of @j into @o. */
static void
status_members(json_t *o, const char *version, const struct terms_job *j)
{
	json_object_set_new(o, "version", svc_api_str(version));
	json_object_set_new(o, "accepted", json_boolean(j->accepted));
	json_object_set_new(o, "accepted_at", j->accepted ? iso_json(j->a.accepted_at) :
			    json_null());
	json_object_set_new(o, "card", j->accepted ? svc_api_str(j->a.card) : json_null());
	json_object_set_new(o, "certificate", j->accepted ? svc_api_str(j->a.certificate) :
			    json_null());
}

static void
no_terms(struct svc_reply *out)
{
	svc_api_error(out, 404, "no-terms", "this service has no terms and conditions", NULL,
		      "nothing to accept (the CA operator names them in serve.terms)");
}

void
svc_api_terms(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
	      struct svc_reply *out)
{
	struct svc_terms *t = svc_terms_get(svc);
	struct terms_job j;
	struct ca_result res;
	json_t *o;
	int r;

	(void)req;
	(void)rest;
	memset(&j, 0, sizeof(j));
	if (t == NULL) {
		no_terms(out);
		return;
	}
	j.version = svc_terms_version(t);
	if ((r = svc_api_as_holder(svc, cert, terms_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
	} else if ((o = json_object()) != NULL) {
		status_members(o, j.version, &j);
		json_object_set_new(o, "text", svc_api_str(svc_terms_text(t, NULL)));
		svc_api_reply(out, 200, "api-terms", o);
	} else {
		svc_api_reply(out, 500, "api-error", NULL);
	}
	svc_terms_put(t);
}

void
svc_api_terms_accept(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		     struct svc_reply *out)
{
	struct svc_terms *t = svc_terms_get(svc);
	char version[CA_TERMS_VERSION_MAX + 1] = "";
	const struct svc_api_field fields[] = {
		{ "version", version, sizeof(version), true },
	};
	struct terms_job j;
	struct ca_result res;
	json_t *o;
	int r;

	(void)rest;
	memset(&j, 0, sizeof(j));
	if (t == NULL)
		no_terms(out);
	else if (!svc_api_body(req, fields, 1, out))
		;
	else if (strcmp(version, svc_terms_version(t)) != 0)
		svc_api_error(out, 409, "terms-changed", "that is not the current version of the "
			      "terms and conditions", NULL, "read the current terms "
			      "(GET /api/v1/terms) and accept that version");
	else {
		j.version = svc_terms_version(t);
		j.accept = true;
		if ((r = svc_api_as_holder(svc, cert, terms_run, &j, &res)) != CA_OK) {
			svc_api_refusal(&res, r, out);
		} else if ((o = json_object()) != NULL) {
			json_object_set_new(o, "status", json_string("terms-accepted"));
			json_object_set_new(o, "message", svc_api_str(res.done));
			status_members(o, j.version, &j);
			svc_api_reply(out, 200, "terms-accepted", o);
		} else {
			svc_api_reply(out, 500, "api-error", NULL);
		}
	}
	svc_terms_put(t);
}

json_t *
svc_api_terms_me(struct svc *svc, X509 *cert)
{
	struct svc_terms *t = svc_terms_get(svc);
	struct terms_job j;
	struct ca_result res;
	json_t *o = NULL;

	memset(&j, 0, sizeof(j));
	if (t == NULL)
		return json_null();
	j.version = svc_terms_version(t);
	if (svc_api_as_holder(svc, cert, terms_run, &j, &res) == CA_OK &&
	    (o = json_object()) != NULL)
		status_members(o, j.version, &j);
	svc_terms_put(t);
	return o;
}
