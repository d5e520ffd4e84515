/*
 * ca/registry: the renewal reminders (ca/registry/remind.c): which cards'
 * authentication certificates entered their renewal window and whose
 * holders have not been told yet, and the record that they were.
 */
#ifndef CC_CA_REGISTRY_REMIND_H
#define CC_CA_REGISTRY_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_reminder {
	char cert[64], card[24], holder[16];
	char *email, *mobile;		/* NULL or "" when not registered */
	int64_t not_after;
};
void ca_reminders_free(struct ca_reminder *r, size_t n);

/*
 * At most @max valid authentication certificates on issued cards with
 * @opens <= notAfter - window, i.e. notAfter in (@now, @now + @window],
 * whose holder has an email or mobile and was not reminded for that
 * certificate; malloc'd array (ca_reminders_free).
 */
int ca_reg_reminders_due(struct ca_reg *reg, int64_t now, int64_t window, size_t max,
			 struct ca_reminder **out, size_t *n);

/* Record that the holder of @cert was reminded on @channel at @when. */
int ca_reg_reminder_sent(struct ca_reg *reg, const char *cert, const char *card,
			 const char *channel, int64_t when);

#endif
