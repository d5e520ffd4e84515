/*
 * ca/service/blob.c: see blob.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ca/service/blob.h"

struct svc_blob *
svc_blob_new(const void *data, size_t len, int64_t this_update, int64_t next_update)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct svc_blob *b;

	if ((b = malloc(sizeof(*b) + len)) == NULL)
		return NULL;
	atomic_init(&b->ref, 1);
	b->this_update = this_update;
	b->next_update = next_update;
	b->len = len;
	memcpy(b->data, data, len);
	/* A strong validator: the content's own hash (RFC 9110 8.8.3). */
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	snprintf(b->etag, sizeof(b->etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1],
		 md[2], md[3], md[4], md[5], md[6], md[7]);
	return b;
}

struct svc_blob *
svc_blob_ref(struct svc_blob *b)
{
	if (b != NULL)
		atomic_fetch_add_explicit(&b->ref, 1, memory_order_relaxed);
	return b;
}

void
svc_blob_unref(struct svc_blob *b)
{
	if (b != NULL && atomic_fetch_sub_explicit(&b->ref, 1, memory_order_acq_rel) == 1)
		free(b);
}

void
svc_blob_release_cb(const void *data, size_t len, void *arg)
{
	svc_blob_unref(arg);
}
