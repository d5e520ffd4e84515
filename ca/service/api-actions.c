/*
 * ca/service/api-actions.c: the person page's actions (issue 17) — a
 * person's positions, cancelling a card, revoking a certificate — each one
 * library operation run as the client certificate's holder acting as an
 * RA operator, so the gate (ca/ra/gate.c) decides exactly as it does for
 * the command line. See api.h for the endpoints.
 */
#include "config.h"

#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/card-ops.h"
#include "ca/ra/ops.h"
#include "ca/service/api-actions.h"
#include "ca/service/api-int.h"

#define ROLE_MAX 64
#define ODS_MAX 16
#define REASON_MAX 32
#define SUBJECT_MAX 64		/* a UUID, card or certificate serial in the path */

enum act { ACT_POSITION_ADD, ACT_POSITION_REMOVE, ACT_CANCEL, ACT_REVOKE };

struct act_job {
	enum act act;
	char subject[SUBJECT_MAX + 1];
	char role[ROLE_MAX], ods[ODS_MAX], reason[REASON_MAX];
};

static int
act_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct act_job *j = arg;

	switch (j->act) {
	case ACT_POSITION_ADD:
		return ca_op_position_add(s, j->subject, j->role, j->ods, res);
	case ACT_POSITION_REMOVE:
		return ca_op_position_remove(s, j->subject, j->role, j->ods, res);
	case ACT_CANCEL:
		return ca_op_cancel_card(s, j->subject, j->reason, res);
	case ACT_REVOKE:
	default:
		return ca_op_revoke(s, j->subject, j->reason, res);
	}
}

/* @n bytes of the path naming the subject into @j: false having answered 404. */
static bool
subject(struct act_job *j, const char *p, size_t n, struct svc_reply *out)
{
	if (n == 0 || n > SUBJECT_MAX || memchr(p, '/', n) != NULL) {
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL,
			      "see the API description (ca/service/api/openapi.yaml)");
		return false;
	}
	memcpy(j->subject, p, n);
	j->subject[n] = '\0';
	return true;
}

static void
act(struct svc *svc, X509 *cert, struct act_job *j, const char *outcome, struct svc_reply *out)
{
	struct ca_result res;
	int r;

	if ((r = svc_api_as_operator(svc, cert, act_run, j, &res)) != CA_OK)
		svc_api_refusal(&res, r, out);
	else
		svc_api_status(out, 200, outcome, res.done);
}

/*
 * POST /api/v1/people/UUID/positions {"role": R, "ods": O}: a new position;
 * DELETE the same, or POST .../positions/remove: that position removed.
 */
void
svc_api_positions(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		  struct svc_reply *out)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *slash = strchr(rest, '/');
	struct act_job j;
	const struct svc_api_field fields[] = {
		{ "role", j.role, sizeof(j.role), true },
		{ "ods", j.ods, sizeof(j.ods), true },
	};
	bool remove;

	memset(&j, 0, sizeof(j));
	if (slash == NULL || !subject(&j, rest, (size_t)(slash - rest), out))
		return;
	if (strcmp(slash, "/positions/remove") != 0 && strcmp(slash, "/positions") != 0) {
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL,
			      "see the API description (ca/service/api/openapi.yaml)");
		return;
	}
	remove = slash[10] != '\0' || m == EVHTTP_REQ_DELETE;
	if (m != EVHTTP_REQ_POST && (m != EVHTTP_REQ_DELETE || slash[10] != '\0')) {
		const char *allow = slash[10] != '\0' ? "POST" : "POST, DELETE";

		svc_api_error(out, 405, "method-not-allowed", allow, NULL, NULL);
		out->allow = allow;
		return;
	}
	if (!svc_api_body(req, fields, sizeof(fields) / sizeof(fields[0]), out))
		return;
	j.act = remove ? ACT_POSITION_REMOVE : ACT_POSITION_ADD;
	act(svc, cert, &j, remove ? "position-removed" : "position-added", out);
}

/* POST PREFIX SERIAL /@verb {"reason": R}. */
static void
by_serial(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
	  const char *verb, enum act what, const char *outcome, struct svc_reply *out)
{
	const char *slash = strchr(rest, '/');
	struct act_job j;
	const struct svc_api_field fields[] = {
		{ "reason", j.reason, sizeof(j.reason), true },
	};

	memset(&j, 0, sizeof(j));
	if (slash == NULL || strcmp(slash + 1, verb) != 0) {
		svc_api_error(out, 404, "not-found", "no such API endpoint", NULL,
			      "see the API description (ca/service/api/openapi.yaml)");
		return;
	}
	if (!subject(&j, rest, (size_t)(slash - rest), out) ||
	    !svc_api_body(req, fields, sizeof(fields) / sizeof(fields[0]), out))
		return;
	j.act = what;
	act(svc, cert, &j, outcome, out);
}

void
svc_api_card_cancel(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		    struct svc_reply *out)
{
	by_serial(svc, req, cert, rest, "cancel", ACT_CANCEL, "card-cancelled", out);
}

void
svc_api_cert_revoke(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		    struct svc_reply *out)
{
	by_serial(svc, req, cert, rest, "revoke", ACT_REVOKE, "certificate-revoked", out);
}
