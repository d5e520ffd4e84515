/*
 * ca/registry-lookup: the RA desk's read-only questions — who is this
 * person, what do they hold, what happened to them — as tables (report.h)
 * for the three output formats. Each query runs once per command, so the
 * statements are prepared and finalised here rather than cached.
 *
 * Conventions as registry.h; the tables are initialised by the callee and
 * cleared by the caller (also on failure).
 */
#ifndef CC_CA_REGISTRY_LOOKUP_H
#define CC_CA_REGISTRY_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_table;

/* What to look for; NULL members do not restrict. All given must match. */
struct ca_person_query {
	const char *name;	/* a part of the name (ASCII letters in any case) */
	const char *uuid;	/* the UUID, or its first digits */
	const char *card;	/* a card serial the person holds or held */
	const char *cert;	/* a certificate serial (normalised hex) issued to them */
	const char *ods;	/* an organisation they hold a position at */
	const char *role;	/* a job role or RA role they hold */
	int64_t limit;		/* at most this many rows; 0: all */
	/* Only people holding a position at an organisation where this person
	 * (the viewer's UUID) holds one; NULL: everyone. */
	const char *within;
	bool within_locum;	/* ... the viewer's positions at locum organisations count */
};

/* uuid, name, email, mobile, positions, ra_roles, cards; by name. */
int ca_reg_person_search(struct ca_reg *reg, const struct ca_person_query *q,
			 struct ca_table *t);

/* role, ods, organisation, locum. */
int ca_reg_person_positions(struct ca_reg *reg, const char *uuid, struct ca_table *t);

/* role (RA roles). */
int ca_reg_person_ra_roles(struct ca_reg *reg, const char *uuid, struct ca_table *t);

/* serial, series, state, tac, issued, renewals, self_renewals; newest first. */
int ca_reg_person_cards(struct ca_reg *reg, const char *uuid, struct ca_table *t);

/*
 * serial, card, profile, not_before, not_after, status (valid, expired at
 * @now, held, revoked), reason, renewal_count; newest first.
 */
int ca_reg_person_certs(struct ca_reg *reg, const char *uuid, int64_t now, struct ca_table *t);

/* id, state, position, sponsor, checked_by, created, reason. */
int ca_reg_person_requests(struct ca_reg *reg, const char *uuid, struct ca_table *t);

/*
 * The audit entries about @uuid — the person, their cards and their
 * certificates — newest first, at most @limit (0: all): id, time, actor,
 * action, subject, details.
 */
int ca_reg_person_history(struct ca_reg *reg, const char *uuid, int64_t limit,
			  struct ca_table *t);

/*
 * Registration requests in @state ("sponsored", "verified", "rejected";
 * NULL: all), or only request @id (0: any), oldest first: id, state, uuid,
 * name, position, sponsor, created, checked_by, reason. With @within (a
 * viewer's UUID; NULL: every request), only the requests for a position at
 * an organisation where the viewer holds one (at a locum organisation only
 * with @within_locum) and those the viewer sponsored.
 */
int ca_reg_request_table(struct ca_reg *reg, const char *state, int64_t id,
			 const char *within, bool within_locum, struct ca_table *t);

#endif
