/*
 * ca/hierarchy: the CA certificates, shaped like the NHS PKI: a self-signed
 * root ("Carecard Root Authority") over two issuing CAs ("Carecard
 * Authentication CA", "Carecard Signing CA") limited to pathlen 0.
 */
#ifndef CC_CA_HIERARCHY_H
#define CC_CA_HIERARCHY_H

#include <time.h>

#include "ca/core/ctx.h"

/*
 * Generate the three key pairs on the open token (@root_type, normally
 * RSA-3072, and @issuing_type for the issuing CAs), issue the certificates (root valid @root_days,
 * issuing CAs @ca_days from @now) and write them to <dir>/certs/<name>.pem.
 */
int ca_hierarchy_create(struct ca_ctx *ctx, enum ca_key_type root_type,
			enum ca_key_type issuing_type, int root_days, int ca_days, time_t now);

#endif
