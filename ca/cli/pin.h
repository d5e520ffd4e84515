/*
 * ca/cli/pin: the command line's answer to the CA library's requests for
 * secrets (ca_secret_fn). A passcode comes from the file named by an
 * environment variable (mode 0600, first line; for scripts and tests) or
 * else from the terminal without echo (a new passcode asked twice). Never
 * from argv, never logged. A holder's current passcode is asked once per
 * run and kept (wiped at the end) for the operation's second login.
 */
#ifndef CC_CA_CLI_PIN_H
#define CC_CA_CLI_PIN_H

#include "ca/ra/session.h"

#define CLI_PIN_ENV_OPERATOR "CARECARD_OPERATOR_PIN_FILE"
#define CLI_PIN_ENV_HOLDER "CARECARD_HOLDER_PIN_FILE"

struct cli_pins {
	char *holder;		/* the holder's current passcode, once given */
};

/* The ca_secret_fn: @arg is a struct cli_pins. */
int cli_secret(void *arg, enum ca_secret_kind kind, const char *card, char **out);

/* Wipe and free what @p kept. */
void cli_pins_clear(struct cli_pins *p);

#endif
