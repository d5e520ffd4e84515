/*
 * ca/ra/op-terms.c: the portal's terms and conditions (issue 17) — has the
 * holder accepted a version, and their acceptance of it. The version is
 * the front end's (the service hashes the text the CA operator installed);
 * the library only checks its form and records who accepted it, when, with
 * which card and authentication certificate. See ops.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-cards.h"

/* A version: 1-64 letters, digits, '.', '-', '_' or ':' (a SHA-256 in hex fits). */
static int
version_check(const char *version, struct ca_result *res)
{
	static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_:";
	size_t n = version != NULL ? strlen(version) : 0;

	if (n == 0 || n > CA_TERMS_VERSION_MAX || strspn(version, ok) != n)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "version: 1-%d letters, digits, "
				      "'.', '-', '_' or ':'", CA_TERMS_VERSION_MAX);
	return CA_OK;
}

int
ca_op_terms_status(struct ca_session *s, const char *version, bool *accepted,
		   struct ca_terms_acceptance *out, struct ca_result *res)
{
	struct ca_target t = { NULL };
	int r;

	*accepted = false;
	memset(out, 0, sizeof(*out));
	if ((r = ca_gate_who(s, CA_OP_TERMS_STATUS, s->actor.uuid, res)) != CA_OK ||
	    (r = version_check(version, res)) != CA_OK)
		return r;
	t.holder = s->actor.uuid;
	t.subject = s->actor.uuid;
	if ((r = ca_gate(s, CA_OP_TERMS_STATUS, &t, res, NULL)) != CA_OK)
		return r;
	r = ca_reg_terms_get(s->ctx->reg, s->actor.uuid, version, out);
	*accepted = r == CA_OK;
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}

/* "2026-11-05T10:00:00Z" (UTC). */
static const char *
iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "%lld", (long long)t);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* The actor's own card, in use (issued, or an active TAC): the gate's word on it. */
static int
own_card(struct ca_session *s, struct ca_result *res)
{
	const enum ca_op op = CA_OP_TERMS_ACCEPT;
	struct ca_card_rec rec = { 0 };
	struct ca_card_view v;
	struct ca_target t = { NULL };
	int r;

	if ((r = ca_reg_card_get(s->ctx->reg, s->actor.card, &rec)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_CARD_UNKNOWN, s->actor.card);
	if (r != CA_OK)
		return r;
	/* Issued to them, or a Temporary Access Card active for them. */
	if (rec.holder == NULL || (strcmp(rec.state, "issued") != 0 &&
				   strcmp(rec.state, "tac-active") != 0)) {
		r = RA_REFUSE(s, op, res, CA_RF_CARD_NOT_ISSUED, rec.serial, rec.state);
		goto out;
	}
	if ((r = ca_card_view_fill(s, &rec, &v)) != CA_OK)
		goto out;
	t.card = &v.st;
	t.holder = rec.holder;
	t.subject = rec.serial;
	r = ca_gate(s, op, &t, res, NULL);
out:
	ca_card_rec_clear(&rec);
	return r;
}

int
ca_op_terms_accept(struct ca_session *s, const char *version, struct ca_terms_acceptance *out,
		   struct ca_result *res)
{
	struct ca_reg *reg = s->ctx->reg;
	char when[32];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ca_gate_who(s, CA_OP_TERMS_ACCEPT, s->actor.card, res)) != CA_OK ||
	    (r = version_check(version, res)) != CA_OK ||
	    (r = own_card(s, res)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	/* Accepted before (another tab, another card): that acceptance stands. */
	if ((r = ca_reg_terms_get(reg, s->actor.uuid, version, out)) == CA_OK) {
		ca_reg_rollback(reg);
		ca_result_done(res, "you accepted these terms and conditions on %s",
			       iso_time(out->accepted_at, when, sizeof(when)));
		return CA_OK;
	}
	if (r != CA_ERR_NOT_FOUND) {
		ca_reg_rollback(reg);
		return r;
	}
	snprintf(out->version, sizeof(out->version), "%s", version);
	out->accepted_at = ca_ctx_now(s->ctx);
	snprintf(out->card, sizeof(out->card), "%s", s->actor.card);
	snprintf(out->certificate, sizeof(out->certificate), "%s", s->actor.cert_serial);
	if ((r = ca_reg_terms_add(reg, s->actor.uuid, out)) == CA_OK) {
		const char *kv[] = { "version", out->version, "card", out->card, "certificate",
				     out->certificate, NULL };

		r = ca_ctx_audit(s->ctx, "terms-accept", s->actor.uuid, kv);
	}
	if ((r = ca_reg_end(reg, r)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the acceptance could not be recorded: try "
				      "again");
	ca_result_done(res, "you accepted these terms and conditions on %s",
		       iso_time(out->accepted_at, when, sizeof(when)));
	return CA_OK;
}
