#!/bin/sh
# Integration: carecard-ca with its registry on PostgreSQL (issue 14), on a
# real PostgreSQL started for the run (tests/lib/pg.sh): init --registry
# records the URI (0600, never a password) and creates the schema there;
# later commands find it; a card is issued and the audit chain verifies;
# a URI with a password or an unreachable database is refused, naming the
# URI without a password.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/lib/pg.sh"

trap 'pg_stop; cc_cleanup' EXIT
pg_start || tap_skip_all "$PG_SKIP"
command -v psql >/dev/null || tap_skip_all "psql not installed"
export CC_TEST_PG_URI=$PG_URI
unset CARECARD_CA_STATE
work=$CC_WORK
try() {
	_err=$("$@" 2>&1 >/dev/null); _rc=$?
	printf '%s\n' "$_err" >>"$TAP_LOG"
	printf '%s|%s' "$_rc" "$(printf '%s' "$_err" | tr '\n' ' ')"
}

tap_plan 16

# --- refusals first: nothing is made -----------------------------------
tap_like "init refuses a registry URI carrying a password" \
	"$(try "$CA" init --state "$work/pw" --manager-uuid $ALICE --manager-name A \
		--hsm-module "$SOFTHSM_MODULE" \
		--registry "postgresql://carecard:s3cret@localhost/carecard")" \
	"^[1-9][0-9]*|.*never carries a password"
tap_is "... and makes nothing: no state directory, no HSM token" "$(ls -A "$work/pw" 2>/dev/null)" ""
out=$(try "$CA" init --state "$work/gone" --manager-uuid $ALICE --manager-name A \
	--hsm-module "$SOFTHSM_MODULE" \
	--registry "postgresql:///nosuchdb?host=$PG_DIR&user=carecard")
tap_like "init on a database that does not exist fails, naming the URI" "$out" \
	"^[1-9][0-9]*|.*postgresql:///nosuchdb"

# --- init on PostgreSQL -------------------------------------------------
export CARECARD_CA_STATE=$work/ca
S=$CARECARD_CA_STATE
tap_ok "init --registry postgresql://... creates the CA" ca_init
tap_is "the URI is recorded in the state directory" "$(cat "$S/registry.uri")" "$PG_URI"
tap_is "... in a 0600 file" "$(stat -c %a "$S/registry.uri")" 600
tap_is "no SQLite registry is made" "$(ls "$S/registry.db" 2>/dev/null)" ""
tap_is "the schema is in PostgreSQL, at the latest version" \
	"$(sql "SELECT max(version) = count(*) AND max(version) >= 11 FROM schema_version")" t
tap_is "init's audit entry is there" "$(sql "SELECT action FROM audit WHERE id = 1")" "ca-init"

# --- later commands find it ----------------------------------------------
tap_ok "Alice's own card is issued (bootstrap), recorded on PostgreSQL" ca_bootstrap 1
tap_is "her two certificates are valid there" \
	"$(sql "SELECT count(*) FROM certificates WHERE holder = '$ALICE' AND status = 'valid'")" 2
tap_ok "the CA makes a CRL (its number from the registry on PostgreSQL)" \
	"$CA" crl --issuer authentication --out "$work/1.crl"
tap_ok "... and another" "$CA" crl --issuer authentication --out "$work/2.crl"
n1=$(openssl crl -in "$work/1.crl" -noout -crlnumber 2>>"$TAP_LOG" | sed 's/.*=//')
n2=$(openssl crl -in "$work/2.crl" -noout -crlnumber 2>>"$TAP_LOG" | sed 's/.*=//')
tap_ok "openssl reads both; CRL numbers rise ($n1, $n2)" \
	test -n "$n1" -a -n "$n2" -a "$(($n2))" -gt "$((${n1:-0}))"
tap_ok "the audit chain verifies" audit_ok
tap_is "the commit counter moved (the service's data_version)" \
	"$(sql "SELECT n > 0 FROM registry_version")" t
