/*
 * Shared by the registry*.c files only: the connection and small SQLite
 * helpers. Nothing outside the registry includes this (or sqlite3.h).
 */
#ifndef CC_CA_REGISTRY_INT_H
#define CC_CA_REGISTRY_INT_H

#include <stdbool.h>

#include <sqlite3.h>

#include "ca/registry/registry.h"

/* RFC 5280 CRLReason certificateHold, as stored in revocation_reason. */
#define CA_REG_REASON_HOLD 6

#define CA_REG_STMT_CACHE 96	/* > the distinct SQL texts of ca/registry*.c (~60) */

struct ca_reg {
	sqlite3 *db;
	/* Prepared statements cached by the address of their SQL literal:
	 * issuance runs the same handful per certificate. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[CA_REG_STMT_CACHE];
	/* ca_reg_group(): begin/commit/rollback are a savepoint of the open
	 * transaction; gdepth of them open. */
	bool grouped;
	int gdepth;
};

/* Log the connection's error for @what and return CA_ERR_DB (or
 * CA_ERR_EXISTS for a uniqueness violation). */
int ca_reg_fail(struct ca_reg *reg, const char *what);

/* Step a one-row query: CA_OK on a row, CA_ERR_NOT_FOUND on none, else
 * ca_reg_fail(@what). */
int ca_reg_step_row(struct ca_reg *reg, sqlite3_stmt *st, const char *what);

/*
 * A prepared statement for @sql, which must be a string literal: statements
 * are cached by its address for the life of the connection. Hand it back
 * with ca_reg_done() (never sqlite3_finalize). On failure logs and returns
 * CA_ERR_DB.
 */
int ca_reg_prep(struct ca_reg *reg, const char *sql, sqlite3_stmt **out);

/* Reset a statement from ca_reg_prep for its next use. Accepts NULL. */
void ca_reg_done(sqlite3_stmt *st);

/* Bind @s (NULL binds SQL NULL); SQLITE_STATIC: @s must outlive the step. */
int ca_reg_bind_text(sqlite3_stmt *st, int i, const char *s);

/* strdup of column @i, NULL for SQL NULL; CA_ERR_ALLOC on OOM. */
int ca_reg_col_dup(sqlite3_stmt *st, int i, char **out);

/* Apply the "durability" setting (PRAGMA synchronous). */
int ca_reg_durability_apply(struct ca_reg *reg);

/* Step a statement that returns no rows; CA_OK or ca_reg_fail(). */
int ca_reg_step_done(struct ca_reg *reg, sqlite3_stmt *st, const char *what);

#endif
