/*
 * ca/core/policy: the CA's own policy. `init` installs a policy file into
 * the state directory (DIR/policy.yaml, 0600) and every operation decides
 * under that one: nobody running an operation can bring their own rules.
 * Replacing it is itself an audited operation (ca/ra: policy-install).
 * The policy's hash (SHA-256 of the file's bytes, hex) is named in every
 * audit entry, so each decision can be traced to the rules it was made
 * under.
 */
#ifndef CC_CA_CORE_POLICY_H
#define CC_CA_CORE_POLICY_H

#include <stddef.h>

#include "policy/policy.h"

struct ca_ctx;

#define CA_POLICY_FILE "policy.yaml"

/*
 * Parse and validate @len bytes of policy YAML (named @name in messages)
 * and hash them. *out is the caller's (pol_policy_free). A bad policy is
 * CA_ERR_INPUT with @err (may be NULL) saying FILE:LINE:COLUMN: what.
 */
int ca_policy_parse(const char *name, const unsigned char *buf, size_t len,
		    struct pol_policy **out, char hash[65], struct pol_error *err);

/*
 * The bytes to install when no file is given: the installed nhs.yaml, or
 * the built-in NHS rules written out as YAML. *out is malloc'ed.
 */
int ca_policy_default_bytes(unsigned char **out, size_t *len);

/* Load DIR/policy.yaml into ctx->pol and ctx->policy_hash. */
int ca_ctx_policy_load(struct ca_ctx *ctx, struct pol_error *err);

/*
 * Write @len bytes (already checked with ca_policy_parse) to DIR/policy.yaml
 * atomically and durably, mode 0600.
 */
int ca_policy_write(const struct ca_ctx *ctx, const unsigned char *buf, size_t len);

#endif
