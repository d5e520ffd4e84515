/*
 * ca/audit: the hash-chained audit log.
 *
 * Entry i stores prev_hash = hash of entry i-1 (64 zeros for the first) and
 * hash = SHA-256(prev_hash bytes || canonical(entry)), where canonical() is
 * a fixed label followed by netstrings ("<len>:<bytes>,") of id, time,
 * actor, action, subject and details. Ids run 1, 2, 3... without gaps.
 * So changing, inserting, deleting or reordering any entry breaks the chain
 * at that point, and truncating the tail shows as a gap between the last
 * id and the highest id SQLite ever handed out.
 *
 * The chain itself is unkeyed: someone who can write the database can cut
 * it back, or rebuild it consistently. So its head is also signed with the
 * CA's audit key in the HSM and kept outside the database, in every CRL
 * (checkpoint.h), and each certificate row names the entry of its issuance;
 * ca_audit_verify_all() checks the chain's end against both.
 */
#ifndef CC_CA_AUDIT_H
#define CC_CA_AUDIT_H

#include <stdint.h>
#include <time.h>

#include "ca/registry/registry.h"

/*
 * Append an entry. Call between ca_reg_begin() and ca_reg_commit() of the
 * operation being audited. @details must be a JSON object (ca_json_object).
 */
int ca_audit_append(struct ca_reg *reg, time_t now, const char *actor, const char *action,
		    const char *subject, const char *details);

/* The same, and the new entry's id into *id (may be NULL). */
int ca_audit_append_id(struct ca_reg *reg, time_t now, const char *actor, const char *action,
		       const char *subject, const char *details, int64_t *id);

struct ca_ctx;

/*
 * Append an entry for the CA's current actor at the CA's time, with
 * details from the key/value pairs @kv (as ca_json_object) plus the hash
 * of the policy the operation was decided under. The way operations audit:
 * call inside their transaction. The new entry's id is in ctx->audit_id
 * afterwards (certificate rows record the entry of their issuance).
 */
int ca_ctx_audit(struct ca_ctx *ctx, const char *action, const char *subject,
		 const char *const *kv);

struct ca_audit_report {
	int64_t entries;	/* entries checked */
	int64_t bad_id;		/* first bad (or missing) entry, 0 if none in particular */
	char what[400];		/* human-readable reason when bad */
	char checked[400];	/* ca_audit_verify_all: what else was checked, when good */
};

/* Walk the whole chain. CA_OK, or CA_ERR_AUDIT with @rep filled in. */
int ca_audit_verify(struct ca_reg *reg, struct ca_audit_report *rep);

/* An outside anchor: a CRL the CA published (DER or PEM). */
struct ca_audit_anchor {
	const char *name;		/* where it came from, for messages */
	const unsigned char *buf;
	size_t len;
};

/*
 * The whole check (audit-verify.c): the chain (ca_audit_verify), then its
 * end against the checkpoint signed into the outside anchor @anchor — NULL:
 * the newest checkpoint among the CRLs in DIR/crl/ and the directory
 * crl-publish last wrote to —, against the newest signed checkpoint in the
 * registry, and against every certificate row's issuance entry. A log cut
 * back, to any length, is reported as "the log ends at entry N but ...
 * covers up to M: entries N+1..M were cut". Checkpoints and anchors need
 * the audit key, so a context without the HSM checks only the chain and
 * the certificates (said in rep->checked). CA_OK, or CA_ERR_AUDIT with
 * @rep filled in.
 */
int ca_audit_verify_all(struct ca_ctx *ctx, const struct ca_audit_anchor *anchor,
			struct ca_audit_report *rep);

/* The chain hash of @row given its predecessor's hash @prev (64 hex). */
int ca_audit_hash(const char *prev, const struct ca_audit_row *row, char out[65]);

/*
 * Build a flat JSON object from key, value string pairs; the list ends at
 * the first NULL key, and a NULL value is written as JSON null. *out is
 * malloc'ed.
 */
int ca_json_object(char **out, const char *const *kv);

#endif
