/*
 * ca/registry/db-int.h: what a backend of the statement layer (db.h)
 * provides. Only db.c, db-sqlite.c and db-pg.c include this.
 */
#ifndef CC_CA_REGISTRY_DB_INT_H
#define CC_CA_REGISTRY_DB_INT_H

#include "ca/registry/db.h"

#define DB_STMT_CACHE 128	/* > the distinct SQL texts of ca/registry (~100) */

struct db_ops {
	enum db_dialect dialect;
	void (*close)(struct db *db);
	const char *(*errmsg)(struct db *db);
	enum db_errclass (*errclass)(struct db *db);
	int (*prep)(struct db *db, const char *sql, struct db_stmt **out);
	void (*finalize)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	int (*bind_text)(struct db_stmt *st, int i, const char *s);
	int (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	int (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
	int (*bind_null)(struct db_stmt *st, int i);
	int (*step)(struct db_stmt *st);
	const char *(*col_text)(struct db_stmt *st, int i);
	int64_t (*col_int64)(struct db_stmt *st, int i);
	const void *(*col_blob)(struct db_stmt *st, int i);
	size_t (*col_bytes)(struct db_stmt *st, int i);
	int (*col_null)(struct db_stmt *st, int i);
	int64_t (*changes)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*in_txn)(struct db *db);
	/* An online, consistent copy of the whole database into the new file
	 * @path; NULL when the backend has its own tools (PostgreSQL). */
	int (*backup)(struct db *db, const char *path);
};

/* The head of every backend's connection and statement. */
struct db {
	const struct db_ops *ops;
	struct {
		const char *sql;
		struct db_stmt *st;
	} cache[DB_STMT_CACHE];
};

struct db_stmt {
	struct db *db;
};

#endif
