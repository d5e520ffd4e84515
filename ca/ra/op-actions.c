/*
 * ca/ra/op-actions.c: what the actor may do to a person — the portal's
 * person page shows these and nothing else. Each answer is the gate's
 * (ca_gate_allows), asked on the same target the operation itself would
 * build, without acting and without an audit entry. See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"

/* Operations done at a workstation with the card in a reader. */
static bool
needs_reader(enum ca_op op)
{
	return op == CA_OP_ISSUE_CARD || op == CA_OP_UNLOCK || op == CA_OP_RENEW;
}

/* One row when the gate allows @op on @t. */
static int
ask(struct ca_session *s, enum ca_op op, const struct ca_target *t, const char *subject,
    struct ca_table *out)
{
	struct pol_decision d;
	const char *v[4];

	if (!ca_gate_allows(s, op, t, &d))
		return CA_OK;
	v[0] = ca_op_name(op);
	v[1] = subject;
	v[2] = needs_reader(op) ? "yes" : "no";
	v[3] = d.rule;
	return ca_table_add(out, v);
}

/* The card actions on card @serial (cancel; unlock and renew at a reader). */
static int
card_actions(struct ca_session *s, const char *serial, struct ca_table *out)
{
	static const enum ca_op ops[] = { CA_OP_CANCEL_CARD, CA_OP_UNLOCK, CA_OP_RENEW };
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	size_t i;
	int r;

	if ((r = ca_reg_card_get(s->ctx->reg, serial, &rec)) != CA_OK)
		return r == CA_ERR_NOT_FOUND ? CA_OK : r;
	if (strcmp(rec.state, "cancelled") == 0 || strcmp(rec.state, "blank") == 0 ||
	    (r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	t.card = &v.st;
	t.subject = serial;
	for (i = 0; r == CA_OK && i < sizeof(ops) / sizeof(ops[0]); i++) {
		/* an unlock is offered whether the card is locked now or not:
		 * the holder calls when it is (as passcode-reset decides) */
		v.st.locked = ops[i] == CA_OP_UNLOCK;
		r = ask(s, ops[i], &t, serial, out);
	}
out:
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_op_person_actions(struct ca_session *s, const struct ca_person_record *rec,
		     struct ca_table *out, struct ca_result *res)
{
	static const struct ca_table_col cols[] = {
		{ "action", CA_COL_TEXT }, { "subject", CA_COL_TEXT }, { "reader", CA_COL_TEXT },
		{ "rule", CA_COL_TEXT },
	};
	const char *uuid = ca_table_cell(&rec->person, 0, 0), *cell;
	struct ca_target t = { NULL };
	char pos[64];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (uuid == NULL)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "no person to act on");
	if ((r = ca_table_init(out, cols, 4)) != CA_OK)
		return r;
	/* A new position: at the actor's own organisation (the one a sponsor
	 * may act at), or anywhere for those who act for every one. */
	t.holder = uuid;
	t.subject = uuid;
	t.org = s->actor.org[0] != '\0' ? s->actor.org : NULL;
	r = ask(s, CA_OP_POSITION_ADD, &t, t.org != NULL ? t.org : "", out);
	if (r == CA_OK) {
		t.org = NULL;
		r = ask(s, CA_OP_ISSUE_CARD, &t, uuid, out);
	}
	for (i = 0; r == CA_OK && i < rec->positions.nrows; i++) {	/* role, ods, ... */
		t.org = ca_table_cell(&rec->positions, i, 1);
		snprintf(pos, sizeof(pos), "%s@%s", ca_table_cell(&rec->positions, i, 0),
			 t.org != NULL ? t.org : "");
		r = ask(s, CA_OP_POSITION_REMOVE, &t, pos, out);
	}
	for (i = 0; r == CA_OK && i < rec->cards.nrows; i++)		/* serial, ... */
		if ((cell = ca_table_cell(&rec->cards, i, 0)) != NULL)
			r = card_actions(s, cell, out);
	t.org = NULL;
	for (i = 0; r == CA_OK && i < rec->certs.nrows; i++) {	/* serial, ..., status */
		cell = ca_table_cell(&rec->certs, i, 5);
		if (cell == NULL || (strcmp(cell, "valid") != 0 && strcmp(cell, "held") != 0))
			continue;
		t.subject = ca_table_cell(&rec->certs, i, 0);
		r = ask(s, CA_OP_REVOKE, &t, t.subject, out);
	}
	if (r != CA_OK) {
		ca_table_clear(out);
		return ca_result_fail(res, r, NULL, "what %s may do could not be read",
				      s->actor.uuid);
	}
	return CA_OK;
}
