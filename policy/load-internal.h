/* Helpers shared by the loader and the validator. Internal to policy/. */
#ifndef CC_POLICY_LOAD_INTERNAL_H
#define CC_POLICY_LOAD_INTERNAL_H

#include "policy/policy.h"

/* Fill *err (may be NULL) and its one-line text; line 0 = no position. */
#define pol_error_set util_yaml_error_set

#endif
