/*
 * ca/ra/remind.c: see remind.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/ra/gate.h"
#include "ca/ra/remind.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-remind.h"
#include "common/log.h"

/* The message for @m: renew yourself now, or see the RA (the policy's sentence). */
static int
compose(struct ca_session *s, const struct ca_reminder *m, const char *how, char *text,
	size_t len)
{
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct pol_decision d;
	char day[32];
	time_t t = (time_t)m->not_after;
	struct tm tm;
	int r;

	if ((r = ca_reg_card_get(s->ctx->reg, m->card, &rec)) != CA_OK ||
	    (r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	pol_decide_self_renew(s->ctx->pol, &v.st, ca_ctx_now(s->ctx), &d);
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%d %B %Y", &tm);
	if (d.allow)
		snprintf(text, len, "The certificates on your carecard (card %s) expire on %s. "
			 "You can renew them now at your workstation: insert the card and run "
			 "\"%s\".", m->card, day, how);
	else
		snprintf(text, len, "The certificates on your carecard (card %s) expire on %s, "
			 "and this renewal needs your RA (%s). Book a visit and take the card "
			 "with you.", m->card, day, d.sentence);
out:
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_op_renewal_reminders(struct ca_session *s, const char *how, unsigned max,
			ca_unlock_send_fn send, void *arg, unsigned *sent, struct ca_result *res)
{
	struct ca_target t = { NULL };
	struct ca_reminder *due = NULL;
	size_t n = 0, i;
	char text[640];
	int r;

	*sent = 0;
	if (how == NULL || send == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "a renewal command and a sender "
				      "needed");
	if ((r = ca_gate(s, CA_OP_RENEWAL_REMIND, &t, res, NULL)) != CA_OK)
		return r;
	if (!s->ctx->pol->renewal.reminder) {
		ca_result_done(res, "renewal reminders are off (renewal.reminder: false)");
		return CA_OK;
	}
	if ((r = ca_reg_reminders_due(s->ctx->reg, ca_ctx_now(s->ctx),
				      s->ctx->pol->renewal.window, max, &due, &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++) {
		const struct ca_reminder *m = &due[i];
		const char *channel = m->email != NULL && *m->email ? "email" : "sms";
		const char *kv[] = { "holder", m->holder, "certificate", m->cert, "channel",
				     channel, NULL };

		if ((r = compose(s, m, how, text, sizeof(text))) != CA_OK)
			goto out;
		if (send(arg, channel, channel[0] == 'e' ? m->email : m->mobile,
			 "Your carecard certificates can be renewed", text) != CA_OK) {
			util_log(LOG_WARNING, "card %s: the renewal reminder could not be sent (%s); "
				 "it is tried again later", m->card, channel);
			continue;
		}
		if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
			goto out;
		if ((r = ca_reg_reminder_sent(s->ctx->reg, m->cert, m->card, channel,
					      ca_ctx_now(s->ctx))) == CA_OK)
			r = ca_ctx_audit(s->ctx, "renewal-reminder", m->card, kv);
		if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK)
			goto out;
		(*sent)++;
	}
	ca_result_done(res, "%u renewal reminder(s) sent", *sent);
	r = CA_OK;
out:
	ca_reminders_free(due, n);
	return r;
}
