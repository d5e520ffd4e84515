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
#include "ca/ra/session.h"
#include "policy/policy.h"

/*
 * Open the CA in @f->state through the library's session: with @hsm, the
 * HSM too, and the session's actor the CA's system account (only the
 * account that can read hsm/user.pin and log in to the HSM is), so the
 * jobs pass the gate as "system" (ca/ra/gate.h: ocsp-sign, crl); without,
 * the registry and CA certificates only, for serving, and no actor (the
 * gate refuses it every change). On failure @err (@errlen) says why.
 */
int svc_glue_open(const struct ca_front *f, bool hsm, struct ca_session **out, char *err,
		  size_t errlen);

/*
 * The CA's policy: @state/policy.yaml when it exists, else the installed
 * default. On failure @err (@errlen) says why.
 */
int svc_glue_policy(const char *state, struct pol_policy **out, char *err, size_t errlen);

#endif
