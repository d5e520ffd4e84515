/*
 * ca/audit.c: see audit.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/core/audit.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "common/log.h"

#define AUDIT_LABEL "carecard-audit-v1\n"
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static int
feed(EVP_MD_CTX *md, const char *s)
{
	char len[24];
	int n = snprintf(len, sizeof(len), "%zu:", strlen(s));

	return EVP_DigestUpdate(md, len, (size_t)n) == 1 &&
	       EVP_DigestUpdate(md, s, strlen(s)) == 1 &&
	       EVP_DigestUpdate(md, ",", 1) == 1;
}

int
ca_audit_hash(const char *prev, const struct ca_audit_row *row, char out[65])
{
	unsigned char raw[32], dig[32];
	char id[24];
	size_t rawlen = 0, i;
	unsigned int diglen = 0;
	EVP_MD_CTX *md = NULL;
	int r = CA_ERR_AUDIT;

	if (strlen(prev) != 64 ||
	    OPENSSL_hexstr2buf_ex(raw, sizeof(raw), &rawlen, prev, '\0') != 1 || rawlen != 32)
		goto out;	/* a mangled prev_hash is itself tampering */
	snprintf(id, sizeof(id), "%" PRId64, row->id);
	r = CA_ERR_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, raw, sizeof(raw)) != 1 ||
	    EVP_DigestUpdate(md, AUDIT_LABEL, strlen(AUDIT_LABEL)) != 1 ||
	    !feed(md, id) || !feed(md, row->time) || !feed(md, row->actor) ||
	    !feed(md, row->action) || !feed(md, row->subject) || !feed(md, row->details) ||
	    EVP_DigestFinal_ex(md, dig, &diglen) != 1)
		goto out;
	for (i = 0; i < sizeof(dig); i++)
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	EVP_MD_CTX_free(md);
	return r;
}

int
ca_audit_append(struct ca_reg *reg, time_t now, const char *actor, const char *action,
		const char *subject, const char *details)
{
	return ca_audit_append_id(reg, now, actor, action, subject, details, NULL);
}

int
ca_audit_append_id(struct ca_reg *reg, time_t now, const char *actor, const char *action,
		   const char *subject, const char *details, int64_t *id)
{
	struct ca_audit_row row;
	char prev[65], hash[65], when[32], prev_time[32];
	struct tm tm;
	int64_t last;
	int r;

	if ((r = ca_reg_audit_tail(reg, &last, prev, prev_time)) != CA_OK)
		return r;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return CA_ERR_INTERNAL;
	/* Time never runs backwards in the log (a clock stepped back, another
	 * instance slightly behind): max(now, the previous entry's time). The
	 * fixed-width form sorts as text. */
	if (strcmp(when, prev_time) < 0)
		memcpy(when, prev_time, sizeof(when));
	row.id = last + 1;
	row.time = when;
	row.actor = actor != NULL ? actor : "unknown";
	row.action = action;
	row.subject = subject != NULL ? subject : "";
	row.details = details != NULL ? details : "{}";
	row.prev_hash = last == 0 ? GENESIS : prev;
	if ((r = ca_audit_hash(row.prev_hash, &row, hash)) != CA_OK)
		return r;
	row.hash = hash;
	if ((r = ca_reg_audit_insert(reg, &row)) == CA_OK && id != NULL)
		*id = row.id;
	return r;
}

int
ca_ctx_audit(struct ca_ctx *ctx, const char *action, const char *subject, const char *const *kv)
{
	const char *all[64];
	char *details = NULL;
	size_t n = 0;
	int r;

	for (; kv != NULL && kv[0] != NULL && n + 6 < sizeof(all) / sizeof(all[0]); kv += 2) {
		all[n++] = kv[0];
		all[n++] = kv[1];
	}
	if (kv != NULL && kv[0] != NULL)
		return CA_ERR_INTERNAL;	/* more details than fit: a programming error */
	if (ctx->actor_card != NULL) {
		all[n++] = "by-card";
		all[n++] = ctx->actor_card;
	}
	if (ctx->policy_hash[0] != '\0') {
		all[n++] = "policy";
		all[n++] = ctx->policy_hash;
	}
	all[n] = NULL;
	if ((r = ca_json_object(&details, all)) != CA_OK)
		return r;
	r = ca_audit_append_id(ctx->reg, (time_t)ca_ctx_now(ctx), ctx->actor, action, subject,
			       details, &ctx->audit_id);
	free(details);
	return r;
}

struct verify_state {
	struct ca_audit_report *rep;
	char prev[65];
	char prev_time[32];
	int64_t next_id;
};

static int
verify_one(void *arg, const struct ca_audit_row *row)
{
	struct verify_state *vs = arg;
	struct ca_audit_report *rep = vs->rep;
	char hash[65];

	if (row->id != vs->next_id) {
		snprintf(rep->what, sizeof(rep->what), "entry %" PRId64 " follows entry %" PRId64
			 ": an entry was deleted or inserted", row->id, vs->next_id - 1);
	} else if (strcmp(row->prev_hash, vs->prev) != 0) {
		snprintf(rep->what, sizeof(rep->what), "entry %" PRId64 " does not chain to its"
			 " predecessor: an entry was deleted, inserted or replaced", row->id);
	} else if (ca_audit_hash(row->prev_hash, row, hash) != CA_OK ||
		   strcmp(hash, row->hash) != 0) {
		snprintf(rep->what, sizeof(rep->what), "entry %" PRId64 " was altered"
			 " (its hash does not match its content)", row->id);
	} else if (strlen(row->time) >= sizeof(vs->prev_time) ||
		   strcmp(row->time, vs->prev_time) < 0) {
		snprintf(rep->what, sizeof(rep->what), "entry %" PRId64 " is dated %s, before its"
			 " predecessor (%s): the log was rewritten", row->id, row->time,
			 vs->prev_time);
	} else {
		memcpy(vs->prev, row->hash, 65);
		strcpy(vs->prev_time, row->time);
		vs->next_id++;
		rep->entries++;
		return 0;
	}
	rep->bad_id = row->id;
	return CA_ERR_AUDIT;
}

int
ca_audit_verify(struct ca_reg *reg, struct ca_audit_report *rep)
{
	struct verify_state vs = { rep, GENESIS, "", 1 };
	int64_t issued = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = ca_reg_audit_foreach(reg, verify_one, &vs)) != CA_OK)
		return r;
	if ((r = ca_reg_audit_max_issued(reg, &issued)) != CA_OK)
		return r;
	if (issued != vs.next_id - 1) {
		rep->bad_id = vs.next_id;
		snprintf(rep->what, sizeof(rep->what), "the log ends at entry %" PRId64
			 " but entries up to %" PRId64 " were written: entries were deleted"
			 " from the end", vs.next_id - 1, issued);
		return CA_ERR_AUDIT;
	}
	return CA_OK;
}

/* JSON string escaping per RFC 8259 section 7. */
static int
json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	return fputc('"', f) == EOF ? CA_ERR_ALLOC : CA_OK;
}

int
ca_json_object(char **out, const char *const *kv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int first = 1;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return CA_ERR_ALLOC;
	fputc('{', f);
	for (; kv[0] != NULL; kv += 2) {
		if (!first)
			fputc(',', f);
		first = 0;
		json_str(f, kv[0]);
		fputc(':', f);
		if (kv[1] == NULL)
			fputs("null", f);
		else
			json_str(f, kv[1]);
	}
	fputc('}', f);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return CA_ERR_ALLOC;
	}
	*out = buf;
	return CA_OK;
}
