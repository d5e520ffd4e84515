# tests/integration/test-ca-card-lib.sh: shared set-up for the CA tests
# (sourced, not a test itself). A private carecard world (tests/lib/card.sh)
# with three readers, a CA with its SoftHSM2 token and the NHS policy (or
# $CARD_POLICY) installed at init, the first RA manager's card, and helpers
# to act as an operator and to look at the registry and the cards the way
# outsiders do: sqlite3, carecard-card show --json, pkcs11-tool, openssl,
# certtool.
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$SOFTHSM_MODULE" ] || tap_skip_all "no SoftHSM2 module at $SOFTHSM_MODULE"
for t in openssl pkcs11-tool certtool sqlite3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
CA=$top_builddir/ca/carecard-ca
[ -x "$CA" ] || tap_skip_all "carecard-ca not built"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built"

cc_world
mkdir -p "$CC_WORK/r3"
# A third reader: operator card, holder card and a spare.
sed -i "s|^kdf:|  - name: Test Reader 3\n    directory: $CC_WORK/r3\nkdf:|" "$CARECARD_CONF"
unset SOFTHSM2_CONF CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE CARECARD_CA_NOW \
	CARECARD_CA_TEST_KILL_AT CARECARD_POLICY CARECARD_CA_ACTOR CARECARD_PKCS11_MODULE
# The suite's builds have test hooks (the clock, kill points); say so if not.
[ "${CC_TEST_HOOKS:-yes}" = yes ] || tap_skip_all "built without --enable-test-hooks"
export CARECARD_CA_STATE=$CC_WORK/ca
export CARECARD_LOG_STDERR=1
S=$CARECARD_CA_STATE
ALICE=100000000001	# RA manager (bootstrap)
DOCS=passport,utility-bill,driving-licence	# an identity check in person

# The CA, with the card module and the policy it will use from now on.
ca_init() {
	"$CA" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid $ALICE \
		--manager-name "Alice Manager" --root-key-type ec --key-type ec \
		--durability normal --card-module "$CC_MODULE" \
		--policy "${CARD_POLICY:-$top_srcdir/policy/nhs.yaml}" \
		${CC_TEST_PG_URI:+--registry "$CC_TEST_PG_URI"} "$@" >>"$TAP_LOG" 2>&1
}

# ca_bootstrap READER: Alice's own card (passcode 1234) in READER: the only
# card issued without an operator card. Later: op ... acts as Alice.
ca_bootstrap() {
	OPR=$1
	pin alice 1234
	cc_blank_card "$OPR" &&
	as - alice "$CA" issue-card --bootstrap --holder $ALICE --reader "$OPR" >>"$TAP_LOG" 2>&1
}

# op CMD...: carecard-ca CMD as the operator whose card is in $OPR
# (passcode file $OP_PIN, default alice), the holder's passcode $HOLDER_PIN.
op() {
	as "${OP_PIN:-alice}" "${HOLDER_PIN:--}" "$CA" "$@" --operator-reader "$OPR"
}

# person UUID NAME [person-add options...]: registered by the operator,
# identity checked in person.
person() {
	_u=$1 _n=$2
	shift 2
	op person-add --uuid "$_u" --name "$_n" --documents $DOCS "$@" >>"$TAP_LOG" 2>&1
}

# pin NAME VALUE: a 0600 passcode file $CC_WORK/NAME.pin
pin() {
	printf '%s\n' "$2" >"$CC_WORK/$1.pin" && chmod 600 "$CC_WORK/$1.pin"
}

# as OPERATOR HOLDER CMD...: run with those passcode files (names or "-")
as() {
	_op=$1 _h=$2
	shift 2
	CARECARD_OPERATOR_PIN_FILE=$([ "$_op" = - ] || echo "$CC_WORK/$_op.pin") \
	CARECARD_HOLDER_PIN_FILE=$([ "$_h" = - ] || echo "$CC_WORK/$_h.pin") "$@"
}

# The registry's SQL: on PostgreSQL when the test runs there (test-ca-pg.sh).
sql() {
	if [ -n "${CC_TEST_PG_URI:-}" ]; then
		psql -XAtq -v ON_ERROR_STOP=1 "$CC_TEST_PG_URI" -c "$1"
	else
		sqlite3 "$S/registry.db" "$1"
	fi
}

card_json() { "$CC_CARD_TOOL" show --reader "$1" --json 2>>"$TAP_LOG"; }
card_serial() { card_json "$1" | sed -n 's/.*"serial":"\([0-9]*\)".*/\1/p'; }

# cert_of READER ID FILE: the certificate with CKA_ID ID, as PEM
cert_of() {
	cc_p11 --slot-index "$(($1 - 1))" --read-object --type cert --id "$2" -o "$3.der" \
		>>"$TAP_LOG" 2>&1 &&
	openssl x509 -inform DER -in "$3.der" -out "$3" 2>>"$TAP_LOG"
}

# verify PEM ISSUER [openssl options]: strict chain to root via ISSUER's CA
verify() {
	_pem=$1 _is=$2
	shift 2
	openssl verify -x509_strict -CAfile "$S/certs/root.pem" \
		-untrusted "$S/certs/$_is.pem" "$@" "$_pem" >>"$TAP_LOG" 2>&1
}

certtool_verify() {
	cat "$1" "$S/certs/$2.pem" "$S/certs/root.pem" >"$1.chain"
	certtool --verify-chain --infile "$1.chain" >>"$TAP_LOG" 2>&1
}

audit_ok() { "$CA" audit verify >>"$TAP_LOG" 2>&1; }

# --- crash tests (test-ca-card-kill*.sh, test-ca-issue-kill.sh) ---------------------------

# killed STEP CMD...: the command dies of SIGKILL at STEP (the test hook; exit 137)
killed() {
	_step=$1
	shift
	CARECARD_CA_TEST_KILL_AT=$_step "$@" >>"$TAP_LOG" 2>&1
	_rc=$?
	if [ $_rc -eq 137 ]; then tap_pass "killed at $_step"; else tap_fail "killed at $_step" "exit $_rc"; fi
}

# check DESC CONDITION...: one test for several facts, the first failure named
check() {
	_d=$1
	shift
	_why=$("$@" 2>&1) && tap_pass "$_d" || tap_fail "$_d" "$_why"
}

# card_serials READER: the serials of the certificates on the card (registry form)
card_serials() {
	cc_p11 --slot-index "$(($1 - 1))" --type cert -O 2>/dev/null |
		sed -n 's/^ *serial: *//p' | tr a-f A-F | sed 's/^0*//'
}

# status_of SERIAL: the certificate's status in the registry ("" if unknown)
status_of() { sql "SELECT status FROM certificates WHERE serial = '$1'"; }

# on_card_recorded READER [SEEN]: every certificate on the card is in the
# registry, pending, valid or revoked (never unknown); the serials are
# added to the file SEEN.
on_card_recorded() {
	for _s in $(card_serials "$1"); do
		[ -z "$2" ] || echo "$_s" >>"$2"
		case $(status_of "$_s") in
		pending|valid|revoked) ;;
		*) echo "certificate $_s on the card in reader $1 is not in the registry"; return 1 ;;
		esac
	done
}

# all_settled SEEN: every certificate ever seen on a card is valid or revoked
# (nothing left pending), and the revoked ones carry a revocation time.
all_settled() {
	[ -s "$1" ] || { echo "no certificate was seen on a card"; return 1; }
	for _s in $(sort -u "$1"); do
		case $(sql "SELECT status || ':' || CASE WHEN revocation_time IS NULL THEN 0 ELSE 1 END FROM certificates WHERE serial = '$_s'") in
		valid:0|revoked:1) ;;
		*) echo "certificate $_s is $(status_of "$_s")"; return 1 ;;
		esac
	done
}

