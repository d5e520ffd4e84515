/*
 * ca/ra/unlock.c: self-service unlock by a one-time code. See unlock.h and
 * ca/README.md, "Self-service unlock".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/signer-unblock.h"
#include "ca/ra/card-view.h"
#include "ca/ra/gate.h"
#include "ca/ra/otp.h"
#include "ca/ra/refusal.h"
#include "ca/ra/unlock.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-unlock.h"
#include "common/log.h"

#define PURPOSE "unlock"

/*
 * The card as the policy sees it, and the common refusals: unknown, not
 * issued or cancelled, the policy's (series, self-service, contacts), expired.
 */
static int
card_check(struct ca_session *s, enum ca_op op, const char *serial, struct ca_card_rec *rec,
	   struct ca_result *res)
{
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int r;

	if (!ca_otp_digits(serial, 16, 16))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "card: 16 digits expected");
	if ((r = ca_reg_card_get(s->ctx->reg, serial, rec)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_CARD_UNKNOWN, serial);
	if (r != CA_OK)
		return r;
	if (rec->holder == NULL || strcmp(rec->state, "issued") != 0)
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_NOT_ISSUED, serial, rec->state);
	if ((r = ca_card_view_fill(s, rec, &v)) != CA_OK)
		return r;
	v.st.locked = true;	/* the holder says so; an unlocked card is unchanged by it */
	t.card = &v.st;
	t.subject = serial;
	if ((r = ca_gate(s, op, &t, res, NULL)) != CA_OK)
		return r;
	if (v.st.cert_not_after != 0 && v.st.cert_not_after <= ca_ctx_now(s->ctx))
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_EXPIRED, serial);
	return CA_OK;
}

/*
 * In one transaction: the limits (BEGIN IMMEDIATE: two requests cannot both
 * take the last send), a new code, its HMAC recorded, the audit entry.
 * @code gets the code in clear for the caller to send.
 */
static int
record(struct ca_session *s, const struct ca_card_rec *rec, struct ca_unlock_code *c,
       char *code, struct ca_result *res)
{
	char shown[256];
	int r;

	ca_otp_mask(c->address, shown, sizeof(shown));
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_otp_limits(s, CA_OP_SELF_UNLOCK_REQUEST, rec->serial, c->address, res)) != CA_OK)
		return r;	/* refused: the refusal rolled back and audited */
	if ((r = ca_otp_new(s->ctx->pol->unlock.code_digits, code)) != CA_OK ||
	    (r = ca_otp_mac(s, PURPOSE, rec->serial, code, c->mac)) != CA_OK)
		return ca_reg_end(s->ctx->reg, r);
	if ((r = ca_reg_unlock_code_add(s->ctx->reg, c)) == CA_OK) {
		const char *kv[] = { "holder", rec->holder, "channel", c->channel, "to", shown,
				     NULL };

		r = ca_ctx_audit(s->ctx, "self-unlock-code-sent", rec->serial, kv);
	}
	return ca_reg_end(s->ctx->reg, r);
}

int
ca_op_unlock_request(struct ca_session *s, const char *serial, ca_unlock_send_fn send,
		     void *arg, struct ca_result *res)
{
	const enum ca_op op = CA_OP_SELF_UNLOCK_REQUEST;
	const struct pol_unlock *u;
	struct ca_card_rec rec = { 0 };
	struct ca_person p = { 0 };
	struct ca_unlock_code c;
	unsigned char *sealed = NULL;
	size_t slen = 0;
	char code[CA_OTP_MAX + 1] = "", text[256];
	const char *addr;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = ca_gate_who(s, op, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || send == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "card serial and a sender needed");
	u = &s->ctx->pol->unlock;
	if ((r = card_check(s, op, serial, &rec, res)) != CA_OK)
		goto out;
	if ((r = ca_reg_unblock_get(s->ctx->reg, serial, &sealed, &slen)) == CA_ERR_NOT_FOUND) {
		r = RA_REFUSE(s, op, res, CA_RF_UNLOCK_NO_SEAL, serial);
		goto out;
	}
	if (r != CA_OK || (r = ca_reg_person_get(s->ctx->reg, rec.holder, &p)) != CA_OK)
		goto out;
	/* Email first (what the holder is likeliest to read at a workstation). */
	addr = p.email != NULL && *p.email ? p.email : p.mobile;
	if (addr == NULL || *addr == '\0' || strlen(addr) >= sizeof(c.address)) {
		r = RA_REFUSE(s, op, res, CA_RF_UNLOCK_NO_CONTACT, serial);
		goto out;
	}
	c.channel = addr == p.email ? "email" : "sms";
	c.purpose = PURPOSE;
	snprintf(c.card, sizeof(c.card), "%s", serial);
	snprintf(c.address, sizeof(c.address), "%s", addr);
	c.created = ca_ctx_now(s->ctx);
	c.expires = c.created + u->code_valid;
	c.tries_left = (int)u->code_max_tries;
	if ((r = record(s, &rec, &c, code, res)) != CA_OK)
		goto out;
	snprintf(text, sizeof(text), "Your carecard unlock code for card %s is %s. It is valid "
		 "for %lld minutes. If you did not ask for it, tell your RA.", serial, code,
		 (long long)(u->code_valid / 60));
	r = send(arg, c.channel, addr, "Your carecard unlock code", text);
	OPENSSL_cleanse(text, sizeof(text));
	if (r != CA_OK) {
		util_log(LOG_ERR, "card %s: the unlock code could not be sent (%s)", serial,
			 c.channel);
		ca_reg_unlock_code_settle(s->ctx->reg, c.id, "spent", 0);	/* never usable */
		r = ca_result_fail(res, CA_ERR_IO, NULL, "the code could not be sent: try again "
				   "later");
		goto out;
	}
	ca_result_done(res, "self-unlock: a code for card %s was sent by %s", serial,
		       c.channel);
	r = CA_OK;
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(c.mac, sizeof(c.mac));
	free(sealed);
	ca_person_clear(&p);
	ca_card_rec_clear(&rec);
	return r;
}

/* The card's ephemeral key: an RSA SubjectPublicKeyInfo, 2048-4096 bits, nothing after it. */
static int
read_spki(struct ca_session *s, const unsigned char *spki, size_t len, EVP_PKEY **out)
{
	const unsigned char *p = spki;
	EVP_PKEY *pk;

	if (spki == NULL || len == 0 || len > 4096)
		return CA_ERR_INPUT;
	pk = d2i_PUBKEY_ex(NULL, &p, (long)len, s->ctx->libctx, NULL);
	ERR_clear_error();	/* bad input is the caller's, not ours */
	if (pk == NULL || p != spki + len || !EVP_PKEY_is_a(pk, "RSA") ||
	    EVP_PKEY_get_bits(pk) < 2048 || EVP_PKEY_get_bits(pk) > 4096) {
		EVP_PKEY_free(pk);
		return CA_ERR_INPUT;
	}
	*out = pk;
	return CA_OK;
}

/* The right code: the response from the HSM, the code used, all in one transaction. */
static int
answer(struct ca_session *s, const struct ca_card_rec *rec, const struct ca_unlock_code *c,
       EVP_PKEY *eph, unsigned char **resp, size_t *resplen)
{
	unsigned char *sealed = NULL;
	size_t slen = 0;
	int r;

	if ((r = ca_reg_unblock_get(s->ctx->reg, rec->serial, &sealed, &slen)) != CA_OK ||
	    (r = ca_reg_unlock_code_settle(s->ctx->reg, c->id, "used", c->tries_left)) != CA_OK ||
	    (r = ca_signer_unblock_respond(s->ctx->signer, CA_LABEL_UNBLOCK, rec->serial, sealed,
					   slen, eph, resp, resplen)) != CA_OK)
		goto out;
	{
		const char *kv[] = { "holder", rec->holder, "channel", c->channel, NULL };

		r = ca_ctx_audit(s->ctx, "self-unlock", rec->serial, kv);
	}
out:
	free(sealed);
	r = ca_reg_end(s->ctx->reg, r);
	if (r != CA_OK && *resp != NULL) {
		free(*resp);	/* not committed: the code stays open, no response leaves */
		*resp = NULL;
	}
	return r;
}

int
ca_op_unlock_complete(struct ca_session *s, const char *serial, const char *code,
		      const unsigned char *spki, size_t spkilen, ca_unlock_send_fn send,
		      void *arg, unsigned char **resp, size_t *resplen, struct ca_result *res)
{
	const enum ca_op op = CA_OP_SELF_UNLOCK_COMPLETE;
	struct ca_card_rec rec = { 0 };
	struct ca_unlock_code c;
	unsigned char *out = NULL;
	size_t outlen = 0;
	EVP_PKEY *eph = NULL;
	char text[256];
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = ca_gate_who(s, op, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || code == NULL || resp == NULL || resplen == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "card, code and key needed");
	if (!ca_otp_digits(code, s->ctx->pol->unlock.code_digits, s->ctx->pol->unlock.code_digits))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "code: %u digits expected",
				      s->ctx->pol->unlock.code_digits);
	if (read_spki(s, spki, spkilen, &eph) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "key: an RSA public key "
				      "(SubjectPublicKeyInfo, 2048-4096 bits) expected");
	if ((r = card_check(s, op, serial, &rec, res)) != CA_OK ||
	    (r = ca_otp_take(s, op, PURPOSE, serial, rec.holder, code, "self-unlock-code-wrong",
			     &c, res)) != CA_OK)
		goto out;
	if ((r = answer(s, &rec, &c, eph, &out, &outlen)) != CA_OK)
		goto out;
	/* The contact learns of every unlock (someone else may have had the code). */
	snprintf(text, sizeof(text), "Card %s was unlocked with a code sent to this address, "
		 "and a new passcode was set. If this was not you, tell your RA at once.",
		 serial);
	if (send != NULL && send(arg, c.channel, c.address, "Your carecard was unlocked",
				 text) != CA_OK)
		util_log(LOG_WARNING, "card %s: the unlock notice could not be sent", serial);
	*resp = out;
	*resplen = outlen;
	out = NULL;
	ca_result_done(res, "self-unlock: card %s answered", serial);
	r = CA_OK;
out:
	ca_reg_rollback(s->ctx->reg);	/* whatever a failure left open */
	OPENSSL_cleanse(c.mac, sizeof(c.mac));
	free(out);
	EVP_PKEY_free(eph);
	ca_card_rec_clear(&rec);
	return r;
}
