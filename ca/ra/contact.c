/*
 * ca/ra/contact.c: a holder's own contact details. See contact.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/ra/card-view.h"
#include "ca/ra/contact.h"
#include "ca/ra/gate.h"
#include "ca/ra/otp.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-unlock.h"
#include "ca/registry/registry-update.h"
#include "common/log.h"

#define PURPOSE "contact"

/* The actor's card, issued, and the gate's word on it; @p its holder. */
static int
holder_check(struct ca_session *s, enum ca_op op, struct ca_card_rec *rec, struct ca_person *p,
	     struct ca_result *res)
{
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int r;

	if ((r = ca_gate_who(s, op, s->actor.card, res)) != CA_OK)
		return r;
	if ((r = ca_reg_card_get(s->ctx->reg, s->actor.card, rec)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_CARD_UNKNOWN, s->actor.card);
	if (r != CA_OK)
		return r;
	if (rec->holder == NULL || strcmp(rec->state, "issued") != 0)
		return RA_REFUSE(s, op, res, CA_RF_CARD_NOT_ISSUED, rec->serial, rec->state);
	if ((r = ca_card_view_fill(s, rec, &v)) != CA_OK)
		return r;
	t.card = &v.st;
	t.subject = rec->serial;
	if ((r = ca_gate(s, op, &t, res, NULL)) != CA_OK)
		return r;
	return ca_reg_person_get(s->ctx->reg, rec->holder, p);
}

int
ca_op_contact_request(struct ca_session *s, const char *channel, const char *address,
		      ca_unlock_send_fn send, void *arg, struct ca_result *res)
{
	const enum ca_op op = CA_OP_SELF_CONTACT_REQUEST;
	const struct pol_unlock *u = &s->ctx->pol->unlock;
	struct ca_card_rec rec = { 0 };
	struct ca_person p = { 0 };
	struct ca_unlock_code c;
	char code[CA_OTP_MAX + 1] = "", text[320], shown[256], msg[256];
	const char *have;
	bool email;
	int r;

	memset(&c, 0, sizeof(c));
	if (channel == NULL || address == NULL || send == NULL ||
	    (strcmp(channel, "email") != 0 && strcmp(channel, "sms") != 0))
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "an email address or a mobile "
				      "number, and a sender, needed");
	email = channel[0] == 'e';
	if ((email ? ca_check_email("email", address, msg, sizeof(msg))
		   : ca_check_mobile("mobile", address, msg, sizeof(msg))) != CA_OK ||
	    strlen(address) >= sizeof(c.address))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	if ((r = holder_check(s, op, &rec, &p, res)) != CA_OK)
		goto out;
	have = email ? p.email : p.mobile;
	ca_otp_mask(address, shown, sizeof(shown));
	if (have != NULL && strcmp(have, address) == 0) {
		r = RA_REFUSE(s, op, res, CA_RF_CONTACT_SAME, shown);
		goto out;
	}
	c.purpose = PURPOSE;
	c.channel = email ? "email" : "sms";
	snprintf(c.card, sizeof(c.card), "%s", rec.serial);
	snprintf(c.address, sizeof(c.address), "%s", address);
	c.created = ca_ctx_now(s->ctx);
	c.expires = c.created + u->code_valid;
	c.tries_left = (int)u->code_max_tries;
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_otp_limits(s, op, rec.serial, address, res)) != CA_OK)
		goto out;	/* refused: rolled back and audited */
	if ((r = ca_otp_new(u->code_digits, code)) != CA_OK ||
	    (r = ca_otp_mac(s, PURPOSE, rec.serial, code, c.mac)) != CA_OK ||
	    (r = ca_reg_unlock_code_add(s->ctx->reg, &c)) != CA_OK) {
		r = ca_reg_end(s->ctx->reg, r);
		goto out;
	}
	{
		const char *kv[] = { "holder", rec.holder, "channel", c.channel, "to", shown, NULL };

		r = ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "self-contact-code-sent",
							 rec.serial, kv));
	}
	if (r != CA_OK)
		goto out;
	snprintf(text, sizeof(text), "Your carecard confirmation code is %s. Enter it to make "
		 "this your registered %s for card %s. It is valid for %lld minutes. If you did "
		 "not ask for it, ignore this message.", code, email ? "email address" :
		 "mobile number", rec.serial, (long long)(u->code_valid / 60));
	r = send(arg, c.channel, address, "Confirm your carecard contact details", text);
	OPENSSL_cleanse(text, sizeof(text));
	if (r != CA_OK) {
		util_log(LOG_ERR, "card %s: the contact confirmation code could not be sent (%s)",
			 rec.serial, c.channel);
		ca_reg_unlock_code_settle(s->ctx->reg, c.id, "spent", 0);
		r = ca_result_fail(res, CA_ERR_IO, NULL, "the code could not be sent to %s: check "
				   "the address, or try again later", shown);
		goto out;
	}
	ca_result_done(res, "a code was sent to %s: enter it to confirm the change", shown);
	r = CA_OK;
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(c.mac, sizeof(c.mac));
	ca_person_clear(&p);
	ca_card_rec_clear(&rec);
	return r;
}

/* The right code: the person's contact changed, the code used, audited; one transaction. */
static int
apply(struct ca_session *s, const struct ca_card_rec *rec, const struct ca_unlock_code *c,
      const char *old)
{
	struct ca_person_change ch = { NULL, NULL, NULL };
	char was[256] = "-", now[256];
	int r;

	if (strcmp(c->channel, "email") == 0)
		ch.email = c->address;
	else
		ch.mobile = c->address;
	if (old != NULL && *old != '\0')
		ca_otp_mask(old, was, sizeof(was));
	ca_otp_mask(c->address, now, sizeof(now));
	if ((r = ca_reg_unlock_code_settle(s->ctx->reg, c->id, "used", c->tries_left)) == CA_OK &&
	    (r = ca_reg_person_update(s->ctx->reg, rec->holder, &ch)) == CA_OK) {
		const char *kv[] = { "holder", rec->holder, "channel", c->channel, "old", was,
				     "new", now, NULL };

		r = ca_ctx_audit(s->ctx, "self-contact-change", rec->serial, kv);
	}
	return ca_reg_end(s->ctx->reg, r);
}

int
ca_op_contact_confirm(struct ca_session *s, const char *code, ca_unlock_send_fn send, void *arg,
		      struct ca_result *res)
{
	const enum ca_op op = CA_OP_SELF_CONTACT;
	struct ca_card_rec rec = { 0 };
	struct ca_person p = { 0 };
	struct ca_unlock_code c;
	char text[512], shown[256], *old = NULL;
	int r;

	memset(&c, 0, sizeof(c));
	if (code == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "the code needed");
	if (!ca_otp_digits(code, s->ctx->pol->unlock.code_digits, s->ctx->pol->unlock.code_digits))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "code: %u digits expected",
				      s->ctx->pol->unlock.code_digits);
	if ((r = holder_check(s, op, &rec, &p, res)) != CA_OK ||
	    (r = ca_otp_take(s, op, PURPOSE, rec.serial, rec.holder, code,
			     "self-contact-code-wrong", &c, res)) != CA_OK)
		goto out;
	if ((old = strdup(strcmp(c.channel, "email") == 0 ? (p.email ? p.email : "")
							  : (p.mobile ? p.mobile : ""))) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if ((r = apply(s, &rec, &c, old)) != CA_OK)
		goto out;
	ca_otp_mask(c.address, shown, sizeof(shown));
	/* The old address learns of the change (someone else may have the card). */
	if (*old != '\0' && send != NULL) {
		snprintf(text, sizeof(text), "The %s registered for carecard card %s was changed "
			 "to %s. If this was not you, tell your RA at once.",
			 strcmp(c.channel, "email") == 0 ? "email address" : "mobile number",
			 rec.serial, shown);
		if (send(arg, c.channel, old, "Your carecard contact details were changed",
			 text) != CA_OK)
			util_log(LOG_WARNING, "card %s: the contact-change notice could not be sent",
				 rec.serial);
	}
	ca_result_done(res, "your %s is now %s", strcmp(c.channel, "email") == 0 ?
		       "email address" : "mobile number", shown);
	r = CA_OK;
out:
	ca_reg_rollback(s->ctx->reg);	/* whatever a failure left open */
	OPENSSL_cleanse(c.mac, sizeof(c.mac));
	free(old);
	ca_person_clear(&p);
	ca_card_rec_clear(&rec);
	return r;
}
