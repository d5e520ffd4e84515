/*
 * ca/registry/db.h: the registry's statement layer. Every registry*.c file
 * talks to its database through these calls only; db-sqlite.c (and, where
 * built, db-pg.c) implement them. The shape is SQLite's: prepare (cached per
 * connection by the address of the SQL literal), bind, step, read columns.
 *
 * SQL is written once in the common subset of SQLite 3.40 and PostgreSQL
 * 15: "?" or "?N" placeholders (numbered from 1), INSERT ... ON CONFLICT,
 * RETURNING. Where the dialects differ, db_dialect() picks the text.
 *
 * Nothing here logs: a failing call returns DB_ERROR (or CA_ERR_*), and
 * db_errmsg()/db_errclass() describe the connection's last error.
 */
#ifndef CC_CA_REGISTRY_DB_H
#define CC_CA_REGISTRY_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_dialect { DB_SQLITE, DB_PG };

/* db_step() results. */
enum { DB_ERROR = -1, DB_ROW = 1, DB_DONE = 2 };

/* What the last error was, as far as the registry cares. */
enum db_errclass {
	DB_E_OTHER,
	DB_E_UNIQUE,		/* a UNIQUE or PRIMARY KEY constraint */
	DB_E_FOREIGN,		/* a foreign key */
	DB_E_CHECK,		/* a CHECK constraint */
	DB_E_CONSTRAINT,	/* another constraint (NOT NULL...) */
	DB_E_BUSY,		/* locked by another writer */
};

/* Open @path (created 0600 by the caller) read-write: CA_OK or CA_ERR_DB
 * with *@out set for db_errmsg() (db_close() it either way). */
int db_open_sqlite(const char *path, struct db **out);
/* The same, read-only (a migration's source): every write fails. */
int db_open_sqlite_ro(const char *path, struct db **out);
/* Open the libpq connection URI @uri; as db_open_sqlite(). */
int db_open_pg(const char *uri, struct db **out);
/* Close, finalizing the cached statements. Accepts NULL. */
void db_close(struct db *db);

enum db_dialect db_dialect(const struct db *db);

/*
 * A consistent copy of the whole database into the new file @path (mode
 * 0600), taken while other connections keep writing (SQLite's online
 * backup API). CA_ERR_STATE for a backend whose own tools do that
 * (PostgreSQL: pg_dump); CA_ERR_DB or CA_ERR_IO on failure.
 */
int db_backup(struct db *db, const char *path);
const char *db_errmsg(struct db *db);
enum db_errclass db_errclass(struct db *db);

/*
 * A prepared statement for @sql, cached by its address for the life of the
 * connection (@sql must be a string literal or otherwise outlive it). Give
 * it back with db_reset(). CA_OK, CA_ERR_DB, or CA_ERR_INTERNAL when the
 * cache is full (a bug: grow DB_STMT_CACHE).
 */
int db_prep(struct db *db, const char *sql, struct db_stmt **out);
/* An uncached statement for @sql (built at run time): db_finalize() it. */
int db_prep_once(struct db *db, const char *sql, struct db_stmt **out);
void db_finalize(struct db_stmt *st);
/* Ready a statement for its next use: drop its result and bindings. */
void db_reset(struct db_stmt *st);

/* Bind parameter @i (from 1). The value must live until the statement is
 * reset (no copies). A NULL text or blob binds SQL NULL. 0 or DB_ERROR. */
int db_bind_text(struct db_stmt *st, int i, const char *s);
int db_bind_int64(struct db_stmt *st, int i, int64_t v);
int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
int db_bind_null(struct db_stmt *st, int i);

/* DB_ROW, DB_DONE or DB_ERROR. */
int db_step(struct db_stmt *st);

/* Column @i (from 0) of the current row. Text is NUL-terminated and valid
 * until the next step or reset; NULL for SQL NULL. */
const char *db_col_text(struct db_stmt *st, int i);
int64_t db_col_int64(struct db_stmt *st, int i);
int db_col_int(struct db_stmt *st, int i);
const void *db_col_blob(struct db_stmt *st, int i);
size_t db_col_bytes(struct db_stmt *st, int i);
int db_col_null(struct db_stmt *st, int i);

/* Rows changed by the last statement stepped to its end. */
int64_t db_changes(struct db *db);

/* Run @sql, one or more statements without parameters: 0 or DB_ERROR. */
int db_exec(struct db *db, const char *sql);
/* Whether a transaction is open. */
int db_in_txn(struct db *db);

#endif
