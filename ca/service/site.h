/*
 * ca/service/site: one immutable snapshot of what the service publishes —
 * the URL paths (ca/core/publish.h, from the policy), the issuing CAs'
 * CertID hashes for matching OCSP requests, the CRLs and CA certificates
 * as blobs, and the caching bound. The scheduler builds a new snapshot
 * when anything changes (a CRL regenerated, a reload) and swaps it in;
 * workers keep a reference to the one they use and look at a generation
 * counter once per request, so a swap costs them nothing until it happens.
 */
#ifndef CC_SVC_SITE_H
#define CC_SVC_SITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ca/core/ocsp.h"
#include "ca/core/publish.h"
#include "ca/service/blob.h"

struct svc_site {
	atomic_uint ref;
	struct ca_pub_names names;
	bool has_id[CA_ISSUER_COUNT];		/* issuing CAs answer OCSP */
	struct ca_ocsp_issuer_id id[CA_ISSUER_COUNT];
	struct svc_blob *obj[CA_PUB_MAX];	/* names.item[i]'s content (NULL: none yet) */
	int64_t max_age;			/* policy ocsp.revocation-latency */
	/*
	 * The CA's effective policy (pol_policy_write_canonical) at
	 * SVC_POLICY_PATH and its SHA-256 ("HEX  policy.yaml\n", sha256sum's
	 * format) beside it: workstations compare theirs with it.
	 */
	struct svc_blob *policy, *policy_sha256;
};

#define SVC_POLICY_PATH "/policy.yaml"
#define SVC_POLICY_SHA256_PATH "/policy.yaml.sha256"

/* A new empty snapshot (one reference). */
struct svc_site *svc_site_new(void);

/* A copy of @s sharing its blobs (one reference of its own each). */
struct svc_site *svc_site_dup(const struct svc_site *s);

struct svc_site *svc_site_ref(struct svc_site *s);
void svc_site_unref(struct svc_site *s);

/* Replace object @i's blob with @b (reference taken over). */
void svc_site_set(struct svc_site *s, unsigned i, struct svc_blob *b);

/* The item whose path is exactly @path (length @len), or -1. */
int svc_site_find(const struct svc_site *s, const char *path, size_t len);

/* The OCSP item @path is below ("<ocsp path>/..."), or -1 (GET requests). */
int svc_site_find_ocsp_get(const struct svc_site *s, const char *path, size_t len);

/*
 * The published snapshot, shared by workers and the scheduler. svc_current
 * is what workers read: a generation number bumped on each swap.
 */
struct svc_current {
	pthread_mutex_t mu;
	struct svc_site *site;
	atomic_ulong gen;
};

void svc_current_init(struct svc_current *c);
void svc_current_destroy(struct svc_current *c);

/* Publish @s (reference taken over). */
void svc_current_swap(struct svc_current *c, struct svc_site *s);

/* A reference to the current snapshot (NULL before the first swap). */
struct svc_site *svc_current_get(struct svc_current *c);

#endif
