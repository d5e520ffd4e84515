/*
 * carecard-card internals shared by carecard-card.c and card-tool-*.c.
 */
#ifndef CC_CARD_TOOL_H
#define CC_CARD_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pkcs11/card-image.h"
#include "pkcs11/config.h"

/* Exit statuses (documented in carecard-card.1 and --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* I/O or other operational failure */
	EXIT_USAGE = 2,		/* bad command line, unknown reader */
	EXIT_CONFIG = 3,	/* configuration could not be loaded */
	EXIT_READER = 4,	/* reader already holds a card / holds none */
	EXIT_NOT_CARD = 5,	/* file is not a (valid) card image */
};

/* Print "carecard-card: error: ..." to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Map a store CK_RV to an exit status. */
int tool_exit_for(CK_RV rv);

/*
 * Passcode status derived from the card and the configured rules at @now
 * (pure: no clock reads here).
 */
struct tool_pin_status {
	bool locked;
	bool expired;
	bool due;		/* must change now or within the warning period */
	int64_t expires_at;	/* 0 = never */
};
void tool_pin_status(const struct cc_card *card, const struct cc_passcode_rules *rules,
		     int64_t now, struct tool_pin_status *out);

/* `show`: print the public state of @card (read from @file) as text or JSON. */
int tool_show(FILE *out, const char *file, const struct cc_card *card,
	      const struct cc_config *conf, int64_t now, bool json);

/*
 * carecard-card --service[=SOCKET] COMMAND...: run COMMAND in the card
 * service of the isolated mode at @path; its exit status.
 */
int tool_service(const char *path, int argc, char **argv);

/*
 * carecard-card unlock --server URL [--reader N] [--cacert FILE] [--module
 * PATH]: self-service unlock with a code (card-tool-unlock.c).
 */
int tool_unlock(int argc, char **argv);

#endif
