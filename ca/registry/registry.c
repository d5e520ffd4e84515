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
};

static void
constraint_say(struct ca_reg *reg, int ext)
{
	const char *msg = sqlite3_errmsg(reg->db);
	size_t i;

	for (i = 0; i < sizeof(constraint_words) / sizeof(constraint_words[0]); i++)
		if (strstr(msg, constraint_words[i].match) != NULL) {
			util_log_error_set("the registry refused it: %s",
					   constraint_words[i].sentence);
			return;
		}
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
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
	int ext = sqlite3_extended_errcode(reg->db);

	util_log(LOG_ERR, "registry: %s: %s", what, sqlite3_errmsg(reg->db));
	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		constraint_say(reg, ext);
	else if ((ext & 0xff) == SQLITE_BUSY)
		util_log_error_set("the registry is busy (another carecard-ca holds it): "
				   "run it again in a moment");
	if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
		return CA_ERR_EXISTS;
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return CA_ERR_NOT_FOUND;
	if (ext == SQLITE_CONSTRAINT_CHECK)
		return CA_ERR_USAGE;
	return CA_ERR_DB;
}

int
ca_reg_prep(struct ca_reg *reg, const char *sql, sqlite3_stmt **out)
{
	int i;

	for (i = 0; i < CA_REG_STMT_CACHE && reg->cache[i].sql != NULL; i++) {
		if (reg->cache[i].sql == sql) {
			*out = reg->cache[i].st;
			return CA_OK;
		}
	}
	if (sqlite3_prepare_v3(reg->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK)
		return ca_reg_fail(reg, "prepare");
	if (i < CA_REG_STMT_CACHE) {
		reg->cache[i].sql = sql;
		reg->cache[i].st = *out;
	} else {
		util_log(LOG_ERR, "registry: statement cache full");	/* a bug: grow it */
		sqlite3_finalize(*out);
		return CA_ERR_INTERNAL;
	}
	return CA_OK;
}

void
ca_reg_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
ca_reg_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	int rc = s == NULL ? sqlite3_bind_null(st, i)
			   : sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);

	return rc == SQLITE_OK ? CA_OK : CA_ERR_DB;
}

int
ca_reg_col_dup(sqlite3_stmt *st, int i, char **out)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	*out = NULL;
	if (t == NULL)
		return CA_OK;
	if ((*out = strdup((const char *)t)) == NULL)
		return CA_ERR_ALLOC;
	return CA_OK;
}

int
ca_reg_step_done(struct ca_reg *reg, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return ca_reg_fail(reg, what);
	return CA_OK;
}

static int
exec(struct ca_reg *reg, const char *sql, const char *what)
{
	if (sqlite3_exec(reg->db, sql, NULL, NULL, NULL) != SQLITE_OK)
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
	r = CA_ERR_DB;
	if (sqlite3_open_v2(path, &reg->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		util_log(LOG_ERR, "registry: cannot open %s: %s", path,
			 reg->db != NULL ? sqlite3_errmsg(reg->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(reg->db, 5000);
	/* WAL: readers never block the writer. synchronous=FULL: a committed
	 * issuance survives power loss (an issued certificate must be on
	 * record). foreign_keys is per connection, so set it every time. */
	if ((r = exec(reg, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      "PRAGMA foreign_keys=ON;", "pragmas")) != CA_OK)
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
	int i;

	if (reg == NULL)
		return;
	ca_reg_rollback(reg);
	for (i = 0; i < CA_REG_STMT_CACHE; i++)
		sqlite3_finalize(reg->cache[i].st);
	sqlite3_close_v2(reg->db);
	free(reg);
}

static int
run_cached(struct ca_reg *reg, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, sql, &st)) != CA_OK)
		return r;
	r = ca_reg_step_done(reg, st, what);
	ca_reg_done(st);
	return r;
}

int
ca_reg_begin(struct ca_reg *reg)
{
	int r;

	if (!reg->grouped)
		return run_cached(reg, "BEGIN IMMEDIATE", "begin");
	if ((r = run_cached(reg, "SAVEPOINT grp", "begin (savepoint)")) == CA_OK)
		reg->gdepth++;
	return r;
}

int
ca_reg_commit(struct ca_reg *reg)
{
	int r;

	if (!reg->grouped)
		return run_cached(reg, "COMMIT", "commit");
	if (reg->gdepth == 0)
		return CA_ERR_INTERNAL;
	if ((r = run_cached(reg, "RELEASE grp", "commit (release savepoint)")) == CA_OK)
		reg->gdepth--;
	return r;
}

void
ca_reg_rollback(struct ca_reg *reg)
{
	if (reg->grouped) {	/* this operation's savepoint alone, if open */
		if (reg->gdepth > 0) {
			sqlite3_exec(reg->db, "ROLLBACK TO grp; RELEASE grp", NULL, NULL, NULL);
			reg->gdepth--;
		}
		return;
	}
	if (reg->db != NULL && !sqlite3_get_autocommit(reg->db))
		sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
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
	if (reg->grouped || sqlite3_get_autocommit(reg->db))
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
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT coalesce(max(version), 0) FROM schema_version",
			     &st)) != CA_OK)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
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
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO schema_version (version, applied)"
			     " VALUES (?, strftime('%s', 'now'))", &st)) != CA_OK)
		return r;
	sqlite3_bind_int(st, 1, v);
	r = ca_reg_step_done(reg, st, "record schema version");
	ca_reg_done(st);
	return r;
}

int
ca_reg_migrate(struct ca_reg *reg, const char *const *sql, int n)
{
	int cur = 0, v, r;

	if ((r = ca_reg_begin(reg)) != CA_OK)
		return r;
	if ((r = exec(reg, "CREATE TABLE IF NOT EXISTS schema_version ("
		      " version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
		      "create schema_version")) != CA_OK ||
	    (r = version_read(reg, &cur)) != CA_OK)
		goto out;
	if (cur > n) {
		util_log(LOG_ERR, "registry schema %d is newer than this program (%d)", cur, n);
		r = CA_ERR_STATE;
		goto out;
	}
	for (v = cur + 1; v <= n; v++) {
		if ((r = exec(reg, sql[v - 1], "migration")) != CA_OK ||
		    (r = version_record(reg, v)) != CA_OK) {
			util_log(LOG_ERR, "registry migration %d failed; nothing applied", v);
			goto out;
		}
	}
	r = ca_reg_commit(reg);
out:
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
	int r = ca_reg_config_get(reg, "durability", &v);

	if (r == CA_ERR_NOT_FOUND)
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
		return exec(reg, "PRAGMA synchronous=FULL", "durability");
	if (strcmp(mode, "normal") == 0)
		return exec(reg, "PRAGMA synchronous=NORMAL", "durability");
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
ca_reg_step_row(struct ca_reg *reg, sqlite3_stmt *st, const char *what)
{
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		return CA_OK;
	case SQLITE_DONE:
		return CA_ERR_NOT_FOUND;
	default:
		return ca_reg_fail(reg, what);
	}
}

int
ca_reg_config_get(struct ca_reg *reg, const char *key, char **out)
{
	sqlite3_stmt *st = NULL;
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
	sqlite3_stmt *st = NULL;
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
	sqlite3_stmt *st = NULL;
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
		sqlite3_bind_int64(st, 6, p->checked_at);
	r = ca_reg_step_done(reg, st, "add person");
	ca_reg_done(st);
	return r;
}

int
ca_reg_person_get(struct ca_reg *reg, const char *uuid, struct ca_person *out)
{
	struct ca_person p = { 0 };
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT uuid, name, email, mobile, checked_by, checked_at"
			     " FROM people WHERE uuid = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, uuid);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if ((r = ca_reg_col_dup(st, 0, &p.uuid)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 1, &p.name)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 2, &p.email)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 3, &p.mobile)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 4, &p.checked_by)) != CA_OK)
			break;
		p.checked_at = sqlite3_column_int64(st, 5);
		*out = p;
		memset(&p, 0, sizeof(p));
		break;
	case SQLITE_DONE:
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
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE people SET checked_by = ?, checked_at = ?"
			     " WHERE uuid = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, by);
	sqlite3_bind_int64(st, 2, at);
	ca_reg_bind_text(st, 3, uuid);
	if ((r = ca_reg_step_done(reg, st, "identity checked")) == CA_OK &&
	    sqlite3_changes(reg->db) != 1)
		r = CA_ERR_NOT_FOUND;
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_add(struct ca_reg *reg, const char *uuid, const char *role)
{
	sqlite3_stmt *st = NULL;
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
	sqlite3_stmt *st = NULL;
	int r;

	if (serial == NULL || strlen(serial) < 2)
		return CA_ERR_USAGE;
	if ((r = ca_reg_prep(reg, "INSERT INTO cards (serial, series, state, is_tac, holder)"
			     " VALUES (?1, substr(?1, 1, 2), ?2, ?3, ?4)", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	ca_reg_bind_text(st, 2, holder != NULL ? "issued" : "blank");
	sqlite3_bind_int(st, 3, is_tac ? 1 : 0);
	ca_reg_bind_text(st, 4, holder);
	r = ca_reg_step_done(reg, st, "add card");
	ca_reg_done(st);
	return r;
}

int
ca_reg_ra_role_has(struct ca_reg *reg, const char *uuid, const char *role)
{
	sqlite3_stmt *st = NULL;
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
