/*
 * Shared by the registry*.c files only: the connection and small helpers
 * over the statement layer (db.h). Nothing outside the registry includes
 * this; only db-sqlite.c includes sqlite3.h, only db-pg.c libpq-fe.h.
 */
#ifndef CC_CA_REGISTRY_INT_H
#define CC_CA_REGISTRY_INT_H

#include <stdbool.h>

#include "ca/registry/db.h"

#include "ca/registry/registry.h"

/* RFC 5280 CRLReason certificateHold, as stored in revocation_reason. */
#define CA_REG_REASON_HOLD 6

struct ca_reg {
	struct db *db;
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
int ca_reg_step_row(struct ca_reg *reg, struct db_stmt *st, const char *what);

/*
 * A prepared statement for @sql, which must be a string literal: statements
 * are cached by its address for the life of the connection. Hand it back
 * with ca_reg_done() (never db_finalize). On failure logs and returns
 * CA_ERR_DB.
 */
int ca_reg_prep(struct ca_reg *reg, const char *sql, struct db_stmt **out);

/* Reset a statement from ca_reg_prep for its next use. Accepts NULL. */
void ca_reg_done(struct db_stmt *st);

/* Bind @s (NULL binds SQL NULL); no copy: @s must outlive the step. */
int ca_reg_bind_text(struct db_stmt *st, int i, const char *s);

/* strdup of column @i, NULL for SQL NULL; CA_ERR_ALLOC on OOM. */
int ca_reg_col_dup(struct db_stmt *st, int i, char **out);

/* Apply the "durability" setting (SQLite: PRAGMA synchronous). */
int ca_reg_durability_apply(struct ca_reg *reg);

/* Step a statement that returns no rows; CA_OK or ca_reg_fail(). */
int ca_reg_step_done(struct ca_reg *reg, struct db_stmt *st, const char *what);

/* The advisory lock key of the registry's write transactions on PostgreSQL
 * ("carecard" in ASCII, so it does not meet another application's). */
#define CA_REG_PG_LOCK "7161130662280393316"

/* @sqlite or @pg, by the connection's dialect: the one place a statement's
 * two texts meet when SQLite and PostgreSQL truly differ. */
const char *ca_reg_sql(const struct ca_reg *reg, const char *sqlite, const char *pg);

/* ca_reg_migrate() with PostgreSQL texts: @pg[i] for version i+1 (or where
 * @pg or @pg[i] is NULL, @sql[i]), through ca_reg_pg_ddl(). */
int ca_reg_migrate_pg(struct ca_reg *reg, const char *const *sql, const char *const *pg, int n);

/* The registry's own migrations 1..@n in the connection's dialect (a
 * migration's target is created at its source's version). */
int ca_reg_schema_apply(struct ca_reg *reg, int n);

/* A migration written for SQLite in PostgreSQL's types (INTEGER is 64-bit:
 * BIGINT; INTEGER PRIMARY KEY: an identity; BLOB: BYTEA). malloc'ed. */
char *ca_reg_pg_ddl(const char *sql);

/* Step an INSERT ... RETURNING id: *@id, CA_OK, or ca_reg_fail(@what). */
int ca_reg_step_id(struct ca_reg *reg, struct db_stmt *st, const char *what, int64_t *id);

/*
 * A viewer's scope in SQL (issue 17: a sponsor or LSA reads their own
 * organisations, not the national data; ca_gate_org_scoped decides). @w and
 * @l are placeholders ("?8"): @w the viewer's UUID, NULL for everything;
 * @l 1 when positions at locum organisations count. The same text on
 * SQLite and PostgreSQL.
 *
 * CA_REG_VIEWER_ORGS: the organisations where the viewer holds a position.
 * CA_REG_ORG_WITHIN: SQL true when organisation @org is one of them.
 * CA_REG_PERSON_WITHIN: SQL true when person @col holds a position at one.
 */
#define CA_REG_VIEWER_ORGS(w, l) \
	"SELECT vp.org FROM positions vp JOIN organisations vo ON vo.ods = vp.org" \
	" WHERE vp.person = " w " AND (vo.is_locum = 0 OR " l " = 1)"
#define CA_REG_ORG_WITHIN(org, w, l) \
	"(CAST(" w " AS TEXT) IS NULL OR " org " IN (" CA_REG_VIEWER_ORGS(w, l) "))"
#define CA_REG_PERSON_WITHIN(col, w, l) \
	"(CAST(" w " AS TEXT) IS NULL OR " col " IN (SELECT vx.person FROM positions vx" \
	" WHERE vx.org IN (" CA_REG_VIEWER_ORGS(w, l) ")))"

/*
 * Run @sql (prepared once, not cached) with integer parameters
 * @params[0..@nparams-1], then the viewer's scope (as above) as the next
 * two (@within, NULL for everything, and @locum as 1 or 0), and append
 * every row to @t, which has as many columns as the SELECT; a failure is
 * reported as @what.
 * The reports and the TAC pool's tables (reports.c, tac.c).
 */
struct ca_table;
int ca_reg_scoped_table(struct ca_reg *reg, const char *sql, const int64_t *params, int nparams,
			const char *within, bool locum, const char *what, struct ca_table *t);

#endif
