/*
 * ca/service/hooks.c: see hooks.h. Empty unless built with CC_TEST_HOOKS.
 */
#include "config.h"

#include "ca/service/hooks.h"

#ifdef CC_TEST_HOOKS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests look for this string in the binary to know the hooks are there. */
const char svc_test_hooks_marker[] = "carecard-service-test-hooks-enabled";

void
svc_kill_point(const char *job, const char *step)
{
	const char *want = getenv("CARECARD_CA_TEST_KILL_AT");
	char here[96];

	(void)svc_test_hooks_marker[0];
	snprintf(here, sizeof(here), "%s:%s", job, step);
	if (want != NULL && strcmp(want, here) == 0)
		raise(SIGKILL);
}
#else
/* ISO C wants something in a translation unit. */
typedef int svc_hooks_unused;
#endif
