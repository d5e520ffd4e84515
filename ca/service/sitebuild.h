/*
 * ca/service/sitebuild: filling a site snapshot (site.h) from the CA — the
 * names from the policy, the CA certificates and chains from the CA's
 * certificates, the CRLs from the published tree (STATE/public, laid out
 * like the URL paths, so any web server could serve it as it is).
 */
#ifndef CC_SVC_SITEBUILD_H
#define CC_SVC_SITEBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ca/core/ctx.h"
#include "ca/service/site.h"
#include "policy/policy.h"

/* What a published file looked like when last read. */
struct svc_filestamp {
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	off_t size;
	bool present;
};

/*
 * A new snapshot: names from @pol (CA_ERR_USAGE with @err for unusable
 * URLs), issuing CAs' CertIDs and certificate objects from @ctx's
 * certificates, no CRLs yet.
 */
int svc_sitebuild(struct ca_ctx *ctx, const struct pol_policy *pol, struct svc_site **out,
		  char *err, size_t errlen);

/*
 * The CRL of item @i (a CRL or delta CRL) from its file under @root when
 * the file differs from @stamp (which is updated): *out gets a new blob,
 * or NULL when unchanged, missing or not a CRL of that CA (logged).
 */
int svc_sitebuild_crl(struct ca_ctx *ctx, const struct svc_site *s, unsigned i,
		      const char *root, struct svc_filestamp *stamp, struct svc_blob **out);

/* Write the CA certificates and chains under @root where they differ. */
int svc_sitebuild_publish_certs(const struct svc_site *s, const char *root);

#endif
