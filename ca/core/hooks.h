/*
 * ca/core/hooks: what a front end may plug into the CA library besides its
 * requests — the clock and named step points. Release front ends leave
 * both NULL: the library then reads the system clock and no step point
 * does anything. Only builds configured with --enable-test-hooks install
 * them (ca/cli/test-hooks.c: a travelling clock for tests that must not
 * sleep, and SIGKILL at a named step for the crash-recovery tests). The
 * library itself never reads the environment to find either.
 */
#ifndef CC_CA_CORE_HOOKS_H
#define CC_CA_CORE_HOOKS_H

#include <stdint.h>

struct ca_hooks {
	/* Unix seconds; NULL: time(NULL). */
	int64_t (*now)(void *arg);
	/* Reached step @step of operation @op ("issue-card", "pending"). */
	void (*point)(void *arg, const char *op, const char *step);
	void *arg;
};

#endif
