/*
 * ca/cli/test-hooks: the test suite's switches, compiled in only when the
 * build was configured with --enable-test-hooks (the suite's builds). A
 * release build has none: it ignores the variables below entirely.
 *
 *   CARECARD_CA_NOW=<unix seconds>   the CA's clock (policy decisions,
 *                                     validity, audit times): tests never sleep
 *   CARECARD_CA_TEST_KILL_AT=<op>:<step>   SIGKILL at a named step of an
 *                                     operation (crash-recovery tests)
 */
#ifndef CC_CA_CLI_TEST_HOOKS_H
#define CC_CA_CLI_TEST_HOOKS_H

#include <stdbool.h>

#include "ca/core/hooks.h"

/* Fill @h with this build's hooks (all NULL in a release build). */
void cli_test_hooks(struct ca_hooks *h);

/* Were test hooks compiled into this binary? (carecard-ca --version says.) */
bool cli_test_hooks_built(void);

#endif
