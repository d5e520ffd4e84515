/*
 * ca/registry-schema.c: the registry schema as ordered migrations.
 * Append new migrations at the end; never edit one that has shipped.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "common/log.h"

#define M1 \
	"CREATE TABLE config ("\
	"  key TEXT PRIMARY KEY,"\
	"  value TEXT NOT NULL);"\
\
	"CREATE TABLE people ("\
	"  uuid TEXT PRIMARY KEY"\
	"    CHECK (length(uuid) = 12 AND uuid NOT GLOB '*[^0-9]*'),"\
	"  name TEXT NOT NULL CHECK (name <> ''),"\
	"  email TEXT,"\
	"  mobile TEXT);"\
\
	"CREATE TABLE organisations ("\
	"  ods TEXT PRIMARY KEY CHECK (ods <> ''),"\
	"  name TEXT NOT NULL,"\
	"  is_locum INTEGER NOT NULL DEFAULT 0 CHECK (is_locum IN (0, 1)));"\
\
	"CREATE TABLE positions ("\
	"  id INTEGER PRIMARY KEY,"\
	"  person TEXT NOT NULL REFERENCES people(uuid),"\
	"  role TEXT NOT NULL,"\
	"  org TEXT NOT NULL REFERENCES organisations(ods),"\
	"  UNIQUE (person, role, org));"\
\
	"CREATE TABLE ra_roles ("\
	"  person TEXT NOT NULL REFERENCES people(uuid),"\
	"  role TEXT NOT NULL"\
	"    CHECK (role IN ('ra-manager', 'ra-agent', 'sponsor', 'lsa')),"\
	"  PRIMARY KEY (person, role));"\
\
	"CREATE TABLE cards ("\
	"  serial TEXT PRIMARY KEY,"\
	"  series TEXT,"\
	"  state TEXT NOT NULL DEFAULT 'blank',"\
	"  is_tac INTEGER NOT NULL DEFAULT 0 CHECK (is_tac IN (0, 1)),"\
	"  holder TEXT REFERENCES people(uuid));"\
\
	"CREATE TABLE certificates ("\
	"  serial TEXT PRIMARY KEY,"\
	"  card TEXT REFERENCES cards(serial),"\
	"  holder TEXT NOT NULL REFERENCES people(uuid),"\
	"  profile TEXT NOT NULL,"\
	"  issuer TEXT NOT NULL,"\
	"  not_before INTEGER NOT NULL,"\
	"  not_after INTEGER NOT NULL,"\
	"  renewal_count INTEGER NOT NULL DEFAULT 0,"\
	"  self_renewals INTEGER NOT NULL DEFAULT 0,"\
	"  status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),"\
	"  revocation_reason INTEGER,"\
	"  revocation_time INTEGER,"\
	"  der BLOB NOT NULL,"\
	"  CHECK ((status = 'revoked') = (revocation_time IS NOT NULL)));"\
	/* CRL generation reads only revoked rows of one issuer. */\
	"CREATE INDEX certificates_revoked ON certificates (issuer, revocation_time)"\
	"  WHERE status = 'revoked';"\
	"CREATE INDEX certificates_holder ON certificates (holder);"\
\
	/* Domain rule: nobody is both Sponsor and RA agent for one request. */\
	"CREATE TABLE requests ("\
	"  id INTEGER PRIMARY KEY,"\
	"  sponsor TEXT REFERENCES people(uuid),"\
	"  ra_agent TEXT REFERENCES people(uuid),"\
	"  subject TEXT REFERENCES people(uuid),"\
	"  kind TEXT NOT NULL,"\
	"  state TEXT NOT NULL,"\
	"  created INTEGER NOT NULL,"\
	"  CHECK (sponsor IS NULL OR ra_agent IS NULL OR sponsor <> ra_agent));"\
\
	"CREATE TABLE audit ("\
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"\
	"  time TEXT NOT NULL,"\
	"  actor TEXT NOT NULL,"\
	"  action TEXT NOT NULL,"\
	"  subject TEXT NOT NULL,"\
	"  details TEXT NOT NULL,"\
	"  prev_hash TEXT NOT NULL,"\
	"  hash TEXT NOT NULL);"

#define M5 \
	"CREATE TABLE certificates_v5 ("\
	"  serial TEXT PRIMARY KEY,"\
	"  card TEXT REFERENCES cards(serial),"\
	"  holder TEXT NOT NULL REFERENCES people(uuid),"\
	"  profile TEXT NOT NULL,"\
	"  issuer TEXT NOT NULL,"\
	"  not_before INTEGER NOT NULL,"\
	"  not_after INTEGER NOT NULL,"\
	"  renewal_count INTEGER NOT NULL DEFAULT 0,"\
	"  self_renewals INTEGER NOT NULL DEFAULT 0,"\
	"  status TEXT NOT NULL DEFAULT 'valid'"\
	"    CHECK (status IN ('pending', 'valid', 'revoked')),"\
	"  revocation_reason INTEGER,"\
	"  revocation_time INTEGER,"\
	"  der BLOB,"\
	"  card_op INTEGER REFERENCES card_ops(id),"\
	"  pending_since INTEGER,"\
	"  audit_seq INTEGER,"\
	"  CHECK ((status = 'revoked') = (revocation_time IS NOT NULL)),"\
	"  CHECK (status <> 'valid' OR der IS NOT NULL),"\
	"  CHECK (status <> 'pending' OR (der IS NULL AND pending_since IS NOT NULL)));"\
	"INSERT INTO certificates_v5 (serial, card, holder, profile, issuer, not_before,"\
	"  not_after, renewal_count, self_renewals, status, revocation_reason,"\
	"  revocation_time, der)"\
	"  SELECT serial, card, holder, profile, issuer, not_before, not_after,"\
	"  renewal_count, self_renewals, status, revocation_reason, revocation_time, der"\
	"  FROM certificates;"\
	"DROP TABLE certificates;"\
	"ALTER TABLE certificates_v5 RENAME TO certificates;"\
	"CREATE INDEX certificates_revoked ON certificates (issuer, revocation_time)"\
	"  WHERE status = 'revoked';"\
	"CREATE INDEX certificates_holder ON certificates (holder);"\
	/* The recovery and the card operations look up pending rows only. */\
	"CREATE INDEX certificates_pending ON certificates (pending_since)"\
	"  WHERE status = 'pending';"\
	/* Each existing row's issuance entry: issue-cert names the serial as\
	 * its subject, a card operation names the card and the serial in its\
	 * details. The index only serves this look-up. */\
	"CREATE INDEX audit_subject_v5 ON audit (subject);"\
	"UPDATE certificates SET audit_seq = (SELECT min(a.id) FROM audit a"\
	"  WHERE a.subject = certificates.serial AND a.action = 'issue-cert');"\
	"UPDATE certificates SET audit_seq = (SELECT min(a.id) FROM audit a"\
	"  WHERE a.subject = certificates.card"\
	"  AND a.action IN ('issue-card', 'repair', 'tac-activate', 'renew', 'self-renew')"\
	"  AND instr(a.details, '\"' || certificates.serial || '\"') > 0)"\
	"  WHERE audit_seq IS NULL AND card IS NOT NULL;"\
	"DROP INDEX audit_subject_v5;"

/*
 * PostgreSQL before migration 1: what the registry's queries use from
 * SQLite, defined once so every query is written once: group_concat(),
 * strftime() of a Unix time, json_extract() of a top-level member.
 */
#define PG_COMPAT \
	"CREATE FUNCTION cc_concat(acc text, v text, sep text) RETURNS text" \
	"  LANGUAGE sql IMMUTABLE AS $$SELECT CASE WHEN v IS NULL THEN acc" \
	"  WHEN acc IS NULL THEN v ELSE acc || sep || v END$$;" \
	"CREATE AGGREGATE group_concat(text, text) (SFUNC = cc_concat, STYPE = text);" \
	"CREATE FUNCTION cc_concat(acc text, v text) RETURNS text" \
	"  LANGUAGE sql IMMUTABLE AS $$SELECT cc_concat(acc, v, ',')$$;" \
	"CREATE AGGREGATE group_concat(text) (SFUNC = cc_concat, STYPE = text);" \
	"CREATE FUNCTION strftime(fmt text, t bigint, mod text) RETURNS text" \
	"  LANGUAGE sql IMMUTABLE AS $$SELECT CASE fmt" \
	"  WHEN '%Y-%m-%dT%H:%M:%SZ' THEN" \
	"    to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" \
	"  WHEN '%s' THEN t::text END$$;" \
	"CREATE FUNCTION json_extract(doc text, path text) RETURNS text" \
	"  LANGUAGE sql IMMUTABLE AS $$SELECT doc::jsonb ->> substr(path, 3)$$;"

/* SQLite's AUTOINCREMENT keeps the highest audit id ever used in
 * sqlite_sequence (a deleted tail stays detectable); PostgreSQL keeps it in
 * a table of the same name and shape, by trigger. */
#define PG_AUDIT_HIGH \
	"CREATE TABLE sqlite_sequence (name TEXT PRIMARY KEY, seq BIGINT NOT NULL);" \
	"CREATE FUNCTION audit_high() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN" \
	"  INSERT INTO sqlite_sequence VALUES ('audit', new.id) ON CONFLICT (name)" \
	"  DO UPDATE SET seq = greatest(sqlite_sequence.seq, excluded.seq);" \
	"  RETURN NULL; END $$;" \
	"CREATE TRIGGER audit_high AFTER INSERT ON audit" \
	"  FOR EACH ROW EXECUTE FUNCTION audit_high();"

/* PostgreSQL has no rowid: certificates get one, in insertion order, for
 * the queries that order by it. */
#define PG_ROWID \
	"ALTER TABLE certificates ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;"

/*
 * Migration 8 (below) in both dialects: the tables once, the triggers that
 * feed ocsp_changes per dialect (PostgreSQL triggers call a function).
 */
#define M8_TRIGGERS_SQLITE \
	"CREATE TRIGGER certificates_ocsp_issued AFTER INSERT ON certificates"\
	"  WHEN new.status = 'valid' BEGIN"\
	"  INSERT INTO ocsp_changes (issuer, serial, kind, not_after, time)"\
	"  VALUES (new.issuer, new.serial, 'issued', new.not_after,"\
	"          CAST(strftime('%s', 'now') AS INTEGER));"\
	"END;"\
	"CREATE TRIGGER certificates_ocsp_valid AFTER UPDATE OF status ON certificates"\
	"  WHEN new.status = 'valid' AND old.status <> 'valid' BEGIN"\
	"  INSERT INTO ocsp_changes (issuer, serial, kind, not_after, time)"\
	"  VALUES (new.issuer, new.serial, 'issued', new.not_after,"\
	"          CAST(strftime('%s', 'now') AS INTEGER));"\
	"END;"\
	"CREATE TRIGGER certificates_ocsp_revoked AFTER UPDATE OF status ON certificates"\
	"  WHEN new.status = 'revoked' AND old.status <> 'revoked' BEGIN"\
	"  INSERT INTO ocsp_changes (issuer, serial, kind, not_after, time)"\
	"  VALUES (new.issuer, new.serial, 'revoked', new.not_after,"\
	"          CAST(strftime('%s', 'now') AS INTEGER));"\
	"END;"

#define M8_TRIGGERS_PG \
	"CREATE FUNCTION certificates_ocsp_feed() RETURNS trigger LANGUAGE plpgsql AS $$" \
	"BEGIN" \
	"  IF new.status = 'valid' AND (TG_OP = 'INSERT' OR old.status <> 'valid') THEN" \
	"    INSERT INTO ocsp_changes (issuer, serial, kind, not_after, time)" \
	"    VALUES (new.issuer, new.serial, 'issued', new.not_after," \
	"            extract(epoch FROM now())::bigint);" \
	"  ELSIF TG_OP = 'UPDATE' AND new.status = 'revoked' AND old.status <> 'revoked' THEN" \
	"    INSERT INTO ocsp_changes (issuer, serial, kind, not_after, time)" \
	"    VALUES (new.issuer, new.serial, 'revoked', new.not_after," \
	"            extract(epoch FROM now())::bigint);" \
	"  END IF;" \
	"  RETURN NULL;" \
	"END $$;" \
	"CREATE TRIGGER certificates_ocsp_issued AFTER INSERT ON certificates" \
	"  FOR EACH ROW EXECUTE FUNCTION certificates_ocsp_feed();" \
	"CREATE TRIGGER certificates_ocsp_status AFTER UPDATE OF status ON certificates" \
	"  FOR EACH ROW EXECUTE FUNCTION certificates_ocsp_feed();"

#define M8(triggers) \
	"CREATE TABLE ocsp_changes ("\
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"\
	"  issuer TEXT NOT NULL,"\
	"  serial TEXT NOT NULL,"\
	"  kind TEXT NOT NULL CHECK (kind IN ('issued', 'revoked')),"\
	"  not_after INTEGER NOT NULL,"\
	"  time INTEGER NOT NULL);"\
	/* "issued" when a row becomes valid: inserted valid, made valid after\
	 * being recorded pending (migration 5), or released from a hold\
	 * (migration 7); a pending row is never answered "good". */\
	triggers \
	"CREATE TABLE ocsp_responses ("\
	"  issuer TEXT NOT NULL,"\
	"  serial TEXT NOT NULL,"\
	"  hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256')),"\
	"  status TEXT NOT NULL CHECK (status IN ('good', 'revoked')),"\
	"  this_update INTEGER NOT NULL,"\
	"  next_update INTEGER NOT NULL CHECK (next_update > this_update),"\
	"  signer TEXT NOT NULL,"\
	"  basis INTEGER NOT NULL,"\
	"  seq INTEGER NOT NULL,"\
	"  der BLOB NOT NULL,"\
	"  PRIMARY KEY (issuer, serial, hash));"\
	"CREATE INDEX ocsp_responses_seq ON ocsp_responses (seq);"\
	"CREATE INDEX ocsp_responses_due ON ocsp_responses (this_update);"\
	"CREATE TABLE ocsp_signers ("\
	"  serial TEXT PRIMARY KEY,"\
	"  issuer TEXT NOT NULL,"\
	"  key_label TEXT NOT NULL UNIQUE,"\
	"  not_before INTEGER NOT NULL,"\
	"  not_after INTEGER NOT NULL CHECK (not_after > not_before),"\
	"  der BLOB NOT NULL);"\
	"CREATE INDEX ocsp_signers_issuer ON ocsp_signers (issuer, not_after);"\
	"CREATE TABLE leases ("\
	"  name TEXT PRIMARY KEY,"\
	"  holder TEXT NOT NULL,"\
	"  expires INTEGER NOT NULL);"

static const char *const ca_migrations[] = {
	/* 1: the initial schema. */
	M1,

	/* 2: card operations (registry-cards.c). card_ops journals each card
	 * operation (pending -> committed -> done, or abandoned) so a killed
	 * run is recognised and completed or undone; cards gain when they
	 * were issued and their renewal counters. */
	"CREATE TABLE card_ops ("
	"  id INTEGER PRIMARY KEY,"
	"  card TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  holder TEXT REFERENCES people(uuid),"
	"  operator TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'committed', 'done', 'abandoned')),"
	"  started INTEGER NOT NULL,"
	"  finished INTEGER,"
	"  details TEXT);"
	"CREATE UNIQUE INDEX card_ops_open ON card_ops (card)"
	"  WHERE state IN ('pending', 'committed');"
	"ALTER TABLE cards ADD COLUMN issued_at INTEGER;"
	"ALTER TABLE cards ADD COLUMN renewals INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cards ADD COLUMN self_renewals INTEGER NOT NULL DEFAULT 0;",

	/* 3: registration authority (registry-people.c, registry-tac.c): what
	 * a sponsored request asks for and how identity was checked; the
	 * Temporary Access Card pool and the custodian's record of each use. */
	"ALTER TABLE requests ADD COLUMN role TEXT;"
	"ALTER TABLE requests ADD COLUMN org TEXT REFERENCES organisations(ods);"
	"ALTER TABLE requests ADD COLUMN documents TEXT;"
	"ALTER TABLE requests ADD COLUMN verified INTEGER;"
	"CREATE INDEX positions_org ON positions (org);"
	"CREATE TABLE tac_pool ("
	"  serial TEXT PRIMARY KEY REFERENCES cards(serial),"
	"  org TEXT NOT NULL REFERENCES organisations(ods),"
	"  custodian TEXT NOT NULL REFERENCES people(uuid),"
	"  added INTEGER NOT NULL);"
	"CREATE TABLE tac_positions ("
	"  serial TEXT NOT NULL REFERENCES tac_pool(serial),"
	"  role TEXT NOT NULL,"
	"  org TEXT NOT NULL REFERENCES organisations(ods),"
	"  PRIMARY KEY (serial, role, org));"
	"CREATE TABLE tac_uses ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL REFERENCES tac_pool(serial),"
	"  holder TEXT NOT NULL REFERENCES people(uuid),"
	"  custodian TEXT NOT NULL REFERENCES people(uuid),"
	"  time INTEGER NOT NULL,"
	"  note TEXT NOT NULL CHECK (note <> ''));",

	/* 4: the CA library's gate (issue 10): who checked a person's identity
	 * in person, so certificates are issued only to checked people. */
	"ALTER TABLE people ADD COLUMN checked_by TEXT;"
	"ALTER TABLE people ADD COLUMN checked_at INTEGER;",

	/* 5: record before you sign (issue 16). A certificate is in the
	 * registry, 'pending', in a committed transaction before its
	 * signature exists; it becomes 'valid' when its operation completes,
	 * or is revoked by a re-run or the recovery (registry-pending.h).
	 * SQLite cannot change a CHECK, so the table is rebuilt with its rows
	 * and indexes. der is NULL until the certificate is signed; card_op is
	 * the card operation's journal entry; pending_since starts the
	 * recovery's lease; audit_seq is the audit entry that recorded the row
	 * (its issuance; while pending, the pending record), filled in for
	 * existing rows from the log, so audit verify can check the
	 * certificates against the chain. */
	M5,

	/* 6: signed audit checkpoints (issue 16): the chain's head (the newest
	 * entry's id and hash), signed with the CA's audit key in the HSM at
	 * every CRL and at intervals (ca/core/checkpoint.h). CRLs carry the
	 * same signed bytes outside the database. */
	"CREATE TABLE audit_checkpoints ("
	"  id INTEGER PRIMARY KEY,"
	"  seq INTEGER NOT NULL CHECK (seq > 0),"
	"  hash TEXT NOT NULL CHECK (length(hash) = 64),"
	"  time INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  signed BLOB NOT NULL);",

	/* 7: the RA's working day (issue 13, holds.c, update.c, lookup.c): a
	 * certificate released from hold (the next delta CRL lists it with
	 * removeFromCRL while the full CRL drops it), who closed a request
	 * without verifying it and why, and the audit log by subject (a
	 * person's history). A hold itself is status 'revoked' with reason
	 * certificateHold, as RFC 5280 and RFC 6960 report it. */
	"CREATE TABLE cert_releases ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL REFERENCES certificates(serial),"
	"  issuer TEXT NOT NULL,"
	"  held_at INTEGER NOT NULL,"
	"  released_at INTEGER NOT NULL);"
	"CREATE INDEX cert_releases_issuer ON cert_releases (issuer, released_at);"
	"ALTER TABLE requests ADD COLUMN closed_by TEXT REFERENCES people(uuid);"
	"ALTER TABLE requests ADD COLUMN closed_reason TEXT;"
	"ALTER TABLE requests ADD COLUMN closed INTEGER;"
	"CREATE INDEX audit_subject ON audit (subject);"
	"CREATE INDEX cards_holder ON cards (holder);",

	/* 8: the OCSP responder and CRL service (registry/ocsp.c). ocsp_changes
	 * is a feed of every issuance and revocation, written by triggers so
	 * no writer (CLI, service, another host) can forget it; the service
	 * follows it to re-sign at once and to stop serving a superseded
	 * "good". ocsp_responses holds the pre-signed responses (seq orders
	 * them for followers, basis is the feed position their status was
	 * read at), ocsp_signers the delegated responder certificates, leases
	 * which process runs the system jobs. */
	M8(M8_TRIGGERS_SQLITE),

	/* Issue 12: network (EST) self-renewals, one open per card. The new
	 * certificates are handed out before the card confirms, so the record
	 * says which they are: confirmed, the old ones are superseded; never
	 * confirmed (abandoned), the new ones are revoked. */
	"CREATE TABLE est_renewals ("
	"  id INTEGER PRIMARY KEY,"
	"  card TEXT NOT NULL REFERENCES cards(serial),"
	"  holder TEXT NOT NULL REFERENCES people(uuid),"
	"  old_auth TEXT NOT NULL REFERENCES certificates(serial),"
	"  old_sign TEXT REFERENCES certificates(serial),"
	"  new_auth TEXT REFERENCES certificates(serial),"
	"  new_sign TEXT REFERENCES certificates(serial),"
	"  state TEXT NOT NULL DEFAULT 'open'"
	"    CHECK (state IN ('open', 'confirmed', 'abandoned')),"
	"  opened_at INTEGER NOT NULL,"
	"  closed_at INTEGER,"
	"  CHECK ((state = 'open') = (closed_at IS NULL)));"
	"CREATE UNIQUE INDEX est_renewals_open ON est_renewals (card) WHERE state = 'open';"
	/* The service's own TLS server certificates (carecard-ca serve on
	 * embedded defaults), issued by the Authentication CA: no holder, so
	 * not in certificates, but every one recorded. */
	"CREATE TABLE service_certs ("
	"  serial TEXT PRIMARY KEY,"
	"  issuer TEXT NOT NULL,"
	"  names TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL CHECK (not_after > not_before),"
	"  der BLOB NOT NULL);",

	/* Self-service unlock (issue 12): each card's key sealed to the HSM's
	 * unblock key at personalisation, and the one-time codes (only their
	 * HMAC under an HSM key), which are also the send log for the limits. */
	"CREATE TABLE card_unblock ("
	"  serial TEXT PRIMARY KEY REFERENCES cards(serial),"
	"  sealed BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE unlock_codes ("
	"  id INTEGER PRIMARY KEY,"
	"  card TEXT NOT NULL REFERENCES cards(serial),"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),"
	"  address TEXT NOT NULL,"
	"  code_mac BLOB NOT NULL CHECK (length(code_mac) = 32),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL CHECK (expires > created),"
	"  tries_left INTEGER NOT NULL CHECK (tries_left >= 0),"
	"  state TEXT NOT NULL DEFAULT 'open'"
	"    CHECK (state IN ('open', 'used', 'spent', 'superseded')));"
	"CREATE INDEX unlock_codes_card ON unlock_codes (card, created);"
	"CREATE INDEX unlock_codes_address ON unlock_codes (address, created);"
	"CREATE INDEX unlock_codes_created ON unlock_codes (created);",

	/* A holder's change of contact address through the service is confirmed
	 * by a code sent to the new address (issue 12): the same send log and
	 * limits, one more purpose. The renewal reminder goes once per
	 * authentication certificate, when its renewal window opens. */
	"ALTER TABLE unlock_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'unlock'"
	"  CHECK (purpose IN ('unlock', 'contact'));"
	"CREATE TABLE renewal_reminders ("
	"  certificate TEXT PRIMARY KEY REFERENCES certificates(serial),"
	"  card TEXT NOT NULL REFERENCES cards(serial),"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),"
	"  sent INTEGER NOT NULL);",

	/* Issue 14: issuing-CA rollover (registry/issuers.c, core/rollover.c).
	 * Each issuing CA made after init: a new key in the HSM and a new
	 * certificate from the root, under the same name. Generation 1 is
	 * init's and has no row (name = role, key carecard-<role>); the newest
	 * generation of a role issues, the one before it keeps signing CRLs and
	 * OCSP responses until its last certificate expires. */
	"CREATE TABLE ca_issuers ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('authentication', 'signing')),"
	"  generation INTEGER NOT NULL CHECK (generation >= 2),"
	"  key_label TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  UNIQUE (role, generation));",

	/* Issue 17: the portal's terms and conditions. Each holder's
	 * acceptance of a version (the SHA-256 of the text the CA operator
	 * installed, serve.terms), with the card and the authentication
	 * certificate that made it; one row per person and version, so a new
	 * version is asked for again (ra/op-terms.c, registry/terms.c). */
	"CREATE TABLE terms_acceptances ("
	"  id INTEGER PRIMARY KEY,"
	"  person TEXT NOT NULL REFERENCES people(uuid),"
	"  version TEXT NOT NULL CHECK (version <> ''),"
	"  accepted_at INTEGER NOT NULL,"
	"  card TEXT NOT NULL REFERENCES cards(serial),"
	"  certificate TEXT NOT NULL REFERENCES certificates(serial),"
	"  UNIQUE (person, version));",
};

/* PostgreSQL's texts where the type mapping of ca_reg_pg_ddl() is not
 * enough; NULL: the SQLite text. */
static const char *const ca_migrations_pg[sizeof(ca_migrations) / sizeof(ca_migrations[0])] = {
	[0] = PG_COMPAT M1 PG_AUDIT_HIGH,
	[4] = M5 PG_ROWID,
	[7] = M8(M8_TRIGGERS_PG),
};

/*
 * SQLite's DDL words -> PostgreSQL's, whole words only, in order. SQLite's
 * INTEGER is 64-bit, so BIGINT; INTEGER PRIMARY KEY is the rowid, so an
 * identity; GLOB and instr() have equivalents.
 */
static const struct {
	const char *from, *to;
} pg_words[] = {
	{ "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
	{ "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
	{ "INTEGER", "BIGINT" },
	{ "BLOB", "BYTEA" },
	{ "uuid NOT GLOB '*[^0-9]*'", "uuid !~ '[^0-9]'" },
	{ "instr(", "strpos(" },
};

static int
word_at(const char *p, const char *start, const char *w)
{
	size_t n = strlen(w);
	char e = w[n - 1];

	if (strncmp(p, w, n) != 0)
		return 0;
	if (p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		return 0;
	if ((isalnum((unsigned char)e) || e == '_') &&
	    (isalnum((unsigned char)p[n]) || p[n] == '_'))
		return 0;
	return 1;
}

char *
ca_reg_pg_ddl(const char *sql)
{
	size_t n = strlen(sql), k = 0, i;
	char *out = malloc(n * 3 + 1);
	const char *p = sql;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		for (i = 0; i < sizeof(pg_words) / sizeof(pg_words[0]); i++)
			if (word_at(p, sql, pg_words[i].from))
				break;
		if (i < sizeof(pg_words) / sizeof(pg_words[0])) {
			strcpy(out + k, pg_words[i].to);
			k += strlen(pg_words[i].to);
			p += strlen(pg_words[i].from);
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
	return out;
}

const char *const *
ca_reg_schema_migrations(void)
{
	return ca_migrations;
}

int
ca_reg_schema_latest(void)
{
	return (int)(sizeof(ca_migrations) / sizeof(ca_migrations[0]));
}

int
ca_reg_schema_apply(struct ca_reg *reg, int n)
{
	if (n < 1 || n > ca_reg_schema_latest())
		return CA_ERR_USAGE;
	return ca_reg_migrate_pg(reg, ca_migrations, ca_migrations_pg, n);
}

int
ca_reg_open(const char *path, int create, struct ca_reg **out)
{
	struct ca_reg *reg = NULL;
	int r;

	if ((r = ca_reg_open_unmigrated(path, create, &reg)) != 0)
		return r;
	if ((r = ca_reg_migrate_pg(reg, ca_migrations, ca_migrations_pg,
				   ca_reg_schema_latest())) != 0 ||
	    (r = ca_reg_durability_apply(reg)) != 0) {
		ca_reg_close(reg);
		return r;
	}
	*out = reg;
	return 0;
}

/* "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db":
 * a URI in a message never carries a password. */
static void
uri_redact(const char *uri, char *buf, size_t len)
{
	const char *s = strstr(uri, "://"), *at, *colon;

	snprintf(buf, len, "%s", uri);
	if (s == NULL)
		return;
	s += 3;
	at = strchr(s, '@');
	colon = strchr(s, ':');
	if (at != NULL && colon != NULL && colon < at)
		snprintf(buf, len, "%.*s:***%s", (int)(colon - uri), uri, at);
	if (strstr(buf, "password=") != NULL)	/* a password=... parameter */
		snprintf(buf, len, "%.*s (with a password parameter)", (int)(s - uri), uri);
}

int
ca_reg_uri_check(const char *uri)
{
	const char *s, *at, *colon, *q;

	if (uri == NULL)
		return CA_ERR_USAGE;
	if (strncmp(uri, "sqlite:", 7) == 0)
		return uri[7] != '\0' ? CA_OK : CA_ERR_USAGE;
	if (strncmp(uri, "postgresql://", 13) != 0 && strncmp(uri, "postgres://", 11) != 0)
		return CA_ERR_USAGE;
	s = strstr(uri, "://") + 3;
	q = strchr(s, '?');
	at = strchr(s, '@');
	colon = strchr(s, ':');
	if ((at != NULL && colon != NULL && colon < at && (q == NULL || at < q)) ||
	    (q != NULL && strstr(q, "password=") != NULL)) {
		util_log(LOG_ERR, "a registry URI never carries a password: use a password file "
			 "(~/.pgpass) or peer authentication on a Unix socket");
		util_log_error_set("a registry URI never carries a password: use a password file "
				   "(~/.pgpass) or peer authentication on a Unix socket");
		return CA_ERR_USAGE;
	}
	return CA_OK;
}

/*
 * PostgreSQL: the database must exist (createdb); @create applies the
 * migrations to an empty one, !@create refuses a database without the
 * registry's schema rather than creating it by accident.
 */
static int
open_pg(const char *uri, int create, struct ca_reg **out)
{
	struct ca_reg *reg = calloc(1, sizeof(*reg));
	char shown[256];
	int v = 0, r;

	uri_redact(uri, shown, sizeof(shown));
	if (reg == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_reg_uri_check(uri)) != CA_OK)
		goto out;
	if ((r = db_open_pg(uri, &reg->db)) != CA_OK) {
		util_log(LOG_ERR, "registry %s: cannot connect: %s", shown,
			 reg->db != NULL ? db_errmsg(reg->db) : "out of memory");
		util_log_error_set("cannot open the registry %s: check that PostgreSQL runs and "
				   "the database exists", shown);
		goto out;
	}
	if (!create && (db_exec(reg->db, "SELECT 1 FROM schema_version LIMIT 1") != 0 ||
			(r = ca_reg_schema_version(reg, &v)) != CA_OK || v == 0)) {
		util_log(LOG_ERR, "registry %s has no carecard schema: run init", shown);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = ca_reg_migrate_pg(reg, ca_migrations, ca_migrations_pg,
				   ca_reg_schema_latest())) != CA_OK)
		goto out;
	*out = reg;
	reg = NULL;
out:
	ca_reg_close(reg);
	return r;
}

int
ca_reg_open_uri(const char *uri, int create, struct ca_reg **out)
{
	char shown[256];

	if (uri != NULL && strncmp(uri, "sqlite:", 7) == 0 && uri[7] != '\0')
		return ca_reg_open(uri + 7, create, out);
	if (uri != NULL && (strncmp(uri, "postgresql://", 13) == 0 ||
			    strncmp(uri, "postgres://", 11) == 0))
		return open_pg(uri, create, out);
	uri_redact(uri != NULL ? uri : "", shown, sizeof(shown));
	util_log(LOG_ERR, "registry '%s': not sqlite:PATH, postgresql://... or postgres://...",
		 shown);
	return CA_ERR_USAGE;
}
