/*
 * ca/registry/db.c: the statement layer's dispatch to its backend and the
 * per-connection statement cache.
 */
#include "config.h"

#include "ca/core/error.h"
#include "ca/registry/db-int.h"

void
db_close(struct db *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_STMT_CACHE && db->cache[i].sql != NULL; i++)
		db->ops->finalize(db->cache[i].st);
	db->ops->close(db);
}

enum db_dialect
db_dialect(const struct db *db)
{
	return db->ops->dialect;
}

const char *
db_errmsg(struct db *db)
{
	return db->ops->errmsg(db);
}

enum db_errclass
db_errclass(struct db *db)
{
	return db->ops->errclass(db);
}

int
db_prep(struct db *db, const char *sql, struct db_stmt **out)
{
	int i;

	for (i = 0; i < DB_STMT_CACHE && db->cache[i].sql != NULL; i++) {
		if (db->cache[i].sql == sql) {
			*out = db->cache[i].st;
			return CA_OK;
		}
	}
	if (i == DB_STMT_CACHE)
		return CA_ERR_INTERNAL;
	if (db->ops->prep(db, sql, out) != 0)
		return CA_ERR_DB;
	db->cache[i].sql = sql;
	db->cache[i].st = *out;
	return CA_OK;
}

int
db_prep_once(struct db *db, const char *sql, struct db_stmt **out)
{
	return db->ops->prep(db, sql, out) != 0 ? CA_ERR_DB : CA_OK;
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->db->ops->finalize(st);
}

void
db_reset(struct db_stmt *st)
{
	if (st != NULL)
		st->db->ops->reset(st);
}

int
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	return s == NULL ? st->db->ops->bind_null(st, i) : st->db->ops->bind_text(st, i, s);
}

int
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return st->db->ops->bind_int64(st, i, v);
}

int
db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	return p == NULL ? st->db->ops->bind_null(st, i) : st->db->ops->bind_blob(st, i, p, n);
}

int
db_bind_null(struct db_stmt *st, int i)
{
	return st->db->ops->bind_null(st, i);
}

int
db_step(struct db_stmt *st)
{
	return st->db->ops->step(st);
}

const char *
db_col_text(struct db_stmt *st, int i)
{
	return st->db->ops->col_text(st, i);
}

int64_t
db_col_int64(struct db_stmt *st, int i)
{
	return st->db->ops->col_int64(st, i);
}

int
db_col_int(struct db_stmt *st, int i)
{
	return (int)st->db->ops->col_int64(st, i);
}

const void *
db_col_blob(struct db_stmt *st, int i)
{
	return st->db->ops->col_blob(st, i);
}

size_t
db_col_bytes(struct db_stmt *st, int i)
{
	return st->db->ops->col_bytes(st, i);
}

int
db_col_null(struct db_stmt *st, int i)
{
	return st->db->ops->col_null(st, i);
}

int64_t
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

int
db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int
db_in_txn(struct db *db)
{
	return db->ops->in_txn(db);
}

int
db_backup(struct db *db, const char *path)
{
	return db->ops->backup != NULL ? db->ops->backup(db, path) : CA_ERR_STATE;
}
