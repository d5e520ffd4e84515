/*
 * ca/crl: revocation and CRL generation (RFC 5280 section 5).
 */
#ifndef CC_CA_CRL_H
#define CC_CA_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ca/core/ctx.h"

/*
 * RFC 5280 reason names ("keyCompromise", ...) and the domain's words for
 * them: lost/stolen -> keyCompromise, leaver -> affiliationChanged,
 * death -> cessationOfOperation. removeFromCRL is refused (it only has a
 * meaning in delta CRLs for held certificates). CA_ERR_USAGE if unknown.
 */
int ca_revoke_reason_parse(const char *name, int *out);
const char *ca_revoke_reason_name(int reason);

/*
 * Revoke certificate @serial (hex, any common spelling) at @now, recording
 * it and its audit entry in one transaction. CA_ERR_NOT_FOUND for an
 * unknown serial, CA_ERR_STATE if already revoked.
 */
int ca_cert_revoke(struct ca_ctx *ctx, const char *serial, int reason, time_t now);

struct ca_crl_opts {
	const char *issuer;	/* "authentication" or "signing" */
	int delta;		/* delta CRL against the last full CRL */
	int next_update_days;	/* 0: 7 */
	time_t now;
};

/*
 * After a restore, in the caller's transaction: @issuer's next CRL number
 * becomes at least @floor + 1 (a restored counter never hands out a number
 * some published CRL already has), and the next delta CRL waits for a new
 * full CRL (the full CRL clients hold may be one the restored registry
 * never made). *@next: the number the next CRL gets.
 */
int ca_crl_number_floor(struct ca_ctx *ctx, const char *issuer, long floor, long *next);

/*
 * Build and sign a CRL of @o->issuer: version 2, crlNumber, AKI,
 * nextUpdate, one entry per revoked certificate (reasonCode unless
 * unspecified), entries sorted by serial. A delta CRL carries a critical
 * deltaCRLIndicator naming the last full CRL and lists only revocations
 * since it. Full and delta CRLs share one number sequence (5.2.4). The new
 * number and its audit entry are committed together. *der is
 * OPENSSL_malloc'ed; *number receives the CRL number.
 */
int ca_crl_generate(struct ca_ctx *ctx, const struct ca_crl_opts *o, unsigned char **der,
		    size_t *len, long *number);

/*
 * ca_crl_generate() with nextUpdate @next_update seconds (> 0) after
 * o->now, ignoring o->next_update_days: the policy's CRL schedule
 * (pol_crl_schedule) counts delta CRLs in hours, not days.
 */
int ca_crl_generate_secs(struct ca_ctx *ctx, const struct ca_crl_opts *o, int64_t next_update,
			 unsigned char **der, size_t *len, long *number);

#endif
