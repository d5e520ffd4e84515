#!/bin/sh
# Integration: SIGKILL carecard-ca at every named step of issue-card, renew,
# repair and cancel-card (the CARECARD_CA_TEST_KILL_AT test hook), then show
# that the registry and the card are consistent — every certificate on the
# card is in the registry (pending, valid or revoked: nothing signed that is
# not recorded), nothing is valid that the operation did not complete, the
# holder keeps a working pair through a renewal, the audit chain verifies —
# and that re-running the operation succeeds and revokes what the killed run
# left pending. A certificate taken off a card before the re-run is on the
# CRL afterwards (openssl verify -crl_check), and so is one the recovery
# revoked once its lease ran out. TAC activation: test-ca-card-kill-tac.sh.
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
SEEN=$CC_WORK/seen

ISSUE_STEPS="pending initialised pending-recorded authentication-written signing-written
	card-written before-commit"
RENEW_STEPS="pending pending-recorded new-authentication-written new-signing-written before-commit
	committed old-authentication-moved new-authentication-moved old-signing-moved new-signing-moved"
REPAIR_STEPS=$ISSUE_STEPS
tap_plan $((7 * 2 + 7 + 10 * 3 + 1 + 7 * 2 + 2 + 3 + 3 + 2))

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

valid() { sql "SELECT group_concat(serial) FROM (SELECT serial FROM certificates WHERE card = '$B' AND status = 'valid' ORDER BY serial) AS v"; }
count() { sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = '$1'"; }
open_ops() { sql "SELECT coalesce(group_concat(op || ':' || state), '') FROM card_ops WHERE card = '$B' AND state IN ('pending', 'committed')"; }
objects() {
	cc_p11 --slot-index 2 --login --pin 5678 --list-objects 2>/dev/null |
		sed -n 's/^ *label: *//p; s/^ *ID: *//p' | paste - - |
		grep -v '^carecard-unblock	55$' | sort | tr '\n' ' '
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

# After a kill at step $st of a whole-card operation (issue, repair): no
# certificate became valid, both are pending once recorded (before either
# is signed), every certificate on the card is one of those, the journal
# entry is open, the log verifies.
# whole_card_consistent OP VALID: VALID, the valid certificates the card had before.
whole_card_consistent() {
	[ "$(valid)" = "$2" ] || { echo "valid certificates changed: $(valid)"; return 1; }
	case $st in pending|initialised) _p=0 ;; *) _p=2 ;; esac
	[ "$(count pending)" = $_p ] || { echo "$(count pending) pending, not $_p"; return 1; }
	on_card_recorded 3 "$SEEN" || return 1
	for _s in $(card_serials 3); do
		case " $(echo $2 | tr , ' ') " in *" $_s "*) continue ;; esac
		[ "$(status_of "$_s")" = pending ] || { echo "$_s on the card is $(status_of "$_s")"; return 1; }
	done
	[ "$(open_ops)" = "$1:pending" ] || { echo "journal: $(open_ops)"; return 1; }
	audit_ok || { echo "audit broken"; return 1; }
}

# --- issue-card -------------------------------------------------------------------------
for st in $ISSUE_STEPS; do
	killed issue-card:$st "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2
	check "after issue-card:$st: nothing valid, the card's certificates recorded" \
		whole_card_consistent issue-card ""
done
# The last run's certificates, taken off the card before anything else happens.
cert_of 3 01 "$CC_WORK/killed-auth.pem"
killed_auth=$(openssl x509 -in "$CC_WORK/killed-auth.pem" -noout -serial | sed 's/.*=//; s/^0*//')
tap_ok "a certificate of the killed run verifies without a CRL (it is signed)" \
	verify "$CC_WORK/killed-auth.pem" authentication
tap_like "... but a pending certificate logs nobody in (9)" \
	"$( (CARECARD_OPERATOR_PIN_FILE=$CC_WORK/bob.pin "$CA" report users-per-org \
		--operator-reader 3 2>&1; echo "exit $?") | tr '\n' ' ')" \
	"certificate not issued \(its operation did not complete\).*exit 9"
tap_ok "issue-card re-run succeeds" "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2
tap_is "card holds exactly its two pairs" "$(objects)" "$want"
tap_is "journal: one done, the killed runs abandoned" \
	"$(sql "SELECT group_concat(state) FROM (SELECT state FROM card_ops WHERE card = '$B' ORDER BY id) AS o")" \
	"abandoned,abandoned,abandoned,abandoned,abandoned,abandoned,abandoned,done"
tap_is "the killed runs' certificates are revoked (cessationOfOperation), none pending" \
	"$(sql "SELECT group_concat(s, ' ') FROM (SELECT status || ':' || coalesce(CAST(revocation_reason AS TEXT), '-') || ':' || count(*) AS s FROM certificates WHERE card = '$B' GROUP BY status, revocation_reason ORDER BY status) AS g")" \
	"revoked:5:10 valid:-:2"
"$CA" crl --issuer authentication --out "$CC_WORK/auth.crl" >>"$TAP_LOG" 2>&1
tap_like "the CRL lists the killed run's certificate, and openssl refuses it" \
	"$( (openssl crl -in "$CC_WORK/auth.crl" -noout -text | tr -d ' \n' |
	     grep -o "SerialNumber:0*$killed_auth" ;
	     openssl verify -crl_check -CRLfile "$CC_WORK/auth.crl" -CAfile "$S/certs/root.pem" \
		-untrusted "$S/certs/authentication.pem" "$CC_WORK/killed-auth.pem" 2>&1) |
	    tr '\n' ' ')" \
	"^SerialNumber:0*$killed_auth .*certificate revoked"

# --- renew -----------------------------------------------------------------------------
day=50
for st in $RENEW_STEPS; do
	before=$(valid)
	killed renew:$st env CARECARD_CA_NOW=$(at $day) "$CA" renew --reader 3 --operator-reader 2
	case $st in
	pending) want_ops=renew:pending same=yes pend=0 ;;
	pending-recorded|new-*-written|before-commit) want_ops=renew:pending same=yes pend=2 ;;
	*) want_ops=renew:committed same=no pend=0 ;;
	esac
	renew_consistent() {
		[ "$(open_ops)" = "$want_ops" ] || { echo "journal: $(open_ops)"; return 1; }
		if [ $same = yes ]; then
			[ "$(valid)" = "$before" ] || { echo "valid certificates changed"; return 1; }
		else
			[ "$(valid)" != "$before" ] || { echo "commit lost"; return 1; }
		fi
		[ "$(count valid)" = 2 ] || { echo "not two valid certificates"; return 1; }
		[ "$(count pending)" = $pend ] || { echo "$(count pending) pending, not $pend"; return 1; }
		on_card_recorded 3 "$SEEN" && working && audit_ok
	}
	check "after renew:$st: registry consistent, the card's certificates recorded, holder has working pairs" \
		renew_consistent
	rerun() {
		CARECARD_CA_NOW=$(at $day) "$CA" renew --reader 3 --operator-reader 2 >>"$TAP_LOG" 2>&1 ||
			{ echo "re-run failed"; return 1; }
		[ "$(objects)" = "$want" ] || { echo "objects: $(objects)"; return 1; }
		[ -z "$(open_ops)" ] || { echo "journal still open: $(open_ops)"; return 1; }
		[ "$(count pending)" = 0 ] || { echo "certificates left pending"; return 1; }
		on_card_recorded 3 "$SEEN" && working && audit_ok
	}
	check "renew re-run after $st completes, nothing left pending" rerun
	day=$((day + 50))
done
tap_is "every renewal counted once" "$(sql "SELECT renewals FROM cards WHERE serial = '$B'")" 10

# --- repair ----------------------------------------------------------------------------
for st in $REPAIR_STEPS; do
	before=$(valid)
	killed repair:$st env CARECARD_CA_NOW=$(at $day) "$CA" repair --reader 3 --operator-reader 2
	check "after repair:$st: the valid certificates unchanged, the card's recorded" \
		whole_card_consistent repair "$before"
done
tap_ok "repair re-run succeeds" env CARECARD_CA_NOW=$(at $day) "$CA" repair --reader 3 --operator-reader 2
rep() {
	[ "$(objects)" = "$want" ] && [ -z "$(open_ops)" ] && [ "$(count pending)" = 0 ] &&
		working && audit_ok
}
tap_ok "repaired card: its two pairs, working, journal closed, nothing pending" rep

# --- the recovery, for a killed run nobody re-runs -----------------------------------------
day=$((day + 50))
killed repair:card-written env CARECARD_CA_NOW=$(at $day) "$CA" repair --reader 3 --operator-reader 2
st=card-written
check "after repair:card-written: the new certificates on the card, pending" \
	whole_card_consistent repair "$(valid)"
cert_of 3 01 "$CC_WORK/left-auth.pem"
left=$(openssl x509 -in "$CC_WORK/left-auth.pem" -noout -serial | sed 's/.*=//; s/^0*//')
later=$(($(at $day) + 2 * 3600))
CARECARD_CA_NOW=$later "$CA" crl-publish --dir "$CC_WORK/www" >"$CC_WORK/publish.out" 2>>"$TAP_LOG"
crl_left() {
	grep -q "^2 abandoned pending certificate(s) revoked" "$CC_WORK/publish.out" ||
		{ echo "publish said: $(cat "$CC_WORK/publish.out")"; return 1; }
	[ "$(status_of "$left"):$(count pending)" = revoked:0 ] || { echo "$left is $(status_of "$left")"; return 1; }
	openssl crl -inform DER -in "$CC_WORK/www/authentication-g2.crl" -noout -text | tr -d ' \n' |
		grep -q "SerialNumber:0*$left" || { echo "$left not on the CRL"; return 1; }
	openssl crl -inform DER -in "$CC_WORK/www/authentication-g2.crl" -out "$CC_WORK/www.pem"
	! verify "$CC_WORK/left-auth.pem" authentication -crl_check -CRLfile "$CC_WORK/www.pem" \
		-attime $((later + 60)) || { echo "openssl accepts $left"; return 1; }
	grep -q "certificate revoked" "$TAP_LOG" || { echo "openssl said no 'certificate revoked'"; return 1; }
}
check "2 hours on, crl-publish's recovery revoked them: on the CRL, openssl refuses the one on the card" \
	crl_left

# --- cancel-card (revoke) ----------------------------------------------------------------
before=$(valid)
killed cancel-card:before-commit "$CA" cancel-card --card $B --reason damaged --operator-reader 2
check "after the kill the card is still issued and valid" sh -c \
	"[ '$(sql "SELECT state FROM cards WHERE serial = '$B'")' = issued ] && [ '$(valid)' = '$before' ]"
tap_ok "cancel-card re-run succeeds" "$CA" cancel-card --card $B --reason damaged --operator-reader 2
tap_ok "every certificate ever seen on the card is valid or revoked, none pending" all_settled "$SEEN"
tap_ok "audit chain verifies" audit_ok
tap_done
