/*
 * ca/ra/op-tac.c: the Temporary Access Card pool, registry side — tac-add,
 * tac-list and the custodian's tac-use. Activating a TAC for a holder and
 * restoring it are card operations (card-ops.h). See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-ra.h"

#define TAC_ROLES_MAX 16

struct tac_positions {
	unsigned n;
	char role[TAC_ROLES_MAX][CA_ROLE_NAME_MAX];
	const char *roles[TAC_ROLES_MAX];
	char ods[CA_ODS_MAX + 1];
};

/* "ROLE@ODS,..." all at one organisation (the one that keeps the TAC). */
static int
positions_parse(struct ca_session *s, const char *serial, const char *text,
		struct tac_positions *tp, struct ca_result *res)
{
	char *copy = strdup(text), *save = NULL, *t, ods[CA_ODS_MAX + 1];
	int r = CA_OK;

	if (copy == NULL)
		return CA_ERR_ALLOC;
	memset(tp, 0, sizeof(*tp));
	for (t = strtok_r(copy, ",", &save); t != NULL && r == CA_OK;
	     t = strtok_r(NULL, ",", &save)) {
		if (tp->n == TAC_ROLES_MAX || ca_position_parse(t, tp->role[tp->n], ods) != CA_OK)
			r = ca_result_fail(res, CA_ERR_INPUT, NULL, "bad position '%s' (ROLE@ODS, "
					   "at most %d)", t, TAC_ROLES_MAX);
		else if (tp->n > 0 && strcmp(ods, tp->ods) != 0)
			r = RA_REFUSE(s, CA_OP_TAC_ADD, res, CA_RF_TAC_ORGS, serial, tp->ods, ods);
		else {
			strcpy(tp->ods, ods);
			tp->roles[tp->n] = tp->role[tp->n];
			tp->n++;
		}
	}
	free(copy);
	if (r == CA_OK && tp->n == 0)
		r = ca_result_fail(res, CA_ERR_INPUT, NULL, "--positions names at least one "
				   "ROLE@ODS");
	return r;
}

static int
roles_allowed(struct ca_session *s, const char *serial, const struct tac_positions *tp,
	      struct ca_result *res)
{
	const struct pol_strlist *allowed = &s->ctx->pol->tac.positions;
	unsigned i, k;

	for (i = 0; i < tp->n; i++) {
		for (k = 0; k < allowed->n; k++)
			if (strcmp(allowed->item[k], tp->roles[i]) == 0)
				break;
		if (k == allowed->n)
			return RA_REFUSE(s, CA_OP_TAC_ADD, res, CA_RF_TAC_POSITION, serial,
					 tp->roles[i]);
	}
	return CA_OK;
}

int
ca_op_tac_add(struct ca_session *s, const char *serial, const char *custodian,
	      const char *positions, struct ca_result *res)
{
	struct tac_positions tp;
	struct ca_target t = { NULL };
	int r;

	if ((r = ca_gate_who(s, CA_OP_TAC_ADD, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || *serial == '\0' || strspn(serial, "0123456789") != strlen(serial) ||
	    strlen(serial) > 32)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "a card serial is digits");
	if (custodian == NULL || ca_uuid_check(custodian) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--custodian: a UUID is 12 digits");
	if (positions == NULL)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--positions is required");
	t.subject = serial;
	if ((r = ca_gate(s, CA_OP_TAC_ADD, &t, res, NULL)) != CA_OK ||
	    (r = positions_parse(s, serial, positions, &tp, res)) != CA_OK ||
	    (r = roles_allowed(s, serial, &tp, res)) != CA_OK)
		return r;
	if ((r = ca_reg_position_has(s->ctx->reg, custodian, NULL, tp.ods)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, CA_OP_TAC_ADD, res, CA_RF_TAC_CUSTODIAN_ORG, serial, custodian,
				 tp.ods, tp.ods);
	if (r != CA_OK || (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = ca_reg_tac_add(s->ctx->reg, serial, tp.ods, custodian, tp.roles, tp.n,
			   ca_ctx_now(s->ctx));
	if (r == CA_OK) {
		const char *kv[] = { "org", tp.ods, "custodian", custodian, "positions", positions,
				     NULL };

		r = ca_ctx_audit(s->ctx, "tac-add", serial, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_ERR_STATE)
		return RA_REFUSE(s, CA_OP_TAC_ADD, res, CA_RF_TAC_NOT_BLANK, serial);
	if (r == CA_ERR_EXISTS)
		return RA_REFUSE(s, CA_OP_TAC_ADD, res, CA_RF_TAC_IN_POOL, serial);
	if (r == CA_OK)
		ca_result_done(res, "TAC %s added to %s's pool (custodian %s)", serial, tp.ods,
			       custodian);
	return r;
}

int
ca_op_tac_list(struct ca_session *s, struct ca_table *out, struct ca_result *res)
{
	const char *within;
	bool locum;
	int r;

	if ((r = ca_gate(s, CA_OP_REPORT, NULL, res, NULL)) != CA_OK)
		return r;
	within = ca_gate_scope(s, CA_OP_REPORT, &locum);	/* as the reports */
	return ca_reg_tac_table(s->ctx->reg, within, locum, out);
}

int
ca_op_tac_uses(struct ca_session *s, struct ca_table *out, struct ca_result *res)
{
	const char *within;
	bool locum;
	int r;

	if ((r = ca_gate(s, CA_OP_REPORT, NULL, res, NULL)) != CA_OK)
		return r;
	within = ca_gate_scope(s, CA_OP_REPORT, &locum);	/* as the reports */
	return ca_reg_tac_uses_table(s->ctx->reg, within, locum, out);
}

int
ca_op_tac_use(struct ca_session *s, const char *serial, const char *holder, const char *note,
	      struct ca_result *res)
{
	struct ca_target tg = { NULL };
	struct ca_tac t = { 0 };
	struct ca_person p = { 0 };
	int r;

	if ((r = ca_gate_who(s, CA_OP_TAC_USE, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || holder == NULL || ca_uuid_check(holder) != CA_OK || note == NULL ||
	    *note == '\0')
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "a TAC serial, the holder's UUID "
				      "(12 digits) and a non-empty note are required");
	if ((r = ca_reg_tac_get(s->ctx->reg, serial, &t)) == CA_ERR_NOT_FOUND)
		RA_REFUSE(s, CA_OP_TAC_USE, res, CA_RF_TAC_UNKNOWN, serial);
	if (r != CA_OK)
		goto out;
	tg.custodian = t.custodian;
	tg.holder = holder;
	tg.subject = serial;
	if ((r = ca_gate(s, CA_OP_TAC_USE, &tg, res, NULL)) != CA_OK)
		goto out;
	if (t.holder == NULL || strcmp(t.state, "tac-active") != 0) {
		r = RA_REFUSE(s, CA_OP_TAC_USE, res, CA_RF_TAC_NOT_ACTIVE, serial);
		goto out;
	}
	if (strcmp(t.holder, holder) != 0) {
		r = RA_REFUSE(s, CA_OP_TAC_USE, res, CA_RF_TAC_OTHER_HOLDER, serial, t.holder, holder,
			      t.holder);
		goto out;
	}
	if ((r = ca_reg_person_get(s->ctx->reg, holder, &p)) == CA_ERR_NOT_FOUND)
		RA_REFUSE(s, CA_OP_TAC_USE, res, CA_RF_PERSON_UNKNOWN, holder);
	if (r != CA_OK || (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_tac_use_add(s->ctx->reg, serial, holder, s->actor.uuid, note,
				    ca_ctx_now(s->ctx))) == CA_OK) {
		const char *kv[] = { "holder", holder, "custodian", s->actor.uuid, "note", note,
				     NULL };

		r = ca_ctx_audit(s->ctx, "tac-use", serial, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		ca_result_done(res, "use of TAC %s by %s (%s) recorded", serial, holder, p.name);
out:
	ca_person_clear(&p);
	ca_tac_clear(&t);
	return r;
}
