/*
 * ca/registry/migrate.c: a SQLite registry copied into an empty PostgreSQL
 * database (registry-migrate.h). Tables, columns and foreign keys are read
 * from the source, so the copy follows the schema wherever migrations take
 * it; only the column types of the target decide how a value travels
 * (bytea as a blob, everything else as SQLite's text of it).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-migrate.h"
#include "common/log.h"

#define MAX_TABLES 64		/* the registry has about 25 */
#define MAX_COLS 32		/* the most parameters of one statement (db-pg.c) */
#define SQL_MAX 2048

struct table {
	char *name;
	uint64_t deps;		/* bit i: references table i */
	bool done;
	int64_t rows;
};

struct tables {
	struct table t[MAX_TABLES];
	int n;
	int order[MAX_TABLES];	/* parents before children */
};

struct cols {
	char *name[MAX_COLS];
	bool blob[MAX_COLS];	/* bytea on the target */
	bool serial[MAX_COLS];	/* an identity the source fills in (BY DEFAULT) */
	int n;
};

static void
tables_clear(struct tables *ts)
{
	int i;

	for (i = 0; i < ts->n; i++)
		free(ts->t[i].name);
	memset(ts, 0, sizeof(*ts));
}

static void
cols_clear(struct cols *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	memset(c, 0, sizeof(*c));
}

static int
bad(struct ca_reg_copy_report *rep, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->bad, sizeof(rep->bad), fmt, ap);
	va_end(ap);
	util_log(LOG_ERR, "migrate: %s", rep->bad);
	util_log_error_set("%s", rep->bad);
	return r;
}

/* Names go into SQL text: only the schema's own kind of identifier. */
static bool
ident_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0 && i < 64;
}

static int
table_find(const struct tables *ts, const char *name)
{
	int i;

	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].name, name) == 0)
			return i;
	return -1;
}

/* The source's tables (schema_version is the target's own, written by
 * its migrations; sqlite_stat* are SQLite's statistics). */
static int
tables_read(struct ca_reg *src, struct tables *ts, struct ca_reg_copy_report *rep)
{
	struct db_stmt *st = NULL;
	const char *name;
	int r, s;

	if ((r = ca_reg_prep(src, "SELECT name FROM sqlite_master WHERE type = 'table'"
			     " AND name <> 'schema_version' AND name NOT LIKE 'sqlite\\_stat%'"
			     " ESCAPE '\\' ORDER BY name", &st)) != CA_OK)
		return r;
	while ((s = db_step(st)) == DB_ROW) {
		name = db_col_text(st, 0);
		if (name == NULL || !ident_ok(name)) {
			r = bad(rep, CA_ERR_STATE, "the source has a table named '%s', "
				"which is not the registry's", name != NULL ? name : "");
			goto out;
		}
		if (ts->n == MAX_TABLES) {
			r = bad(rep, CA_ERR_INTERNAL, "more than %d tables", MAX_TABLES);
			goto out;
		}
		if ((ts->t[ts->n].name = strdup(name)) == NULL) {
			r = CA_ERR_ALLOC;
			goto out;
		}
		ts->n++;
	}
	r = s == DB_DONE ? CA_OK : ca_reg_fail(src, "list the tables");
out:
	ca_reg_done(st);
	return r;
}

static int
deps_read(struct ca_reg *src, struct tables *ts, int i)
{
	struct db_stmt *st = NULL;
	const char *p;
	int r, s, k;

	if ((r = ca_reg_prep(src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, ts->t[i].name);
	while ((s = db_step(st)) == DB_ROW)
		if ((p = db_col_text(st, 0)) != NULL && (k = table_find(ts, p)) >= 0 && k != i)
			ts->t[i].deps |= UINT64_C(1) << k;
	r = s == DB_DONE ? CA_OK : ca_reg_fail(src, "read the foreign keys");
	ca_reg_done(st);
	return r;
}

/* Parents before children: each pass takes every table whose referenced
 * tables are all placed already. */
static int
tables_order(struct ca_reg *src, struct tables *ts, struct ca_reg_copy_report *rep)
{
	uint64_t placed = 0;
	int i, k = 0, r;
	bool progress = true;

	for (i = 0; i < ts->n; i++)
		if ((r = deps_read(src, ts, i)) != CA_OK)
			return r;
	while (k < ts->n && progress) {
		progress = false;
		for (i = 0; i < ts->n; i++) {
			if (ts->t[i].done || (ts->t[i].deps & ~placed) != 0)
				continue;
			ts->t[i].done = true;
			ts->order[k++] = i;
			progress = true;
		}
		for (i = 0; i < k; i++)
			placed |= UINT64_C(1) << ts->order[i];
	}
	if (k < ts->n)
		return bad(rep, CA_ERR_STATE, "the source's foreign keys form a cycle");
	return CA_OK;
}

static int
col_add(struct cols *c, const char *name)
{
	if (c->n == MAX_COLS)
		return CA_ERR_INTERNAL;
	if ((c->name[c->n] = strdup(name)) == NULL)
		return CA_ERR_ALLOC;
	c->n++;
	return CA_OK;
}

static int
cols_src(struct ca_reg *src, const char *table, struct cols *c, struct ca_reg_copy_report *rep)
{
	struct db_stmt *st = NULL;
	const char *name;
	int r = CA_OK, s = DB_DONE;

	if ((r = ca_reg_prep(src, "SELECT name FROM pragma_table_info(?) ORDER BY cid",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, table);
	while (r == CA_OK && (s = db_step(st)) == DB_ROW) {
		name = db_col_text(st, 0);
		if (name == NULL || !ident_ok(name))
			r = bad(rep, CA_ERR_STATE, "table %s: a column named '%s' is not the "
				"registry's", table, name != NULL ? name : "");
		else if ((r = col_add(c, name)) == CA_ERR_INTERNAL)
			r = bad(rep, r, "table %s has more than %d columns", table, MAX_COLS);
	}
	if (r == CA_OK && s != DB_DONE)
		r = ca_reg_fail(src, "read the columns");
	ca_reg_done(st);
	return r;
}

/*
 * What the target's columns of @table are: each source column must be
 * there; a target column the source lacks must fill itself in (PostgreSQL's
 * rowid of certificates, GENERATED ALWAYS).
 */
static int
cols_dst(struct ca_reg *dst, const char *table, struct cols *c, struct ca_reg_copy_report *rep)
{
	struct db_stmt *st = NULL;
	const char *name, *type, *ident, *gen;
	int r = CA_OK, s = DB_DONE, i, seen = 0;

	if ((r = ca_reg_prep(dst, "SELECT column_name, data_type, is_identity,"
			     " coalesce(identity_generation, '') FROM information_schema.columns"
			     " WHERE table_schema = current_schema() AND table_name = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, table);
	while (r == CA_OK && (s = db_step(st)) == DB_ROW) {
		name = db_col_text(st, 0);
		type = db_col_text(st, 1);
		ident = db_col_text(st, 2);
		gen = db_col_text(st, 3);
		for (i = 0; i < c->n; i++)
			if (name != NULL && strcmp(c->name[i], name) == 0)
				break;
		if (i == c->n) {
			if (gen == NULL || strcmp(gen, "ALWAYS") != 0)
				r = bad(rep, CA_ERR_STATE, "table %s: the target's column %s "
					"is not in the source", table, name != NULL ? name : "");
			continue;
		}
		seen++;
		c->blob[i] = type != NULL && strcmp(type, "bytea") == 0;
		c->serial[i] = ident != NULL && strcmp(ident, "YES") == 0;
	}
	if (r == CA_OK && s != DB_DONE)
		r = ca_reg_fail(dst, "read the target's columns");
	if (r == CA_OK && seen != c->n)
		r = bad(rep, CA_ERR_STATE, "table %s: the target lacks %d of the source's columns",
			table, c->n - seen);
	ca_reg_done(st);
	return r;
}

/* "a", "b", ... of @c into @buf; @params: ?1, ?2, ... instead. */
static void
col_list(const struct cols *c, bool params, char *buf, size_t len)
{
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < c->n && k < len; i++) {
		if (params)
			k += (size_t)snprintf(buf + k, len - k, "%s?%d", i ? ", " : "", i + 1);
		else
			k += (size_t)snprintf(buf + k, len - k, "%s\"%s\"", i ? ", " : "",
					      c->name[i]);
	}
}

static int
row_bind(struct db_stmt *from, struct db_stmt *to, const struct cols *c)
{
	int i, e;

	for (i = 0; i < c->n; i++) {
		if (db_col_null(from, i))
			e = db_bind_null(to, i + 1);
		else if (c->blob[i])
			e = db_bind_blob(to, i + 1, db_col_blob(from, i), db_col_bytes(from, i));
		else
			e = db_bind_text(to, i + 1, db_col_text(from, i));
		if (e != 0)
			return CA_ERR_DB;
	}
	return CA_OK;
}

/* Every row of @t->name, in the source's rowid order (the order PostgreSQL's
 * own rowid then numbers them in). */
static int
rows_copy(struct ca_reg *src, struct ca_reg *dst, struct table *t, const struct cols *c)
{
	char names[SQL_MAX / 2], params[SQL_MAX / 4], sql[SQL_MAX];
	struct db_stmt *from = NULL, *to = NULL;
	int r, s;

	col_list(c, false, names, sizeof(names));
	col_list(c, true, params, sizeof(params));
	snprintf(sql, sizeof(sql), "SELECT %s FROM \"%s\" ORDER BY rowid", names, t->name);
	if (db_prep_once(src->db, sql, &from) != 0) {
		r = ca_reg_fail(src, "read a table");
		goto out;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (%s) VALUES (%s)", t->name, names, params);
	if (db_prep_once(dst->db, sql, &to) != 0) {
		r = ca_reg_fail(dst, "prepare the copy");
		goto out;
	}
	while ((s = db_step(from)) == DB_ROW) {
		if ((r = row_bind(from, to, c)) != CA_OK ||
		    (r = ca_reg_step_done(dst, to, t->name)) != CA_OK)
			goto out;
		db_reset(to);
		t->rows++;
	}
	r = s == DB_DONE ? CA_OK : ca_reg_fail(src, "read a table");
out:
	db_finalize(from);
	db_finalize(to);
	return r;
}

static int
one_int(struct ca_reg *reg, const char *sql, const char *bind, int64_t *out)
{
	struct db_stmt *st = NULL;
	int r;

	if (db_prep_once(reg->db, sql, &st) != 0)
		return ca_reg_fail(reg, "count");
	if (bind != NULL)
		db_bind_text(st, 1, bind);
	if ((r = ca_reg_step_row(reg, st, "count")) == CA_OK)
		*out = db_col_int64(st, 0);
	if (r == CA_ERR_NOT_FOUND) {	/* no row: nothing counted */
		*out = 0;
		r = CA_OK;
	}
	db_finalize(st);
	return r;
}

/*
 * An identity column continues past the highest id the source ever handed
 * out: its largest value, or (AUTOINCREMENT) sqlite_sequence's, so an id
 * is never used twice — the audit log's ids in particular.
 */
static int
serial_carry(struct ca_reg *src, struct ca_reg *dst, const struct tables *ts, const char *table,
	     const char *col)
{
	struct db_stmt *st = NULL;
	char sql[256];
	int64_t high = 0, used = 0;
	int r;

	snprintf(sql, sizeof(sql), "SELECT coalesce(max(\"%s\"), 0) FROM \"%s\"", col, table);
	if ((r = one_int(dst, sql, NULL, &high)) != CA_OK)
		return r;
	if (table_find(ts, "sqlite_sequence") >= 0 &&
	    (r = one_int(src, "SELECT seq FROM sqlite_sequence WHERE name = ?", table,
			 &used)) != CA_OK)
		return r;
	if (used > high)
		high = used;
	if (high == 0)
		return CA_OK;
	if ((r = ca_reg_prep(dst, "SELECT setval(pg_get_serial_sequence(?, ?), ?)", &st)) != CA_OK)
		return r;
	snprintf(sql, sizeof(sql), "\"%s\"", table);
	ca_reg_bind_text(st, 1, sql);
	ca_reg_bind_text(st, 2, col);
	db_bind_int64(st, 3, high);
	r = ca_reg_step_row(dst, st, "carry the identity counter");
	ca_reg_done(st);
	return r;
}

/* Triggers off while rows arrive: the copied rows already hold what they
 * would add (ocsp_changes, sqlite_sequence). Transactional on PostgreSQL,
 * so a rollback restores them too. */
static int
triggers(struct ca_reg *dst, const char *table, bool on)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "ALTER TABLE \"%s\" %s TRIGGER USER", table,
		 on ? "ENABLE" : "DISABLE");
	return db_exec(dst->db, sql) == 0 ? CA_OK : ca_reg_fail(dst, "switch the triggers");
}

static int
table_copy(struct ca_reg *src, struct ca_reg *dst, const struct tables *ts, struct table *t,
	   struct ca_reg_copy_report *rep)
{
	struct cols c;
	int r, i;

	memset(&c, 0, sizeof(c));
	if ((r = cols_src(src, t->name, &c, rep)) != CA_OK ||
	    (r = cols_dst(dst, t->name, &c, rep)) != CA_OK ||
	    (r = triggers(dst, t->name, false)) != CA_OK ||
	    (r = rows_copy(src, dst, t, &c)) != CA_OK ||
	    (r = triggers(dst, t->name, true)) != CA_OK)
		goto out;
	for (i = 0; i < c.n; i++)
		if (c.serial[i] && (r = serial_carry(src, dst, ts, t->name, c.name[i])) != CA_OK)
			goto out;
out:
	cols_clear(&c);
	return r;
}

/* The check of the copy: each table's rows counted on both sides. */
static int
counts_check(struct ca_reg *src, struct ca_reg *dst, const struct tables *ts,
	     struct ca_reg_copy_report *rep)
{
	char sql[160];
	int64_t a, b;
	int i, r;

	for (i = 0; i < ts->n; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", ts->t[i].name);
		if ((r = one_int(src, sql, NULL, &a)) != CA_OK ||
		    (r = one_int(dst, sql, NULL, &b)) != CA_OK)
			return r;
		if (a != b || a != ts->t[i].rows)
			return bad(rep, CA_ERR_DB, "table %s: %lld row(s) in the source, %lld "
				   "copied, %lld in the target", ts->t[i].name, (long long)a,
				   (long long)ts->t[i].rows, (long long)b);
	}
	return CA_OK;
}

/* The source: read-only, one snapshot (a read transaction) for the copy
 * and the counts, at this program's schema version. */
static int
src_open(const char *path, struct ca_reg **out, struct ca_reg_copy_report *rep)
{
	struct ca_reg *src = calloc(1, sizeof(*src));
	int r;

	if (src == NULL)
		return CA_ERR_ALLOC;
	if ((r = db_open_sqlite_ro(path, &src->db)) != CA_OK) {
		r = bad(rep, CA_ERR_NOT_FOUND, "cannot open the registry %s: %s", path,
			src->db != NULL ? db_errmsg(src->db) : "out of memory");
		goto out;
	}
	if (db_exec(src->db, "BEGIN") != 0 ||
	    db_exec(src->db, "SELECT 1 FROM schema_version LIMIT 1") != 0) {
		r = bad(rep, CA_ERR_NOT_FOUND, "%s is not a carecard registry: %s", path,
			db_errmsg(src->db));
		goto out;
	}
	if ((r = ca_reg_schema_version(src, &rep->version)) != CA_OK)
		goto out;
	if (rep->version != ca_reg_schema_latest()) {
		r = bad(rep, CA_ERR_STATE, "the registry %s is at schema version %d, this "
			"carecard-ca at %d: run any command of this version against it first "
			"(carecard-ca audit verify brings it up to date)", path, rep->version,
			ca_reg_schema_latest());
		goto out;
	}
	*out = src;
	src = NULL;
out:
	ca_reg_close(src);
	return r;
}

/* The target must hold nothing yet: any table there (ours or not) and
 * carecard-ca migrate refuses, rather than merge into or drop it. */
static int
dst_open(const char *uri, struct ca_reg **out, struct ca_reg_copy_report *rep)
{
	struct ca_reg *dst = calloc(1, sizeof(*dst));
	struct db_stmt *st = NULL;
	int64_t n = 0;
	int r;

	if (dst == NULL)
		return CA_ERR_ALLOC;
	if ((r = db_open_pg(uri, &dst->db)) != CA_OK) {
		r = bad(rep, CA_ERR_NOT_FOUND, "cannot connect to the target: %s (create it "
			"first with createdb)",
			dst->db != NULL ? db_errmsg(dst->db) : "out of memory");
		goto out;
	}
	if ((r = ca_reg_prep(dst, "SELECT count(*) FROM pg_catalog.pg_class c"
			     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
			     " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v',"
			     " 'm', 'f')", &st)) != CA_OK ||
	    (r = ca_reg_step_row(dst, st, "look at the target")) != CA_OK)
		goto out;
	n = db_col_int64(st, 0);
	if (n > 0) {
		rep->target_used = true;
		r = bad(rep, CA_ERR_EXISTS, "the target database holds %lld table(s) already: "
			"migrate moves a registry only into a new, empty database (createdb); "
			"nothing was changed", (long long)n);
		goto out;
	}
	*out = dst;
	dst = NULL;
out:
	ca_reg_done(st);
	ca_reg_close(dst);
	return r;
}

/* The schema at the source's version, inside the one transaction: each
 * migration's own begin/commit becomes a savepoint of it (ca_reg_group). */
static int
dst_schema(struct ca_reg *dst, int version)
{
	int r;

	if ((r = ca_reg_begin(dst)) != CA_OK)
		return r;
	if ((r = ca_reg_group(dst, true)) != CA_OK)
		return r;
	r = ca_reg_schema_apply(dst, version);
	if (ca_reg_group(dst, false) != CA_OK && r == CA_OK)
		r = CA_ERR_INTERNAL;
	return r;
}

int
ca_reg_copy_to_pg(const char *src_path, const char *dst_uri, const struct ca_hooks *hooks,
		  struct ca_reg **out, struct ca_reg_copy_report *rep)
{
	struct ca_reg *src = NULL, *dst = NULL;
	struct tables *ts = calloc(1, sizeof(*ts));
	int i, r;

	memset(rep, 0, sizeof(*rep));
	if (ts == NULL)
		return CA_ERR_ALLOC;
	if (strncmp(dst_uri, "postgresql://", 13) != 0 &&
	    strncmp(dst_uri, "postgres://", 11) != 0) {
		r = bad(rep, CA_ERR_USAGE, "the target is a PostgreSQL URI "
			"(postgresql://... or postgres://...)");
		goto out;
	}
	if ((r = ca_reg_uri_check(dst_uri)) != CA_OK ||
	    (r = src_open(src_path, &src, rep)) != CA_OK ||
	    (r = dst_open(dst_uri, &dst, rep)) != CA_OK ||
	    (r = tables_read(src, ts, rep)) != CA_OK || (r = tables_order(src, ts, rep)) != CA_OK ||
	    (r = dst_schema(dst, rep->version)) != CA_OK)
		goto out;
	for (i = 0; i < ts->n; i++) {
		if ((r = table_copy(src, dst, ts, &ts->t[ts->order[i]], rep)) != CA_OK)
			goto out;
		rep->rows += ts->t[ts->order[i]].rows;
	}
	rep->tables = ts->n;
	if ((r = counts_check(src, dst, ts, rep)) != CA_OK)
		goto out;
	if (hooks != NULL && hooks->point != NULL)
		hooks->point(hooks->arg, "migrate", "copied");
	*out = dst;
	dst = NULL;
out:
	ca_reg_close(dst);	/* rolls the target back */
	ca_reg_close(src);	/* ends the read transaction */
	if (ts != NULL)
		tables_clear(ts);
	free(ts);
	return r;
}
