/*
 * ca/batch: the RA manager's batch update of users and positions from CSV.
 *
 * The file is RFC 4180 CSV (quoted fields may hold commas, quotes and line
 * breaks; CRLF or LF) with a header naming the columns, in any order:
 * uuid, name, role, ods (required) and email, mobile, action, reason
 * (optional). One row per position; a person with two positions has two
 * rows that must agree on name, email and mobile. The action of a row:
 *   add (or empty)  the person (when new) and the position;
 *   update          the person's name (with a reason), email and mobile
 *                   become the row's (an empty email or mobile keeps the
 *                   registry's); a position given is added if not held;
 *   remove          the person gives up the position (it must be held).
 *
 * Everything is checked first (ca_batch_check), every problem reported with
 * its line number; only a batch without errors is applied, all of it in
 * one transaction with an audit entry per change (ca_batch_apply).
 * ca_batch_changes lists exactly what the apply would do.
 */
#ifndef CC_CA_BATCH_H
#define CC_CA_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ca/registry/registry.h"

#define CA_BATCH_ROWS_MAX 100000

enum ca_batch_action { CA_BATCH_ADD, CA_BATCH_UPDATE, CA_BATCH_REMOVE };

struct ca_batch_row {
	unsigned line;		/* line of the file where the record starts */
	char *uuid, *name, *email, *mobile, *role, *ods;	/* email/mobile may be NULL */
	char *action_text, *reason;	/* may be NULL */
	/* set by ca_batch_check: */
	enum ca_batch_action action;
	int new_person;		/* first row adding this person */
	int held;		/* position already in the registry */
	int exists;		/* the person is in the registry */
	int does_update;	/* the person's first update row: applies their new details */
	char *reg_name, *reg_email, *reg_mobile;	/* the registry's, when it exists */
};

/* Progress through a long file: @phase "checked" or "applied". */
struct ca_batch_progress {
	void (*fn)(void *arg, const char *phase, size_t done, size_t total);
	void *arg;
};

struct ca_batch {
	size_t n;
	struct ca_batch_row *rows;
	const struct ca_batch_progress *progress;	/* may be NULL */
};

void ca_batch_clear(struct ca_batch *b);

/*
 * Parse @len bytes of CSV. Syntax errors ("line N: ...") go to @errs and
 * are counted in *nerrors; the rows that parsed are kept so that the check
 * can report their problems too. CA_ERR_ALLOC, or CA_OK.
 */
int ca_batch_parse(const char *buf, size_t len, struct ca_batch *out, FILE *errs,
		   unsigned *nerrors);

/*
 * Check every row against the format rules, the other rows and the
 * registry (read only). Problems go to @errs and add to *nerrors.
 */
int ca_batch_check(struct ca_reg *reg, struct ca_batch *b, FILE *errs, unsigned *nerrors);

struct ca_batch_stats {
	unsigned people;	/* people added */
	unsigned positions;	/* positions added */
	unsigned held;		/* positions asked for that are held already */
	unsigned updated;	/* people whose details change */
	unsigned removed;	/* positions removed */
};

/* Counts of what ca_batch_apply would do (after ca_batch_check). */
void ca_batch_stats(const struct ca_batch *b, struct ca_batch_stats *st);

/*
 * What ca_batch_apply would do, one line per change ("line N: add person
 * UUID (NAME)", "line N: update UUID: mobile +44... -> +44...", ...), in
 * file order, to @out. After a clean ca_batch_check.
 */
int ca_batch_changes(const struct ca_batch *b, FILE *out);

struct ca_ctx;

/*
 * Apply a checked batch in one transaction: people (identity checked by
 * the CA's current actor, the RA manager importing), their updates,
 * positions added and removed, one audit entry each, then a
 * "batch-import" summary entry. On any failure nothing is applied.
 */
int ca_batch_apply(struct ca_ctx *ctx, const struct ca_batch *b);

#endif
