#!/bin/sh
# Integration: SIGKILL carecard-ca at every named step of tac-activate (the
# CARECARD_CA_TEST_KILL_AT test hook), as test-ca-card-kill.sh does for the
# other card operations: after each kill every certificate on the TAC is in
# the registry (pending until the activation completes, never valid before),
# the TAC is not active, the journal entry is open and the log verifies; the
# re-run activates it and revokes what the killed runs left pending;
# tac-restore leaves nothing pending either.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

BOB=200000000002 DAVE=400000000004 FRANK=600000000006
SEEN=$CC_WORK/seen
STEPS="pending initialised pending-recorded authentication-written signing-written card-written
	before-commit"
tap_plan $((7 * 2 + 7))

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin dave 1357; pin frank 9753
ca_bootstrap 1
person $BOB "Bob Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
person $FRANK "Frank Sponsor" --ra-role sponsor
sql "INSERT INTO organisations VALUES ('FA123', 'High Street Pharmacy', 0);
INSERT INTO positions (person, role, org) VALUES ('$BOB', 'dispenser', 'FA123'),
 ('$FRANK', 'pharmacist', 'FA123');"
cc_blank_card 2
as alice frank "$CA" issue-card --holder $FRANK --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
cc_blank_card 3
T=$(card_serial 3)
op card-add --serial $T --tac >>"$TAP_LOG" 2>&1

count() { sql "SELECT count(*) FROM certificates WHERE card = '$T' AND status = '$1'"; }
open_ops() { sql "SELECT coalesce(group_concat(op || ':' || state), '') FROM card_ops WHERE card = '$T' AND state IN ('pending', 'committed')"; }
activate() {
	as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 7d \
		--reason "card lost"
}
tac_consistent() {
	[ "$(sql "SELECT state FROM cards WHERE serial = '$T'")" = blank ] || { echo "TAC not blank"; return 1; }
	[ "$(count valid)" = 0 ] || { echo "certificates valid"; return 1; }
	case $st in pending|initialised) _p=0 ;; *) _p=2 ;; esac
	[ "$(count pending)" = $_p ] || { echo "$(count pending) pending, not $_p"; return 1; }
	on_card_recorded 3 "$SEEN" || return 1
	for _s in $(card_serials 3); do
		[ "$(status_of "$_s")" = pending ] || { echo "$_s on the TAC is $(status_of "$_s")"; return 1; }
	done
	[ "$(open_ops)" = "tac-activate:pending" ] || { echo "journal: $(open_ops)"; return 1; }
	audit_ok || { echo "audit broken"; return 1; }
}

for st in $STEPS; do
	killed tac-activate:$st activate
	check "after tac-activate:$st: not active, nothing valid, the TAC's certificates recorded" \
		tac_consistent
done
tap_ok "tac-activate re-run succeeds" activate
tap_is "TAC active for Bob, two valid certificates on it" \
	"$(sql "SELECT state, holder FROM cards WHERE serial = '$T'")|$(count valid)|$(on_card_recorded 3 "$SEEN" && card_serials 3 | wc -l)" \
	"tac-active|$BOB|2|2"
tap_is "the killed runs' certificates are revoked (cessationOfOperation), none pending" \
	"$(sql "SELECT group_concat(s, ' ') FROM (SELECT status || ':' || coalesce(revocation_reason, '-') || ':' || count(*) AS s FROM certificates WHERE card = '$T' GROUP BY status ORDER BY status)")" \
	"revoked:5:10 valid:-:2"
tap_is "journal: one done, the killed runs abandoned" \
	"$(sql "SELECT group_concat(state) FROM (SELECT state FROM card_ops WHERE card = '$T' ORDER BY id)")" \
	"abandoned,abandoned,abandoned,abandoned,abandoned,abandoned,abandoned,done"
tap_ok "tac-restore" as frank - "$CA" tac-restore --reader 3 --operator-reader 2
every_revoked() {
	[ "$(sql "SELECT count(*) FROM certificates WHERE card = '$T' AND status <> 'revoked'")" = 0 ] ||
		{ echo "not all revoked"; return 1; }
	all_settled "$SEEN"
}
tap_ok "every certificate ever seen on the TAC is revoked, none pending" every_revoked
tap_ok "audit chain verifies" audit_ok
tap_done
