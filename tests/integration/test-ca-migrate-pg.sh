#!/bin/sh
# Integration: carecard-ca migrate (issue 14) moves a CA's SQLite registry
# with real content (the bootstrap card, holders' cards, a revocation,
# CRLs) into a fresh PostgreSQL database started for the run
# (tests/lib/pg.sh): every table's rows arrive (psql against sqlite3), the
# audit chain verifies there, the CA carries on there (a card issued, a
# certificate revoked, the next CRL numbered past SQLite's last). Refused
# and failed runs leave the target without a registry and the source as
# it was: a URI with a password, a target that holds tables, a failure
# half-way through the schema, a process killed after the copy and after
# the verification, an actor who is not an RA manager.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/lib/pg.sh"

trap 'pg_stop; cc_cleanup' EXIT
pg_start || tap_skip_all "$PG_SKIP"
command -v psql >/dev/null || tap_skip_all "psql not installed"
unset CC_TEST_PG_URI
BOB=200000000002 CAROL=300000000003
W=$CC_WORK

# try CMD...: "EXIT|STDERR" of CMD (stderr on one line)
try() {
	_err=$("$@" 2>&1 >/dev/null); _rc=$?
	printf '%s\n' "$_err" >>"$TAP_LOG"
	printf '%s|%s' "$_rc" "$(printf '%s' "$_err" | tr '\n' ' ')"
}
pq() { psql -XAtq -v ON_ERROR_STOP=1 "$1" -c "$2" 2>>"$TAP_LOG"; }
lite() { sqlite3 "$S/registry.db" "$1"; }
# tables URI: how many tables the database holds (0: no registry)
tables() { pq "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"; }
# the source as it is: every row of every table
source_dump() { sqlite3 "$S/registry.db" .dump >"$W/dump.$1"; sha256sum <"$W/dump.$1"; }
crlno() { openssl crl -in "$1" -noout -crlnumber 2>>"$TAP_LOG" | sed 's/.*=//'; }
migrate() { op migrate "$@" >>"$TAP_LOG" 2>&1; }

tap_plan 33

# --- a CA on SQLite with some history ----------------------------------------
ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin carol 2468
ca_bootstrap 1
person $BOB "Bob Holder"
person $CAROL "Carol Holder"
sql "INSERT INTO organisations VALUES ('FA123', 'High Street Pharmacy', 0);
INSERT INTO positions (person, role, org) VALUES ('$BOB', 'dispenser', 'FA123'),
 ('$CAROL', 'dispenser', 'FA123');"
issue() {	# issue READER HOLDER PIN
	cc_blank_card "$1" 04 &&
	as alice "$3" "$CA" issue-card --holder "$2" --reader "$1" --operator-reader 1 >>"$TAP_LOG" 2>&1
}
tap_ok "SQLite CA: Bob's card issued" issue 2 $BOB bob
bsign=$(sql "SELECT serial FROM certificates WHERE holder = '$BOB' AND profile = 'signing'")
tap_ok "Bob's signing certificate revoked" \
	op revoke --serial "$bsign" --reason keyCompromise
# The authentication CRL in DIR/crl: its signed checkpoint is the outside
# anchor audit verify checks the migrated log against.
tap_ok "two CRLs on SQLite" sh -c "'$CA' crl --issuer authentication &&
	'$CA' crl --issuer signing --out '$W/s1.crl'"
n1=$(crlno "$W/s1.crl")

# --- refusals: nothing anywhere is changed -----------------------------------
A=$(pg_createdb refused)
tap_like "a target URI with a password is refused (usage)" \
	"$(try op migrate --to "postgresql://carecard:s3cret@/refused?host=$PG_DIR")" \
	"^2|.*without a password"
tap_like "someone who is not an RA manager is refused by the gate" \
	"$(try as bob - "$CA" migrate --to "$A" --operator-reader 2)" \
	"^8|.*refused by separation-of-duties.operations.replace-policy"
tap_is "... and the target holds nothing" "$(tables "$A")" 0
# From here on nothing writes to the SQLite registry (a refusal by the
# gate, above, is audited there like every refusal).
before=$(source_dump 0)

# A type of the same name as a table of migration 8: the schema fails
# half-way, after seven migrations ran in the same transaction.
B=$(pg_createdb halfway)
pq "$B" "CREATE TYPE leases AS (x int)"
tap_like "a failure half-way through the schema fails the migration" \
	"$(try op migrate --to "$B")" "^[1-9][0-9]*|"
tap_is "... the target has no table (all seven migrations rolled back)" "$(tables "$B")" 0

C=$(pg_createdb killed)
killed migrate:copied op migrate --to "$C"
tap_is "killed after the copy: the target has no table" "$(tables "$C")" 0
killed migrate:verified op migrate --to "$C"
tap_is "killed after the audit check, before the commit: still no table" "$(tables "$C")" 0
tap_is "no registry.uri was written" "$(ls "$S/registry.uri" 2>/dev/null)" ""
tap_is "the SQLite registry is as it was (every row)" "$(source_dump 1)" "$before"

# --- --no-switch: a rehearsal copy; then that target is taken -------------------
D=$(pg_createdb rehearsal)
tap_ok "migrate --no-switch copies and verifies" migrate --to "$D" --no-switch
tap_is "... and the CA stays on SQLite" "$(ls "$S/registry.uri" 2>/dev/null)" ""
dsum=$(pq "$D" "SELECT md5(string_agg(hash, ',' ORDER BY id)) FROM audit")
tap_like "a second migrate into that non-empty target is refused (exists)" \
	"$(try op migrate --to "$D")" "^4|.*the target database .*rehearsal.* holds tables already: migrate only into a new, empty database"
tap_is "... and changes nothing there" \
	"$(pq "$D" "SELECT md5(string_agg(hash, ',' ORDER BY id)) FROM audit")" "$dsum"

# --- the migration ------------------------------------------------------------
P=$(pg_createdb registry)
audit_n=$(lite "SELECT count(*) FROM audit")
feed_n=$(lite "SELECT max(seq) FROM ocsp_changes")
out=$(op migrate --to "$P" 2>>"$TAP_LOG")
tap_diag "$out"
tap_like "migrate moves the registry (exit 0), checked against the CRL's signed checkpoint" \
	"$?|$out" "^0|registry migrated: .*audit log OK on the target .*anchor .*authentication.crl"
tap_is "the SQLite registry was not written" "$(source_dump 2)" "$before"
diff "$W/dump.0" "$W/dump.2" >&2
tap_is "registry.uri names the target" "$(cat "$S/registry.uri")" "$P"
tap_is "... in a 0600 file" "$(stat -c %a "$S/registry.uri")" 600
diffs=
for t in $(lite "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name"); do
	a=$(lite "SELECT count(*) FROM \"$t\"") b=$(pq "$P" "SELECT count(*) FROM \"$t\"")
	# The audit log has one more entry: the migration's own.
	[ "$t" = audit ] && a=$((a + 1))
	[ "$a" = "$b" ] || diffs="$diffs $t:$a/$b"
	[ "$t" = audit ] || rows=$((${rows:-0} + a))
done
tap_is "every table has as many rows on PostgreSQL as on SQLite (${rows} rows)" "$diffs" ""
tap_is "the audit log's last entry is the migration's, by Alice" \
	"$(pq "$P" "SELECT id || ' ' || actor || ' ' || action FROM audit ORDER BY id DESC LIMIT 1")" \
	"$((audit_n + 1)) $ALICE registry-migrate"
tap_is "the certificates, byte for byte" \
	"$(pq "$P" "SELECT md5(string_agg(serial || status || encode(der, 'hex'), ',' ORDER BY serial)) FROM certificates")" \
	"$(lite "SELECT group_concat(x, ',') FROM (SELECT serial || status || lower(hex(der)) AS x FROM certificates ORDER BY serial)" | tr -d '\n' | md5sum | cut -d' ' -f1)"
tap_ok "carecard-ca audit verify passes on PostgreSQL" audit_ok

# --- the CA carries on on PostgreSQL ----------------------------------------------
export CC_TEST_PG_URI=$P	# sql() reads PostgreSQL from here on
tap_ok "Carol's card is issued on PostgreSQL" issue 3 $CAROL carol
tap_is "... recorded there" \
	"$(pq "$P" "SELECT count(*) FROM certificates WHERE holder = '$CAROL' AND status = 'valid'")" 2
tap_like "... and fed to OCSP under numbers past SQLite's last ($feed_n), no clash" \
	"$(pq "$P" "SELECT count(*) FILTER (WHERE seq > $feed_n) || '/' || count(*) FROM ocsp_changes
		WHERE serial IN (SELECT serial FROM certificates WHERE holder = '$CAROL')")" "^2/2$"
csign=$(pq "$P" "SELECT serial FROM certificates WHERE holder = '$CAROL' AND profile = 'signing'")
tap_ok "her signing certificate is revoked there" op revoke --serial "$csign" --reason superseded
"$CA" crl --issuer signing --out "$W/s2.crl" >>"$TAP_LOG" 2>&1
n2=$(crlno "$W/s2.crl")
tap_ok "the next CRL's number ($n2) follows SQLite's last ($n1)" \
	test -n "$n1" -a -n "$n2" -a "$((n2))" -gt "$((${n1:-0}))"
tap_like "once moved, a migrate is refused: the registry is not on SQLite" \
	"$(try op migrate --to "$D")" "^8|.*refused by registry.uri: this CA's registry is postgresql:.* not on SQLite"
tap_ok "the audit chain still verifies" audit_ok
tap_done
