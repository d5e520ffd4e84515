/*
 * ca/ra/op-org.c: org-add, position-add, position-remove and ods-change
 * (a whole organisation moves to a new ODS code). See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-ra.h"

static int
ods_bad(const char *what, const char *ods, struct ca_result *res)
{
	return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: an ODS code is 1-%d upper-case "
			      "letters and digits, not '%s'", what, CA_ODS_MAX,
			      ods != NULL ? ods : "");
}

int
ca_op_org_add(struct ca_session *s, const char *ods, const char *name, bool locum,
	      struct ca_result *res)
{
	const char *kv[] = { "name", name, "locum", locum ? "yes" : "no", NULL };
	struct ca_target t = { NULL };
	char msg[256];
	int r;

	if ((r = ca_gate_who(s, CA_OP_ORG_ADD, ods, res)) != CA_OK)
		return r;
	if (ods == NULL || ca_ods_check(ods) != CA_OK)
		return ods_bad("--ods", ods, res);
	if (ca_check_name("--name", name, name != NULL ? strlen(name) : 0, NULL, msg,
			  sizeof(msg)) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	t.org = ods;
	t.subject = ods;
	if ((r = ca_gate(s, CA_OP_ORG_ADD, &t, res, NULL)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_reg_org_add(s->ctx->reg, ods, name, locum)) == CA_OK)
		r = ca_ctx_audit(s->ctx, "org-add", ods, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		ca_result_done(res, "organisation %s (%s)%s added", ods, name,
			       locum ? ", locum" : "");
	else if (r == CA_ERR_EXISTS)
		RA_REFUSE(s, CA_OP_ORG_ADD, res, CA_RF_ORG_EXISTS, ods);
	return r;
}

/* Position changes: a sponsor (for their organisation) or an RA agent. */
static int
position_change(struct ca_session *s, const char *holder, const char *role, const char *ods,
		bool add, struct ca_result *res)
{
	char pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	const char *kv[] = { "position", pos, NULL };
	struct ca_target t = { NULL };
	int r;

	if ((r = ca_gate_who(s, add ? CA_OP_POSITION_ADD : CA_OP_POSITION_REMOVE, holder, res)) != CA_OK)
		return r;
	if (holder == NULL || ca_uuid_check(holder) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--holder: a UUID is 12 digits");
	if (role == NULL || ca_role_check(role) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--role: lower-case letters, "
				      "digits and '-'");
	if (ods == NULL || ca_ods_check(ods) != CA_OK)
		return ods_bad("--ods", ods, res);
	snprintf(pos, sizeof(pos), "%s@%s", role, ods);
	t.holder = holder;
	t.org = ods;
	t.subject = holder;
	if ((r = ca_gate(s, add ? CA_OP_POSITION_ADD : CA_OP_POSITION_REMOVE, &t, res,
			 NULL)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = add ? ca_reg_position_add(s->ctx->reg, holder, role, ods)
		: ca_reg_position_remove(s->ctx->reg, holder, role, ods);
	if (r == CA_OK)
		r = ca_ctx_audit(s->ctx, add ? "position-add" : "position-remove", holder, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		ca_result_done(res, "%s %s %s", holder, add ? "now holds" : "no longer holds",
			       pos);
	else if (r == CA_ERR_EXISTS)
		RA_REFUSE(s, CA_OP_POSITION_ADD, res, CA_RF_POSITION_HELD, holder, pos);
	else if (r == CA_ERR_NOT_FOUND && !add)
		RA_REFUSE(s, CA_OP_POSITION_REMOVE, res, CA_RF_POSITION_NOT_HELD, holder, pos);
	else if (r == CA_ERR_NOT_FOUND)
		ca_reg_org_get(s->ctx->reg, ods, NULL, NULL) == CA_ERR_NOT_FOUND
			? RA_REFUSE(s, CA_OP_POSITION_ADD, res, CA_RF_ORG_UNKNOWN, ods)
			: RA_REFUSE(s, CA_OP_POSITION_ADD, res, CA_RF_PERSON_UNKNOWN, holder);
	return r;
}

int
ca_op_position_add(struct ca_session *s, const char *holder, const char *role, const char *ods,
		   struct ca_result *res)
{
	return position_change(s, holder, role, ods, true, res);
}

int
ca_op_position_remove(struct ca_session *s, const char *holder, const char *role,
		      const char *ods, struct ca_result *res)
{
	return position_change(s, holder, role, ods, false, res);
}

struct ods_audit {
	struct ca_session *s;
	const char *from;
};

/* One audit entry per moved position, naming its holder. */
static int
ods_audit_one(void *arg, const struct ca_position *p)
{
	struct ods_audit *oa = arg;
	const char *kv[] = { "role", p->role, "from", oa->from, "to", p->org, NULL };

	return ca_ctx_audit(oa->s->ctx, "ods-change", p->holder, kv);
}

int
ca_op_ods_change(struct ca_session *s, const char *from, const char *to, struct ca_result *res)
{
	struct ods_audit oa = { s, from };
	struct ca_target t = { NULL };
	unsigned moved = 0;
	int r;

	if ((r = ca_gate_who(s, CA_OP_ODS_CHANGE, from, res)) != CA_OK)
		return r;
	if (from == NULL || ca_ods_check(from) != CA_OK)
		return ods_bad("--from", from, res);
	if (to == NULL || ca_ods_check(to) != CA_OK)
		return ods_bad("--to", to, res);
	if (strcmp(from, to) == 0)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--from and --to must differ");
	t.org = from;
	t.subject = from;
	if ((r = ca_gate(s, CA_OP_ODS_CHANGE, &t, res, NULL)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = ca_reg_ods_change(s->ctx->reg, from, to, ods_audit_one, &oa, &moved);
	if (r == CA_OK) {
		char n[16];
		const char *kv[] = { "from", from, "to", to, "positions", n, NULL };

		snprintf(n, sizeof(n), "%u", moved);
		r = ca_ctx_audit(s->ctx, "ods-change-done", from, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		ca_result_done(res, "%s -> %s: %u position(s) moved", from, to, moved);
	else if (r == CA_ERR_NOT_FOUND)
		RA_REFUSE(s, CA_OP_ODS_CHANGE, res, CA_RF_ORG_UNKNOWN, from);
	return r;
}
