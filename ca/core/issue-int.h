/*
 * ca/core/issue-int: the builder's steps that issue.c and issue-many.c (the
 * group commit) share. Not for other callers: they use issue.h.
 */
#ifndef CC_CA_ISSUE_INT_H
#define CC_CA_ISSUE_INT_H

#include "ca/core/issue.h"

/* Everything before signing for a registry request: profile, holder, builder, from @now. */
int ca_ee_prepare(struct ca_ctx *ctx, const struct ca_issue_req *req, int64_t now,
		  struct ca_draft *e);

/*
 * Sign a draft on the token; CA_ERR_STATE if it is not recorded pending.
 * _with: by @pkey, the issuer's key on another session (a signer lane).
 */
int ca_ee_sign(struct ca_ctx *ctx, struct ca_draft *e);
int ca_ee_sign_with(struct ca_ctx *ctx, struct ca_draft *e, EVP_PKEY *pkey);

/* The signed certificate's DER and facts into @out; the serial moves. */
int ca_ee_encode(struct ca_draft *e, struct ca_issued *out);

/* The issue-cert audit entry and the row made valid, in the caller's transaction. */
int ca_ee_record(struct ca_ctx *ctx, const struct ca_issue_req *req, const struct ca_issued *c);

#endif
