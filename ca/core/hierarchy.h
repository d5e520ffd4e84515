/*
 * ca/hierarchy: the CA certificates, shaped like the NHS PKI: a self-signed
 * root over two issuing CAs limited to pathlen 0. The issuing CAs are named
 * after the policy's profiles (`issuing-ca`, NHS: "NHS Authentication G2",
 * "NHS Signing G2"), so the names the policy gives are the names in the
 * certificates; after init the certificates are the only source of them.
 */
#ifndef CC_CA_HIERARCHY_H
#define CC_CA_HIERARCHY_H

#include <time.h>

#include "ca/core/ctx.h"

/* The root's common name: the CA installation's, not a lifecycle policy's. */
#define CA_ROOT_CN "Carecard Root Authority"

struct ca_hierarchy_opts {
	enum ca_key_type root_type;	/* normally RSA-3072 */
	enum ca_key_type issuing_type;
	int root_days, ca_days;		/* validity from @now */
	time_t now;
	const char *cn[CA_ISSUER_COUNT];	/* subject CN of each CA (enum ca_issuer_id) */
};

/*
 * Generate the three key pairs on the open token, issue the certificates
 * (subject C=GB, O=Carecard, CN=@o->cn[i]) and write them to
 * <dir>/certs/<name>.pem. The caller checks the names (ca_check_name).
 */
int ca_hierarchy_create(struct ca_ctx *ctx, const struct ca_hierarchy_opts *o);

/*
 * A rollover's new issuing CA certificate: for @is (name, gen and token
 * key set), named as @current is (C=GB, O=Carecard, the same CN), signed
 * by the root like init's, valid @days from @now but never past the root;
 * into is->cert.
 */
int ca_hierarchy_issuing_new(struct ca_ctx *ctx, struct ca_issuer *is, X509 *current, int days,
			     time_t now);

/* is->cert into <dir>/certs/<name>.pem (atomically, 0644). */
int ca_hierarchy_cert_save(struct ca_ctx *ctx, struct ca_issuer *is);

#endif
