#!/bin/sh
# Integration: the CA's state directory belongs to the CA's own account.
# An ordinary RA user can neither read nor write the registry, the HSM
# token and PIN or the audit log directly, nor run carecard-ca on them as
# themselves; the one way in is the documented sudo rule
# (ca/cli/deploy/carecard-ca.sudoers), through which carecard-ca still wants
# the operator's own card and refuses init, other people's input files and
# output files. Needs root (it creates two throw-away accounts and a sudo
# rule, and removes them again).
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"

[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root to create the test accounts"
for t in sudo visudo useradd groupadd userdel script sqlite3 runuser; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$SOFTHSM_MODULE" ] || tap_skip_all "no SoftHSM2 module"
CA=$top_builddir/ca/carecard-ca CARD=$top_builddir/pkcs11/carecard-card
CC_MODULE=${CC_MODULE:-$top_builddir/pkcs11/.libs/carecard-pkcs11.so}
[ -x "$CA" ] && [ -f "$CC_MODULE" ] || tap_skip_all "not built"
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "other accounts cannot load the ASan runtime path"

tag=$$
CAU=cc-ca-$tag RAU=cc-ra-$tag GRP=cc-ra-$tag-g
RULE=/etc/sudoers.d/zz-carecard-test-$tag
W=$(mktemp -d) || exit 99
chmod 755 "$W"
cleanup() {
	rm -f "$RULE"
	userdel "$RAU" 2>/dev/null; userdel "$CAU" 2>/dev/null
	groupdel "$GRP" 2>/dev/null; groupdel "$CAU" 2>/dev/null
	[ "$tap_failed" -eq 0 ] || sed 's/^/# /' "$TAP_LOG" | tail -n 60
	rm -rf "$W"
}
trap cleanup EXIT
TAP_LOG=$W/log
: >"$TAP_LOG"
unset CARECARD_CA_STATE CARECARD_POLICY CARECARD_CA_ACTOR CARECARD_CA_NOW SOFTHSM2_CONF \
	CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE
export CARECARD_LOG_STDERR=1 CARECARD_LOG_SYSLOG=0

tap_plan 19

groupadd "$GRP" && useradd --system -M -s /usr/sbin/nologin -U "$CAU" &&
	useradd -M -N -g "$GRP" -s /bin/sh "$RAU" || { echo "Bail out! cannot add accounts"; exit 1; }
S=$W/ca
install -d -m 700 -o "$CAU" -g "$CAU" "$S" "$W/readers"
install -d -m 700 -o "$CAU" -g "$CAU" "$W/readers/r1" "$W/readers/r2" "$W/readers/state"
cat >"$W/readers.yaml" <<YAML
state-directory: $W/readers/state
readers:
  - name: RA desk reader 1
    directory: $W/readers/r1
  - name: RA desk reader 2
    directory: $W/readers/r2
kdf: { n: 1024, r: 8, p: 1 }
YAML
printf '1234\n' >"$W/alice.pin"
chown "$CAU" "$W/alice.pin" && chmod 600 "$W/alice.pin"

# as the CA's account (the administrator installing it)
asca() { runuser -u "$CAU" -- env CARECARD_CONF="$S/readers.yaml" "$@"; }
# as the RA user, directly
asra() { runuser -u "$RAU" -- "$@"; }
# as the RA user, through the sudo rule, with a terminal (the passcode is typed)
viasudo() {
	_pin=$1; shift
	printf '%s\n' "$_pin" | runuser -u "$RAU" -- script -qec "sudo -n -u $CAU $*" /dev/null
}

tap_ok "the administrator creates the CA as its account" \
	asca "$CA" --state "$S" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid 100000000001 \
	--manager-name "Alice Manager" --card-module "$CC_MODULE" --durability normal
asca cp "$W/readers.yaml" "$S/readers.yaml"
asca "$CARD" manufacture --out "$W/readers/alice.card" >>"$TAP_LOG" 2>&1 &&
	asca "$CARD" insert "$W/readers/alice.card" --reader 1 >>"$TAP_LOG" 2>&1
tap_ok "the first RA manager's card (bootstrap)" \
	asca env CARECARD_HOLDER_PIN_FILE="$W/alice.pin" "$CA" --state "$S" issue-card --bootstrap \
	--holder 100000000001 --reader 1
tap_is "the state directory is the CA account's, 0700" "$(stat -c '%U %a' "$S")" "$CAU 700"

# --- the RA user's own account: no way in ----------------------------------------------
tap_fails "RA user cannot list the state directory" asra ls "$S"
tap_fails "RA user cannot read the registry" asra cat "$S/registry.db"
tap_fails "RA user cannot read the HSM PIN" asra cat "$S/hsm/user.pin"
tap_fails "RA user cannot open the registry with sqlite3" \
	asra sqlite3 "$S/registry.db" "SELECT count(*) FROM audit"
tap_fails "RA user cannot write the registry" asra sh -c "echo x >>'$S/registry.db'"
out=$(asra "$CA" --state "$S" audit verify 2>&1); rc=$?
tap_is "carecard-ca as the RA user: permission denied (exit 9)" "$rc" 9
tap_like "and it says how to get in" "$out" "sudo -u carecard-ca"

# --- the documented path ---------------------------------------------------------------
sed "s|@bindir@/carecard-ca|$CA|g; s|%carecard-ra|%$GRP|; s|(carecard-ca)|($CAU)|" \
	"$top_srcdir/ca/cli/deploy/carecard-ca.sudoers" >"$W/rule"
tap_ok "the shipped sudo rule is valid (visudo -c)" visudo -cf "$W/rule"
install -m 440 "$W/rule" "$RULE"
tap_like "through sudo: the audit log verifies (system account)" \
	"$(viasudo - "$CA" --state "$S" audit verify 2>&1)" "audit log OK"
tap_like "through sudo: an operation needs the operator's card and passcode" \
	"$(viasudo 1234 "$CA" --state "$S" person-add --uuid 200000000002 --name Bob \
	   --documents passport,utility-bill,driving-licence --operator-reader 1 2>&1)" \
	"person 200000000002 \(Bob\) registered"
tap_is "recorded in the registry as done by the card's owner" \
	"$(sqlite3 "$S/registry.db" "SELECT actor FROM audit WHERE action = 'person-add'")" \
	100000000001
tap_like "through sudo: without a card, nothing" \
	"$(viasudo - "$CA" --state "$S" person-add --uuid 300000000003 --name Eve \
	   --documents passport,utility-bill,driving-licence 2>&1)" "not authenticated"
audit() { sqlite3 "$S/registry.db" "SELECT count(*), max(id) FROM audit"; }
before=$(audit)
tap_like "through sudo: init is refused" \
	"$(viasudo - "$CA" --state "$W/other" init --manager-uuid 100000000009 \
	   --manager-name Mallory 2>&1)" "administrator"
tap_like "through sudo: no output file as the CA's account" \
	"$(viasudo - "$CA" --state "$S" crl --issuer authentication --out "$S/registry.db" 2>&1)" \
	"standard output"
tap_like "through sudo: the CA's files are no input" \
	"$(viasudo 1234 "$CA" --state "$S" issue-cert --profile authentication \
	   --csr "$S/hsm/user.pin" --holder 200000000002 --out - --operator-reader 1 2>&1)" \
	"Permission denied"
tap_is "none of that changed the registry or its audit log" "$(audit)" "$before"
tap_done
