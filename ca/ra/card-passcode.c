/*
 * ca/ra/card-passcode.c: passcode-reset, for a holder who forgot their
 * passcode. The NHS way is the unlock: the same people (unlock.roles and
 * its organisation rules, through pol_decide_unlock), the operator's card
 * in one reader and the holder's in a second, the holder present typing a
 * new passcode — only the card need not have locked itself first (three
 * wrong guesses are not a precondition for help). See card-ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/card/p11card.h"
#include "ca/card/perso.h"
#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "ca/ra/card-ops.h"
#include "ca/ra/card-view.h"
#include "ca/ra/ra-int.h"

static int
reset_run(struct ca_session *s, struct ca_p11card *c, struct ca_result *res)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	struct pol_decision d;
	char *pin = NULL;
	int r;

	if ((r = ca_reg_card_get(s->ctx->reg, c->serial, &rec)) == CA_ERR_NOT_FOUND)
		r = RA_REFUSE(s, CA_OP_PASSCODE_RESET, res, CA_RF_CARD_UNKNOWN, c->serial);
	if (r != CA_OK)
		goto out;
	if (rec.holder == NULL || strcmp(rec.state, "cancelled") == 0 ||
	    strcmp(rec.state, "blank") == 0) {
		r = RA_REFUSE(s, CA_OP_PASSCODE_RESET, res, CA_RF_CARD_NOT_ISSUED, c->serial,
			      rec.state);
		goto out;
	}
	if ((r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	v.st.locked = (c->flags & CKF_USER_PIN_LOCKED) != 0;
	t.card = &v.st;
	t.subject = c->serial;
	if ((r = ca_gate(s, CA_OP_PASSCODE_RESET, &t, res, &d)) != CA_OK ||
	    (r = ca_card_new_passcode(s, CA_OP_PASSCODE_RESET, c->serial, &pin, res)) != CA_OK ||
	    (r = ca_card_set_passcode(s->ctx, c, pin)) != CA_OK)
		goto out;
	if ((r = ca_reg_begin(s->ctx->reg)) == CA_OK) {
		const char *kv[] = { "holder", rec.holder, "rule", d.rule,
				     "was-locked", v.st.locked ? "yes" : "no", NULL };

		r = ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "passcode-reset", c->serial, kv));
	}
	if (r == CA_OK)
		ca_result_done(res, "passcode-reset: card %s of %s has the holder's new passcode%s",
			       c->serial, rec.holder, v.st.locked ? " (it was locked)" : "");
out:
	ca_secret_free(pin);
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_op_passcode_reset(struct ca_session *s, unsigned reader, struct ca_result *res)
{
	struct ca_p11card *c = NULL;
	int r;

	if ((r = ca_gate_who(s, CA_OP_PASSCODE_RESET, NULL, res)) != CA_OK ||
	    (r = ra_reader_card(s, CA_OP_PASSCODE_RESET, reader, &c, res)) != CA_OK)
		return r;
	r = reset_run(s, c, res);
	ca_p11card_close(c);
	return r;
}
