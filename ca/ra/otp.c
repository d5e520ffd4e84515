/*
 * ca/ra/otp.c: see otp.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/signer-unblock.h"
#include "ca/ra/otp.h"
#include "ca/ra/refusal.h"
#include "ca/registry/registry-unlock.h"
#include "common/log.h"

#define HOUR 3600
#define MAC_INFO "carecard one-time code v1"

bool
ca_otp_digits(const char *p, size_t min, size_t max)
{
	size_t n = 0;

	for (; p[n] != '\0'; n++)
		if (p[n] < '0' || p[n] > '9' || n >= max)
			return false;
	return n >= min;
}

void
ca_otp_mask(const char *addr, char *out, size_t size)
{
	const char *at = strchr(addr, '@');
	size_t n = strlen(addr), keep_end = at != NULL ? n - (size_t)(at - addr) : 3, i;

	snprintf(out, size, "%s", addr);
	for (i = at != NULL ? 1 : 3; i + keep_end < n && i + 1 < size; i++)
		out[i] = '*';
}

int
ca_otp_new(unsigned n, char *out)
{
	unsigned char b;
	unsigned i = 0;

	while (i < n) {
		if (RAND_priv_bytes(&b, 1) != 1) {
			util_log_ossl_errors(__func__);
			return CA_ERR_CRYPTO;
		}
		if (b < 250)	/* 250 = 25 * 10: no bias */
			out[i++] = (char)('0' + b % 10);
	}
	out[n] = '\0';
	b = 0;
	return CA_OK;
}

int
ca_otp_mac(struct ca_session *s, const char *purpose, const char *serial, const char *code,
	   unsigned char mac[32])
{
	char buf[96];
	int n, r;

	n = snprintf(buf, sizeof(buf), "%s|%s|%s|%s", MAC_INFO, purpose, serial, code);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return CA_ERR_INTERNAL;
	r = ca_signer_unblock_code_mac(s->ctx->signer, CA_LABEL_UNLOCK_CODES, buf, (size_t)n, mac);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int
ca_otp_take(struct ca_session *s, enum ca_op op, const char *purpose, const char *serial,
	    const char *holder, const char *code, const char *wrong_action,
	    struct ca_unlock_code *c, struct ca_result *res)
{
	unsigned char mac[32];
	char n[16];
	int left, r;

	if ((r = ca_otp_mac(s, purpose, serial, code, mac)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_unlock_code_open(s->ctx->reg, serial, purpose, c)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			r = RA_REFUSE(s, op, res, CA_RF_UNLOCK_NO_CODE, serial);
		goto out;
	}
	if (ca_ctx_now(s->ctx) >= c->expires) {
		r = ca_reg_end(s->ctx->reg, ca_reg_unlock_code_settle(s->ctx->reg, c->id, "spent",
								       c->tries_left));
		if (r == CA_OK)
			r = RA_REFUSE(s, op, res, CA_RF_UNLOCK_CODE_EXPIRED, serial);
		goto out;
	}
	if (CRYPTO_memcmp(mac, c->mac, sizeof(mac)) == 0) {
		r = CA_OK;	/* the transaction stays open for the caller */
		goto out;
	}
	/* A wrong code: one try less (spent at none), committed, then the refusal. */
	left = c->tries_left > 0 ? c->tries_left - 1 : 0;
	snprintf(n, sizeof(n), "%d", left);
	if ((r = ca_reg_unlock_code_settle(s->ctx->reg, c->id, left > 0 ? "open" : "spent",
					   left)) == CA_OK) {
		const char *kv[] = { "holder", holder, "tries-left", n, NULL };

		r = ca_ctx_audit(s->ctx, wrong_action, serial, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		r = left > 0 ? RA_REFUSE(s, op, res, CA_RF_UNLOCK_CODE_WRONG, serial, n)
			     : RA_REFUSE(s, op, res, CA_RF_UNLOCK_CODE_SPENT, serial);
out:
	if (r != CA_OK)
		ca_reg_rollback(s->ctx->reg);	/* whatever a failure left open */
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int
ca_otp_limits(struct ca_session *s, enum ca_op op, const char *serial, const char *address,
	      struct ca_result *res)
{
	const struct pol_unlock *u = &s->ctx->pol->unlock;
	struct ca_unlock_sends n;
	int r;

	if ((r = ca_reg_unlock_sends(s->ctx->reg, serial, address, ca_ctx_now(s->ctx) - HOUR,
				     &n)) != CA_OK)
		return r;
	if (n.card >= u->sends_per_card)
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_SENDS_CARD, serial);
	if (n.address >= u->sends_per_address)
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_SENDS_ADDRESS, serial);
	if (n.all >= u->sends_total)
		return RA_REFUSE(s, op, res, CA_RF_UNLOCK_SENDS_TOTAL, serial);
	return CA_OK;
}
