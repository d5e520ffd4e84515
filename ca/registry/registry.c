/*
 * ca/registry.c: connection, migrations, transactions, settings, people
 * and RA roles. Certificates and audit rows are in registry-records.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "common/log.h"

/*
 * What a constraint of the schema (schema.c) means, for a person: SQLite
 * names the columns of a UNIQUE constraint and the expression of a CHECK,
 * never the row. The raw message stays in the log.
 */
static const struct {
	const char *match;	/* a part of SQLite's message */
	const char *sentence;
} constraint_words[] = {
	{ "people.uuid", "a person with that UUID is registered already: see person show UUID" },
	{ "organisations.ods", "that ODS code is registered already: see report users-per-org" },
	{ "positions.person, positions.role, positions.org",
	  "the holder holds that position already: see person show UUID" },
	{ "ra_roles.person, ra_roles.role",
	  "the person holds that RA role already: see person show UUID" },
	{ "cards.serial", "that card is registered already: see person search --card SERIAL" },
	{ "certificates.serial", "a certificate with that serial number is recorded already" },
	{ "tac_pool.serial", "that card is in a TAC pool already: see tac-list" },
	{ "card_ops.card", "another operation on that card is unfinished: run it again first" },
	{ "sponsor <> ra_agent",
	  "the sponsor of a request may not also check the identity: ask another RA agent" },
	{ "uuid NOT GLOB", "a UUID is 12 digits" },
	{ "name <> ''", "a name may not be empty" },
	{ "note <> ''", "a note may not be empty" },
	{ "role IN", "an RA role is ra-manager, ra-agent, sponsor or lsa" },
	/* PostgreSQL names the CHECK constraint instead of its expression. */
	{ "\"requests_check\"",
	  "the sponsor of a request may not also check the identity: ask another RA agent" },
	{ "\"people_uuid_check\"", "a UUID is 12 digits" },
	{ "\"people_name_check\"", "a name may not be empty" },
	{ "\"tac_uses_note_check\"", "a note may not be empty" },
	{ "\"ra_roles_role_check\"", "an RA role is ra-manager, ra-agent, sponsor or lsa" },
};

static void
constraint_say(struct ca_reg *reg, enum db_errclass cls)
{
	const char *msg = db_errmsg(reg->db);
	size_t i;

	for (i = 0; i < sizeof(constraint_words) / sizeof(constraint_words[0]); i++)
		if (strstr(msg, constraint_words[i].match) != NULL) {
			util_log_error_set("the registry refused it: %s",
					   constraint_words[i].sentence);
			return;
		}
	if (cls == DB_E_FOREIGN)
		util_log_error_set("the registry refused it: it names a person, organisation, "
				   "card or certificate the registry does not have: check the "
				   "identifiers (person search, tac-list, report users-per-org)");
	else
		util_log_error_set("the registry refused it: a value breaks one of its rules "
				   "(%s): check the input", msg);
}

int
ca_reg_fail(struct ca_reg *reg, const char *what)
{
	enum db_errclass cls = db_errclass(reg->db);

	util_log(LOG_ERR, "registry: %s: %s", what, db_errmsg(reg->db));
	switch (cls) {
	case DB_E_UNIQUE:
	case DB_E_FOREIGN:
	case DB_E_CHECK:
	case DB_E_CONSTRAINT:
		constraint_say(reg, cls);
		break;
	case DB_E_BUSY:
		util_log_error_set("the registry is busy (another carecard-ca holds it): "
				   "run it again in a moment");
		break;
	default:
		break;
	}
	if (cls == DB_E_UNIQUE)
		return CA_ERR_EXISTS;
	if (cls == DB_E_FOREIGN)
		return CA_ERR_NOT_FOUND;
	if (cls == DB_E_CHECK)
		return CA_ERR_USAGE;
	return CA_ERR_DB;
}

int
ca_reg_prep(struct ca_reg *reg, const char *sql, struct db_stmt **out)
{
	int r = db_prep(reg->db, sql, out);

	if (r == CA_ERR_INTERNAL)
		util_log(LOG_ERR, "registry: statement cache full");	/* a bug: grow it */
	else if (r != CA_OK)
		r = ca_reg_fail(reg, "prepare");
	return r;
}

void
ca_reg_done(struct db_stmt *st)
{
	db_reset(st);
}

int
ca_reg_bind_text(struct db_stmt *st, int i, const char *s)
{
	return db_bind_text(st, i, s) == 0 ? CA_OK : CA_ERR_DB;
}

int
ca_reg_col_dup(struct db_stmt *st, int i, char **out)
{
	const char *t = db_col_text(st, i);

	*out = NULL;
	if (t == NULL)
		return CA_OK;
	if ((*out = strdup(t)) == NULL)
		return CA_ERR_ALLOC;
	return CA_OK;
}

int
ca_reg_step_done(struct ca_reg *reg, struct db_stmt *st, const char *what)
{
	if (db_step(st) != DB_DONE)
		return ca_reg_fail(reg, what);
	return CA_OK;
}

int
ca_reg_step_id(struct ca_reg *reg, struct db_stmt *st, const char *what, int64_t *id)
{
	if (db_step(st) != DB_ROW)
		return ca_reg_fail(reg, what);
	*id = db_col_int64(st, 0);
	if (db_step(st) != DB_DONE)
		return ca_reg_fail(reg, what);
	return CA_OK;
}

static int
exec(struct ca_reg *reg, const char *sql, const char *what)
{
	if (db_exec(reg->db, sql) != 0)
		return ca_reg_fail(reg, what);
	return CA_OK;
}

/* SQLite gives new files 0644; create the registry 0600 ourselves. */
static int
create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		util_log(LOG_ERR, "registry: cannot create %s: %s", path, strerror(errno));
		return CA_ERR_IO;
	}
	close(fd);
	return CA_OK;
}

int
ca_reg_open_unmigrated(const char *path, int create, struct ca_reg **out)
{
	struct ca_reg *reg = NULL;
	int r;

	if (!create && access(path, F_OK) != 0) {
		util_log(LOG_ERR, "registry %s does not exist", path);
		return CA_ERR_NOT_FOUND;
	}
	if (create && (r = create_private(path)) != CA_OK)
		return r;
	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return CA_ERR_ALLOC;
	if ((r = db_open_sqlite(path, &reg->db)) != CA_OK) {
		util_log(LOG_ERR, "registry: cannot open %s: %s", path,
			 reg->db != NULL ? db_errmsg(reg->db) : "out of memory");
		goto out;
	}
	/* WAL: readers never block the writer. synchronous=FULL: a committed
	 * issuance survives power loss (an issued certificate must be on
	 * record). foreign_keys is per connection, so set it every time. */
	if ((r = exec(reg, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", "pragmas")) != CA_OK)
		goto out;
	*out = reg;
	reg = NULL;
	r = CA_OK;
out:
	ca_reg_close(reg);
	return r;
}

void
ca_reg_close(struct ca_reg *reg)
{
	if (reg == NULL)
		return;
	ca_reg_rollback(reg);
	db_close(reg->db);
	free(reg);
}

int
ca_reg_backup(struct ca_reg *reg, const char *path)
{
	int r = db_backup(reg->db, path);

	return r == CA_ERR_DB ? ca_reg_fail(reg, "backup") : r;
}

static int
run_cached(struct ca_reg *reg, const char *sql, const char *what)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, sql, &st)) != CA_OK)
		return r;
	r = ca_reg_step_done(reg, st, what);
	ca_reg_done(st);
	return r;
}

const char *
ca_reg_sql(const struct ca_reg *reg, const char *sqlite, const char *pg)
{
	return db_dialect(reg->db) == DB_PG ? pg : sqlite;
}

/*
 * SQLite: BEGIN IMMEDIATE takes the database's write lock now. PostgreSQL:
 * every write transaction takes one transaction-scoped advisory lock first,
 * the same single-writer order across every instance sharing the database
 * (no duplicate serial, no double-counted renewal, no forked audit chain).
 */
int
ca_reg_begin(struct ca_reg *reg)
{
	int r;

	if (reg->grouped) {
		if ((r = run_cached(reg, "SAVEPOINT grp", "begin (savepoint)")) == CA_OK)
			reg->gdepth++;
		return r;
	}
	if (db_dialect(reg->db) != DB_PG)
		return run_cached(reg, "BEGIN IMMEDIATE", "begin");
	if ((r = run_cached(reg, "BEGIN", "begin")) != CA_OK)
		return r;
	if ((r = exec(reg, "SELECT pg_advisory_xact_lock(" CA_REG_PG_LOCK ")",
		      "take the registry's write lock")) != CA_OK)
		ca_reg_rollback(reg);
	return r;
}

/* PostgreSQL: each commit bumps registry_version, ca_reg_data_version()'s
 * counter (SQLite's PRAGMA data_version does this itself). */
int
ca_reg_commit(struct ca_reg *reg)
{
	int r;

	if (reg->grouped) {
		if (reg->gdepth == 0)
			return CA_ERR_INTERNAL;
		if ((r = run_cached(reg, "RELEASE grp", "commit (release savepoint)")) == CA_OK)
			reg->gdepth--;
		return r;
	}
	if (db_dialect(reg->db) == DB_PG &&
	    (r = run_cached(reg, "UPDATE registry_version SET n = n + 1 WHERE id = 1",
			    "count the commit")) != CA_OK)
		return r;
	return run_cached(reg, "COMMIT", "commit");
}

void
ca_reg_rollback(struct ca_reg *reg)
{
	if (reg->grouped) {	/* this operation's savepoint alone, if open */
		if (reg->gdepth > 0) {
			db_exec(reg->db, "ROLLBACK TO SAVEPOINT grp; RELEASE SAVEPOINT grp");
			reg->gdepth--;
		}
		return;
	}
	if (reg->db != NULL && db_in_txn(reg->db))
		db_exec(reg->db, "ROLLBACK");
}

int
ca_reg_group(struct ca_reg *reg, bool on)
{
	bool open = reg->gdepth != 0;

	if (!on) {	/* always ends: an operation's savepoint left open is a bug */
		reg->grouped = false;
		reg->gdepth = 0;
		return open ? CA_ERR_INTERNAL : CA_OK;
	}
	if (reg->grouped || !db_in_txn(reg->db))
		return CA_ERR_INTERNAL;
	reg->grouped = true;
	return CA_OK;
}

int
ca_reg_end(struct ca_reg *reg, int r)
{
	if (r == CA_OK)
		r = ca_reg_commit(reg);
	if (r != CA_OK)
		ca_reg_rollback(reg);
	return r;
}

static int
version_read(struct ca_reg *reg, int *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT coalesce(max(version), 0) FROM schema_version",
			     &st)) != CA_OK)
		return r;
	if (db_step(st) == DB_ROW) {
		*out = db_col_int(st, 0);
		r = CA_OK;
	} else {
		r = ca_reg_fail(reg, "schema version");
	}
	ca_reg_done(st);
	return r;
}

int
ca_reg_schema_version(struct ca_reg *reg, int *out)
{
	return version_read(reg, out);
}

static int
version_record(struct ca_reg *reg, int v)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, ca_reg_sql(reg,
			     "INSERT INTO schema_version (version, applied)"
			     " VALUES (?, strftime('%s', 'now'))",
			     "INSERT INTO schema_version (version, applied)"
			     " VALUES (?, extract(epoch FROM now())::bigint)"), &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, v);
	r = ca_reg_step_done(reg, st, "record schema version");
	ca_reg_done(st);
	return r;
}

int
ca_reg_migrate(struct ca_reg *reg, const char *const *sql, int n)
{
	return ca_reg_migrate_pg(reg, sql, NULL, n);
}

int
ca_reg_migrate_pg(struct ca_reg *reg, const char *const *sql, const char *const *pg, int n)
{
	char *text = NULL;
	int cur = 0, v, r;

	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	if ((r = exec(reg, ca_reg_sql(reg, "CREATE TABLE IF NOT EXISTS schema_version ("
				      " version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
				      "CREATE TABLE IF NOT EXISTS schema_version ("
				      " version BIGINT PRIMARY KEY, applied BIGINT NOT NULL);"
				      "CREATE TABLE IF NOT EXISTS registry_version ("
				      " id BIGINT PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);"
				      "INSERT INTO registry_version VALUES (1, 0)"
				      " ON CONFLICT DO NOTHING"),
		      "create schema_version")) != CA_OK ||
	    (r = version_read(reg, &cur)) != CA_OK)
		goto out;
	if (cur > n) {
		util_log(LOG_ERR, "registry schema %d is newer than this program (%d)", cur, n);
		r = CA_ERR_STATE;
		goto out;
	}
	for (v = cur + 1; v <= n; v++) {
		if (db_dialect(reg->db) == DB_PG) {
			free(text);
			text = ca_reg_pg_ddl(pg != NULL && pg[v - 1] != NULL ? pg[v - 1]
									   : sql[v - 1]);
			if (text == NULL) {
				r = CA_ERR_ALLOC;
				goto out;
			}
		}
		if ((r = exec(reg, text != NULL ? text : sql[v - 1], "migration")) != CA_OK ||
		    (r = version_record(reg, v)) != CA_OK) {
			util_log(LOG_ERR, "registry migration %d failed; nothing applied", v);
			goto out;
		}
	}
	r = ca_reg_commit(reg);
out:
	free(text);
	if (r != CA_OK)
		ca_reg_rollback(reg);
	return r;
}

/*
 * The "durability" setting: "full" (default) fsyncs the WAL at every
 * commit, so an issued certificate is on record even after a power cut;
 * "normal" skips that fsync (the database stays consistent, but the last
 * commits before a power cut may be lost) and makes issuance several times
 * faster on slow disks. See ca/README.md.
 */
int
ca_reg_durability_apply(struct ca_reg *reg)
{
	char *v = NULL;
	int r;

	if (db_dialect(reg->db) == DB_PG)	/* the server's synchronous_commit */
		return CA_OK;
	if ((r = ca_reg_config_get(reg, "durability", &v)) == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	if (strcmp(v, "normal") == 0)
		r = exec(reg, "PRAGMA synchronous=NORMAL", "durability");
	else if (strcmp(v, "full") != 0)
		r = CA_ERR_USAGE;
	free(v);
	return r;
}

int
ca_reg_durability_set(struct ca_reg *reg, const char *mode)
{
	if (strcmp(mode, "full") == 0)
		return exec(reg, ca_reg_sql(reg, "PRAGMA synchronous=FULL",
					    "SET synchronous_commit = on"), "durability");
	if (strcmp(mode, "normal") == 0)
		return exec(reg, ca_reg_sql(reg, "PRAGMA synchronous=NORMAL",
					    "SET synchronous_commit = off"), "durability");
	return CA_ERR_USAGE;
}

int
ca_reg_savepoint(struct ca_reg *reg)
{
	return run_cached(reg, "SAVEPOINT op", "savepoint");
}

int
ca_reg_release(struct ca_reg *reg)
{
	return run_cached(reg, "RELEASE op", "release savepoint");
}

int
ca_reg_rollback_to(struct ca_reg *reg)
{
	int r;

	/* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
	if ((r = run_cached(reg, "ROLLBACK TO op", "rollback to savepoint")) == CA_OK)
		r = run_cached(reg, "RELEASE op", "release savepoint");
	return r;
}

int
ca_reg_step_row(struct ca_reg *reg, struct db_stmt *st, const char *what)
{
	switch (db_step(st)) {
	case DB_ROW:
		return CA_OK;
	case DB_DONE:
		return CA_ERR_NOT_FOUND;
	default:
		return ca_reg_fail(reg, what);
	}
}

int
ca_reg_config_get(struct ca_reg *reg, const char *key, char **out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT value FROM config WHERE key = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, key);
	if ((r = ca_reg_step_row(reg, st, "config get")) == CA_OK)
		r = ca_reg_col_dup(st, 0, out);
	ca_reg_done(st);
	return r;
}

int
ca_reg_config_set(struct ca_reg *reg, const char *key, const char *value)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO config (key, value) VALUES (?, ?)"
			     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, key);
	ca_reg_bind_text(st, 2, value);
	r = ca_reg_step_done(reg, st, "config set");
	ca_reg_done(st);
	return r;
}

void
ca_person_clear(struct ca_person *p)
{
	if (p == NULL)
		return;
	free(p->uuid);
	free(p->name);
	free(p->email);
	free(p->mobile);
	free(p->checked_by);
	memset(p, 0, sizeof(*p));
}

int
ca_reg_person_add(struct ca_reg *reg, const struct ca_person *p)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO people (uuid, name, email, mobile, checked_by,"
			     " checked_at) VALUES (?, ?, ?, ?, ?, ?)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, p->uuid);
	ca_reg_bind_text(st, 2, p->name);
	ca_reg_bind_text(st, 3, p->email);
	ca_reg_bind_text(st, 4, p->mobile);
	ca_reg_bind_text(st, 5, p->checked_by);
	if (p->checked_by != NULL)
		db_bind_int64(st, 6, p->checked_at);
	r = ca_reg_step_done(reg, st, "add person");
	ca_reg_done(st);
	return r;
}

int
ca_reg_person_get(struct ca_reg *reg, const char *uuid, struct ca_person *out)
{
	struct ca_person p = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT uuid, name, email, mobile, checked_by, checked_at"
			     " FROM people WHERE uuid = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	switch (db_step(st)) {
	case DB_ROW:
		if ((r = ca_reg_col_dup(st, 0, &p.uuid)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 1, &p.name)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 2, &p.email)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 3, &p.mobile)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 4, &p.checked_by)) != CA_OK)
			break;
		p.checked_at = db_col_int64(st, 5);
		*out = p;
		memset(&p, 0, sizeof(p));
		break;
	case DB_DONE:
		r = CA_ERR_NOT_FOUND;
		break;
	default:
		r = ca_reg_fail(reg, "get person");
	}
	ca_person_clear(&p);
	ca_reg_done(st);
	return r;
}

int
ca_reg_person_checked(struct ca_reg *reg, const char *uuid, const char *by, int64_t at)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE people SET checked_by = ?, checked_at = ?"
			     " WHERE uuid = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, by);
	db_bind_int64(st, 2, at);
	ca_reg_bind_text(st, 3, uuid);
	if ((r = ca_reg_step_done(reg, st, "identity checked")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_add(struct ca_reg *reg, const char *uuid, const char *role)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO ra_roles (person, role) VALUES (?, ?)",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	r = ca_reg_step_done(reg, st, "add RA role");
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_add(struct ca_reg *reg, const char *serial, int is_tac, const char *holder)
{
	struct db_stmt *st = NULL;
	int r;

	if (serial == NULL || strlen(serial) < 2)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO cards (serial, series, state, is_tac, holder)"
			     " VALUES (?1, substr(?1, 1, 2), ?2, ?3, ?4)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	ca_reg_bind_text(st, 2, holder != NULL ? "issued" : "blank");
	db_bind_int64(st, 3, is_tac ? 1 : 0);
	ca_reg_bind_text(st, 4, holder);
	r = ca_reg_step_done(reg, st, "add card");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_has(struct ca_reg *reg, const char *uuid, const char *role)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT 1 FROM ra_roles WHERE person = ? AND role = ?",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	ca_reg_bind_text(st, 2, role);
	r = ca_reg_step_row(reg, st, "RA role");
	ca_reg_done(st);
	return r;
}
