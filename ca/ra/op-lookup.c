/*
 * ca/ra/op-lookup.c: person search, person show, request list and request
 * show — the RA desk's read-only questions, behind the gate like every
 * operation (separation-of-duties.operations.lookup, or the CA's own
 * system account). See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/core/x509util.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-lookup.h"
#include "ca/registry/registry-ra.h"

/* Each criterion by its rule; *norm receives a certificate serial's
 * normal form and *name a name fragment's (both freed by the caller). */
static int
query_check(const struct ca_person_query *q, char **norm, char **name, struct ca_result *res)
{
	char msg[256];

	if (q->name == NULL && q->uuid == NULL && q->card == NULL && q->cert == NULL &&
	    q->ods == NULL && q->role == NULL)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "say what to look for: --name, "
				      "--uuid, --card, --cert, --ods or --role");
	if (q->name != NULL &&
	    ca_check_name("--name", q->name, strlen(q->name), name, msg, sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	if (q->uuid != NULL && (*q->uuid == '\0' || strlen(q->uuid) > 12 ||
				strspn(q->uuid, "0123456789") != strlen(q->uuid)))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--uuid: a UUID or its first "
				      "digits (1-12 digits)");
	if (q->card != NULL && (*q->card == '\0' || strlen(q->card) > 32 ||
				strspn(q->card, "0123456789") != strlen(q->card)))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--card: a card serial is digits");
	if (q->cert != NULL && ca_serial_normalize(q->cert, norm) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--cert: a certificate serial is "
				      "hexadecimal");
	if (q->ods != NULL && ca_check_ods("--ods", q->ods, msg, sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	if (q->role != NULL && ca_role_check(q->role) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--role: lower-case letters, "
				      "digits and '-'");
	return CA_OK;
}

int
ca_op_person_search(struct ca_session *s, const struct ca_person_query *q, struct ca_table *out,
		    struct ca_result *res)
{
	struct ca_person_query nq = *q;
	char *norm = NULL, *name = NULL;
	int r;

	if ((r = ca_gate_who(s, CA_OP_PERSON_SEARCH, NULL, res)) != CA_OK ||
	    (r = query_check(q, &norm, &name, res)) != CA_OK ||
	    (r = ca_gate(s, CA_OP_PERSON_SEARCH, NULL, res, NULL)) != CA_OK)
		goto out;
	if (norm != NULL)
		nq.cert = norm;
	if (name != NULL)
		nq.name = name;
	/* A sponsor or LSA finds the people of their own organisations, not the
	 * national directory: the scope is the gate's, never the caller's. */
	nq.within = ca_gate_scope(s, CA_OP_PERSON_SEARCH, &nq.within_locum);
	r = ca_reg_person_search(s->ctx->reg, &nq, out);
out:
	free(norm);
	free(name);
	return r;
}

void
ca_person_record_clear(struct ca_person_record *r)
{
	if (r == NULL)
		return;
	ca_table_clear(&r->person);
	ca_table_clear(&r->positions);
	ca_table_clear(&r->roles);
	ca_table_clear(&r->cards);
	ca_table_clear(&r->certs);
	ca_table_clear(&r->requests);
	ca_table_clear(&r->history);
}

/* "2026-11-05T10:00:00Z" (UTC), or NULL for 0. */
static const char *
iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int
person_row(const struct ca_person *p, struct ca_table *t)
{
	static const struct ca_table_col cols[] = {
		{ "uuid", CA_COL_TEXT }, { "name", CA_COL_TEXT }, { "email", CA_COL_TEXT },
		{ "mobile", CA_COL_TEXT }, { "checked_by", CA_COL_TEXT },
		{ "checked_at", CA_COL_TEXT },
	};
	char when[32];
	const char *v[6] = { p->uuid, p->name, p->email, p->mobile, p->checked_by,
			     iso_time(p->checked_at, when, sizeof(when)) };
	int r;

	if ((r = ca_table_init(t, cols, 6)) != CA_OK)
		return r;
	return ca_table_add(t, v);
}

/* @uuid's record into @out (cleared on failure). */
static int
record_read(struct ca_session *s, const char *uuid, int64_t limit, enum ca_op op,
	    struct ca_person_record *out, struct ca_result *res)
{
	struct ca_reg *reg = s->ctx->reg;
	struct ca_person p = { 0 };
	int r;

	if ((r = ca_reg_person_get(reg, uuid, &p)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_PERSON_UNKNOWN, uuid);
	if (r != CA_OK ||
	    (r = person_row(&p, &out->person)) != CA_OK ||
	    (r = ca_reg_person_positions(reg, uuid, &out->positions)) != CA_OK ||
	    (r = ca_reg_person_ra_roles(reg, uuid, &out->roles)) != CA_OK ||
	    (r = ca_reg_person_cards(reg, uuid, &out->cards)) != CA_OK ||
	    (r = ca_reg_person_certs(reg, uuid, ca_ctx_now(s->ctx), &out->certs)) != CA_OK ||
	    (r = ca_reg_person_requests(reg, uuid, &out->requests)) != CA_OK ||
	    (r = ca_reg_person_history(reg, uuid, limit, &out->history)) != CA_OK)
		ca_person_record_clear(out);
	ca_person_clear(&p);
	return r;
}

/* An audit entry for reading @uuid's contact details (the person row's
 * email, mobile), when there are any and the reader is someone else. */
static int
contact_read_audit(struct ca_session *s, const char *uuid, const struct ca_table *person)
{
	const char *email = ca_table_cell(person, 0, 2), *mobile = ca_table_cell(person, 0, 3);
	const char *kv[] = { "read", "contact", NULL };
	int r;

	if ((email == NULL || *email == '\0') && (mobile == NULL || *mobile == '\0'))
		return CA_OK;
	if (strcmp(s->actor.uuid, uuid) == 0)
		return CA_OK;
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	return ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "person-show", uuid, kv));
}

/* A sponsor or LSA reads the records of their own organisations' people
 * (the scope of their search) and their own; anyone else's is refused. */
static int
scope_check(struct ca_session *s, enum ca_op op, const char *uuid, struct ca_result *res)
{
	struct ca_person_query q;
	struct ca_table t;
	int r;

	memset(&q, 0, sizeof(q));
	memset(&t, 0, sizeof(t));
	if (!ca_gate_org_scoped(s, op, &q.within_locum) || strcmp(s->actor.uuid, uuid) == 0)
		return CA_OK;
	q.uuid = uuid;
	q.within = s->actor.uuid;
	q.limit = 1;
	if ((r = ca_reg_person_search(s->ctx->reg, &q, &t)) == CA_OK && t.nrows == 0)
		r = RA_REFUSE(s, op, res, CA_RF_OTHER_ORGANISATION, uuid);
	ca_table_clear(&t);
	return r;
}

int
ca_op_person_show(struct ca_session *s, const char *uuid, int64_t limit,
		  struct ca_person_record *out, struct ca_result *res)
{
	struct ca_target t = { NULL };
	char msg[128];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ca_gate_who(s, CA_OP_PERSON_SHOW, uuid, res)) != CA_OK)
		return r;
	if (ca_check_uuid("UUID", uuid, msg, sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	t.holder = uuid;
	t.subject = uuid;
	if ((r = ca_gate(s, CA_OP_PERSON_SHOW, &t, res, NULL)) != CA_OK ||
	    (r = scope_check(s, CA_OP_PERSON_SHOW, uuid, res)) != CA_OK ||
	    (r = record_read(s, uuid, limit, CA_OP_PERSON_SHOW, out, res)) != CA_OK)
		return r;
	/* Someone else's contact details are shown only once the reading is on
	 * record: no audit entry, no record (fail closed). */
	if ((r = contact_read_audit(s, uuid, &out->person)) != CA_OK) {
		ca_person_record_clear(out);
		return ca_result_fail(res, r, NULL, "the reading of %s's contact details could "
				      "not be recorded in the audit log", uuid);
	}
	return CA_OK;
}

int
ca_op_self_profile(struct ca_session *s, int64_t limit, struct ca_person_record *out,
		   struct ca_result *res)
{
	struct ca_target t = { NULL };
	int r;

	memset(out, 0, sizeof(*out));
	t.holder = s->actor.uuid;
	t.subject = s->actor.uuid;
	if ((r = ca_gate(s, CA_OP_SELF_PROFILE, &t, res, NULL)) != CA_OK)
		return r;
	return record_read(s, s->actor.uuid, limit, CA_OP_SELF_PROFILE, out, res);
}

static const char *const request_states[] = { "sponsored", "verified", "rejected" };

int
ca_op_request_list(struct ca_session *s, const char *state, struct ca_table *out,
		   struct ca_result *res)
{
	const char *within;
	bool locum;
	size_t i;
	int r;

	if ((r = ca_gate_who(s, CA_OP_REQUEST_LIST, NULL, res)) != CA_OK)
		return r;
	for (i = 0; state != NULL && i < sizeof(request_states) / sizeof(request_states[0]); i++)
		if (strcmp(state, request_states[i]) == 0)
			break;
	if (state != NULL && i == sizeof(request_states) / sizeof(request_states[0]))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--status is sponsored (awaiting "
				      "the identity check), verified, rejected or all, not '%s'",
				      state);
	if ((r = ca_gate(s, CA_OP_REQUEST_LIST, NULL, res, NULL)) != CA_OK)
		return r;
	/* A sponsor or LSA reads their own organisations' requests (and those
	 * they sponsored), not the national list: the scope is the gate's,
	 * never the caller's. */
	within = ca_gate_scope(s, CA_OP_REQUEST_LIST, &locum);
	return ca_reg_request_table(s->ctx->reg, state, 0, within, locum, out);
}

/* Request @id, which exists (one row in @t), within the reader's scope? */
static int
request_scope_check(struct ca_session *s, int64_t id, const char *idbuf,
		    const struct ca_table *t, struct ca_result *res)
{
	struct ca_table mine;
	const char *within, *pos;
	bool locum;
	int r;

	within = ca_gate_scope(s, CA_OP_REQUEST_LIST, &locum);
	if (within == NULL)
		return CA_OK;
	memset(&mine, 0, sizeof(mine));
	if ((r = ca_reg_request_table(s->ctx->reg, NULL, id, within, locum, &mine)) == CA_OK &&
	    mine.nrows == 0) {
		pos = ca_table_cell(t, 0, 4);	/* role@ODS */
		pos = pos != NULL && strchr(pos, '@') != NULL ? strchr(pos, '@') + 1 : "-";
		r = RA_REFUSE(s, CA_OP_REQUEST_LIST, res, CA_RF_REQUEST_OTHER_ORGANISATION,
			      idbuf, pos);
	}
	ca_table_clear(&mine);
	return r;
}

int
ca_op_request_show(struct ca_session *s, int64_t id, struct ca_table *out, struct ca_result *res)
{
	struct ca_target t = { NULL };
	char idbuf[24];
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if ((r = ca_gate_who(s, CA_OP_REQUEST_LIST, idbuf, res)) != CA_OK)
		return r;
	t.subject = idbuf;
	if ((r = ca_gate(s, CA_OP_REQUEST_LIST, &t, res, NULL)) != CA_OK)
		return r;
	if (id <= 0 || (r = ca_reg_request_table(s->ctx->reg, NULL, id, NULL, false,
						   out)) != CA_OK || out->nrows == 0) {
		ca_table_clear(out);
		if (id <= 0 || r == CA_OK)
			r = RA_REFUSE(s, CA_OP_REQUEST_LIST, res, CA_RF_REQUEST_UNKNOWN, idbuf);
		return r;
	}
	if ((r = request_scope_check(s, id, idbuf, out, res)) != CA_OK)
		ca_table_clear(out);
	return r;
}
