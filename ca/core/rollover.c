/*
 * ca/rollover.c: see rollover.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/x509.h>

#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/hierarchy.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/rollover.h"
#include "ca/core/x509util.h"
#include "ca/registry/registry-issuers.h"
#include "common/log.h"

#define ROLLOVER_KEY_ID 0x40	/* CKA_ID 0x40 + 2 * generation (+1 signing) */

static int64_t
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) == 1 ? (int64_t)timegm(&tm) : 0;
}

/* @crt's serial in upper-case hex (OPENSSL_free), NULL on failure. */
static char *
serial_hex(const X509 *crt)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(crt), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;

	BN_free(bn);
	return hex;
}

/* The new generation's token key (a key left by a killed run is taken over). */
static int
new_key(struct ca_ctx *ctx, struct ca_issuer *is, enum ca_issuer_id id)
{
	enum ca_key_type type = CA_KEY_RSA2048;
	char *kt = NULL;
	int r;

	if (ca_reg_config_get(ctx->reg, "issuing-key-type", &kt) == CA_OK)
		ca_key_type_parse(kt, &type);
	free(kt);
	r = ca_signer_keygen(ctx->signer, is->label, (unsigned char)(ROLLOVER_KEY_ID +
				2 * is->gen + (id == CA_ISSUER_SIGN)), type);
	if (r != CA_OK && r != CA_ERR_EXISTS)
		return r;
	if ((r = ca_signer_key_get(ctx->signer, is->label, &is->key)) != CA_OK)
		return r;
	return ca_hsm_pkey_new(ctx->libctx, is->key, &is->pkey);
}

/* The registry row and the audit entry, one transaction. */
static int
record(struct ca_ctx *ctx, struct ca_issuer *is, enum ca_issuer_id id,
       const struct ca_rollover_info *info)
{
	struct ca_issuer_rec rec = { 0 };
	char gen[16], until[24], prev_until[24];
	const char *kv[] = { "role", ca_issuer_role(id), "generation", gen, "key", is->label,
			     "serial", info->serial, "not-after", until, "previous", info->prev,
			     "previous-until", prev_until, NULL };
	int r;

	snprintf(gen, sizeof(gen), "%d", is->gen);
	snprintf(until, sizeof(until), "%lld", (long long)info->not_after);
	snprintf(prev_until, sizeof(prev_until), "%lld", (long long)info->prev_until);
	rec.name = is->name;
	rec.role = (char *)ca_issuer_role(id);
	rec.generation = is->gen;
	rec.key_label = is->label;
	rec.created = ca_ctx_now(ctx);
	if ((r = ca_x509_der(is->cert, &rec.der, &rec.derlen)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(ctx->reg)) == CA_OK) {
		if ((r = ca_reg_issuer_add(ctx->reg, &rec)) == CA_OK)
			r = ca_ctx_audit(ctx, "ca-rollover", is->name, kv);
		r = ca_reg_end(ctx->reg, r);
	}
	OPENSSL_free(rec.der);
	return r;
}

int
ca_rollover(struct ca_ctx *ctx, enum ca_issuer_id id, int days, struct ca_rollover_info *info)
{
	struct ca_issuer *cur, *prev, is;
	int64_t now = ca_ctx_now(ctx), until = 0;
	char *hex = NULL;
	int r;

	memset(info, 0, sizeof(*info));
	memset(&is, 0, sizeof(is));
	if ((id != CA_ISSUER_AUTH && id != CA_ISSUER_SIGN) || ctx->signer == NULL || days < 0)
		return CA_ERR_USAGE;
	cur = &ctx->issuers[id];
	prev = &ctx->issuers[ca_issuer_sibling(id)];
	snprintf(info->prev, sizeof(info->prev), "%s", cur->name);
	if (prev->gen > 0 && prev->until >= now) {
		snprintf(info->name, sizeof(info->name), "%s", prev->name);
		info->prev_until = prev->until;
		return CA_ERR_STATE;
	}
	if ((r = ca_reg_issuer_last_expiry(ctx->reg, cur->name, &until)) != CA_OK)
		return r;
	info->prev_until = until;
	is.gen = cur->gen + 1;
	snprintf(is.name, sizeof(is.name), "%s-%d", ca_issuer_role(id), is.gen);
	snprintf(is.label, sizeof(is.label), "carecard-%s", is.name);
	if ((r = new_key(ctx, &is, id)) != CA_OK)
		goto out;
	ca_ctx_point(ctx, "ca-rollover", "key");
	if ((r = ca_hierarchy_issuing_new(ctx, &is, cur->cert, days > 0 ? days : 3653,
					  (time_t)now)) != CA_OK)
		goto out;
	ca_ctx_point(ctx, "ca-rollover", "certificate");
	if ((hex = serial_hex(is.cert)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	snprintf(info->name, sizeof(info->name), "%s", is.name);
	snprintf(info->serial, sizeof(info->serial), "%s", hex);
	info->gen = is.gen;
	info->not_after = asn1_unix(X509_get0_notAfter(is.cert));
	if ((r = record(ctx, &is, id, info)) != CA_OK)
		goto out;
	/* A copy for relying parties and openssl: the registry's is the one the
	 * CA loads, so a run that lost a race (or died here) leaves no other. */
	if ((r = ca_hierarchy_cert_save(ctx, &is)) != CA_OK)
		util_log(LOG_ERR, "the %s CA was rolled over, but its certificate file could "
			 "not be written: any command writes it again", ca_issuer_role(id));
	util_log(LOG_INFO, "issuing CA %s: generation %d (%s) replaces %s", ca_issuer_role(id),
		 is.gen, is.name, cur->name);
out:
	OPENSSL_free(hex);
	X509_free(is.cert);
	EVP_PKEY_free(is.pkey);
	return r;
}
