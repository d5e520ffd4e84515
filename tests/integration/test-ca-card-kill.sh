#!/bin/sh
# Integration: SIGKILL carecard-ca at every named step of issue-card, renew,
# repair and cancel-card (the CARECARD_CA_TEST_KILL_AT test hook), then show
# that the registry and the card are consistent — nothing half-recorded, the
# holder keeps a working pair through a renewal, the audit chain verifies —
# and that re-running the operation succeeds.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

BOB=200000000002 DAVE=400000000004
D=86400
T0=$(date +%s)
at() { echo $((T0 + $1 * D)); }
cat >"$CC_WORK/ops.yaml" <<'YAML'
version: 1
profiles:
  authentication: { lifetime: 5y }
  signing: { lifetime: 5y }
YAML
cat >"$CC_WORK/short.yaml" <<'YAML'
version: 1
profiles:
  authentication: { lifetime: 100d }
  signing: { lifetime: 100d }
renewal: { window: 60d }
YAML
CARD_POLICY=$CC_WORK/ops.yaml

ISSUE_STEPS="pending initialised authentication-written signing-written card-written before-commit"
RENEW_STEPS="pending new-authentication-written new-signing-written before-commit committed
	old-authentication-moved new-authentication-moved old-signing-moved new-signing-moved"
REPAIR_STEPS="pending initialised authentication-written before-commit"
tap_plan $((6 * 2 + 3 + 9 * 3 + 1 + 4 * 2 + 2 + 3 + 1))

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin dave 1357
ca_bootstrap 1
person $BOB "Bob Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
cc_blank_card 2
as alice dave "$CA" issue-card --holder $DAVE --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
# Holders' cards under the short policy from now on.
op policy-install "$CC_WORK/short.yaml" >>"$TAP_LOG" 2>&1
cc_blank_card 3
B=$(card_serial 3)
export CARECARD_OPERATOR_PIN_FILE=$CC_WORK/dave.pin CARECARD_HOLDER_PIN_FILE=$CC_WORK/bob.pin

# killed STEP CMD...: the command dies of SIGKILL at STEP
killed() {
	_step=$1
	shift
	CARECARD_CA_TEST_KILL_AT=$_step "$@" >>"$TAP_LOG" 2>&1
	_rc=$?
	if [ $_rc -eq 137 ]; then tap_pass "killed at $_step"; else tap_fail "killed at $_step" "exit $_rc"; fi
}
valid() { sql "SELECT group_concat(serial) FROM (SELECT serial FROM certificates WHERE card = '$B' AND status = 'valid' ORDER BY serial)"; }
open_ops() { sql "SELECT coalesce(group_concat(op || ':' || state), '') FROM card_ops WHERE card = '$B' AND state IN ('pending', 'committed')"; }
objects() {
	cc_p11 --slot-index 2 --login --pin 5678 --list-objects 2>/dev/null |
		sed -n 's/^ *label: *//p; s/^ *ID: *//p' | paste - - | sort | tr '\n' ' '
}
want="authentication	01 authentication	01 authentication	01 signing	02 signing	02 signing	02 "

# Every valid certificate of Bob's card is on the card with a key that signs
# and verifies under it: the holder has working pairs.
working() {
	_objs=$(cc_p11 --slot-index 2 --type cert -O 2>/dev/null)
	for _s in $(sql "SELECT serial FROM certificates WHERE card = '$B' AND status = 'valid'"); do
		_id=$(printf '%s\n' "$_objs" | grep -A1 "serial: *$_s" | sed -n 's/^ *ID: *//p')
		[ -n "$_id" ] || { echo "certificate $_s is not on the card"; return 1; }
		echo "check $_s $_id" >"$CC_WORK/m"
		cc_p11 --slot-index 2 --login --pin 5678 --sign --id "$_id" -m SHA256-RSA-PKCS \
			-i "$CC_WORK/m" -o "$CC_WORK/m.sig" >/dev/null 2>&1 &&
		cc_p11 --slot-index 2 --read-object --type cert --id "$_id" -o "$CC_WORK/c.der" \
			>/dev/null 2>&1 &&
		openssl x509 -inform DER -in "$CC_WORK/c.der" -pubkey -noout >"$CC_WORK/c.pub" &&
		openssl dgst -sha256 -verify "$CC_WORK/c.pub" -signature "$CC_WORK/m.sig" \
			"$CC_WORK/m" >/dev/null || { echo "pair $_id does not sign"; return 1; }
	done
}

# check DESC CONDITION...: one test for several facts, the first failure named
check() {
	_d=$1
	shift
	_why=$("$@" 2>&1) && tap_pass "$_d" || tap_fail "$_d" "$_why"
}

# --- issue-card -------------------------------------------------------------------------
issue_consistent() {
	[ "$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'valid'")" = 0 ] || { echo "certificates valid"; return 1; }
	case $st in pending|initialised) _p=0 ;; *) _p=2 ;; esac
	[ "$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'pending'")" = $_p ] || { echo "not $_p pending"; return 1; }
	[ "$(sql "SELECT count(*) FROM cards WHERE serial = '$B' AND state <> 'blank'")" = 0 ] || { echo "card recorded"; return 1; }
	[ "$(open_ops)" = "issue-card:pending" ] || { echo "journal: $(open_ops)"; return 1; }
	audit_ok || { echo "audit broken"; return 1; }
}
for st in $ISSUE_STEPS; do
	killed issue-card:$st "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2
	check "after issue-card:$st nothing is half-recorded" issue_consistent
done
tap_ok "issue-card re-run succeeds" "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2
tap_is "card holds exactly its two pairs" "$(objects)" "$want"
tap_is "journal: one done, the killed runs abandoned" \
	"$(sql "SELECT group_concat(state) FROM (SELECT state FROM card_ops WHERE card = '$B' ORDER BY id)")" \
	"abandoned,abandoned,abandoned,abandoned,abandoned,abandoned,done"

# --- renew -----------------------------------------------------------------------------
day=50
for st in $RENEW_STEPS; do
	before=$(valid)
	killed renew:$st env CARECARD_CA_NOW=$(at $day) "$CA" renew --reader 3 --operator-reader 2
	case $st in
	pending|new-*-written|before-commit) want_ops=renew:pending same=yes ;;
	*) want_ops=renew:committed same=no ;;
	esac
	renew_consistent() {
		[ "$(open_ops)" = "$want_ops" ] || { echo "journal: $(open_ops)"; return 1; }
		if [ $same = yes ]; then
			[ "$(valid)" = "$before" ] || { echo "valid certificates changed"; return 1; }
		else
			[ "$(valid)" != "$before" ] || { echo "commit lost"; return 1; }
		fi
		[ "$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'valid'")" = 2 ] ||
			{ echo "not two valid certificates"; return 1; }
		working && audit_ok
	}
	check "after renew:$st: registry consistent, holder has working pairs" renew_consistent
	rerun() {
		CARECARD_CA_NOW=$(at $day) "$CA" renew --reader 3 --operator-reader 2 >>"$TAP_LOG" 2>&1 ||
			{ echo "re-run failed"; return 1; }
		[ "$(objects)" = "$want" ] || { echo "objects: $(objects)"; return 1; }
		[ -z "$(open_ops)" ] || { echo "journal still open: $(open_ops)"; return 1; }
		working && audit_ok
	}
	check "renew re-run after $st completes" rerun
	day=$((day + 50))
done
tap_is "every renewal counted once" "$(sql "SELECT renewals FROM cards WHERE serial = '$B'")" 9

# --- repair ----------------------------------------------------------------------------
for st in $REPAIR_STEPS; do
	before=$(valid)
	killed repair:$st env CARECARD_CA_NOW=$(at $day) "$CA" repair --reader 3 --operator-reader 2
	repair_consistent() {
		[ "$(open_ops)" = "repair:pending" ] || { echo "journal: $(open_ops)"; return 1; }
		[ "$(valid)" = "$before" ] || { echo "valid certificates changed"; return 1; }
		audit_ok
	}
	check "after repair:$st nothing is half-recorded" repair_consistent
done
tap_ok "repair re-run succeeds" env CARECARD_CA_NOW=$(at $day) "$CA" repair --reader 3 --operator-reader 2
rep() { [ "$(objects)" = "$want" ] && [ -z "$(open_ops)" ] && working && audit_ok; }
tap_ok "repaired card: its two pairs, working, journal closed" rep

# --- cancel-card (revoke) ----------------------------------------------------------------
before=$(valid)
killed cancel-card:before-commit "$CA" cancel-card --card $B --reason damaged --operator-reader 2
check "after the kill the card is still issued and valid" sh -c \
	"[ '$(sql "SELECT state FROM cards WHERE serial = '$B'")' = issued ] && [ '$(valid)' = '$before' ]"
tap_ok "cancel-card re-run succeeds" "$CA" cancel-card --card $B --reason damaged --operator-reader 2
tap_ok "audit chain verifies" audit_ok
tap_done
