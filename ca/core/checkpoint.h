/*
 * ca/core/checkpoint: signed audit checkpoints (issue 16 item 3).
 *
 * The hash chain shows any entry altered, inserted, deleted or reordered,
 * but not a log cut back at its end together with everything in the
 * database that counts it. So the head of the chain — the newest entry's
 * id and hash — is signed with the CA's audit key in the HSM (label
 * carecard-audit, P-256, made at init or on first use by the system
 * account) at every CRL and at least every integrity.checkpoint-interval,
 * stored in the registry (audit_checkpoints), written to syslog, and
 * carried in every CRL the CA publishes, outside the database, as a
 * non-critical private extension:
 *
 *   id-carecard-audit-checkpoint OBJECT IDENTIFIER ::=
 *       { 2 25 301360311646202744364852753495070073838 }
 *       -- a UUID OID (ITU-T X.667): e2b7e283-e2f5-4e56-8aaa-c5f05fcfe3ee
 *   -- extnValue: the DER of
 *   AuditCheckpoint ::= SEQUENCE {
 *       tbs       AuditCheckpointTBS,
 *       algorithm AlgorithmIdentifier,   -- ecdsa-with-SHA256
 *       signature OCTET STRING }         -- ECDSA-Sig-Value (DER) over the DER of tbs
 *   AuditCheckpointTBS ::= SEQUENCE {
 *       version INTEGER (1),
 *       seq     INTEGER,                 -- the newest audit entry covered
 *       head    OCTET STRING (SIZE(32)), -- its hash (the chain's SHA-256)
 *       time    GeneralizedTime }        -- when it was signed
 *
 * The structures are OpenSSL ASN.1 templates (no hand-written DER).
 */
#ifndef CC_CA_CHECKPOINT_H
#define CC_CA_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ca/core/ctx.h"

#define CA_CHECKPOINT_OID "2.25.301360311646202744364852753495070073838"

struct ca_checkpoint {
	int64_t seq;		/* the newest entry covered */
	char hash[65];		/* its hash, hex */
	int64_t time;		/* when signed */
};

/*
 * The audit key on the CA's token; with @create a missing one is generated
 * (P-256, CKA_ID 4). CA_ERR_NOT_FOUND without @create when there is none,
 * CA_ERR_STATE without a logged-in HSM.
 */
int ca_ctx_audit_key(struct ca_ctx *ctx, bool create, struct ca_signer_key **out);

/*
 * Sign the head of the log now, in the caller's transaction (the audit key
 * is created if missing): stored in the registry with @reason, logged to
 * syslog with its bytes. @cp, @der and @len may be NULL; *der is
 * OPENSSL_malloc'ed. CA_ERR_STATE for an empty log.
 */
int ca_checkpoint_make(struct ca_ctx *ctx, const char *reason, struct ca_checkpoint *cp,
		       unsigned char **der, size_t *len);

/*
 * A checkpoint in its own transaction when the newest is older than
 * @interval seconds (or there is none) and the log grew since. *made says
 * whether one was made (then @cp, may be NULL, holds it).
 */
int ca_checkpoint_if_due(struct ca_ctx *ctx, int64_t interval, const char *reason, bool *made,
			 struct ca_checkpoint *cp);

/*
 * Decode the signed checkpoint @der and verify its signature with the
 * CA's audit key. CA_ERR_AUDIT (logged) for a malformed one or a bad
 * signature; CA_ERR_NOT_FOUND when the CA has no audit key.
 */
int ca_checkpoint_verify(struct ca_ctx *ctx, const unsigned char *der, size_t len,
			 struct ca_checkpoint *out);

/* The CRL extension carrying @der (non-critical, CA_CHECKPOINT_OID). */
int ca_checkpoint_ext(const unsigned char *der, size_t len, X509_EXTENSION **out);

/* The signed checkpoint @crl carries (borrowed); CA_ERR_NOT_FOUND if none. */
int ca_checkpoint_from_crl(const X509_CRL *crl, const unsigned char **der, size_t *len);

/* @t as "YYYY-MM-DDTHH:MM:SSZ" into @buf (>= 21 bytes). */
void ca_time_text(int64_t t, char *buf, size_t len);

#endif
