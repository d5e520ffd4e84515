#!/bin/sh
# Integration: Temporary Access Cards, card side — a sponsor at the holder's
# organisation activates a TAC from the pool for a named holder (who, when,
# why and until recorded), the activation period caps the certificates,
# refusals name the policy rule, and tac-restore revokes and wipes the TAC
# back to blank for the next activation.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

tap_plan 27
BOB=200000000002 DAVE=400000000004 FRANK=600000000006

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin dave 1357; pin frank 9753
ca_bootstrap 1
person $BOB "Bob Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
person $FRANK "Frank Sponsor" --ra-role sponsor
sql "INSERT INTO organisations VALUES ('FA123', 'High Street Pharmacy', 0), ('FB456', 'Other', 0);
INSERT INTO positions (person, role, org) VALUES ('$BOB', 'dispenser', 'FA123'),
 ('$FRANK', 'pharmacist', 'FA123');"
park() { "$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1; }
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }

cc_blank_card 2
as alice dave "$CA" issue-card --holder $DAVE --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
park 2 dave
cc_blank_card 2
tap_ok "Frank's card" as alice frank "$CA" issue-card --holder $FRANK --reader 2 --operator-reader 1
park 1 alice

cc_blank_card 3
T=$(card_serial 3)
tap_like "a card outside the TAC pool is refused" \
	"$(as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 7d \
	   --reason "card lost" 2>&1)" "not in a TAC pool"
# Alice (RA manager) registers the TAC stock with her card.
put 1 alice && OPR=1 op card-add --serial $T --tac >>"$TAP_LOG" 2>&1 && park 1 alice
tap_like "issue-card refuses a TAC" \
	"$(as frank bob "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2 2>&1)" \
	"is a Temporary Access Card, not a personal card: activate it with tac-activate"
tap_like "longer than the policy allows: refused" \
	"$(as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 30d \
	   --reason "card lost" 2>&1)" "tac.max-activation.*at most 14d"
tap_fails "--reason is required" as frank bob "$CA" tac-activate --holder $BOB --reader 3 \
	--operator-reader 2 --period 7d
park 2 frank; put 2 dave
tap_like "an RA agent is not among the TAC activators" \
	"$(as dave bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 7d \
	   --reason "card lost" 2>&1)" "separation-of-duties.operations.tac-activate"
park 2 dave; put 2 frank
now=$(date +%s)
tap_ok "the sponsor activates the TAC for Bob for 7 days" \
	as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 7d \
	--reason "card lost"
tap_is "TAC row: active, Bob" "$(sql "SELECT state, holder, is_tac FROM cards WHERE serial = '$T'")" \
	"tac-active|$BOB|1"
na=$(sql "SELECT max(not_after) FROM certificates WHERE card = '$T'")
tap_ok "certificates end with the activation (7 days)" \
	test $((na - now)) -ge $((7 * 86400 - 60)) -a $((na - now)) -le $((7 * 86400 + 60))
tap_like "who, why and until recorded" \
	"$(sql "SELECT actor, details FROM audit WHERE action = 'tac-activate'")" \
	"^$FRANK\|.*\"holder\":\"$BOB\".*\"reason\":\"card lost\",\"until\":\"[0-9]+\""
tap_is "journal names the sponsor" "$(sql "SELECT operator FROM card_ops WHERE card = '$T'")" $FRANK
cert_of 3 01 "$CC_WORK/tac.pem"
tap_ok "TAC certificate verifies" verify "$CC_WORK/tac.pem" authentication
tap_ok "Bob uses the TAC with his passcode" cc_p11 --slot-index 2 --login --pin 5678 -O
tap_fails "an active TAC is not activated twice" \
	as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 7d \
	--reason again

# --- restore -----------------------------------------------------------------------
park 2 frank; put 2 dave
tap_like "an RA agent may not restore the TAC either" \
	"$(as dave - "$CA" tac-restore --reader 3 --operator-reader 2 2>&1)" \
	"separation-of-duties.operations.tac-activate"
park 2 dave; put 2 frank
CARECARD_CA_TEST_KILL_AT=tac-restore:revoked as frank - "$CA" tac-restore --reader 3 \
	--operator-reader 2 >>"$TAP_LOG" 2>&1
tap_is "tac-restore killed after the revocation" $? 137
tap_is "revoked and back in the pool before the card is wiped" \
	"$(sql "SELECT state, (SELECT count(*) FROM certificates WHERE card = '$T' AND status = 'valid')
	FROM cards WHERE serial = '$T'")" "blank|0"
tap_like "the killed run left the objects on the card" "$(card_json 3)" '"objects":\[\{'
tap_ok "tac-restore" as frank - "$CA" tac-restore --reader 3 --operator-reader 2
tap_is "TAC certificates revoked (cessationOfOperation)" \
	"$(sql "SELECT group_concat(status || ':' || revocation_reason) FROM certificates WHERE card = '$T'")" \
	"revoked:5,revoked:5"
tap_is "TAC back in the pool, blank" "$(sql "SELECT state, coalesce(holder, '-') FROM cards WHERE serial = '$T'")" \
	"blank|-"
json=$(card_json 3)
tap_like "card wiped: no objects" "$json" '"objects":\[\]'
tap_like "card wiped: no user passcode" "$json" '"user_pin":\{"set":false'
tap_ok "the TAC can be activated again" \
	as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 1d \
	--reason "still lost"

# --- a TAC from another organisation's pool ------------------------------------------
park 3 tac1
cc_blank_card 3
T2=$(card_serial 3)
put 1 alice && OPR=1 op card-add --serial $T2 --tac >>"$TAP_LOG" 2>&1 && park 1 alice
sql "INSERT INTO tac_pool (serial, org, custodian, added) VALUES ('$T2', 'FB456', '$FRANK', 0)"
tap_like "a TAC of another organisation's pool is refused" \
	"$(as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 1d \
	   --reason "card lost" 2>&1)" "same-organisation"
sql "UPDATE tac_pool SET org = 'FA123' WHERE serial = '$T2'"
tap_ok "the same card in Frank's organisation's pool is activated" \
	as frank bob "$CA" tac-activate --holder $BOB --reader 3 --operator-reader 2 --period 1d \
	--reason "card lost"
tap_ok "audit chain verifies" audit_ok
tap_done
