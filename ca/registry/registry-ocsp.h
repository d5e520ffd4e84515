/*
 * ca/registry-ocsp: what the OCSP responder and the CRL service keep in the
 * registry (migration 4) — the change feed, pre-signed responses, the
 * delegated responder certificates, leases, and the cheap "did anything
 * change" probe. SQL only here; conventions as in registry.h (0 or
 * CA_ERR_*, outputs written only on success, strings in callbacks valid
 * only during the call).
 *
 * The change feed (table ocsp_changes) is filled by triggers on the
 * certificates table, so every issuance and revocation, by any process,
 * appears there in commit order with a growing sequence number. A follower
 * remembers the last number it has seen.
 */
#ifndef CC_CA_REGISTRY_OCSP_H
#define CC_CA_REGISTRY_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

/* The CertID hash algorithms responses are pre-signed for (RFC 6960 4.1.1;
 * RFC 5019 clients use SHA-1, newer ones SHA-256). */
enum ca_ocsp_hash {
	CA_OCSP_SHA1,
	CA_OCSP_SHA256,
	CA_OCSP_NHASH
};

/* "sha1", "sha256"; NULL if out of range. */
const char *ca_ocsp_hash_name(int hash);

/* A certificate's status as relying parties must learn it. */
struct ca_ocsp_cert {
	const char *issuer;	/* "authentication", "signing" */
	const char *serial;	/* registry hex */
	bool revoked;
	int reason;		/* CRL_REASON_* when revoked */
	int64_t revoked_at;
	int64_t not_after;
};

typedef int (*ca_reg_ocsp_cert_cb)(void *arg, const struct ca_ocsp_cert *c);

/*
 * The status of certificate @serial into @cb (one call). CA_ERR_NOT_FOUND
 * if the CA never issued it.
 */
int ca_reg_ocsp_cert_get(struct ca_reg *reg, const char *serial, ca_reg_ocsp_cert_cb cb,
			 void *arg);

/* Every certificate with not_after > @live_after, in no particular order. */
int ca_reg_ocsp_certs_foreach(struct ca_reg *reg, int64_t live_after, ca_reg_ocsp_cert_cb cb,
			      void *arg);

/*
 * Certificates that need signing at @now, at most @limit (oldest first):
 * live (not_after > @now) and either without a response for every hash
 * (@missing) or whose responses were produced at or before @stale_before.
 */
int ca_reg_ocsp_due_foreach(struct ca_reg *reg, int64_t now, int64_t stale_before, bool missing,
			    int limit, ca_reg_ocsp_cert_cb cb, void *arg);

struct ca_ocsp_change {
	int64_t seq;
	const char *issuer, *serial;
	bool revoked;		/* else: issued */
	int64_t not_after;	/* the certificate's */
};

/*
 * A change-feed callback: CA_OK to go on, CA_STOP to end the walk without
 * consuming this entry (ca_reg_ocsp_changes then returns CA_OK), or an
 * error.
 */
typedef int (*ca_reg_ocsp_change_cb)(void *arg, const struct ca_ocsp_change *c);
#define CA_STOP 1

/* Changes with seq > @after in order, at most @limit. */
int ca_reg_ocsp_changes(struct ca_reg *reg, int64_t after, int limit, ca_reg_ocsp_change_cb cb,
			void *arg);

/* The newest change's seq (0 if none). */
int ca_reg_ocsp_change_last(struct ca_reg *reg, int64_t *out);

/* Forget changes with seq <= @upto recorded before @before (in a transaction). */
int ca_reg_ocsp_changes_prune(struct ca_reg *reg, int64_t upto, int64_t before);

/* One pre-signed response. */
struct ca_ocsp_resp {
	const char *issuer, *serial;
	int hash;		/* enum ca_ocsp_hash */
	bool revoked;
	int64_t this_update, next_update;
	const char *signer;	/* responder certificate serial */
	int64_t basis;		/* change-feed seq its status was read at */
	int64_t seq;		/* set by ca_reg_ocsp_resp_put */
	const unsigned char *der;
	size_t len;
};

/*
 * Inside a transaction: store @r (replacing the previous response for the
 * same issuer, serial and hash) with r->seq taken from *next_seq, which is
 * then incremented — but only if the certificate's status in the registry
 * is still the one @r states. *stored says which happened; a skipped
 * response was overtaken by a revocation, which the change feed brings.
 */
int ca_reg_ocsp_resp_put(struct ca_reg *reg, const struct ca_ocsp_resp *r, int64_t *next_seq,
			 bool *stored);

/* The next free response seq (max + 1), for ca_reg_ocsp_resp_put. */
int ca_reg_ocsp_resp_next_seq(struct ca_reg *reg, int64_t *out);

typedef int (*ca_reg_ocsp_resp_cb)(void *arg, const struct ca_ocsp_resp *r);

/* Responses with seq > @after still valid at @now, in seq order. */
int ca_reg_ocsp_resps_since(struct ca_reg *reg, int64_t after, int64_t now,
			    ca_reg_ocsp_resp_cb cb, void *arg);

/* Drop responses that expired before @now. */
int ca_reg_ocsp_resps_prune(struct ca_reg *reg, int64_t now);

/* A delegated OCSP responder certificate (id-kp-OCSPSigning). */
struct ca_ocsp_signer_rec {
	char *serial;		/* certificate serial, registry hex */
	char *issuer;		/* issuing CA name */
	char *key_label;	/* its key in the HSM */
	int64_t not_before, not_after;
	unsigned char *der;
	size_t derlen;
};

void ca_ocsp_signer_rec_clear(struct ca_ocsp_signer_rec *s);

int ca_reg_ocsp_signer_add(struct ca_reg *reg, const struct ca_ocsp_signer_rec *s);

/*
 * The responder certificate of @issuer that lives longest, valid at @now
 * (not_before <= @now < not_after). CA_ERR_NOT_FOUND if there is none.
 */
int ca_reg_ocsp_signer_current(struct ca_reg *reg, const char *issuer, int64_t now,
			       struct ca_ocsp_signer_rec *out);

/* How many responder certificates of @issuer were ever made (for labels). */
int ca_reg_ocsp_signer_count(struct ca_reg *reg, const char *issuer, int64_t *out);

/*
 * Leases: one holder at a time runs a named job. Take (or renew) lease
 * @name for @holder until @now + @ttl, in its own transaction: granted when
 * nobody holds it, the holder is @holder or @steal_from (may be NULL: a
 * holder known to be dead), or the lease expired. *held says whether we
 * hold it now; *current (may be NULL) receives the holder (malloc'ed).
 */
int ca_reg_lease_take(struct ca_reg *reg, const char *name, const char *holder,
		      const char *steal_from, int64_t now, int64_t ttl, bool *held, char **current);

/* Give lease @name up if @holder has it. */
int ca_reg_lease_release(struct ca_reg *reg, const char *name, const char *holder);

/*
 * SQLite's PRAGMA data_version: changes whenever another connection
 * commits to the database. Polling it costs no I/O beyond the WAL index.
 */
int ca_reg_data_version(struct ca_reg *reg, int64_t *out);

#endif
