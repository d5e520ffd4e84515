/*
 * ca/registry-ra: the registration authority's records — registration
 * requests, organisations and positions, the Temporary Access Card pool —
 * and the read-only queries behind the RA reports.
 *
 * Like registry.h: 0 or a negative CA_ERR_*; strings through out-parameters
 * are malloc'ed and owned by the caller; writes happen inside the caller's
 * ca_reg_begin()/ca_reg_commit() so each operation lands with its audit
 * entry or not at all.
 */
#ifndef CC_CA_REGISTRY_RA_H
#define CC_CA_REGISTRY_RA_H

#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_table;

#define CA_ODS_MAX 15		/* longest ODS code we accept */
#define CA_ROLE_NAME_MAX 48	/* longest position role name */

/* CA_OK if @s is a 12-digit UUID, else CA_ERR_USAGE. */
int ca_uuid_check(const char *s);

/* CA_OK if @s is an ODS code: 1-15 of [A-Z0-9], else CA_ERR_USAGE. */
int ca_ods_check(const char *s);

/* CA_OK if @s is a role name: 1-47 of [a-z0-9-], else CA_ERR_USAGE. */
int ca_role_check(const char *s);

/*
 * Split "ROLE@ODS" into @role and @ods (each checked as above).
 * CA_ERR_USAGE for anything else.
 */
int ca_position_parse(const char *text, char role[CA_ROLE_NAME_MAX], char ods[CA_ODS_MAX + 1]);

/* --- registration requests ---------------------------------------------- */

enum { CA_REQ_SPONSORED = 0, CA_REQ_VERIFIED = 1, CA_REQ_REJECTED = 2 };

struct ca_request {
	int64_t id;
	char *sponsor, *ra_agent, *subject;	/* UUIDs; ra_agent NULL until verified */
	char *role, *org;			/* the position asked for */
	char *documents;			/* "passport,utility-bill,..." once verified */
	int state;				/* CA_REQ_* */
	int64_t created, verified;
	char *closed_by, *closed_reason;	/* who rejected (or withdrew) it, and why */
	int64_t closed;
};

void ca_request_clear(struct ca_request *rq);

/* Record a sponsored request for @rq->subject; *id receives its number. */
int ca_reg_request_add(struct ca_reg *reg, const struct ca_request *rq, int64_t *id);
int ca_reg_request_get(struct ca_reg *reg, int64_t id, struct ca_request *out);

/*
 * Mark request @id verified by @ra_agent with @documents at @when.
 * CA_ERR_NOT_FOUND, CA_ERR_STATE if it is not awaiting verification, and
 * CA_ERR_USAGE if the registry's own check (sponsor <> RA agent) fires.
 */
int ca_reg_request_verify(struct ca_reg *reg, int64_t id, const char *ra_agent,
			  const char *documents, int64_t when);

/* The RA roles of @uuid from ra_roles as the policy's POL_ROLE_* bits (0 if none). */
int ca_reg_person_roles(struct ca_reg *reg, const char *uuid, unsigned *roles);

/* --- organisations and positions ----------------------------------------- */

/* CA_ERR_EXISTS if @ods is taken. */
int ca_reg_org_add(struct ca_reg *reg, const char *ods, const char *name, int locum);

/* CA_ERR_NOT_FOUND if unknown; @name (may be NULL) receives the name. */
int ca_reg_org_get(struct ca_reg *reg, const char *ods, char **name, int *locum);

/* CA_ERR_EXISTS if held already, CA_ERR_NOT_FOUND for an unknown person or org. */
int ca_reg_position_add(struct ca_reg *reg, const char *uuid, const char *role, const char *ods);

/* CA_ERR_NOT_FOUND if @uuid does not hold it. */
int ca_reg_position_remove(struct ca_reg *reg, const char *uuid, const char *role,
			   const char *ods);

/* CA_OK if @uuid holds @role (NULL: any role) at @ods (NULL: anywhere), else CA_ERR_NOT_FOUND. */
int ca_reg_position_has(struct ca_reg *reg, const char *uuid, const char *role, const char *ods);

/* ODS codes of @uuid's positions, in order, at most @max; *n receives the count. */
int ca_reg_person_orgs(struct ca_reg *reg, const char *uuid, char (*orgs)[CA_ODS_MAX + 1],
		       unsigned max, unsigned *n);

/* One position, for callbacks; borrowed strings. */
struct ca_position {
	const char *holder, *role, *org;
};

typedef int (*ca_reg_position_cb)(void *arg, const struct ca_position *p);

/*
 * Move organisation @from to the new code @to (created with @from's name
 * and locum flag when it does not exist): every position at @from is first
 * added at @to, then removed at @from; TACs and open requests follow. @cb is
 * called once per moved position (after both steps) so the caller can audit
 * per holder. *moved receives the number of positions.
 * CA_ERR_NOT_FOUND for an unknown @from, CA_ERR_USAGE if @from equals @to.
 */
int ca_reg_ods_change(struct ca_reg *reg, const char *from, const char *to,
		      ca_reg_position_cb cb, void *arg, unsigned *moved);

/* --- Temporary Access Cards ----------------------------------------------- */

struct ca_tac {
	char *serial, *org, *custodian;
	char *positions;	/* "ROLE@ODS,ROLE@ODS" */
	char *state, *holder;	/* the card's registry state and current holder (may be NULL) */
};

void ca_tac_clear(struct ca_tac *t);

/*
 * Add card @serial to @org's TAC pool with @custodian and the positions
 * @roles[0..n-1] (at @org). The card row is created blank (is_tac) when it
 * does not exist; an existing card must be a blank TAC (CA_ERR_STATE).
 * CA_ERR_EXISTS if already in the pool.
 */
int ca_reg_tac_add(struct ca_reg *reg, const char *serial, const char *org,
		   const char *custodian, const char *const *roles, unsigned n, int64_t when);
int ca_reg_tac_get(struct ca_reg *reg, const char *serial, struct ca_tac *out);

/*
 * The reads below take a viewer's scope (issue 17; CA_REG_VIEWER_ORGS in
 * registry-int.h): @within, a viewer's UUID, keeps only the rows of the
 * organisations where they hold a position (locum ones when @locum), or of
 * the people holding a position there; NULL: everything (national).
 */

/* The pool as a table: serial, org, custodian, positions, state, holder,
 * uses; the TACs of the viewer's organisations. */
int ca_reg_tac_table(struct ca_reg *reg, const char *within, bool locum, struct ca_table *t);

/* The usage ledger: every recorded use of a TAC, newest first (id, time,
 * serial, ods, holder, name, custodian, note); the viewer's organisations'
 * TACs. */
int ca_reg_tac_uses_table(struct ca_reg *reg, const char *within, bool locum,
			  struct ca_table *t);

/* Record one use of TAC @serial by @holder, logged by @custodian. */
int ca_reg_tac_use_add(struct ca_reg *reg, const char *serial, const char *holder,
		       const char *custodian, const char *note, int64_t when);

/* --- reports (read-only; @within and @locum: the viewer's scope, as above) --- */

/* Valid certificates whose notAfter falls in [@now, @now + @days days]. */
int ca_reg_report_expiring(struct ca_reg *reg, int64_t now, int days, const char *within,
			   bool locum, struct ca_table *t);

/* Cards whose registry state is "locked" (in scope: the holder's, or for a
 * TAC its organisation's). */
int ca_reg_report_locked(struct ca_reg *reg, const char *within, bool locum,
			 struct ca_table *t);

/*
 * Cards at a renewal limit: self-renewals >= @self_before_ra (next renewal
 * needs the RA), or renewals >= @max_renewals (0: no limit; a new card).
 */
int ca_reg_report_renewal_limit(struct ca_reg *reg, unsigned self_before_ra,
				unsigned max_renewals, const char *within, bool locum,
				struct ca_table *t);

/* Per organisation (the viewer's): ODS, name, locum, distinct holders,
 * positions. */
int ca_reg_report_users_per_org(struct ca_reg *reg, const char *within, bool locum,
				struct ca_table *t);

/* Row counts for checks and the batch summary. */
int ca_reg_count(struct ca_reg *reg, const char *table, int64_t *out);

#endif
