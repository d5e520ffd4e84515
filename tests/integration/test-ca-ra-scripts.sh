#!/bin/sh
# Integration: the RA workflow scripts (scripts/ra/*.sh) around their happy
# paths, which tests/integration/test-ca-ra-day.sh walks end to end with two
# readers: --help and usage errors for each; a workflow stops at the first
# refusal with carecard-ca's exit status and changes nothing more; --org
# reaches carecard-ca; a card swap waits for Enter, and with no answer the
# script stops before the next step; the policy decides who does what, so a
# person the policy lets do both steps of lost-card needs no swap.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

unset CARECARD_LOG_STDERR
R=$top_srcdir/scripts/ra
export CARECARD_CA=$CA
SAM=100000000002 RITA=100000000003 BOB=200000000001 DAN=200000000002

q() { sqlite3 "$S/registry.db" "$1"; }
park() {
	rm -f "$CC_WORK/$2.card"
	"$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1
}
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }

tap_plan 21

for s in new-starter leaver lost-card replacement-arrived ods-change nightly; do
	tap_like "$s --help" "$(sh "$R/$s.sh" --help)" "^usage: $s.sh "
	tap_is "$s without options is a usage error (2)" \
		"$(sh "$R/$s.sh" >/dev/null 2>&1; echo $?)" 2
done

ca_init || { tap_fail "CA init"; exit 1; }
ca_bootstrap 1
person $SAM "Sam Sponsor" --ra-role sponsor
person $RITA "Rita Agent" --ra-role ra-agent
person $BOB "Bob Holder"
person $DAN "Dan Holder"
pin sam 2345; pin rita 3456; pin bob 6789; pin dan 1470
op org-add --ods FA123 --name "High St" >>"$TAP_LOG" 2>&1
op position-add --holder $SAM --role sponsor --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $DAN --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
for p in "sam $SAM" "rita $RITA" "bob $BOB" "dan $DAN"; do
	set -- $p
	cc_blank_card 2
	as alice "$1" "$CA" issue-card --holder "$2" --reader 2 --operator-reader 1 \
		>>"$TAP_LOG" 2>&1
	park 2 "$1"
done
B=$(q "SELECT serial FROM cards WHERE holder = '$BOB'")
D=$(q "SELECT serial FROM cards WHERE holder = '$DAN'")
cc_blank_card 2
T=$(card_serial 2)
op tac-add --serial "$T" --custodian $SAM --positions dispenser@FA123 >>"$TAP_LOG" 2>&1
park 1 alice
tap_is "set-up: five cards issued, a TAC in the pool" \
	"$(q "SELECT count(*) FROM cards WHERE state = 'issued'")/$(q 'SELECT count(*) FROM tac_pool')" \
	"5/1"

# A workflow stops at the first refusal, with carecard-ca's status.
put 1 rita
rc=$(sh "$R/new-starter.sh" --uuid 200000000009 --name "Eve" --sponsor $SAM \
	--sponsor-reader 1 --sponsor-pin-file "$CC_WORK/rita.pin" --position dispenser@FA123 \
	--agent-reader 1 --agent-pin-file "$CC_WORK/rita.pin" --documents passport \
	--reader 2 </dev/null >>"$TAP_LOG" 2>&1; echo $?)
tap_is "new-starter stops at the first refusal with its exit status (8)" "$rc" 8
tap_is "... having changed nothing" "$(q "SELECT count(*) FROM people WHERE uuid = '200000000009'")" 0

# lost-card with two operators in one reader: the swap waits for Enter, and
# with nothing on standard input the script stops before tac-activate.
out=$(sh "$R/lost-card.sh" --holder $BOB --card "$B" --operator-reader 1 \
	--pin-file "$CC_WORK/rita.pin" --tac-reader 2 --tac-pin-file "$CC_WORK/sam.pin" \
	--tac-org FA123 </dev/null 2>"$CC_WORK/err"; echo "rc=$?")
tap_like "lost-card: cancelled, then asks for the sponsor's card" "$out" \
	"^== swap: take the first operator's card out of reader 1 and put in the card of the sponsor or LSA"
tap_is "... no answer: it stops there (1), saying so" \
	"$(echo "$out" | tail -n 1)|$(cat "$CC_WORK/err")" \
	"rc=1|lost-card.sh: stopped: no answer on standard input before the next step"
tap_is "... the card cancelled, the TAC not activated" \
	"$(q "SELECT state FROM cards WHERE serial = '$B'")/$(q "SELECT state FROM cards WHERE serial = '$T'")" \
	"cancelled/blank"

# --org reaches carecard-ca: Rita holds no position at FA123 (9), nothing moved.
rc=$(sh "$R/ods-change.sh" --from FA123 --to FB456 --operator-reader 1 --org FA123 \
	--pin-file "$CC_WORK/rita.pin" </dev/null >>"$TAP_LOG" 2>&1; echo $?)
tap_is "ods-change --org reaches carecard-ca (9), nobody moved" \
	"$rc/$(q "SELECT count(*) FROM positions WHERE org = 'FB456'")" "9/0"
park 1 rita

# A policy that lets one person do both steps of lost-card (an RA agent may
# activate any organisation's TACs): no swap at all.
sed -e 's/^    tac-activate: \[sponsor, lsa\]$/    tac-activate: [sponsor, lsa, ra-agent]/' \
	-e 's/^  same-organisation: true$/  same-organisation: false/' \
	"$top_srcdir/policy/nhs.yaml" >"$CC_WORK/both.yaml"
put 1 alice
op policy-install "$CC_WORK/both.yaml" >>"$TAP_LOG" 2>&1
park 1 alice
put 1 rita
tap_ok "lost-card: one person for both steps when the policy allows it, no swap" \
	env CARECARD_HOLDER_PIN_FILE="$CC_WORK/dan.pin" sh "$R/lost-card.sh" --holder $DAN \
	--card "$D" --operator-reader 1 --pin-file "$CC_WORK/rita.pin" --tac-reader 2 </dev/null
tap_is "... Dan's card cancelled, the TAC his" \
	"$(q "SELECT state FROM cards WHERE serial = '$D'") $(q "SELECT state || ' ' || holder FROM cards WHERE serial = '$T'")" \
	"cancelled tac-active $DAN"
tap_done
