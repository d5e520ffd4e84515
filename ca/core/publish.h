/*
 * ca/publish: what the CA publishes for relying parties, and under which
 * names — one rule, used by "carecard-ca serve" (URL paths it answers),
 * "carecard-ca crl-publish" (file names it writes) and the service's own
 * published tree, so the names can never differ from the URLs the policy
 * writes into certificates.
 *
 *   OCSP responder    profiles.<p>.ocsp-url                 (issuing CAs)
 *   full CRL          profiles.<p>.crl-url, publication.root-crl-url
 *   delta CRL         the crl-url with "-delta" before ".crl"
 *   CA certificate    publication.<ca>-certificate-url       (DER)
 *   chain             that URL with "-chain.pem" for its extension (PEM:
 *                     the issuing CA, its other generation during a
 *                     rollover's overlap, then the root)
 *
 * Only the path of each URL matters to the service (a relying party may
 * reach it by any host name); a file takes the path's last segment.
 */
#ifndef CC_CA_PUBLISH_H
#define CC_CA_PUBLISH_H

#include <stddef.h>

#include "ca/core/ctx.h"
#include "policy/policy.h"

enum ca_pub_kind {
	CA_PUB_OCSP,
	CA_PUB_CRL,
	CA_PUB_DELTA_CRL,
	CA_PUB_CERT,
	CA_PUB_CHAIN,
};

#define CA_PUB_MAX 24

struct ca_pub_item {
	enum ca_pub_kind kind;
	enum ca_issuer_id issuer;	/* whose object (the CRL's or certificate's CA) */
	char path[POL_TEXT_MAX];	/* URL path: "/crl/authentication-g2.crl" */
};

struct ca_pub_names {
	unsigned n;
	struct ca_pub_item item[CA_PUB_MAX];
};

/*
 * Every published object's name from @pol, for the issuing CAs' generations
 * in @issuers (ctx->issuers; NULL: init's only). Generation g >= 2 of an
 * issuing CA publishes its CRLs and certificate at the policy's paths with
 * "-g" before the extension (ca_pub_gen_url); its certificates name those
 * URLs. The OCSP URL is shared by the generations. CA_ERR_USAGE, with the reason
 * in @err (@errlen bytes), when a URL's path is unusable: not absolute,
 * with a query, "..", "//" or characters outside [A-Za-z0-9._~/-], two
 * objects at one path, or an object below an OCSP URL (where GET requests
 * live).
 */
int ca_pub_names(const struct pol_policy *pol, const struct ca_issuer *issuers,
		 struct ca_pub_names *out, char *err, size_t errlen);

/* @url (or a path) of generation @gen: itself for 1, else "-<gen>" before
 * its last segment's extension ("/crl/auth.crl" -> "/crl/auth-2.crl"). */
int ca_pub_gen_url(const char *url, int gen, char *out, size_t len);

/* The item of @kind for @issuer, or NULL. */
const struct ca_pub_item *ca_pub_find(const struct ca_pub_names *names, enum ca_pub_kind kind,
				      enum ca_issuer_id issuer);

/* The file name of @it: its path's last segment (borrowed from @it). */
const char *ca_pub_file(const struct ca_pub_item *it);

/* "ocsp", "crl", "delta-crl", "certificate", "chain". */
const char *ca_pub_kind_name(enum ca_pub_kind kind);

/*
 * Write @len bytes as published object @it under directory @root (at
 * @root + it->path, directories created 0755), atomically and durably,
 * mode 0644: readers see the old or the new object, never a mix.
 */
int ca_pub_write(const char *root, const struct ca_pub_item *it, const void *data, size_t len);

/*
 * Remove what a killed ca_pub_write() left beside the published objects of
 * @names under @root (util_file_write_atomic's "<name>.tmp.XXXXXX" files).
 * Call only where no other writer is running (the holder of the jobs).
 */
void ca_pub_sweep(const char *root, const struct ca_pub_names *names);

#endif
