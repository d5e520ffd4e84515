/*
 * ca/registry: the CA's SQLite registry, and the only code that touches SQL.
 *
 * The database runs in WAL mode with foreign keys enforced. Its schema is a
 * list of ordered migrations; ca_reg_open() applies the missing ones in one
 * transaction and refuses a database newer than this program.
 *
 * Every CA operation writes its record(s) and its audit entry between
 * ca_reg_begin() and ca_reg_commit() (or ca_reg_rollback() on any error),
 * so either both land or neither does.
 *
 * Strings returned through out-parameters are malloc'ed and owned by the
 * caller; structures are released with their *_clear() function.
 */
#ifndef CC_CA_REGISTRY_H
#define CC_CA_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ca_reg;

/* Schema version this program writes (the last migration). */
int ca_reg_schema_latest(void);

/*
 * Open (and with @create, create with mode 0600) the registry at @path and
 * bring its schema up to date. CA_ERR_NOT_FOUND if it does not exist and
 * !@create; CA_ERR_STATE if its schema is newer than ca_reg_schema_latest().
 */
int ca_reg_open(const char *path, int create, struct ca_reg **out);

/*
 * The registry named by @uri: "sqlite:PATH" (the embedded default) or a
 * libpq URI "postgresql://..." / "postgres://..." (no password). The
 * seam where another backend plugs in: the operations only ever see
 * struct ca_reg and the ca_reg_* calls. CA_ERR_USAGE for a scheme this
 * build does not support.
 */
int ca_reg_open_uri(const char *uri, int create, struct ca_reg **out);

/* CA_OK if @uri names a registry this build opens (sqlite:PATH,
 * postgresql://..., postgres://...) and carries no password (it is stored
 * in the state directory); else logs why and returns CA_ERR_USAGE. */
int ca_reg_uri_check(const char *uri);

/* Close; rolls back an open transaction. Accepts NULL. */
void ca_reg_close(struct ca_reg *reg);

int ca_reg_schema_version(struct ca_reg *reg, int *out);

/*
 * A consistent copy of the whole registry into the new file @path (0600)
 * while the CA keeps working (SQLite's online backup API; carecard-ca
 * backup). CA_ERR_STATE on PostgreSQL, whose own tools (pg_dump) do it;
 * CA_ERR_DB or CA_ERR_IO on failure. Not inside a transaction.
 */
int ca_reg_backup(struct ca_reg *reg, const char *path);

/*
 * For tests and tools: open without migrating, and apply the migrations
 * @sql[0..n-1] (version i+1 is @sql[i]) that the database lacks, all in one
 * transaction: on any failure nothing is applied.
 */
int ca_reg_open_unmigrated(const char *path, int create, struct ca_reg **out);
int ca_reg_migrate(struct ca_reg *reg, const char *const *sql, int n);

/* The registry's own migrations (ca_reg_schema_latest() of them), for tests
 * that build an older registry and migrate it. */
const char *const *ca_reg_schema_migrations(void);

/* BEGIN IMMEDIATE: take the write lock now, so two CAs never interleave. */
int ca_reg_begin(struct ca_reg *reg);
int ca_reg_commit(struct ca_reg *reg);
/* Roll back if a transaction is open; harmless otherwise. */
void ca_reg_rollback(struct ca_reg *reg);

/* End a transaction by @r: commit when it is CA_OK, else (or when the
 * commit fails) roll back. Returns @r or the commit's error. */
int ca_reg_end(struct ca_reg *reg, int r);

/*
 * Group commit: inside ca_reg_begin/ca_reg_commit, each operation runs
 * between ca_reg_savepoint() and ca_reg_release(), or is undone alone by
 * ca_reg_rollback_to() (which also ends the savepoint), so several
 * operations share one COMMIT (one WAL fsync) and stay atomic one by one.
 */
int ca_reg_savepoint(struct ca_reg *reg);
int ca_reg_release(struct ca_reg *reg);
int ca_reg_rollback_to(struct ca_reg *reg);

/*
 * Group commit across operations that each begin and commit their own
 * transaction (a service's concurrent requests): with a transaction open
 * (ca_reg_begin), ca_reg_group(reg, true) makes every later ca_reg_begin,
 * ca_reg_commit and ca_reg_rollback a savepoint of it — each operation still
 * atomic alone, none durable until the caller ends grouping
 * (ca_reg_group(reg, false), no operation's savepoint open) and commits the
 * transaction: one WAL fsync for all. CA_ERR_INTERNAL when misused.
 */
int ca_reg_group(struct ca_reg *reg, bool on);

/*
 * This connection's durability, "full" or "normal" (PRAGMA synchronous),
 * without changing the stored "durability" setting. For benchmarks and
 * tools that compare both; CA_ERR_USAGE for anything else.
 */
int ca_reg_durability_set(struct ca_reg *reg, const char *mode);

/* Small key/value settings (HSM module path, token label, CRL numbers,
 * "durability" = full | normal, read at open). */
int ca_reg_config_get(struct ca_reg *reg, const char *key, char **out);
int ca_reg_config_set(struct ca_reg *reg, const char *key, const char *value);

struct ca_person {
	char *uuid;	/* 12 digits */
	char *name;
	char *email;	/* may be NULL */
	char *mobile;	/* may be NULL */
	char *checked_by;	/* who checked identity in person (UUID or "ca-init"); NULL: nobody yet */
	int64_t checked_at;	/* when; 0 if nobody has */
};

void ca_person_clear(struct ca_person *p);

/* Record that @by checked the identity of @uuid at @at. CA_ERR_NOT_FOUND if unknown. */
int ca_reg_person_checked(struct ca_reg *reg, const char *uuid, const char *by, int64_t at);

/* CA_ERR_EXISTS if the UUID is taken, CA_ERR_USAGE if it is not 12 digits. */
int ca_reg_person_add(struct ca_reg *reg, const struct ca_person *p);
int ca_reg_person_get(struct ca_reg *reg, const char *uuid, struct ca_person *out);

/* @role: "ra-manager", "ra-agent", "sponsor" or "lsa" (else CA_ERR_USAGE). */
int ca_reg_ra_role_add(struct ca_reg *reg, const char *uuid, const char *role);
int ca_reg_ra_role_has(struct ca_reg *reg, const char *uuid, const char *role);

/*
 * Register card @serial (series = its first two digits, which decide
 * renewability per domain.md), blank or issued to @holder (may be NULL).
 * CA_ERR_EXISTS, or CA_ERR_NOT_FOUND for an unknown holder.
 */
int ca_reg_card_add(struct ca_reg *reg, const char *serial, int is_tac, const char *holder);

enum ca_cert_status {
	CA_CERT_VALID,
	CA_CERT_REVOKED,
	CA_CERT_PENDING,	/* recorded before signing; never valid (see below) */
	CA_CERT_HELD,		/* revoked with reason certificateHold: may be released */
};

struct ca_cert_rec {
	char *serial;		/* upper-case hex, no leading zeros */
	char *card;		/* may be NULL */
	char *holder;		/* UUID */
	char *profile;		/* "authentication", "signing" */
	char *issuer;		/* issuing CA name: "authentication", "signing" */
	int64_t not_before, not_after;
	int renewal_count, self_renewals;
	enum ca_cert_status status;
	int reason;		/* CRL_REASON_*, when revoked */
	int64_t revoked_at;	/* when revoked */
	unsigned char *der;	/* NULL for a certificate that was never signed and recorded */
	size_t derlen;
	int64_t card_op;	/* the card operation that made it (journal id), 0: none */
	int64_t pending_since;	/* when it was recorded pending, 0: never */
	int64_t audit_seq;	/* the audit entry that recorded it, 0: none */
};

void ca_cert_rec_clear(struct ca_cert_rec *c);

/* A valid certificate row as given (tests and imports; issuance records
 * pending rows first, below). */
int ca_reg_cert_add(struct ca_reg *reg, const struct ca_cert_rec *c);
int ca_reg_cert_get(struct ca_reg *reg, const char *serial, struct ca_cert_rec *out);

/*
 * Revoke a valid or pending certificate, or one on hold for good (any
 * @reason but certificateHold, which puts a valid one on hold).
 * CA_ERR_NOT_FOUND, or CA_ERR_STATE if it is revoked already (or on hold
 * already, for a hold).
 */
int ca_reg_cert_revoke(struct ca_reg *reg, const char *serial, int reason, int64_t when);

/*
 * Record before you sign. Every certificate is recorded 'pending' in a
 * committed transaction before its signature exists: serial, holder,
 * profile, issuer and validity known, der NULL. When its operation
 * completes the row becomes 'valid' with the signed DER
 * (ca_reg_cert_activate); when the operation is abandoned (a re-run of a
 * card operation, or the recovery once the row is older than the lease)
 * it is revoked, so a certificate signed by an operation that died can
 * always be found and is on the next CRL. A pending row is never valid:
 * not for logins, card views, reports or renewals.
 */
struct ca_cert_pending {
	const char *serial, *card, *holder, *profile, *issuer;	/* card may be NULL */
	int64_t not_before, not_after;
	int64_t card_op;	/* the card operation's journal entry, 0: none */
	int64_t since;		/* when recorded: the recovery's lease counts from here */
	int64_t audit_seq;	/* the audit entry recording it */
};

/* CA_ERR_EXISTS for a serial in use, CA_ERR_NOT_FOUND for an unknown holder or card. */
int ca_reg_cert_pending_add(struct ca_reg *reg, const struct ca_cert_pending *p);

/*
 * Pending -> valid: the signed @der, the card's counters and @audit_seq,
 * the issuance entry. CA_ERR_NOT_FOUND for an unknown serial, CA_ERR_STATE
 * if the row is not pending any more (a recovery revoked it meanwhile).
 */
int ca_reg_cert_activate(struct ca_reg *reg, const char *serial, const unsigned char *der,
			 size_t derlen, int renewal_count, int self_renewals, int64_t audit_seq);

/* Which pending rows (ca_reg_cert_pending_list); 0 / NULL members do not select. */
struct ca_pending_sel {
	int64_t card_op;	/* of this card operation */
	const char *card;	/* on this card... */
	int64_t except_op;	/* ...but not of this operation */
	int64_t before;		/* recorded before this time */
};

/*
 * The serials of the pending rows @sel selects (all conditions given must
 * hold), oldest first: *serials is a malloc'ed array of *n malloc'ed
 * strings (ca_reg_serials_free).
 */
int ca_reg_cert_pending_list(struct ca_reg *reg, const struct ca_pending_sel *sel,
			     char ***serials, size_t *n);
void ca_reg_serials_free(char **serials, size_t n);

/* A certificate row against the audit log, for audit verify. */
struct ca_cert_audit_row {
	const char *serial;
	int64_t audit_seq;		/* 0: none recorded */
	bool have_entry;		/* the entry exists... */
	const char *subject, *details;	/* ...with these (else "") */
};
typedef int (*ca_reg_cert_audit_cb)(void *arg, const struct ca_cert_audit_row *row);

/* Every certificate row with its recording entry, in no particular order. */
int ca_reg_cert_audit_foreach(struct ca_reg *reg, ca_reg_cert_audit_cb cb, void *arg);

/*
 * Stream the revoked certificates of @issuer with revoked_at >= @since
 * (0: all) to @cb, in no particular order. A non-zero return from @cb stops
 * the walk and is returned. The strings are valid only during the call.
 */
typedef int (*ca_reg_revoked_cb)(void *arg, const char *serial, int64_t revoked_at, int reason);
int ca_reg_revoked_foreach(struct ca_reg *reg, const char *issuer, int64_t since,
			   ca_reg_revoked_cb cb, void *arg);

/* One audit entry as stored. Borrowed strings in callbacks. */
struct ca_audit_row {
	int64_t id;
	const char *time, *actor, *action, *subject, *details;
	const char *prev_hash, *hash;	/* 64 hex digits */
};

/* Id and hash of the newest entry; *id = 0 and @hash empty if none. */
int ca_reg_audit_last(struct ca_reg *reg, int64_t *id, char hash[65]);

/* The same and the newest entry's time text (@time may be NULL). */
int ca_reg_audit_tail(struct ca_reg *reg, int64_t *id, char hash[65], char time[32]);
int ca_reg_audit_insert(struct ca_reg *reg, const struct ca_audit_row *row);

/* Entries in id order; as ca_reg_revoked_foreach for @cb's result. */
typedef int (*ca_reg_audit_cb)(void *arg, const struct ca_audit_row *row);
int ca_reg_audit_foreach(struct ca_reg *reg, ca_reg_audit_cb cb, void *arg);

/* The highest id ever handed out (AUTOINCREMENT's sqlite_sequence). */
int ca_reg_audit_max_issued(struct ca_reg *reg, int64_t *out);

/* The hash of entry @id into @hash; CA_ERR_NOT_FOUND if there is none. */
int ca_reg_audit_hash_at(struct ca_reg *reg, int64_t id, char hash[65]);

/*
 * Signed audit checkpoints (ca/core/checkpoint.h): the head of the chain
 * (entry @seq with @hash) signed at @time for @reason ("crl", "interval",
 * "recover"); @der is the signed checkpoint as CRLs carry it.
 */
struct ca_checkpoint_row {
	int64_t seq;
	char hash[65];
	int64_t time;
	char reason[16];
	unsigned char *der;	/* malloc'ed */
	size_t derlen;
};

void ca_checkpoint_row_clear(struct ca_checkpoint_row *c);
int ca_reg_checkpoint_add(struct ca_reg *reg, const struct ca_checkpoint_row *c);
/* The newest checkpoint; CA_ERR_NOT_FOUND if there is none. */
int ca_reg_checkpoint_newest(struct ca_reg *reg, struct ca_checkpoint_row *out);

#endif
