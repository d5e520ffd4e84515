/*
 * ca/service/blob: an immutable, reference-counted byte string with the
 * HTTP metadata of the object it holds (a pre-signed OCSP response, a CRL,
 * a certificate). Worker threads send it with evbuffer_add_reference()
 * while holding a reference, so a blob swapped out by the scheduler stays
 * valid until the last response carrying it has been written.
 */
#ifndef CC_SVC_BLOB_H
#define CC_SVC_BLOB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct svc_blob {
	atomic_uint ref;
	int64_t this_update;	/* Last-Modified (OCSP thisUpdate, CRL thisUpdate, ...) */
	int64_t next_update;	/* when it stops being valid; 0 = never */
	char etag[20];		/* "\"" + 16 hex digits of SHA-256 + "\"" */
	size_t len;
	unsigned char data[];
};

/* A new blob holding a copy of @data, one reference; NULL on OOM. */
struct svc_blob *svc_blob_new(const void *data, size_t len, int64_t this_update,
			      int64_t next_update);

struct svc_blob *svc_blob_ref(struct svc_blob *b);	/* accepts NULL */
void svc_blob_unref(struct svc_blob *b);		/* accepts NULL */

/* evbuffer_add_reference() cleanup: drops the reference in @arg. */
void svc_blob_release_cb(const void *data, size_t len, void *arg);

#endif
