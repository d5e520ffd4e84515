/*
 * ca/rollover: a new generation of an issuing CA. A new key pair in the
 * HSM and a new certificate from the root under the same name (as init
 * makes the first), recorded in the registry (ca_issuers) as the role's
 * current CA: certificates are issued by it from then on. The generation
 * before it stays in the _PREV slot (ctx.h) and keeps signing its CRLs
 * (at its own URLs, its own numbers) and OCSP responses until its last
 * certificate expires; generation g >= 2 publishes at the policy's URLs
 * with "-g" (publish.h). The registry holds its certificate (the CA loads
 * it from there); DIR/certs/<name>.pem is a copy, written after the commit
 * and again by ca_ctx_open when it is missing. One overlap at a time: a role whose previous
 * generation still has certificates is not rolled over again.
 */
#ifndef CC_CA_ROLLOVER_H
#define CC_CA_ROLLOVER_H

#include <stdint.h>

#include "ca/core/ctx.h"

struct ca_rollover_info {
	char name[CA_ISSUER_NAME_MAX];		/* the new CA's registry name */
	char prev[CA_ISSUER_NAME_MAX];		/* the one it replaces */
	int gen;
	char serial[48];			/* its certificate's serial, hex */
	int64_t not_after;			/* ...and end */
	int64_t prev_until;			/* the replaced CA's last certificate's end */
};

/*
 * Roll issuing CA slot @id (CA_ISSUER_AUTH or CA_ISSUER_SIGN) over, at the
 * CA's time, the certificate valid @days (0: 3653, and never past the
 * root). The key, then the registry row with the certificate and its audit
 * entry ("ca-rollover") in one transaction, then the certificate file: a run
 * killed before the commit changed nothing that counts (a re-run takes the
 * key over). CA_ERR_STATE when the previous generation of that
 * role still has unexpired certificates (*@info says until when).
 * ctx's slots are not updated: reopen the CA to use the new generation.
 */
int ca_rollover(struct ca_ctx *ctx, enum ca_issuer_id id, int days, struct ca_rollover_info *info);

#endif
