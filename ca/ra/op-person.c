/*
 * ca/ra/op-person.c: what changes about a person after registration —
 * person update (contact details, a name with its reason), ra-role grant
 * and revoke, and request reject (a sponsored request closed unverified).
 * See ops.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-ra.h"
#include "ca/registry/registry-update.h"

#define REASON_MAX 200

/* A free-text reason: 1-200 bytes, no control characters. */
static int
reason_check(const char *opt, const char *why, bool needed, struct ca_result *res)
{
	const unsigned char *p;

	if (why == NULL && !needed)
		return CA_OK;
	if (why == NULL || *why == '\0')
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: say why (it is recorded in the "
				      "audit log)", opt);
	for (p = (const unsigned char *)why; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: no control characters",
					      opt);
	if (strlen(why) > REASON_MAX)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: at most %d bytes", opt,
				      REASON_MAX);
	return CA_OK;
}

/* The new values, checked; *nfc receives the name to store. */
static int
update_check(const struct ca_person_update_req *rq, char **nfc, struct ca_result *res)
{
	char msg[256];

	if (ca_check_uuid("UUID", rq->uuid, msg, sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	if (rq->name == NULL && rq->email == NULL && rq->mobile == NULL)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "say what changes: --name, --email "
				      "or --mobile (\"\" removes an email or mobile)");
	if ((rq->name != NULL &&
	     ca_check_name("--name", rq->name, strlen(rq->name), nfc, msg, sizeof(msg)) != CA_OK) ||
	    (rq->email != NULL && *rq->email != '\0' &&
	     ca_check_email("--email", rq->email, msg, sizeof(msg)) != CA_OK) ||
	    (rq->mobile != NULL && *rq->mobile != '\0' &&
	     ca_check_mobile("--mobile", rq->mobile, msg, sizeof(msg)) != CA_OK))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	return reason_check("--reason", rq->reason, rq->name != NULL, res);
}

static bool
same(const char *have, const char *want)
{
	if (want == NULL)
		return true;	/* unchanged */
	if (*want == '\0')
		return have == NULL || *have == '\0';
	return have != NULL && strcmp(have, want) == 0;
}

/* "added", "changed" or "removed" (the audit log keeps no contact details). */
static const char *
how(const char *have, const char *want)
{
	if (same(have, want))
		return NULL;
	if (*want == '\0')
		return "removed";
	return have == NULL || *have == '\0' ? "added" : "changed";
}

int
ca_op_person_update(struct ca_session *s, const struct ca_person_update_req *rq,
		    struct ca_result *res)
{
	struct ca_person p = { 0 };
	struct ca_person_change c = { NULL, NULL, NULL };
	struct ca_target t = { NULL };
	char *nfc = NULL;
	const char *e, *m, *n;
	int r;

	if ((r = ca_gate_who(s, CA_OP_PERSON_UPDATE, rq->uuid, res)) != CA_OK ||
	    (r = update_check(rq, &nfc, res)) != CA_OK)
		goto out;
	if ((r = ca_reg_person_get(s->ctx->reg, rq->uuid, &p)) == CA_ERR_NOT_FOUND)
		r = RA_REFUSE(s, CA_OP_PERSON_UPDATE, res, CA_RF_PERSON_UNKNOWN, rq->uuid);
	if (r != CA_OK)
		goto out;
	t.holder = rq->uuid;
	t.subject = rq->uuid;
	if ((r = ca_gate(s, CA_OP_PERSON_UPDATE, &t, res, NULL)) != CA_OK)
		goto out;
	c.name = nfc != NULL && strcmp(nfc, p.name) != 0 ? nfc : NULL;
	e = how(p.email, rq->email);
	m = how(p.mobile, rq->mobile);
	c.email = e != NULL ? rq->email : NULL;
	c.mobile = m != NULL ? rq->mobile : NULL;
	if (c.name == NULL && c.email == NULL && c.mobile == NULL) {
		r = RA_REFUSE(s, CA_OP_PERSON_UPDATE, res, CA_RF_NOTHING_TO_UPDATE, rq->uuid);
		goto out;
	}
	n = c.name != NULL ? c.name : p.name;
	if ((r = ca_reg_begin(s->ctx->reg)) == CA_OK) {
		const char *kv[] = { "name", c.name != NULL ? c.name : NULL,
				     "name-was", c.name != NULL ? p.name : NULL,
				     "reason", c.name != NULL ? rq->reason : NULL,
				     "email", e, "mobile", m, NULL };

		if ((r = ca_reg_person_update(s->ctx->reg, rq->uuid, &c)) == CA_OK)
			r = ca_ctx_audit(s->ctx, "person-update", rq->uuid, kv);
		r = ca_reg_end(s->ctx->reg, r);
	}
	if (r == CA_OK)
		ca_result_done(res, "person %s (%s) updated:%s%s%s%s%s%s%s", rq->uuid, n,
			       c.name != NULL ? " name was '" : "", c.name != NULL ? p.name : "",
			       c.name != NULL ? "';" : "", e != NULL ? " email " : "",
			       e != NULL ? e : "", m != NULL ? " mobile " : "", m != NULL ? m : "");
out:
	ca_person_clear(&p);
	free(nfc);
	return r;
}

/* An RA role name as the registry stores it, or CA_ERR_INPUT. */
static int
ra_role_check(const char *role, struct ca_result *res)
{
	unsigned bit = role != NULL ? pol_role_parse(role) : 0;

	if (bit == 0 || bit == POL_ROLE_PHARMACIST)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "an RA role is ra-manager, ra-agent, "
				      "sponsor or lsa, not '%s'", role != NULL ? role : "");
	return CA_OK;
}

/* Who asks, and what: an operator, a UUID, an RA role. */
static int
role_input(struct ca_session *s, enum ca_op op, const char *uuid, const char *role,
	   struct ca_result *res)
{
	char msg[128];
	int r;

	if ((r = ca_gate_who(s, op, uuid, res)) != CA_OK)
		return r;
	if (ca_check_uuid("UUID", uuid, msg, sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	return ra_role_check(role, res);
}

/* The gate, then the person, registered. */
static int
role_target(struct ca_session *s, enum ca_op op, const char *uuid, struct ca_person *p,
	    struct ca_result *res)
{
	struct ca_target t = { NULL };
	int r;

	t.holder = uuid;
	t.subject = uuid;
	if ((r = ca_gate(s, op, &t, res, NULL)) != CA_OK)
		return r;
	if ((r = ca_reg_person_get(s->ctx->reg, uuid, p)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_PERSON_UNKNOWN, uuid);
	return r;
}

/*
 * Would taking @role from @uuid leave the CA without an RA manager? Asked
 * before the gate too: when it would, no other rule's advice ("ask another
 * RA manager") can be followed.
 */
static int
last_manager(struct ca_session *s, const char *uuid, const char *role, struct ca_result *res)
{
	int64_t managers = 0;
	int r;

	if (pol_role_parse(role) != POL_ROLE_RA_MANAGER ||
	    ca_reg_ra_role_has(s->ctx->reg, uuid, role) != CA_OK)
		return CA_OK;
	if ((r = ca_reg_ra_role_count(s->ctx->reg, role, &managers)) != CA_OK)
		return r;
	if (managers <= 1)
		return RA_REFUSE(s, CA_OP_REVOKE_ROLE, res, CA_RF_LAST_MANAGER, uuid);
	return CA_OK;
}

/* ra-manager: someone whose identity was checked and who holds their own card. */
static int
manager_fit(struct ca_session *s, const struct ca_person *p, struct ca_result *res)
{
	char *sp = NULL, *ag = NULL;
	bool verified = false, card = false;
	int r;

	if (p->checked_by == NULL) {
		r = ca_reg_card_request(s->ctx->reg, p->uuid, &sp, &ag, &verified);
		free(sp);
		free(ag);
		if (r != CA_OK && r != CA_ERR_NOT_FOUND)
			return r;
		if (!verified)
			return RA_REFUSE(s, CA_OP_GRANT_ROLE, res, CA_RF_IDENTITY_UNCHECKED, p->uuid);
	}
	if ((r = ca_reg_person_has_card(s->ctx->reg, p->uuid, &card)) != CA_OK)
		return r;
	if (!card)
		return RA_REFUSE(s, CA_OP_GRANT_ROLE, res, CA_RF_MANAGER_NO_CARD, p->uuid);
	return CA_OK;
}

int
ca_op_ra_role_grant(struct ca_session *s, const char *uuid, const char *role,
		    struct ca_result *res)
{
	struct ca_person p = { 0 };
	const char *kv[] = { "role", role, NULL };
	int r;

	if ((r = role_input(s, CA_OP_GRANT_ROLE, uuid, role, res)) != CA_OK ||
	    (r = role_target(s, CA_OP_GRANT_ROLE, uuid, &p, res)) != CA_OK)
		goto out;
	if (pol_role_parse(role) == POL_ROLE_RA_MANAGER && (r = manager_fit(s, &p, res)) != CA_OK)
		goto out;
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_ra_role_add(s->ctx->reg, uuid, role)) == CA_OK)
		r = ca_ctx_audit(s->ctx, "ra-role-grant", uuid, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_ERR_EXISTS)
		r = RA_REFUSE(s, CA_OP_GRANT_ROLE, res, CA_RF_ROLE_HELD, uuid, role);
	else if (r == CA_OK)
		ca_result_done(res, "%s (%s) now holds the RA role %s", uuid, p.name, role);
out:
	ca_person_clear(&p);
	return r;
}

int
ca_op_ra_role_revoke(struct ca_session *s, const char *uuid, const char *role,
		     struct ca_result *res)
{
	struct ca_person p = { 0 };
	const char *kv[] = { "role", role, NULL };
	int r;

	if ((r = role_input(s, CA_OP_REVOKE_ROLE, uuid, role, res)) != CA_OK ||
	    (r = last_manager(s, uuid, role, res)) != CA_OK ||
	    (r = role_target(s, CA_OP_REVOKE_ROLE, uuid, &p, res)) != CA_OK)
		goto out;
	/* Counted again inside the write transaction: two managers revoking
	 * each other at once cannot both pass (a refusal rolls it back). */
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK ||
	    (r = last_manager(s, uuid, role, res)) != CA_OK)
		goto out;
	if ((r = ca_reg_ra_role_remove(s->ctx->reg, uuid, role)) == CA_OK)
		r = ca_ctx_audit(s->ctx, "ra-role-revoke", uuid, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_ERR_NOT_FOUND)
		r = RA_REFUSE(s, CA_OP_REVOKE_ROLE, res, CA_RF_ROLE_NOT_HELD, uuid, role);
	else if (r == CA_OK)
		ca_result_done(res, "%s (%s) no longer holds the RA role %s", uuid, p.name, role);
out:
	if (r != CA_OK)
		ca_reg_rollback(s->ctx->reg);	/* harmless when none is open */
	ca_person_clear(&p);
	return r;
}

int
ra_request_open(struct ca_session *s, enum ca_op op, const struct ca_request *rq,
		struct ca_result *res)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)rq->id);
	if (rq->state == CA_REQ_VERIFIED)
		return RA_REFUSE(s, op, res, CA_RF_REQUEST_VERIFIED, id,
				 rq->ra_agent != NULL ? rq->ra_agent : "?", rq->subject);
	if (rq->state == CA_REQ_REJECTED)
		return RA_REFUSE(s, op, res, CA_RF_REQUEST_REJECTED, id,
				 rq->closed_by != NULL ? rq->closed_by : "?");
	return CA_OK;
}

int
ca_op_request_reject(struct ca_session *s, int64_t id, const char *reason,
		     struct ca_result *res)
{
	struct ca_request rq = { 0 };
	struct ca_target t = { NULL };
	char idbuf[24];
	int r;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if ((r = ca_gate_who(s, CA_OP_REQUEST_REJECT, idbuf, res)) != CA_OK ||
	    (r = reason_check("--reason", reason, true, res)) != CA_OK)
		return r;
	if ((r = ca_reg_request_get(s->ctx->reg, id, &rq)) == CA_ERR_NOT_FOUND)
		r = RA_REFUSE(s, CA_OP_REQUEST_REJECT, res, CA_RF_REQUEST_UNKNOWN, idbuf);
	if (r != CA_OK || (r = ra_request_open(s, CA_OP_REQUEST_REJECT, &rq, res)) != CA_OK)
		goto out;
	t.holder = rq.subject;
	t.org = rq.org;
	t.subject = rq.subject;
	t.request_sponsor = rq.sponsor;
	if ((r = ca_gate(s, CA_OP_REQUEST_REJECT, &t, res, NULL)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	{
		bool own = rq.sponsor != NULL && strcmp(rq.sponsor, s->actor.uuid) == 0;
		const char *kv[] = { "request", idbuf, "sponsor", rq.sponsor, "reason", reason,
				     "withdrawn", own ? "yes" : "no", NULL };

		if ((r = ca_reg_request_reject(s->ctx->reg, id, s->actor.uuid, reason,
					       ca_ctx_now(s->ctx))) == CA_OK)
			r = ca_ctx_audit(s->ctx, "request-reject", rq.subject, kv);
		if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
			ca_result_done(res, "request %s for %s %s: %s", idbuf, rq.subject,
				       own ? "withdrawn by its sponsor" : "rejected", reason);
	}
out:
	ca_request_clear(&rq);
	return r;
}
