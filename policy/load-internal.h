/* Helpers shared by the loader and the validator. Internal to policy/. */
#ifndef CC_POLICY_LOAD_INTERNAL_H
#define CC_POLICY_LOAD_INTERNAL_H

#include "policy/policy.h"

/* Fill *err (may be NULL) and its one-line text; line 0 = no position. */
void pol_error_set(struct pol_error *err, const char *file, unsigned line, unsigned column,
		   const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Levenshtein distance, for "did you mean" hints. */
unsigned pol_edit_distance(const char *a, const char *b);

#endif
