#!/bin/sh
# Integration: the RA managers' workflow scripts (scripts/ra/*.sh) over
# carecard-ca with real operator cards — --help and usage errors for each,
# new-starter (register, verify-identity, issue-card), nightly (CRLs and the
# expiring report), ods-change, leaver (cancel-card, position-remove), and a
# workflow that stops at a refusal with carecard-ca's exit status.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

R=$top_srcdir/scripts/ra
export CARECARD_CA=$CA
MANAGER=$ALICE SPONSOR=100000000002 AGENT=100000000003 DUAL=100000000004
BOB=200000000001

q() { sqlite3 "$S/registry.db" "$1"; }
# park READER NAME / put READER NAME: move a card image out of / into a reader
park() {
	rm -f "$CC_WORK/$2.card"
	"$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1
}
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }

tap_plan 35

for s in new-starter leaver lost-card replacement-arrived ods-change nightly; do
	tap_like "$s --help" "$(sh "$R/$s.sh" --help)" "^usage: $s.sh "
	tap_is "$s without options is a usage error (2)" \
		"$(sh "$R/$s.sh" >/dev/null 2>&1; echo $?)" 2
done

ca_init || { tap_fail "CA init"; exit 1; }
"$CA" person-add --uuid $SPONSOR --name "Sam Sponsor" --ra-role sponsor 2>>"$TAP_LOG"
"$CA" person-add --uuid $AGENT --name "Rita Agent" --ra-role ra-agent 2>>"$TAP_LOG"
"$CA" person-add --uuid $DUAL --name "Dee Dual" --ra-role sponsor 2>>"$TAP_LOG"
q "INSERT INTO ra_roles (person, role) VALUES ('$DUAL', 'ra-agent')"
pin alice 1234; pin sam 2345; pin rita 3456; pin dee 4567; pin bob 6789
cc_blank_card 1
as - alice "$CA" issue-card --bootstrap --holder $ALICE --reader 1 >>"$TAP_LOG" 2>&1
for p in "sam $SPONSOR" "rita $AGENT" "dee $DUAL"; do
	set -- $p
	cc_blank_card 2
	as alice "$1" "$CA" issue-card --holder "$2" --reader 2 --operator-reader 1 \
		>>"$TAP_LOG" 2>&1
	park 2 "$1"
done
CARECARD_OPERATOR_PIN_FILE=$CC_WORK/alice.pin "$CA" org-add --ods FA123 --name "High St" \
	--operator-reader 1 >>"$TAP_LOG" 2>&1
for u in $SPONSOR $DUAL; do
	CARECARD_OPERATOR_PIN_FILE=$CC_WORK/alice.pin "$CA" position-add --holder $u \
		--role sponsor --ods FA123 --operator-reader 1 >>"$TAP_LOG" 2>&1
done
cc_blank_card 3
T=$(card_serial 3)
CARECARD_OPERATOR_PIN_FILE=$CC_WORK/alice.pin "$CA" tac-add --serial "$T" --custodian $SPONSOR \
	--positions dispenser@FA123 --operator-reader 1 >>"$TAP_LOG" 2>&1
park 3 tac
park 1 alice
tap_is "set-up: operator cards and the sponsor's position" \
	"$(q "SELECT count(*) FROM cards WHERE state = 'issued'") $(q 'SELECT count(*) FROM positions') $(q 'SELECT count(*) FROM tac_pool')" "4 2 1"

# --- new-starter: Sam's card in reader 1, Rita's in reader 2, a blank in 3 ---
put 1 sam; put 2 rita; cc_blank_card 3
tap_ok "new-starter: register, verify-identity, issue-card" \
	env CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" sh "$R/new-starter.sh" \
	--uuid $BOB --name "Bob Holder" --sponsor $SPONSOR --sponsor-reader 1 \
	--sponsor-pin-file "$CC_WORK/sam.pin" --position dispenser@FA123 --agent-reader 2 \
	--agent-pin-file "$CC_WORK/rita.pin" --documents passport,utility-bill,payslip --reader 3
B=$(card_serial 3)
tap_is "the request was sponsored by Sam and verified by Rita" \
	"$(q "SELECT sponsor || ' ' || ra_agent || ' ' || state FROM requests")" "$SPONSOR $AGENT verified"
tap_is "Bob holds his position and an issued card" \
	"$(q "SELECT role || '@' || org FROM positions WHERE person = '$BOB'") $(q "SELECT state FROM cards WHERE serial = '$B'")" \
	"dispenser@FA123 issued"
tap_ok "Bob logs in with his passcode" cc_p11 --slot-index 2 --login --pin 6789 -O
park 3 bob
rc=$(sh "$R/new-starter.sh" --uuid 200000000009 --name "Eve" --sponsor $SPONSOR \
	--sponsor-reader 2 --sponsor-pin-file "$CC_WORK/rita.pin" --position dispenser@FA123 \
	--agent-reader 2 --agent-pin-file "$CC_WORK/rita.pin" --documents passport \
	--reader 3 >>"$TAP_LOG" 2>&1; echo $?)
tap_is "new-starter stops at the first refusal with its exit status (8)" "$rc" 8
tap_is "... having changed nothing" "$(q "SELECT count(*) FROM people WHERE uuid = '200000000009'")" 0

# --- nightly -------------------------------------------------------------------------
tap_ok "nightly: CRLs and the expiring report" sh "$R/nightly.sh" --crl-dir "$CC_WORK/www" \
	--report "$CC_WORK/expiring.csv" --days 800
tap_is "nightly: the full CRLs, named as the policy's URLs" "$(cd "$CC_WORK/www" && ls | tr '\n' ' ')" \
	"authentication-g2.crl root-g2.crl signing-g2.crl "
tap_like "nightly: the report lists Bob's certificates" "$(cat "$CC_WORK/expiring.csv")" \
	"^$BOB,Bob Holder,$B,authentication,"

# --- lost-card and replacement-arrived (Dee: sponsor and RA agent) ------------
park 1 sam; put 1 dee; put 3 tac
tap_ok "lost-card: cancel-card (lost) and tac-activate" \
	env CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" sh "$R/lost-card.sh" --holder $BOB \
	--card "$B" --tac-reader 3 --operator-reader 1 --period 7d --pin-file "$CC_WORK/dee.pin"
tap_is "Bob's card cancelled, the TAC active for him" \
	"$(q "SELECT state FROM cards WHERE serial = '$B'") $(q "SELECT state || ' ' || holder FROM cards WHERE serial = '$T'")" \
	"cancelled tac-active $BOB"
park 1 dee; put 1 sam
tap_like "tac-use: the TAC is activated for Bob, not for Rita" \
	"$(CARECARD_OPERATOR_PIN_FILE=$CC_WORK/sam.pin "$CA" tac-use --serial "$T" --holder $AGENT \
	   --note "shift" --operator-reader 1 2>&1)" "refused by tac.record-each-use: .*activated for $BOB"
tap_ok "tac-use: the custodian records Bob's use" env CARECARD_OPERATOR_PIN_FILE="$CC_WORK/sam.pin" \
	"$CA" tac-use --serial "$T" --holder $BOB --note "early shift" --operator-reader 1
park 1 sam; put 1 dee
park 2 rita; cc_blank_card 2
tap_ok "replacement-arrived: issue-card (locked) and tac-restore" \
	sh "$R/replacement-arrived.sh" --holder $BOB --reader 2 --tac-reader 3 --locked \
	--operator-reader 1 --pin-file "$CC_WORK/dee.pin"
B2=$(card_serial 2)
tap_is "Bob's replacement issued, the TAC blank again" \
	"$(q "SELECT state FROM cards WHERE serial = '$B2'") $(q "SELECT state || '-' || coalesce(holder, '') FROM cards WHERE serial = '$T'")" \
	"issued blank-"
tap_like "report locked lists the replacement until it is unlocked" "$("$CA" report locked)" \
	"^$B2 +$BOB +Bob Holder"
B=$B2
park 2 bob2; put 2 rita; park 1 dee; put 1 sam

# --- ods-change (Alice, the RA manager) ---------------------------------------------
park 1 sam; put 1 alice
tap_ok "ods-change" sh "$R/ods-change.sh" --from FA123 --to FB456 --operator-reader 1 \
	--pin-file "$CC_WORK/alice.pin"
tap_is "everyone moved to FB456" "$(q "SELECT group_concat(DISTINCT org) FROM positions")" FB456

# --- leaver (Rita, the RA agent) -------------------------------------------------------
tap_ok "leaver: cancel-card and position-remove" sh "$R/leaver.sh" --holder $BOB --card "$B" \
	--positions dispenser@FB456 --operator-reader 2 --pin-file "$CC_WORK/rita.pin"
tap_is "Bob's card is cancelled and his certificates revoked" \
	"$(q "SELECT state FROM cards WHERE serial = '$B'") $(q "SELECT group_concat(DISTINCT status) FROM certificates WHERE holder = '$BOB'")" \
	"cancelled revoked"
tap_is "Bob holds no position" "$(q "SELECT count(*) FROM positions WHERE person = '$BOB'")" 0
tap_ok "the audit chain verifies" "$CA" audit verify
tap_done
