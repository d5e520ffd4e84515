/*
 * ca/batch: the RA manager's batch import of users and positions from CSV.
 *
 * The file is RFC 4180 CSV (quoted fields may hold commas, quotes and line
 * breaks; CRLF or LF) with a header naming the columns, in any order:
 * uuid, name, role, ods (required) and email, mobile (optional). One row
 * per position; a person with two positions has two rows that must agree
 * on name, email and mobile.
 *
 * Everything is checked first (ca_batch_check), every problem reported with
 * its line number; only a batch without errors is applied, all of it in
 * one transaction with an audit entry per change (ca_batch_apply).
 */
#ifndef CC_CA_BATCH_H
#define CC_CA_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ca/registry/registry.h"

#define CA_BATCH_ROWS_MAX 100000

struct ca_batch_row {
	unsigned line;		/* line of the file where the record starts */
	char *uuid, *name, *email, *mobile, *role, *ods;	/* email/mobile may be NULL */
	int new_person;		/* set by ca_batch_check: first row adding this person */
	int held;		/* set by ca_batch_check: position already in the registry */
};

struct ca_batch {
	size_t n;
	struct ca_batch_row *rows;
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
	unsigned people, positions, held;
};

/* Counts of what ca_batch_apply would do (after ca_batch_check). */
void ca_batch_stats(const struct ca_batch *b, struct ca_batch_stats *st);

struct ca_ctx;

/*
 * Apply a checked batch in one transaction: people (identity checked by
 * the CA's current actor, the RA manager importing), positions and one
 * audit entry each, then a "batch-import" summary entry. On any failure
 * nothing is applied.
 */
int ca_batch_apply(struct ca_ctx *ctx, const struct ca_batch *b);

#endif
