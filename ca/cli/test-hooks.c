/*
 * ca/cli/test-hooks.c: see test-hooks.h. The only place the switches are
 * read; CC_RELEASE_VARIANT builds the same front end without them (the
 * test suite's copy of a release binary).
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/cli/test-hooks.h"
#include "common/log.h"

#if defined(CC_TEST_HOOKS) && !defined(CC_RELEASE_VARIANT)

static int64_t
hook_now(void *arg)
{
	const char *s = getenv("CARECARD_CA_NOW");
	char *end = NULL;
	long long v;

	(void)arg;
	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v > 0)
			return (int64_t)v;
	}
	return (int64_t)time(NULL);
}

static void
hook_point(void *arg, const char *op, const char *step)
{
	const char *at = getenv("CARECARD_CA_TEST_KILL_AT");
	size_t n = strlen(op);

	(void)arg;
	/* The hook names a point as "<op>:<step>". */
	if (at != NULL && strncmp(at, op, n) == 0 && at[n] == ':' && strcmp(at + n + 1, step) == 0) {
		util_log(LOG_WARNING, "test hook: killed at %s", at);
		raise(SIGKILL);
	}
}

void
cli_test_hooks(struct ca_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->now = hook_now;
	h->point = hook_point;
}

bool
cli_test_hooks_built(void)
{
	return true;
}

#else

void
cli_test_hooks(struct ca_hooks *h)
{
	memset(h, 0, sizeof(*h));
}

bool
cli_test_hooks_built(void)
{
	return false;
}

#endif
