/* carecard-policy: shared by its two source files. */
#ifndef CC_POLICY_CLI_H
#define CC_POLICY_CLI_H

#include <stdint.h>

#include "policy/policy.h"

/* Exit statuses, documented in carecard-policy(1). */
enum {
	CLI_OK = 0,
	CLI_INVALID = 1,	/* the policy file is invalid or unreadable */
	CLI_USAGE = 2,		/* bad command line */
};

/*
 * Load @path (NULL: the installed default, or the built-in rules when it is
 * not installed); print the error and return NULL on failure.
 */
struct pol_policy *cli_policy_load(const char *path);

/*
 * Parse a date: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z] (UTC), @UNIXSECONDS, or
 * +DURATION / -DURATION relative to @base. 0 or -1.
 */
int cli_date_parse(const char *text, int64_t base, int64_t *out);

int cli_explain(int argc, char **argv);

#endif
