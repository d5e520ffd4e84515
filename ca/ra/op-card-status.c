/*
 * ca/ra/op-card-status.c: a card's renewal status, as the holder's
 * "carecard-card status --server" shows it: the card's state, its newest
 * certificate's expiry, the renewal counters and the policy's answer to
 * "may the holder renew it themselves now?" (pol_decide_self_renew on the
 * same view the self-renew gate judges). Read-only: nothing is written,
 * not even the audit entry a refused self-renewal gets. See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-cards.h"

static bool
digits(const char *s, size_t min, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

int
ca_op_card_status(struct ca_session *s, const char *serial, struct ca_card_status *out,
		  struct ca_result *res)
{
	const struct pol_policy *pol = s->ctx->pol;
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	struct pol_decision d;
	unsigned limit = pol->renewal.self_renewals_before_ra;
	int r;

	memset(out, 0, sizeof(*out));
	if (!digits(serial, 16, 16))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "a card serial is 16 digits");
	t.subject = serial;
	if ((r = ca_gate(s, CA_OP_CARD_STATUS, &t, res, NULL)) != CA_OK)
		return r;
	if ((r = ca_reg_card_get(s->ctx->reg, serial, &rec)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)	/* not audited: NOT_FOUND refusals are not */
			r = RA_REFUSE(s, CA_OP_CARD_STATUS, res, CA_RF_CARD_UNKNOWN, serial);
		return r;
	}
	snprintf(out->state, sizeof(out->state), "%s", rec.state);
	out->renewals = (unsigned)rec.renewals;
	out->self_renewals = (unsigned)rec.self_renewals;
	out->self_left = limit > out->self_renewals ? limit - out->self_renewals : 0;
	if (rec.holder == NULL) {
		out->rule = "card.state";
		snprintf(out->sentence, sizeof(out->sentence), "card %s has not been issued",
			 serial);
		goto out;
	}
	if ((r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	out->not_after = v.st.cert_not_after;
	out->window_opens = v.st.cert_not_after - pol->renewal.window;
	pol_decide_self_renew(pol, &v.st, ca_ctx_now(s->ctx), &d);
	out->renew_now = d.allow && strcmp(rec.state, "issued") == 0;
	out->rule = d.rule;
	snprintf(out->sentence, sizeof(out->sentence), "%s", d.sentence);
out:
	ca_card_rec_clear(&rec);
	return r;
}
