/*
 * ca/service/glue: the service's one dependence on how the CA library is
 * opened — the CA with its HSM, its policy, and who acts. Kept in one file
 * so the switch to the library's session API (a system actor that alone
 * may pre-sign and publish; the policy installed in the state directory)
 * changes nothing else here.
 */
#ifndef CC_SVC_GLUE_H
#define CC_SVC_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#include "ca/core/ctx.h"
#include "policy/policy.h"

/* The audit actor of the service's system jobs. */
#define SVC_ACTOR "system:carecard-ca-serve"

/*
 * Open the CA in @state as the system account: with @hsm, the HSM too
 * (reads hsm/user.pin: only the CA's own account can), for the jobs;
 * without, the registry and CA certificates only, for serving.
 */
int svc_glue_open(const char *state, bool hsm, struct ca_ctx **out);

/*
 * The CA's policy: @state/policy.yaml when it exists, else the installed
 * default. On failure @err (@errlen) says why.
 */
int svc_glue_policy(const char *state, struct pol_policy **out, char *err, size_t errlen);

#endif
