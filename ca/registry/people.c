/*
 * ca/registry-people.c: identifier checks, registration requests and the
 * RA roles a person holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-ra.h"
#include "policy/policy.h"

static int
all_of(const char *s, size_t min, size_t max, const char *set)
{
	size_t n;

	if (s == NULL)
		return CA_ERR_USAGE;
	n = strlen(s);
	if (n < min || n > max || strspn(s, set) != n)
		return CA_ERR_USAGE;
	return CA_OK;
}

/* The rules are ca/core/validate.c's; these keep the registry's CA_ERR_USAGE contract. */
int
ca_uuid_check(const char *s)
{
	return ca_check_uuid(NULL, s, NULL, 0) == CA_OK ? CA_OK : CA_ERR_USAGE;
}

int
ca_ods_check(const char *s)
{
	return ca_check_ods(NULL, s, NULL, 0) == CA_OK ? CA_OK : CA_ERR_USAGE;
}

int
ca_role_check(const char *s)
{
	return all_of(s, 1, CA_ROLE_NAME_MAX - 1, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

int
ca_position_parse(const char *text, char role[CA_ROLE_NAME_MAX], char ods[CA_ODS_MAX + 1])
{
	const char *at = text != NULL ? strchr(text, '@') : NULL;
	size_t rl;

	if (at == NULL || (rl = (size_t)(at - text)) == 0 || rl >= CA_ROLE_NAME_MAX ||
	    strlen(at + 1) > CA_ODS_MAX)
		return CA_ERR_USAGE;
	memcpy(role, text, rl);
	role[rl] = '\0';
	strcpy(ods, at + 1);
	if (ca_role_check(role) != CA_OK || ca_ods_check(ods) != CA_OK)
		return CA_ERR_USAGE;
	return CA_OK;
}

void
ca_request_clear(struct ca_request *rq)
{
	if (rq == NULL)
		return;
	free(rq->sponsor);
	free(rq->ra_agent);
	free(rq->subject);
	free(rq->role);
	free(rq->org);
	free(rq->documents);
	free(rq->closed_by);
	free(rq->closed_reason);
	memset(rq, 0, sizeof(*rq));
}

int
ca_reg_request_add(struct ca_reg *reg, const struct ca_request *rq, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO requests (sponsor, subject, kind, state, created,"
			     " role, org) VALUES (?, ?, 'new-card', 'sponsored', ?, ?, ?) RETURNING id",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, rq->sponsor);
	ca_reg_bind_text(st, 2, rq->subject);
	db_bind_int64(st, 3, rq->created);
	ca_reg_bind_text(st, 4, rq->role);
	ca_reg_bind_text(st, 5, rq->org);
	r = ca_reg_step_id(reg, st, "add request", id);
	ca_reg_done(st);
	return r;
}

static int
request_row(struct db_stmt *st, struct ca_request *rq)
{
	const char *state;
	int r;

	rq->id = db_col_int64(st, 0);
	if ((r = ca_reg_col_dup(st, 1, &rq->sponsor)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 2, &rq->ra_agent)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 3, &rq->subject)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 4, &rq->role)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 5, &rq->org)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 6, &rq->documents)) != CA_OK)
		return r;
	state = db_col_text(st, 7);
	rq->state = state != NULL && strcmp(state, "verified") == 0
		? CA_REQ_VERIFIED : CA_REQ_SPONSORED;
	if (state != NULL && strcmp(state, "rejected") == 0)
		rq->state = CA_REQ_REJECTED;
	rq->created = db_col_int64(st, 8);
	rq->verified = db_col_int64(st, 9);
	if ((r = ca_reg_col_dup(st, 10, &rq->closed_by)) != CA_OK ||
	    (r = ca_reg_col_dup(st, 11, &rq->closed_reason)) != CA_OK)
		return r;
	rq->closed = db_col_int64(st, 12);
	return CA_OK;
}

int
ca_reg_request_get(struct ca_reg *reg, int64_t id, struct ca_request *out)
{
	struct ca_request rq = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT id, sponsor, ra_agent, subject, role, org, documents,"
			     " state, created, coalesce(verified, 0), closed_by, closed_reason,"
			     " coalesce(closed, 0) FROM requests"
			     " WHERE id = ? AND kind = 'new-card'", &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = ca_reg_step_row(reg, st, "get request")) == CA_OK &&
	    (r = request_row(st, &rq)) == CA_OK) {
		*out = rq;
		memset(&rq, 0, sizeof(rq));
	}
	ca_request_clear(&rq);
	ca_reg_done(st);
	return r;
}

int
ca_reg_request_verify(struct ca_reg *reg, int64_t id, const char *ra_agent,
		      const char *documents, int64_t when)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE requests SET ra_agent = ?, documents = ?,"
			     " verified = ?, state = 'verified'"
			     " WHERE id = ? AND kind = 'new-card' AND state = 'sponsored'",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, ra_agent);
	ca_reg_bind_text(st, 2, documents);
	db_bind_int64(st, 3, when);
	db_bind_int64(st, 4, id);
	r = ca_reg_step_done(reg, st, "verify request");
	ca_reg_done(st);
	if (r == CA_OK && db_changes(reg->db) != 1) {
		struct ca_request rq = { 0 };

		/* Tell "no such request" from "already verified". */
		r = ca_reg_request_get(reg, id, &rq);
		ca_request_clear(&rq);
		if (r == CA_OK)
			r = CA_ERR_STATE;
	}
	return r;
}

int
ca_reg_person_roles(struct ca_reg *reg, const char *uuid, unsigned *roles)
{
	struct db_stmt *st = NULL;
	const char *name;
	unsigned bits = 0;
	int rc, r;

	if ((r = ca_reg_prep(reg, "SELECT role FROM ra_roles WHERE person = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	/* The role names are the policy's (the table's CHECK allows RA roles only). */
	while ((rc = db_step(st)) == DB_ROW)
		if ((name = db_col_text(st, 0)) != NULL)
			bits |= pol_role_parse(name);
	if (rc != DB_DONE)
		r = ca_reg_fail(reg, "RA roles");
	else
		*roles = bits;
	ca_reg_done(st);
	return r;
}
