/*
 * ca/service/api-int: what the portal API's endpoint files share (api.c
 * keeps the route table; api-*.c hold the endpoints of one concern each).
 * Every answer is JSON; every library call runs on the CA thread
 * (svc_sched_ca) as the client certificate's holder.
 */
#ifndef CC_SVC_API_INT_H
#define CC_SVC_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "ca/ra/session.h"
#include "ca/ra/report.h"
#include "ca/service/api-body.h"
#include "ca/service/reply.h"

struct svc;

/* An endpoint: @rest is what follows the route's path ("" for an exact one). */
typedef void svc_api_endpoint(struct svc *svc, struct evhttp_request *req, X509 *cert,
			      const char *rest, struct svc_reply *out);

struct svc_api_route {
	const char *path;		/* exact, or (prefix) what the path starts with */
	bool prefix;
	int methods;			/* EVHTTP_REQ_* bits; others get 405 */
	const char *allow;		/* ...with this Allow header */
	svc_api_endpoint *fn;
};

/* @obj (consumed) as the JSON body. */
void svc_api_reply(struct svc_reply *out, int status, const char *outcome, json_t *obj);

/* {"error": @outcome, "message": ..., "rule": ..., "todo": ...} (each may be NULL). */
void svc_api_error(struct svc_reply *out, int status, const char *outcome, const char *message,
		   const char *rule, const char *todo);

/* {"status": @outcome, "message": @text}. */
void svc_api_status(struct svc_reply *out, int status, const char *outcome, const char *text);

/* A library refusal (@r, @res) as its HTTP status and JSON error. */
void svc_api_refusal(const struct ca_result *res, int r, struct svc_reply *out);

/* A JSON string, or null when @s is NULL or not UTF-8. */
json_t *svc_api_str(const char *s);

/* A table as an array of objects keyed by column name (numbers as numbers). */
json_t *svc_api_table(const struct ca_table *t);

/* The body's string members into @fields: true, or false having answered 400/413. */
bool svc_api_body(struct evhttp_request *req, const struct svc_api_field *fields, size_t n,
		  struct svc_reply *out);

/* One query parameter: its name, and its value's buffer ("" when absent). */
struct svc_api_param {
	const char *name;
	char *buf;
	size_t size;
};

/*
 * The query string of @req into @params: each at most once, no other, no
 * NUL, each value shorter than its buffer. true, or false (a 400 for the
 * caller to explain: what its parameters are).
 */
bool svc_api_query(struct evhttp_request *req, const struct svc_api_param *params, size_t n);

/*
 * Run @fn on the CA thread in a session whose actor is @cert's holder as an
 * RA operator (their registry roles; the gate decides): its result and
 * @res as ca_session_operator_cert and the operation leave them.
 */
typedef int svc_api_op(struct ca_session *s, void *arg, struct ca_result *res);
int svc_api_as_operator(struct svc *svc, X509 *cert, svc_api_op *fn, void *arg,
			struct ca_result *res);

/* The same with the actor @cert's holder as a holder (self-service rules). */
int svc_api_as_holder(struct svc *svc, X509 *cert, svc_api_op *fn, void *arg,
		      struct ca_result *res);

/* api-reports.c: GET /api/v1/reports/NAME, GET /api/v1/tac, and a person's
 * audit history (api.c's /api/v1/people/UUID/history sends @uuid here). */
svc_api_endpoint svc_api_reports, svc_api_tac;
void svc_api_person_history(struct svc *svc, struct evhttp_request *req, X509 *cert,
			    const char *uuid, struct svc_reply *out);

#endif
