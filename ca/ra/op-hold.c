/*
 * ca/ra/op-hold.c: hold and release (RFC 5280 certificateHold). A hold
 * suspends a certificate — a card mislaid but maybe not lost — without
 * ending it: CRLs list it with reason certificateHold, and the card is
 * neither renewed nor repaired meanwhile (the gate). A release makes it
 * valid again: the next full CRL leaves it out and the next delta CRL
 * lists it with reason removeFromCRL (RFC 5280 5.3.1), so a relying party
 * that merged the hold from an earlier CRL drops it. revoke ends a hold
 * for good. See ops.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/crl.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-hold.h"

#define NOTE_MAX 200

static const char *
status_name(const struct ca_cert_rec *c)
{
	switch (c->status) {
	case CA_CERT_VALID:	return "valid";
	case CA_CERT_HELD:	return "on hold";
	default:		return "revoked";
	}
}

/* The certificate, after the checks every hold and release makes. */
static int
cert_load(struct ca_session *s, enum ca_op op, const char *serial, const char *note,
	  char **norm, struct ca_cert_rec *rec, struct ca_result *res)
{
	const unsigned char *p;
	int r;

	if ((r = ca_gate_who(s, op, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || ca_serial_normalize(serial, norm) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--serial: '%s' is not a "
				      "hexadecimal serial number", serial != NULL ? serial : "");
	for (p = (const unsigned char *)(note != NULL ? note : ""); *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ca_result_fail(res, CA_ERR_INPUT, NULL, "--note: no control "
					      "characters");
	if (note != NULL && strlen(note) > NOTE_MAX)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "--note: at most %d bytes",
				      NOTE_MAX);
	if ((r = ca_reg_cert_get(s->ctx->reg, *norm, rec)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_CERT_UNKNOWN, *norm);
	return r;
}

/* One transaction: the change and its audit entry. */
static int
commit(struct ca_session *s, const char *action, const struct ca_cert_rec *rec,
       const char *note)
{
	const char *kv[] = { "holder", rec->holder, "card", rec->card, "profile", rec->profile,
			     "note", note, NULL };
	int64_t now = ca_ctx_now(s->ctx);
	int r;

	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = strcmp(action, "hold") == 0 ? ca_reg_cert_hold(s->ctx->reg, rec->serial, now)
		: ca_reg_cert_release(s->ctx->reg, rec->serial, now);
	if (r == CA_OK)
		r = ca_ctx_audit(s->ctx, action, rec->serial, kv);
	return ca_reg_end(s->ctx->reg, r);
}

int
ca_op_hold(struct ca_session *s, const char *serial, const char *note, struct ca_result *res)
{
	struct ca_cert_rec rec = { 0 };
	struct ca_target t = { NULL };
	char *norm = NULL;
	int r;

	if ((r = cert_load(s, CA_OP_HOLD, serial, note, &norm, &rec, res)) != CA_OK)
		goto out;
	t.holder = rec.holder;
	t.subject = norm;
	if ((r = ca_gate(s, CA_OP_HOLD, &t, res, NULL)) != CA_OK)
		goto out;
	if (rec.status == CA_CERT_HELD)
		r = RA_REFUSE(s, CA_OP_HOLD, res, CA_RF_CERT_HELD, norm);
	else if (rec.status != CA_CERT_VALID)
		r = RA_REFUSE(s, CA_OP_HOLD, res, CA_RF_CERT_REVOKED, norm,
			      ca_revoke_reason_name(rec.reason));
	else if ((r = commit(s, "hold", &rec, note)) == CA_OK)
		ca_result_done(res, "certificate %s of %s on hold (certificateHold): CRLs list it "
			       "from the next one; release --serial %s ends the hold", norm,
			       rec.holder, norm);
out:
	ca_cert_rec_clear(&rec);
	free(norm);
	return r;
}

int
ca_op_release(struct ca_session *s, const char *serial, const char *note,
	      struct ca_result *res)
{
	struct ca_cert_rec rec = { 0 };
	struct ca_target t = { NULL };
	bool newer = false;
	char *norm = NULL;
	int r;

	if ((r = cert_load(s, CA_OP_RELEASE, serial, note, &norm, &rec, res)) != CA_OK)
		goto out;
	t.holder = rec.holder;
	t.subject = norm;
	if ((r = ca_gate(s, CA_OP_RELEASE, &t, res, NULL)) != CA_OK)
		goto out;
	if (rec.status != CA_CERT_HELD) {
		r = RA_REFUSE(s, CA_OP_RELEASE, res, CA_RF_CERT_NOT_HELD, norm, status_name(&rec));
		goto out;
	}
	/* Released beside its successor, a card would carry two valid pairs. */
	if ((r = ca_reg_cert_superseded(s->ctx->reg, norm, &newer)) != CA_OK)
		goto out;
	if (newer) {
		r = RA_REFUSE(s, CA_OP_RELEASE, res, CA_RF_CERT_SUPERSEDED, norm,
			      rec.card != NULL ? rec.card : "-");
		goto out;
	}
	if ((r = commit(s, "release", &rec, note)) == CA_OK)
		ca_result_done(res, "certificate %s of %s released from hold: valid again; the "
			       "next delta CRL lists it as removeFromCRL, the next full CRL leaves "
			       "it out", norm, rec.holder);
out:
	ca_cert_rec_clear(&rec);
	free(norm);
	return r;
}
