/*
 * ca/service/store: the pre-signed OCSP responses in memory, one entry per
 * certificate the CA issued, keyed by (issuing CA, serial), shared by the
 * worker threads (lookups) and the scheduler (updates).
 *
 * The rule it enforces: a response is served only if it is at least as
 * new as the last revocation seen for its certificate. The scheduler marks
 * an entry blocked (svc_store_block) as soon as the registry's change feed
 * shows a revocation — before the revoked response is signed — and a
 * response only unblocks it if its basis (the feed position its status was
 * read at) is at or past that revocation. Until then the entry answers
 * "try later", never the old "good". A serial without an entry was never
 * issued (or has long expired) and is never "good" either.
 *
 * The table is split in stripes, each with its own mutex and hash chains,
 * so two workers rarely wait for each other and the scheduler never stops
 * the world. Responses are blobs: a lookup returns a reference, sent
 * without copying and released when written.
 */
#ifndef CC_SVC_STORE_H
#define CC_SVC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry-ocsp.h"
#include "ca/service/blob.h"

#define SVC_SERIAL_MAX 20	/* RFC 5280 4.1.2.2: at most 20 octets */

struct svc_store;

/* What a lookup found. */
enum svc_lookup {
	SVC_NOT_ISSUED,		/* no such certificate: never "good" */
	SVC_NOT_READY,		/* issued, but no response that may be served yet */
	SVC_READY,		/* *resp holds a reference to the response */
};

int svc_store_new(struct svc_store **out);
void svc_store_free(struct svc_store *s);

/*
 * A serial's key: its magnitude octets, big-endian, without leading
 * zeros. From registry hex: false if it is not hex or too long.
 */
bool svc_serial_from_hex(const char *hex, unsigned char *out, size_t *len);

/*
 * Look up the response of certificate (@issuer, @serial) for CertID hash
 * @hash, valid at @now. On SVC_READY, *resp gets a reference (release it
 * with svc_blob_unref) and *revoked its status.
 */
enum svc_lookup svc_store_get(struct svc_store *s, int issuer, const unsigned char *serial,
			      size_t len, int hash, int64_t now, struct svc_blob **resp,
			      bool *revoked);

/* The scheduler's side. @issuer is an enum ca_issuer_id, @serial registry hex. */

/* Certificate issued: an entry that answers "try later" until signed. */
int svc_store_add(struct svc_store *s, int issuer, const char *serial);

/* A revocation at change-feed position @seq: stop serving older responses. */
int svc_store_block(struct svc_store *s, int issuer, const char *serial, int64_t seq);

/* A stored response (takes a new reference to nothing: copies @r's DER). */
int svc_store_put(struct svc_store *s, int issuer, const struct ca_ocsp_resp *r);

/* Counters for /healthz: entries, and entries able to answer both hashes at @now. */
void svc_store_counts(struct svc_store *s, int64_t now, size_t *entries, size_t *ready);

#endif
