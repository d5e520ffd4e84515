#!/bin/sh
# Integration: a working day in an RA office with two readers — the
# operator's card in reader 1, the card being worked on in reader 2, cards
# swapped between steps as a real office would. A new starter through
# scripts/ra/new-starter.sh; the person found by part of their name, shown,
# their mobile number changed; a pending registration approved, another
# withdrawn; an RA role granted and revoked, the last RA manager kept; a
# forgotten passcode reset; a certificate held (renewal refused) and
# released (removeFromCRL in the next delta CRL, gone from the full one);
# the card lost, a TAC activated, the replacement issued and the TAC
# restored, the leaver, the ODS change and the night's jobs, each through
# its scripts/ra/*.sh to the end. Every step that succeeds leaves standard
# error empty; its standard output is checked; every refusal is one line
# naming its subject, rule and way forward.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

# The terminal as a person sees it: no log lines (that is --verbose).
unset CARECARD_LOG_STDERR
R=$top_srcdir/scripts/ra
export CARECARD_CA=$CA
RITA=100000000003 SAM=100000000002 BOB=200000000001 DAN=200000000002 EVE=200000000003
FA=FA123

q() { sql "$1"; }	# sqlite3, or psql on PostgreSQL (test-ca-ra-day-pg.sh)
park() {
	rm -f "$CC_WORK/$2.card"
	"$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1
}
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }
# as_op NAME CMD...: carecard-ca as the operator NAME, whose card is in reader 1
as_op() { _w=$1; shift; as "$_w" "${HOLDER_PIN:--}" "$CA" "$@" --operator-reader 1; }

# day DESC CMD...: a step that succeeds: exit 0 and nothing on standard
# error. Its standard output is kept in $OUT for the checks after it.
day() {
	_d=$1; shift
	"$@" >"$CC_WORK/day.out" 2>"$CC_WORK/day.err"
	_rc=$?
	OUT=$(cat "$CC_WORK/day.out")
	{ echo "+ $*"; cat "$CC_WORK/day.out" "$CC_WORK/day.err"; } >>"$TAP_LOG"
	tap_is "$_d: exit 0, standard error empty" "$_rc|$(cat "$CC_WORK/day.err")" "0|"
}

# refused DESC STATUS REGEX CMD...: exit STATUS, nothing on standard output,
# one line on standard error matching REGEX.
refused() {
	_d=$1 _want=$2 _re=$3; shift 3
	"$@" >"$CC_WORK/day.out" 2>"$CC_WORK/day.err"
	_rc=$?
	{ echo "+ $*"; cat "$CC_WORK/day.out" "$CC_WORK/day.err"; } >>"$TAP_LOG"
	if [ "$_rc" = "$_want" ] && [ ! -s "$CC_WORK/day.out" ] &&
	   [ "$(wc -l <"$CC_WORK/day.err")" -eq 1 ] && grep -Eq -- "$_re" "$CC_WORK/day.err"; then
		tap_pass "$_d"
	else
		tap_fail "$_d" "exit $_rc (want $_want): $(head -c 600 "$CC_WORK/day.err")"
	fi
}

# drive ACTION... -- CMD...: run an RA script; each time it asks for a card
# swap ("== swap: ..."), do the next ACTION and press Enter for it.
drive() {
	_k=0
	while [ "$1" != -- ]; do _k=$((_k + 1)); eval "_act_$_k=\$1"; shift; done
	shift
	rm -f "$CC_WORK/swap.fifo" && mkfifo "$CC_WORK/swap.fifo" || return 99
	"$@" <"$CC_WORK/swap.fifo" >"$CC_WORK/day.out" 2>"$CC_WORK/day.err" &
	_pid=$!
	exec 7>"$CC_WORK/swap.fifo"
	_i=1
	while [ "$_i" -le "$_k" ]; do
		_t=0
		until [ "$(grep -c '^== swap:' "$CC_WORK/day.out")" -ge "$_i" ]; do
			kill -0 "$_pid" 2>/dev/null || break 2
			_t=$((_t + 1))
			[ "$_t" -lt 1200 ] || break 2
			sleep 0.1
		done
		eval "eval \"\$_act_$_i\""
		echo >&7
		_i=$((_i + 1))
	done
	exec 7>&-
	wait "$_pid"
}

tap_plan 99

# --- before the office opens: the CA, its RA manager, an RA agent and a sponsor ------
ca_init || { tap_fail "CA init"; exit 1; }
ca_bootstrap 1
pin rita 3456; pin sam 2345; pin bob 6789; pin bob2 9876; pin dan 1470
person $RITA "Rita Agent" --ra-role ra-agent
person $SAM "Sam Sponsor" --ra-role sponsor
op org-add --ods $FA --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $SAM --role sponsor --ods $FA >>"$TAP_LOG" 2>&1
for p in "rita $RITA" "sam $SAM"; do
	set -- $p
	cc_blank_card 2
	as alice "$1" "$CA" issue-card --holder "$2" --reader 2 --operator-reader 1 \
		>>"$TAP_LOG" 2>&1
	park 2 "$1"
done
cc_blank_card 2
T=$(card_serial 2)
op tac-add --serial "$T" --custodian $SAM --positions dispenser@$FA >>"$TAP_LOG" 2>&1
park 2 tac
park 1 alice
tap_is "set-up: three operator cards, a TAC in the pool" \
	"$(q "SELECT count(*) FROM cards WHERE state = 'issued'")/$(q 'SELECT count(*) FROM tac_pool')" \
	"3/1"

# --- a new starter: Sam sponsors, Rita checks identity and issues the card ----------
put 1 sam
cc_blank_card 2
drive "park 1 sam; put 1 rita" -- env CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" \
	sh "$R/new-starter.sh" --uuid $BOB --name "Bob Holder" --sponsor $SAM \
	--sponsor-reader 1 --sponsor-org $FA --sponsor-pin-file "$CC_WORK/sam.pin" \
	--position dispenser@$FA --agent-reader 1 --agent-pin-file "$CC_WORK/rita.pin" \
	--documents passport,utility-bill,payslip --reader 2
tap_is "new-starter.sh: done with two readers, standard error empty" \
	"$?|$(cat "$CC_WORK/day.err")" "0|"
OUT=$(cat "$CC_WORK/day.out")
tap_like "new-starter.sh: registered by the sponsor" "$OUT" "^request [0-9]+: $BOB \(Bob Holder\) sponsored for dispenser@$FA"
tap_like "new-starter.sh: asked for the swap" "$OUT" "^== swap: take the sponsor's card out of reader 1 and put the RA agent's card in"
tap_like "new-starter.sh: approved by the RA agent" "$OUT" "^request [0-9]+ approved: $BOB's identity checked"
tap_like "new-starter.sh: the card issued" "$OUT" "^new starter $BOB done"
B=$(card_serial 2)
tap_is "Bob's card is issued, his request verified by Rita" \
	"$(q "SELECT state FROM cards WHERE serial = '$B'")/$(q "SELECT sponsor || ' ' || ra_agent || ' ' || state FROM requests WHERE subject = '$BOB'")" \
	"issued/$SAM $RITA verified"
park 2 bob

# --- find a person, show them ---------------------------------------------------------
day "person search by part of the name (the CA's own account)" "$CA" person search --name hold
tap_like "... finds Bob, his position and card" "$OUT" "^$BOB +Bob Holder +dispenser@$FA +$B:issued"
tap_is "... and only him" "$(echo "$OUT" | grep -c '^[0-9]')" 1
day "person search by card serial, as Rita (CSV)" as_op rita person search --card "$B" --format csv
tap_is "... is RFC 4180 with the person's row" \
	"$(printf '%s' "$OUT" | python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); print(len(r), r[0]["uuid"], r[0]["cards"])')" \
	"1 $BOB $B:issued"
day "person search by organisation and role (JSON)" "$CA" person search --ods $FA --role dispenser --format json
tap_is "... parses, Bob is the one dispenser" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([p["uuid"] for p in json.load(sys.stdin)])')" \
	"['$BOB']"
day "person show Bob (JSON)" "$CA" person show $BOB --format json
tap_is "... identity, positions, card, both certificates valid, the verified request" \
	"$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["person"]["name"], d["person"]["checked_by"], [p["role"] + "@" + p["ods"] for p in d["positions"]],
      [c["state"] for c in d["cards"]], sorted(c["status"] for c in d["certificates"]), [r["state"] for r in d["requests"]])')" \
	"Bob Holder $RITA ['dispenser@$FA'] ['issued'] ['valid', 'valid'] ['verified']"
tap_is "... history: newest first, about him, his card and certificates" \
	"$(printf '%s' "$OUT" | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"]
ids = [e["id"] for e in h]
print(ids == sorted(ids, reverse=True), [e["action"] for e in h][:1], sorted(set(e["action"] for e in h)))')" \
	"True ['issue-card'] ['issue-card', 'issue-card-pending', 'register', 'verify-identity']"
day "person show Bob --limit 1 (table)" "$CA" person show $BOB --limit 1
tap_is "... the sections, and one history entry" \
	"$(echo "$OUT" | grep -E '^(person|positions|ra_roles|cards|certificates|requests|history)$' | tr '\n' ' ')/$(echo "$OUT" | sed -n '/^history$/,$p' | grep -c 'issue-card')" \
	"person positions ra_roles cards certificates requests history /1"
refused "an error reaches the terminal with the log off (CARECARD_LOG_STDERR=0)" 3 \
	"^carecard-ca: person: cannot open the CA in $CC_WORK/nowhere: CA state directory .*: No such file or directory \(is --state right\?" \
	env CARECARD_LOG_STDERR=0 "$CA" --state "$CC_WORK/nowhere" person search --name hold
refused "person show of an unknown UUID names it and the way forward" 3 \
	"^carecard-ca: person: no person 999999999999 in the registry: check the UUID \(person search\)" \
	"$CA" person show 999999999999

# --- change what changes ---------------------------------------------------------------
day "person update: Bob's mobile, by Rita" as_op rita person update $BOB --mobile +447700900123
tap_is "... says what changed" "$OUT" "person $BOB (Bob Holder) updated: mobile added"
tap_is "... stored; the audit log says it changed, not the number" \
	"$(q "SELECT mobile FROM people WHERE uuid = '$BOB'")/$(q "SELECT count(*) FROM audit WHERE action = 'person-update' AND details LIKE '%\"mobile\":\"added\"%' AND details NOT LIKE '%7700900123%'")" \
	"+447700900123/1"
refused "a change of name needs its reason" 5 "^carecard-ca: person: --reason: say why" \
	as_op rita person update $BOB --name "Robert Holder"
day "a change of name with its reason" as_op rita person update $BOB --name "Robert Holder" \
	--reason "deed poll"
tap_is "... old and new name and the reason in the audit log" \
	"$(q "SELECT json_extract(details, '\$.name-was') || ' > ' || json_extract(details, '\$.name') || ' (' || json_extract(details, '\$.reason') || ')' FROM audit WHERE action = 'person-update' ORDER BY id DESC LIMIT 1")" \
	"Bob Holder > Robert Holder (deed poll)"

# --- registration requests: one approved, one withdrawn -----------------------------
park 1 rita; put 1 sam
day "Sam sponsors Dan" as_op sam register --uuid $DAN --name "Dan Starter" --position dispenser@$FA
DREQ=$(echo "$OUT" | sed -n 's/^request \([0-9]*\):.*/\1/p')
day "Sam sponsors Eve" as_op sam register --uuid $EVE --name "Eve Starter" --position dispenser@$FA
EREQ=$(echo "$OUT" | sed -n 's/^request \([0-9]*\):.*/\1/p')
day "request list: the pending ones" "$CA" request list
tap_is "... Dan's and Eve's, awaiting the identity check" \
	"$(echo "$OUT" | awk 'NR > 2 { print $1 "-" $2 "-" $3 }' | tr '\n' ' ')" \
	"$DREQ-sponsored-$DAN $EREQ-sponsored-$EVE "
refused "the sponsor may not approve their own request" 8 \
	"refused by separation-of-duties.operations.issue: $DAN: identity must be checked by an RA agent" \
	as_op sam request approve "$DREQ" --documents passport,utility-bill,payslip
day "the sponsor withdraws Eve's request" as_op sam request reject "$EREQ" --reason "did not start"
tap_is "... withdrawn, with its reason" "$OUT" "request $EREQ for $EVE withdrawn by its sponsor: did not start"
park 1 sam; put 1 rita
day "Rita approves Dan's request" as_op rita request approve "$DREQ" --documents passport,utility-bill,payslip
tap_like "... and says what is next" "$OUT" "^request $DREQ approved: .*next: issue-card --holder $DAN"
refused "a withdrawn request is not approved: its state, who closed it, what to do" 8 \
	"refused by requests.state: request $EREQ is rejected \(by $SAM\), not awaiting its identity check: the sponsor registers a new request" \
	as_op rita request approve "$EREQ" --documents passport,utility-bill,payslip
day "request show (JSON)" "$CA" request show "$EREQ" --format json
tap_is "... the closed request" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["checked_by"], d["reason"])')" \
	"rejected $SAM did not start"
day "request list: none pending" "$CA" request list --format csv
tap_is "... only the header" "$(printf '%s\n' "$OUT" | tr -d '\r' | grep -c .)" 1

# --- RA roles: granted, revoked, and the last RA manager kept -------------------------
park 1 rita; put 1 alice
day "ra-role grant: Rita becomes an LSA" as_op alice ra-role grant $RITA lsa
tap_is "... says so" "$OUT" "$RITA (Rita Agent) now holds the RA role lsa"
day "ra-role revoke: and is not one any more" as_op alice ra-role revoke $RITA lsa
refused "the CA keeps its last RA manager" 8 \
	"refused by ra.last-ra-manager: $ALICE is the CA's last RA manager, and the CA needs one: grant ra-manager to someone else first" \
	as_op alice ra-role revoke $ALICE ra-manager
refused "ra-manager only for someone who holds a card" 8 \
	"refused by ra.ra-manager-card: $DAN holds no issued card, .*: issue them a card first" \
	as_op alice ra-role grant $DAN ra-manager
day "ra-manager for Rita, who holds a card" as_op alice ra-role grant $RITA ra-manager
day "... and back: Alice is still one" as_op alice ra-role revoke $RITA ra-manager
tap_is "the roles in the registry" \
	"$(q "SELECT person || ':' || role FROM ra_roles ORDER BY person, role" | tr '\n' ' ')" \
	"$ALICE:ra-manager $SAM:sponsor $RITA:ra-agent "

# --- a forgotten passcode ---------------------------------------------------------------
park 1 alice; put 1 rita; put 2 bob
day "passcode-reset: Bob forgot his passcode (card not locked)" \
	as rita bob2 "$CA" passcode-reset --reader 2 --operator-reader 1
tap_like "... reset" "$OUT" "^passcode-reset: card $B of $BOB has the holder's new passcode$"
tap_ok "Bob logs in with the new passcode" cc_p11 --slot-index 1 --login --pin 9876 -O
tap_fails "... and no longer with the old one" cc_p11 --slot-index 1 --login --pin 6789 -O

# --- a certificate on hold, and released -------------------------------------------------
A=$(q "SELECT serial FROM certificates WHERE card = '$B' AND profile = 'authentication'")
W=$CC_WORK/www
day "crl-publish (full; the CA's own account)" "$CA" crl-publish --dir "$W"
day "hold Bob's authentication certificate" as_op rita hold --serial "$A" --note "card mislaid"
tap_like "... says how it ends" "$OUT" "^certificate $A of $BOB on hold \(certificateHold\).*release --serial $A"
refused "renewal is refused while it is held, naming the certificate and the release" 8 \
	"refused by revocation.certificate-hold: card $B has certificate $A on hold, not valid: release it first \(release --serial $A\)" \
	as rita bob2 "$CA" renew --reader 2 --operator-reader 1
refused "holding it again: its state and the way forward" 8 \
	"refused by certificates.status: certificate $A is on hold already: release it" \
	as_op rita hold --serial "$A"
crl_text() { openssl crl -inform DER -in "$W/$1" -noout -text 2>>"$TAP_LOG"; }
entry() { crl_text "$1" | grep -A4 "Serial Number: $A\$" | grep -E 'Hold|Remove From CRL' | sed 's/^ *//'; }
day "crl-publish --delta" "$CA" crl-publish --dir "$W" --delta
tap_like "... the delta CRL lists the hold" "$(entry authentication-g2-delta.crl)" "Certificate Hold"
day "crl-publish (full): the new base lists it too" "$CA" crl-publish --dir "$W"
tap_like "... with reason certificateHold" "$(entry authentication-g2.crl)" "Certificate Hold"
day "release it" as_op rita release --serial "$A" --note "found in the car"
tap_like "... valid again" "$OUT" "^certificate $A of $BOB released from hold: valid again"
tap_is "... in the registry" "$(q "SELECT status || '/' || coalesce(CAST(revocation_reason AS TEXT), '-') FROM certificates WHERE serial = '$A'")" "valid/-"
day "crl-publish --delta after the release" "$CA" crl-publish --dir "$W" --delta
tap_like "the next delta CRL lists it with removeFromCRL (RFC 5280 5.3.1)" \
	"$(entry authentication-g2-delta.crl)" "Remove From CRL"
tap_ok "... and openssl checks the delta CRL's signature" openssl crl -inform DER \
	-in "$W/authentication-g2-delta.crl" -noout -CAfile "$S/certs/authentication.pem"
day "crl-publish (full) after the release" "$CA" crl-publish --dir "$W"
tap_is "the next full CRL leaves it out" "$(crl_text authentication-g2.crl | grep -c "Serial Number: $A\$")" 0
refused "renewal is no longer held back by the hold (the window decides now)" 8 \
	"refused by renewal.window: " as rita bob2 "$CA" renew --reader 2 --operator-reader 1
refused "releasing it again: its state" 8 \
	"refused by certificates.status: certificate $A is valid, not on hold: nothing to release" \
	as_op rita release --serial "$A"
park 2 bob

# --- lost card: cancel (Rita), swap, TAC for Bob (Sam) -----------------------------------
put 2 tac
drive "park 1 rita; put 1 sam" -- env CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob2.pin" \
	sh "$R/lost-card.sh" --holder $BOB --card "$B" --operator-reader 1 \
	--pin-file "$CC_WORK/rita.pin" --tac-reader 2 --tac-pin-file "$CC_WORK/sam.pin" \
	--tac-org $FA --period 7d
tap_is "lost-card.sh: done with two readers, standard error empty" "$?|$(cat "$CC_WORK/day.err")" "0|"
OUT=$(cat "$CC_WORK/day.out")
tap_is "lost-card.sh: cancelled, swapped, TAC active, in that order" \
	"$(echo "$OUT" | grep -E '^(cancel-card:|== swap:|tac-activate:|lost card)' | cut -d' ' -f1-2 | tr '\n' '|')" \
	"cancel-card: card|== swap:|tac-activate: card|lost card|"
tap_is "... Bob's card cancelled, the TAC his" \
	"$(q "SELECT state FROM cards WHERE serial = '$B'") $(q "SELECT state || ' ' || holder FROM cards WHERE serial = '$T'")" \
	"cancelled tac-active $BOB"
day "tac-use: Sam, the custodian, records Bob's use" as_op sam tac-use --serial "$T" --holder $BOB \
	--note "early shift"
park 2 tac

# --- the replacement arrives: issue (Rita), swap (TAC in, Sam's card in), restore ---------
park 1 sam; put 1 rita; cc_blank_card 2
drive "park 2 bob3; put 2 tac; park 1 rita; put 1 sam" -- \
	sh "$R/replacement-arrived.sh" --holder $BOB --reader 2 --locked --operator-reader 1 \
	--pin-file "$CC_WORK/rita.pin" --tac-pin-file "$CC_WORK/sam.pin" --tac-org $FA
tap_is "replacement-arrived.sh: done with two readers, standard error empty" \
	"$?|$(cat "$CC_WORK/day.err")" "0|"
OUT=$(cat "$CC_WORK/day.out")
tap_like "replacement-arrived.sh: asked for both swaps at once" "$OUT" \
	"^== swap: take the replacement card out of reader 2 and put the TAC in; put the card of the sponsor or LSA who restores the TAC in reader 1"
B2=$(q "SELECT serial FROM cards WHERE holder = '$BOB' AND state = 'issued'")
tap_is "... Bob's replacement issued, the TAC blank again" \
	"$(q "SELECT count(*) FROM cards WHERE serial = '$B2' AND is_tac = 0") $(q "SELECT state || '-' || coalesce(holder, '') FROM cards WHERE serial = '$T'")" \
	"1 blank-"
day "report locked lists the replacement (sent out locked)" "$CA" report locked
tap_like "... by card and holder" "$OUT" "^$B2 +$BOB +Robert Holder"
park 2 tac; put 2 bob3
day "Bob sets his passcode on it with Sam, the sponsor at his organisation" \
	as sam bob "$CA" passcode-reset --reader 2 --operator-reader 1
tap_like "... the card was locked" "$OUT" "^passcode-reset: card $B2 of $BOB has the holder's new passcode \(it was locked\)$"
day "report locked: no longer listed" "$CA" report locked --format csv
tap_is "... only the header" "$(printf '%s\n' "$OUT" | tr -d '\r' | grep -c .)" 1
park 2 bob3
# The log is the terminal's only when asked for.
as sam - "$CA" person search --name hold --operator-reader 1 --verbose >/dev/null 2>"$CC_WORK/verbose.err"
tap_like "--verbose: the log on standard error (the card module's audit lines)" \
	"$?|$(cat "$CC_WORK/verbose.err" | tr '\n' ' ')" "^0\|.*carecard-pkcs11.*user logged in"
park 1 sam

# --- the ODS code changes (Alice); Bob leaves (Rita) ---------------------------------------
put 1 alice
drive -- sh "$R/ods-change.sh" --from $FA --to FB456 --operator-reader 1 \
	--pin-file "$CC_WORK/alice.pin"
tap_is "ods-change.sh: done, standard error empty" "$?|$(cat "$CC_WORK/day.err")" "0|"
tap_like "ods-change.sh: the move, between the head counts" "$(cat "$CC_WORK/day.out")" \
	"^$FA -> FB456: [0-9]+ position\(s\) moved"
park 1 alice; put 1 rita
drive -- sh "$R/leaver.sh" --holder $BOB --card "$B2" --positions dispenser@FB456 \
	--operator-reader 1 --pin-file "$CC_WORK/rita.pin"
tap_is "leaver.sh: done, standard error empty" "$?|$(cat "$CC_WORK/day.err")" "0|"
tap_like "leaver.sh: cancelled, position removed" "$(cat "$CC_WORK/day.out")" "^leaver $BOB done"
tap_is "... Bob holds no position and no valid certificate" \
	"$(q "SELECT count(*) FROM positions WHERE person = '$BOB'")/$(q "SELECT count(*) FROM certificates WHERE holder = '$BOB' AND status = 'valid'")" \
	"0/0"

# --- the night: CRLs and the expiring report (no card, no passcode) -------------------------
drive -- env -u CARECARD_OPERATOR_PIN_FILE -u CARECARD_HOLDER_PIN_FILE sh "$R/nightly.sh" \
	--crl-dir "$W" --report "$CC_WORK/expiring.csv"
tap_is "nightly.sh: done, standard error empty" "$?|$(cat "$CC_WORK/day.err")" "0|"
tap_like "nightly.sh: the policy's renewal window by default" "$(cat "$CC_WORK/day.out")" \
	"^== certificates expiring within the policy's renewal window -> "
tap_is "... the report is CSV with its header" "$(head -n 1 "$CC_WORK/expiring.csv" | tr -d '\r')" \
	"uuid,name,card,profile,serial,not_after,days_left"
tap_is "... the full CRLs under the names of the policy's CRL URLs" \
	"$(for f in authentication-g2.crl signing-g2.crl root-g2.crl; do
		openssl crl -inform DER -in "$W/$f" -noout >/dev/null 2>&1 && printf '%s ' $f; done)" \
	"authentication-g2.crl signing-g2.crl root-g2.crl "

# --- the day on record ------------------------------------------------------------------------
day "audit verify" "$CA" audit verify
tap_like "... the chain holds" "$OUT" "^audit log OK: [0-9]+ entries"
tap_is "every change of the day is on record" \
	"$(q "SELECT group_concat(DISTINCT action) FROM (SELECT action FROM audit WHERE action IN ('person-update', 'request-reject', 'ra-role-grant', 'ra-role-revoke', 'passcode-reset', 'hold', 'release') ORDER BY action) AS a")" \
	"hold,passcode-reset,person-update,ra-role-grant,ra-role-revoke,release,request-reject"
tap_is "and each refusal by a rule, by whom" \
	"$(q "SELECT group_concat(actor || ':' || action, ' ') FROM (SELECT actor, action FROM audit WHERE action LIKE '%-refused' ORDER BY id) AS a")" \
	"$SAM:verify-identity-refused $RITA:verify-identity-refused $ALICE:ra-role-revoke-refused $ALICE:ra-role-grant-refused $RITA:renew-refused $RITA:renew-refused"
tap_done
