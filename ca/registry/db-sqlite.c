/*
 * ca/registry/db-sqlite.c: the statement layer (db.h) on SQLite, the
 * embedded default. The only file that calls sqlite3_*.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ca/core/error.h"
#include "ca/registry/db-int.h"

struct db_sqlite {
	struct db base;
	sqlite3 *h;
};

struct stmt_sqlite {
	struct db_stmt base;
	sqlite3_stmt *st;
};

#define H(db) (((struct db_sqlite *)(db))->h)
#define ST(s) (((struct stmt_sqlite *)(s))->st)

static void
s_close(struct db *db)
{
	sqlite3_close_v2(H(db));
	free(db);
}

static const char *
s_errmsg(struct db *db)
{
	return H(db) != NULL ? sqlite3_errmsg(H(db)) : "out of memory";
}

static enum db_errclass
s_errclass(struct db *db)
{
	int ext = sqlite3_extended_errcode(H(db));

	switch (ext) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return DB_E_UNIQUE;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return DB_E_FOREIGN;
	case SQLITE_CONSTRAINT_CHECK:
		return DB_E_CHECK;
	}
	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		return DB_E_CONSTRAINT;
	if ((ext & 0xff) == SQLITE_BUSY)
		return DB_E_BUSY;
	return DB_E_OTHER;
}

static int
s_prep(struct db *db, const char *sql, struct db_stmt **out)
{
	struct stmt_sqlite *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return DB_ERROR;
	if (sqlite3_prepare_v3(H(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) !=
	    SQLITE_OK) {
		free(s);
		return DB_ERROR;
	}
	s->base.db = db;
	*out = &s->base;
	return 0;
}

static void
s_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static void
s_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
	sqlite3_clear_bindings(ST(st));
}

static int
ok(int rc)
{
	return rc == SQLITE_OK ? 0 : DB_ERROR;
}

static int
s_bind_text(struct db_stmt *st, int i, const char *s)
{
	return ok(sqlite3_bind_text(ST(st), i, s, -1, SQLITE_STATIC));
}

static int
s_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return ok(sqlite3_bind_int64(ST(st), i, v));
}

static int
s_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	return ok(sqlite3_bind_blob64(ST(st), i, p, n, SQLITE_STATIC));
}

static int
s_bind_null(struct db_stmt *st, int i)
{
	return ok(sqlite3_bind_null(ST(st), i));
}

static int
s_step(struct db_stmt *st)
{
	switch (sqlite3_step(ST(st))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	default:
		return DB_ERROR;
	}
}

static const char *
s_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st), i);
}

static int64_t
s_col_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static const void *
s_col_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(ST(st), i);
}

static size_t
s_col_bytes(struct db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(ST(st), i);
}

static int
s_col_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(ST(st), i) == SQLITE_NULL;
}

static int64_t
s_changes(struct db *db)
{
	return sqlite3_changes64(H(db));
}

static int
s_exec(struct db *db, const char *sql)
{
	return ok(sqlite3_exec(H(db), sql, NULL, NULL, NULL));
}

static int
s_in_txn(struct db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

/*
 * The online backup API: one step copies every page in one read
 * transaction of the source (in WAL mode writers go on meanwhile), so the
 * copy is the database as of one commit. The file is made 0600 first.
 */
static int
s_backup(struct db *db, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int fd, rc, tries = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return CA_ERR_IO;
	close(fd);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = SQLITE_CANTOPEN;
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", H(db), "main")) == NULL) {
		rc = sqlite3_errcode(dst);
		goto out;
	}
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > 500)
			break;
		sqlite3_sleep(10);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
		rc = sqlite3_errcode(dst);
out:
	if (sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_DONE)
		rc = SQLITE_IOERR;
	return rc == SQLITE_DONE ? CA_OK : CA_ERR_DB;
}

static const struct db_ops sqlite_ops = {
	.dialect = DB_SQLITE,
	.close = s_close,
	.errmsg = s_errmsg,
	.errclass = s_errclass,
	.prep = s_prep,
	.finalize = s_finalize,
	.reset = s_reset,
	.bind_text = s_bind_text,
	.bind_int64 = s_bind_int64,
	.bind_blob = s_bind_blob,
	.bind_null = s_bind_null,
	.step = s_step,
	.col_text = s_col_text,
	.col_int64 = s_col_int64,
	.col_blob = s_col_blob,
	.col_bytes = s_col_bytes,
	.col_null = s_col_null,
	.changes = s_changes,
	.exec = s_exec,
	.in_txn = s_in_txn,
	.backup = s_backup,
};

static int
open_flags(const char *path, int flags, struct db **out)
{
	struct db_sqlite *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (db == NULL)
		return CA_ERR_ALLOC;
	db->base.ops = &sqlite_ops;
	*out = &db->base;
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK)
		return CA_ERR_DB;
	sqlite3_busy_timeout(db->h, 5000);
	return CA_OK;
}

int
db_open_sqlite(const char *path, struct db **out)
{
	return open_flags(path, SQLITE_OPEN_READWRITE, out);
}

int
db_open_sqlite_ro(const char *path, struct db **out)
{
	return open_flags(path, SQLITE_OPEN_READONLY, out);
}
