#!/bin/sh
# Integration: the registration-authority commands of carecard-ca end to
# end, each performed by an operator authenticated with their own card
# through the PKCS#11 module — registration and the identity check with
# separation of duties, organisations, positions and an ODS change, the TAC
# pool, reports in three formats, batch import (all or nothing, dry run
# byte-identical), the CA's policy (only an RA manager replaces it) and CRL
# publishing on its schedule — checking the registry with sqlite3
# and the audit chain after every step.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

MANAGER=$ALICE SPONSOR=100000000002 AGENT=100000000003 BOTH=100000000004
LSA=100000000005 BOB=200000000001

q() { sqlite3 "$S/registry.db" "$1"; }

# Operator cards live in $CC_WORK/NAME.card; "use NAME" puts NAME's card in
# reader 1 (parking the one there), "op NAME CMD..." runs carecard-ca CMD as
# that operator with their passcode file.
# (Which card is in reader 1 is kept in a file: "op" also runs in subshells.)
use() {
	_cur=$(cat "$CC_WORK/reader1" 2>/dev/null)
	[ "$_cur" = "$1" ] && return 0
	if [ -n "$_cur" ]; then
		rm -f "$CC_WORK/$_cur.card"
		"$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/$_cur.card" >>"$TAP_LOG" 2>&1 ||
			return 1
	fi
	"$CC_CARD_TOOL" insert "$CC_WORK/$1.card" --reader 1 >>"$TAP_LOG" 2>&1 &&
	echo "$1" >"$CC_WORK/reader1"
}
op() {
	_who=$1; shift
	use "$_who"
	CARECARD_OPERATOR_PIN_FILE=$CC_WORK/$_who.pin "$CA" "$@" --operator-reader 1
}
# The exit status and stderr (one line) of a command that should be refused.
refused() {
	err=$("$@" 2>&1 >/dev/null); rc=$?
	printf '%s\n' "$err" >>"$TAP_LOG"
	printf '%s|%s' "$rc" "$(printf '%s' "$err" | tr '\n' ' ')"
}
audit_ok() { tap_ok "audit chain verifies ($1)" "$CA" audit verify; }

tap_plan 158

# Operator cards for five years, so that only the certificates issued for
# the reports (under the NHS policy installed there) expire in their window.
CARD_POLICY=$CC_WORK/long.yaml
sed 's/^    lifetime: 2y$/    lifetime: 5y/' "$top_srcdir/policy/nhs.yaml" >"$CARD_POLICY"
ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin sam 2345; pin rita 3456; pin dual 4567; pin liz 5678; pin bob 6789
pin wrong 0000

# Operator cards: Alice bootstraps hers, registers the others (identity
# checked in person, RA roles granted) and issues their cards in reader 2.
cc_blank_card 1
as - alice "$CA" issue-card --bootstrap --holder $ALICE --reader 1 >>"$TAP_LOG" 2>&1
echo alice >"$CC_WORK/reader1"
cards_ok=yes
for p in "$SPONSOR Sam_Sponsor sponsor" "$AGENT Rita_Agent ra-agent" "$BOTH Dual_Role sponsor" \
	"$LSA Liz_LSA lsa"; do
	set -- $p
	op alice person-add --uuid $1 --name "$(echo $2 | tr _ ' ')" --documents $DOCS \
		--ra-role $3 >>"$TAP_LOG" 2>&1 || cards_ok=no
done
q "INSERT INTO ra_roles (person, role) VALUES ('$BOTH', 'ra-agent')"
for p in "sam $SPONSOR" "rita $AGENT" "dual $BOTH" "liz $LSA"; do
	set -- $p
	export CARECARD_HOLDER_PIN_FILE=$CC_WORK/$1.pin
	cc_blank_card 2 && op alice issue-card --holder $2 --reader 2 >>"$TAP_LOG" 2>&1 &&
	"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/$1.card" >>"$TAP_LOG" 2>&1 ||
		cards_ok=no
done
unset CARECARD_HOLDER_PIN_FILE
[ $cards_ok = yes ] || { tap_fail "operator cards"; cat "$TAP_LOG" >&2; exit 1; }

# --- help and the operator -------------------------------------------------
for c in register verify-identity org-add position-add position-remove ods-change \
	tac-add tac-list tac-use report batch crl-publish policy-install; do
	tap_like "$c --help" "$("$CA" $c --help)" "^usage: carecard-ca $c "
done
out=$(refused "$CA" org-add --ods FA1 --name X)
tap_like "RA commands without --operator-reader: not authenticated (9)" "$out" \
	"^9\|carecard-ca: org-add: not authenticated: org-add needs an RA operator logged in with their own card"
tap_is "... nothing written but the refusal, by nobody" \
	"$(q 'SELECT count(*) FROM organisations')/$(q "SELECT group_concat(actor || ' ' || action) FROM audit WHERE action LIKE 'org-add%'")" \
	"0/nobody org-add-refused"
out=$(refused env CARECARD_OPERATOR_PIN_FILE=$CC_WORK/alice.pin "$CA" org-add --ods FA1 \
	--name X --operator-reader 3)
tap_like "no card in the operator's reader: refused (3)" "$out" "^3\|.*could not be authenticated"
use alice
out=$(refused env CARECARD_OPERATOR_PIN_FILE=$CC_WORK/wrong.pin "$CA" org-add --ods FA1 \
	--name X --operator-reader 1)
tap_like "wrong operator passcode: refused (9), nothing written" "$out" "^9\|.*could not be authenticated"
tap_is "... no organisation" "$(q 'SELECT count(*) FROM organisations')" 0

# --- organisations -----------------------------------------------------------
tap_ok "org-add by the RA manager" op alice org-add --ods FA123 --name "High St Pharmacy"
tap_ok "org-add a locum organisation" op alice org-add --ods LOCUM1 --name Locums --locum
tap_is "organisations recorded" "$(q "SELECT ods || ':' || is_locum FROM organisations ORDER BY ods" | tr '\n' ' ')" "FA123:0 LOCUM1:1 "
out=$(refused op sam org-add --ods FB1 --name X)
tap_like "org-add by a sponsor is refused, naming the rule" "$out" \
	"^8\|.*refused by separation-of-duties.operations.organisations: FB1: only an RA manager may add an organisation: ask one"
tap_is "org-add of an existing code exits 4" \
	"$(op alice org-add --ods FA123 --name Again >/dev/null 2>&1; echo $?)" 4
tap_like "org-add with a bad ODS code: bad input (5), naming the field" \
	"$(refused op alice org-add --ods fa-1 --name X)" "^5\|.*--ods: an ODS code is .*not 'fa-1'"
audit_ok "organisations"

# --- positions -----------------------------------------------------------------
tap_ok "an RA agent grants the sponsor a position" \
	op rita position-add --holder $SPONSOR --role sponsor --ods FA123
tap_ok "... and the dual-role person one" \
	op rita position-add --holder $BOTH --role sponsor --ods FA123
tap_ok "... and the LSA one" op rita position-add --holder $LSA --role lsa --ods FA123
out=$(refused op sam position-add --holder $SPONSOR --role pharmacist --ods FA123)
tap_like "nobody grants themselves a position" "$out" "^8\|.*refused by separation-of-duties.own-card"
out=$(refused op sam position-add --holder $AGENT --role pharmacist --ods LOCUM1)
tap_like "a sponsor acts only at their own organisation" "$out" \
	"^8\|.*refused by separation-of-duties.same-organisation: [0-9]*: a sponsor at FA123 may add a position only for holders at FA123"
tap_ok "the sponsor also gets a position at the locum organisation" \
	op rita position-add --holder $SPONSOR --role sponsor --ods LOCUM1
out=$(refused op sam position-add --holder $AGENT --role pharmacist --ods LOCUM1 --org LOCUM1)
tap_like "a sponsor acting from a locum position is refused" "$out" \
	"^8\|.*refused by separation-of-duties.locum-may-act"
tap_ok "position-remove" op rita position-remove --holder $SPONSOR --role sponsor --ods LOCUM1
out=$(refused op liz position-add --holder $AGENT --role pharmacist --ods FA123)
tap_like "an LSA may not grant positions" "$out" "^8\|.*refused by separation-of-duties.operations.positions"
tap_is "position-add of an unknown organisation exits 3" \
	"$(op rita position-add --holder $SPONSOR --role x --ods NOPE >/dev/null 2>&1; echo $?)" 3
tap_is "position-add twice exits 4" \
	"$(op rita position-add --holder $SPONSOR --role sponsor --ods FA123 >/dev/null 2>&1; echo $?)" 4
tap_is "position-remove of a position not held exits 3" \
	"$(op rita position-remove --holder $SPONSOR --role nurse --ods FA123 >/dev/null 2>&1; echo $?)" 3
tap_is "positions recorded" "$(q "SELECT count(*) FROM positions")" 3
audit_ok "positions"

# --- registration and the identity check -----------------------------------
tap_like "register refuses an 11-digit UUID: bad input (5)" "$(refused op sam register \
	--uuid 20000000001 --name Bob --sponsor $SPONSOR --position pharmacist@FA123)" \
	"^5\|.*uuid: a UUID is exactly 12 digits"
tap_is "register refuses a bad position (2)" "$(op sam register --uuid $BOB \
	--name Bob --sponsor $SPONSOR --position pharmacist >/dev/null 2>&1; echo $?)" 2
out=$(refused op dual register --uuid $BOB --name "Bob Holder" --sponsor $SPONSOR \
	--position pharmacist@FA123)
tap_like "the sponsor registers with their own card, not another sponsor's" "$out" \
	"^8\|.*refused by separation-of-duties.operations.sponsor: request for [0-9]*: the sponsor vouches with their own card.*ask $SPONSOR"
out=$(refused op rita register --uuid $BOB --name "Bob Holder" --sponsor $AGENT \
	--position pharmacist@FA123)
tap_like "an RA agent is not a sponsor" "$out" "^8\|.*refused by separation-of-duties.operations.sponsor"
out=$(refused op sam register --uuid $BOB --name "Bob Holder" --sponsor $SPONSOR \
	--position pharmacist@NOPE1)
tap_like "register at an unknown organisation (3) says to org-add it" "$out" "^3\|.*org-add"
tap_is "refusals wrote nothing" "$(q 'SELECT count(*) FROM requests') $(q "SELECT count(*) FROM people WHERE uuid = '$BOB'")" "0 0"
out=$(op sam register --uuid $BOB --name "Bob Holder" --email bob@example.test \
	--sponsor $SPONSOR --position pharmacist@FA123 2>>"$TAP_LOG")
tap_like "the sponsor registers a new holder" "$out" "^request 1: $BOB"
tap_is "request recorded" "$(q "SELECT sponsor || ' ' || subject || ' ' || state || ' ' || role || '@' || org FROM requests WHERE id = 1")" \
	"$SPONSOR $BOB sponsored pharmacist@FA123"
tap_is "holder recorded with email" "$(q "SELECT name || '|' || email FROM people WHERE uuid = '$BOB'")" "Bob Holder|bob@example.test"
tap_is "audited as the sponsor" "$(q "SELECT actor || ' ' || action || ' ' || subject FROM audit ORDER BY id DESC LIMIT 1")" "$SPONSOR register $BOB"
out=$(refused op sam register --uuid $BOB --name "Robert Other" --sponsor $SPONSOR \
	--position pharmacist@FA123)
tap_like "an existing UUID with another name is refused (4)" "$out" "^4\|.*registered as 'Bob Holder'"
audit_ok "register"

out=$(refused op sam verify-identity --request 1 --documents passport,utility-bill,payslip)
tap_like "a sponsor without an RA role cannot check identity" "$out" \
	"^8\|.*refused by separation-of-duties.operations.issue"
tap_ok "the dual-role person sponsors a second request" op dual register --uuid 200000000002 \
	--name "Carol Holder" --sponsor $BOTH --position dispenser@FA123
out=$(refused op dual verify-identity --request 2 --documents passport,utility-bill,payslip)
tap_like "the sponsor may not also be the RA agent (pol_decide_issue)" "$out" \
	"^8\|.*refused by separation-of-duties.sponsor-not-ra-agent: .*different people: ask another"
tap_is "... and audited in the operator's name with the rule" \
	"$(q "SELECT actor || ' ' || json_extract(details, '\$.rule') FROM audit WHERE action = 'verify-identity-refused' ORDER BY id DESC LIMIT 1")" \
	"$BOTH separation-of-duties.sponsor-not-ra-agent"
out=$(refused op rita verify-identity --request 1 --documents passport,payslip)
tap_like "two documents are not enough" "$out" "^8\|.*refused by ra.identity-documents"
out=$(refused op rita verify-identity --request 1 --documents passport,payslip,p60)
tap_like "no proof of address is not enough" "$out" "^8\|.*refused by ra.identity-documents"
tap_like "an unknown document is bad input (5)" \
	"$(refused op rita verify-identity --request 1 --documents passport,selfie,utility-bill)" \
	"^5\|.*unknown document 'selfie'"
tap_is "an unknown request exits 3" \
	"$(op rita verify-identity --request 99 --documents passport,utility-bill,payslip >/dev/null 2>&1; echo $?)" 3
tap_is "refused checks wrote nothing" "$(q "SELECT count(*) FROM requests WHERE state = 'verified'")" 0
tap_ok "a different RA agent checks identity" \
	op rita verify-identity --request 1 --documents passport,utility-bill,payslip
tap_is "request verified by the agent" "$(q "SELECT state || ' ' || ra_agent || ' ' || documents FROM requests WHERE id = 1")" \
	"verified $AGENT passport,utility-bill,payslip"
tap_is "the holder now holds the position" "$(q "SELECT role || '@' || org FROM positions WHERE person = '$BOB'")" "pharmacist@FA123"
out=$(refused op rita verify-identity --request 1 --documents passport,utility-bill,payslip)
tap_like "a request is verified once" "$out" "^8\|.*refused by requests.state"
tap_fails "the registry itself refuses sponsor = RA agent" \
	sqlite3 "$S/registry.db" "UPDATE requests SET ra_agent = sponsor WHERE id = 2"
audit_ok "verify-identity"

# --- TAC pool -------------------------------------------------------------------
tap_ok "tac-add" op alice tac-add --serial 0900000001 --custodian $SPONSOR \
	--positions pharmacist@FA123,dispenser@FA123
tap_is "TAC card is a blank TAC" "$(q "SELECT is_tac || state FROM cards WHERE serial = '0900000001'")" "1blank"
tap_is "TAC positions" "$(q "SELECT group_concat(role, ',') FROM (SELECT role FROM tac_positions ORDER BY role)")" "dispenser,pharmacist"
out=$(refused op alice tac-add --serial 0900000002 --custodian $SPONSOR --positions nurse@FA123)
tap_like "a TAC carries only the policy's positions" "$out" "^8\|.*refused by tac.positions"
out=$(refused op alice tac-add --serial 0900000002 --custodian $SPONSOR --positions pharmacist@FA123,dispenser@LOCUM1)
tap_like "a TAC belongs to one organisation" "$out" "^8\|.*refused by tac.same-organisation"
out=$(refused op alice tac-add --serial 0900000002 --custodian $AGENT --positions pharmacist@FA123)
tap_like "the custodian works at the TAC's organisation" "$out" "^8\|.*refused by tac.same-organisation: TAC [0-9]*: the custodian"
out=$(refused op sam tac-add --serial 0900000002 --custodian $SPONSOR --positions pharmacist@FA123)
tap_like "only the RA manager adds TACs" "$out" "^8\|.*refused by separation-of-duties.operations.tac-pool"
tap_is "tac-add twice exits 4" "$(op alice tac-add --serial 0900000001 --custodian $SPONSOR \
	--positions pharmacist@FA123 >/dev/null 2>&1; echo $?)" 4
out=$(refused op rita tac-use --serial 0900000001 --holder $BOB --note "card lost")
tap_like "only the custodian records a use" "$out" \
	"^8\|.*refused by tac.record-each-use: TAC [0-9]*: only its custodian \($SPONSOR\) records its uses"
out=$(refused op sam tac-use --serial 0900000001 --holder $BOB --note "card lost 21/11")
tap_like "a use of a TAC not activated for anyone is refused" "$out" \
	"^8\|.*refused by tac.record-each-use: .*activate it for the holder with tac-activate"
q "UPDATE cards SET state = 'tac-active', holder = '$BOB' WHERE serial = '0900000001'"
tap_ok "the custodian records a use (TAC activated for Bob)" \
	op sam tac-use --serial 0900000001 --holder $BOB --note "card lost 21/11"
tap_is "use recorded" "$(q "SELECT holder || ' ' || custodian || ' ' || note FROM tac_uses")" "$BOB $SPONSOR card lost 21/11"
q "UPDATE cards SET state = 'blank', holder = NULL WHERE serial = '0900000001'"
tap_is "tac-use needs a note (2)" "$(op sam tac-use --serial 0900000001 --holder $BOB --note '' >/dev/null 2>&1; echo $?)" 2
tap_like "tac-list shows the pool" "$("$CA" tac-list)" "0900000001 +FA123 +$SPONSOR +dispenser@FA123,pharmacist@FA123 +blank +1\$"
tap_like "tac-list --uses: the ledger, who used it, recorded by whom, why" \
	"$("$CA" tac-list --uses --format csv | tail -n 1)" \
	"^1,20[0-9-]*T[0-9:]*Z,0900000001,FA123,$BOB,[^,]*,$SPONSOR,card lost 21/11.\$"
audit_ok "TACs"

# --- ODS change --------------------------------------------------------------
tap_ok "ods-change" op alice ods-change --from FA123 --to FA999
tap_is "nobody is left at the old code" "$(q "SELECT count(*) FROM positions WHERE org = 'FA123'")" 0
tap_is "every holder moved" "$(q "SELECT count(*) FROM positions WHERE org = 'FA999'")" 4
tap_is "the TAC moved too" "$(q "SELECT org FROM tac_pool")" FA999
tap_is "one audit entry per holder" "$(q "SELECT count(*) FROM audit WHERE action = 'ods-change'")" 4
out=$(refused op sam ods-change --from FA999 --to FA998)
tap_like "only the RA manager changes ODS codes" "$out" \
	"^8\|.*refused by separation-of-duties.operations.organisations"
audit_ok "ods-change"

# --- batch import ------------------------------------------------------------------
printf 'uuid,name,email,mobile,role,ods\r\n300000000001,"Smith, Jane",jane@x.test,,pharmacist,FA999\r\n300000000001,"Smith, Jane",jane@x.test,,dispenser,FA999\r\n300000000002,"O""Brien",,+447700900000,dispenser,LOCUM1\r\n' >"$CC_WORK/good.csv"
printf 'uuid,name,role,ods\n12345,Bad,pharmacist,FA999\n300000000003,X,dispenser,NOPE1\n300000000004,Ok,dispenser,FA999\n' >"$CC_WORK/bad.csv"
before=$(sha256sum <"$S/registry.db")
counts() { q "SELECT (SELECT count(*) FROM people) || '/' || (SELECT count(*) FROM positions) || '/' || (SELECT count(*) FROM audit)"; }
c0=$(counts)
out=$(refused op alice batch import "$CC_WORK/bad.csv")
tap_like "a bad batch lists every error with its line (5)" "$out" \
	"^5\|.*line 2: uuid '12345'.* line 3: organisation NOPE1 is not registered.*nothing was changed"
tap_is "... and changes nothing (people, positions, audit)" "$(counts)" "$c0"
before=$(sha256sum <"$S/registry.db")
c0=$(counts)
out=$("$CA" batch import "$CC_WORK/good.csv" --dry-run 2>>"$TAP_LOG")
tap_like "dry run reports what it would do" "$out" "would add 2 person\(s\) and 3 position"
tap_is "dry run: registry file byte-identical" "$(sha256sum <"$S/registry.db")" "$before"
tap_is "dry run: row counts unchanged" "$(counts)" "$c0"
out=$(refused op sam batch import "$CC_WORK/good.csv")
tap_like "only the RA manager imports" "$out" "^8\|.*refused by separation-of-duties.operations.batch"
tap_ok "batch import" op alice batch import "$CC_WORK/good.csv"
tap_is "people and positions imported" "$(q "SELECT name FROM people WHERE uuid = '300000000002'") $(q "SELECT count(*) FROM positions WHERE person LIKE '3000000000%'")" "O\"Brien 3"
tap_is "audited per change plus a summary" "$(q "SELECT count(*) FROM audit WHERE details LIKE '%\"source\":\"batch\"%'") $(q "SELECT count(*) FROM audit WHERE action = 'batch-import'")" "5 1"
audit_ok "batch"

# --- the CA's policy: only an RA manager replaces it --------------------------------------
sha() { sha256sum <"$1" | cut -d' ' -f1; }
out=$(refused op rita policy-install "$top_srcdir/policy/nhs.yaml")
tap_like "an RA agent may not replace the CA's policy (8)" "$out" \
	"^8\|.*refused by separation-of-duties.operations.replace-policy"
tap_is "... and the installed policy is unchanged" "$(sha "$S/policy.yaml")" "$(sha "$CARD_POLICY")"
tap_ok "the RA manager installs the NHS policy" \
	op alice policy-install "$top_srcdir/policy/nhs.yaml"
tap_is "policy-install audited with the old and the new policy's hash" \
	"$(q "SELECT actor || ' ' || json_extract(details, '\$.\"policy-old\"') || ' ' || json_extract(details, '\$.\"policy-new\"') FROM audit WHERE action = 'policy-install'")" \
	"$ALICE $(sha "$CARD_POLICY") $(sha "$top_srcdir/policy/nhs.yaml")"

# --- reports -------------------------------------------------------------------------
# Under the NHS policy a certificate lives two years. Rita issues Bob's now,
# Alice issues Rita's a year later (the CA's clock, a test hook); the
# reports look from 700 days ahead: Bob's has 30 days left, Rita's 400, the
# operator cards' (five years) 1125.
now=$(date +%s)
openssl req -new -newkey rsa:2048 -nodes -keyout "$CC_WORK/a.key" -subj "/CN=x" \
	-out "$CC_WORK/a.csr" 2>>"$TAP_LOG"
op rita issue-cert --profile authentication --csr "$CC_WORK/a.csr" --holder $BOB \
	--out "$CC_WORK/bob.pem" >/dev/null 2>>"$TAP_LOG"
out=$(refused op rita issue-cert --profile authentication --csr "$CC_WORK/a.csr" \
	--holder $AGENT --out "$CC_WORK/agent.pem")
tap_like "nobody issues a certificate for themselves (8)" "$out" \
	"^8\|.*refused by separation-of-duties.own-card"
CARECARD_CA_NOW=$((now + 370 * 86400)) op alice issue-cert --profile authentication \
	--csr "$CC_WORK/a.csr" --holder $AGENT --out "$CC_WORK/agent.pem" >/dev/null 2>>"$TAP_LOG"
tap_is "Bob's certificate by the RA agent, hers by the RA manager" \
	"$(q "SELECT group_concat(actor || '>' || json_extract(details, '\$.holder'), ' ') FROM audit WHERE action = 'issue-cert'")" \
	"$AGENT>$BOB $ALICE>$AGENT"
later=$((now + 700 * 86400))
table=$(CARECARD_CA_NOW=$later "$CA" report expiring --days 90)
tap_like "report expiring (table): the header" "$(echo "$table" | sed -n 1p)" \
	"^uuid +name +card +profile +serial +not_after +days_left\$"
tap_like "... and only Bob's certificate, 30 days left" "$(echo "$table" | sed 1,2d)" \
	"^$BOB +Bob Holder +authentication +[0-9A-F]+ +[0-9T:-]+Z +(29|30)\$"
csv=$(CARECARD_CA_NOW=$later "$CA" report expiring --days 500 --format csv)
tap_is "report expiring (CSV) has CRLF lines" "$(printf '%s' "$csv" | grep -c "$(printf '\r')\$")" 3
tap_ok "report expiring (CSV) reads back with Python's csv module" python3 -c '
import csv, sys, io
rows = list(csv.reader(io.StringIO(sys.argv[1], newline="")))
assert rows[0][0] == "uuid" and len(rows) == 3 and rows[1][1] == "Bob Holder", rows
assert rows[2][1] == "Rita Agent" and rows[2][6] in ("399", "400"), rows
' "$csv"
tap_ok "report users-per-org (JSON) is valid JSON" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
o = {r["ods"]: r for r in d}
assert o["FA999"]["users"] == 5 and o["LOCUM1"]["locum"] == "yes", d
' "$("$CA" report users-per-org --format json)"
tap_is "an RA agent runs the same report with their card" \
	"$(op rita report users-per-org --format json 2>>"$TAP_LOG")" \
	"$("$CA" report users-per-org --format json 2>>"$TAP_LOG")"
tap_like "report locked (empty) is still a table" "$("$CA" report locked)" "^card +uuid +name +orgs +tac"
cc_blank_card 2
tap_ok "an RA agent issues Bob's card locked for secure delivery" \
	op rita issue-card --holder $BOB --reader 2 --locked
tap_like "report locked lists it" "$("$CA" report locked)" \
	"^[0-9]+ +$BOB +Bob Holder +FA999 +no +[0-9T:-]+Z?"
tap_is "report renewal-limit (JSON, none yet)" "$("$CA" report renewal-limit --format json)" "[]"
tap_is "report --days only with expiring (2)" "$("$CA" report locked --days 3 >/dev/null 2>&1; echo $?)" 2
tap_is "report of an unknown kind (2)" "$("$CA" report everything >/dev/null 2>&1; echo $?)" 2

# --- CRL publishing (the CA's system account: no card) -----------------------------------
bobserial=$(openssl x509 -in "$CC_WORK/bob.pem" -noout -serial | cut -d= -f2)
www=$CC_WORK/www
tap_is "delta before any full CRL is refused (8)" "$("$CA" crl-publish --dir "$www" --delta >/dev/null 2>&1; echo $?)" 8
tap_ok "crl-publish writes full CRLs" "$CA" crl-publish --dir "$www"
op rita revoke --serial "$bobserial" --reason lost >>"$TAP_LOG" 2>&1
tap_ok "crl-publish --delta writes delta CRLs" "$CA" crl-publish --dir "$www" --delta
tap_is "stable names" "$(cd "$www" && ls | tr '\n' ' ')" \
	"authentication-g2-delta.crl authentication-g2.crl root-g2.crl signing-g2-delta.crl signing-g2.crl "
tap_ok "openssl verifies the full CRL against the Authentication CA" \
	openssl crl -inform DER -in "$www/authentication-g2.crl" -CAfile "$S/certs/authentication.pem" -noout
dtext=$(openssl crl -inform DER -in "$www/authentication-g2-delta.crl" -noout -text)
tap_like "the delta CRL is a delta CRL" "$dtext" "Delta CRL Indicator: critical"
tap_like "the delta CRL lists the revocation" "$dtext" "Serial Number: 0*$bobserial"
audit_ok "CRLs"

# --- CRL schedule from the installed policy (crl section) -----------------------------------
# Seconds from lastUpdate to nextUpdate of a DER CRL, as openssl reads them.
crl_span() {
	openssl crl -inform DER -in "$1" -noout -nextupdate -lastupdate >"$CC_WORK/span" \
		2>>"$TAP_LOG" || { echo "unreadable"; return; }
	_last=$(sed -n 's/^lastUpdate=//p' "$CC_WORK/span")
	_next=$(sed -n 's/^nextUpdate=//p' "$CC_WORK/span")
	echo $(( $(date -u -d "$_next" +%s) - $(date -u -d "$_last" +%s) ))
}
# The decimal CRL number of a DER CRL.
crl_number() {
	printf '%d' "$(openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/^crlNumber=//')"
}
tap_is "full CRL: nextUpdate = thisUpdate + crl.next-update (NHS 7d)" \
	"$(crl_span "$www/authentication-g2.crl")" 604800
tap_is "delta CRL: nextUpdate = thisUpdate + crl.delta-next-update (NHS 4h)" \
	"$(crl_span "$www/signing-g2-delta.crl")" 14400
# The on-demand "crl" command follows the same schedule as crl-publish.
"$CA" crl --issuer signing --der --out "$CC_WORK/od-full.crl" >>"$TAP_LOG" 2>&1
tap_is "crl: nextUpdate = crl.next-update (NHS 7d)" "$(crl_span "$CC_WORK/od-full.crl")" 604800
"$CA" crl --issuer signing --delta --der --out "$CC_WORK/od-delta.crl" >>"$TAP_LOG" 2>&1
tap_is "crl --delta: nextUpdate = crl.delta-next-update (NHS 4h)" \
	"$(crl_span "$CC_WORK/od-delta.crl")" 14400
printf 'version: 1\ncrl:\n  full-interval: 12h\n  next-update: 2d\n  delta-interval: 2h\n  delta-next-update: 3h\n' \
	>"$CC_WORK/crl-2d.yaml"
tap_is "crl-publish --policy is no option: the CA's policy is the installed one (2)" \
	"$("$CA" crl-publish --dir "$www" --policy "$CC_WORK/crl-2d.yaml" >/dev/null 2>&1; echo $?)" 2
CARECARD_POLICY=$CC_WORK/crl-2d.yaml "$CA" crl-publish --dir "$www" >>"$TAP_LOG" 2>&1
tap_is "\$CARECARD_POLICY does not change the CA's schedule (still 7d)" \
	"$(crl_span "$www/signing-g2.crl")" 604800
tap_ok "the RA manager installs a policy with a 2-day CRL schedule" \
	op alice policy-install "$CC_WORK/crl-2d.yaml"
"$CA" crl-publish --dir "$www" >>"$TAP_LOG" 2>&1
tap_is "crl-publish: nextUpdate follows the installed policy (2d)" "$(crl_span "$www/signing-g2.crl")" 172800
"$CA" crl-publish --dir "$www" --delta >>"$TAP_LOG" 2>&1
tap_is "crl-publish --delta: the delta's nextUpdate follows it (3h)" \
	"$(crl_span "$www/authentication-g2-delta.crl")" 10800
"$CA" crl-publish --dir "$www" --next-update 3 >>"$TAP_LOG" 2>&1
tap_is "--next-update 3 overrides the policy" "$(crl_span "$www/authentication-g2.crl")" 259200
"$CA" crl --issuer signing --der --out "$CC_WORK/od-2d.crl" >>"$TAP_LOG" 2>&1
tap_is "crl: nextUpdate follows the installed policy (2d)" "$(crl_span "$CC_WORK/od-2d.crl")" 172800
"$CA" crl --issuer signing --delta --der --out "$CC_WORK/od-3h.crl" >>"$TAP_LOG" 2>&1
tap_is "crl --delta: the delta's nextUpdate follows it (3h)" \
	"$(crl_span "$CC_WORK/od-3h.crl")" 10800
"$CA" crl --issuer signing --der --next-update 5 --out "$CC_WORK/od-n.crl" >>"$TAP_LOG" 2>&1
tap_is "crl --next-update 5 overrides the policy" "$(crl_span "$CC_WORK/od-n.crl")" 432000
tap_is "--if-due with --delta is a usage error (2)" \
	"$("$CA" crl-publish --dir "$www" --if-due --delta >/dev/null 2>&1; echo $?)" 2

op alice policy-install "$top_srcdir/policy/nhs.yaml" >>"$TAP_LOG" 2>&1
sched=$CC_WORK/www-sched
out=$("$CA" crl-publish --dir "$sched" --if-due 2>>"$TAP_LOG")
tap_like "--if-due (NHS again), nothing published yet: full then delta, both CAs" "$(echo $out)" \
	"^authentication full CRL [0-9]+ -> .* authentication delta CRL [0-9]+ -> .* signing full CRL [0-9]+ -> .* signing delta CRL [0-9]+ -> .* root full CRL [0-9]+ -> "
tap_is "the new delta names the full CRL just published as its base" \
	"$(openssl crl -inform DER -in "$sched/authentication-g2-delta.crl" -noout -text |
	   sed -n '/Delta CRL Indicator/{n;s/ //gp}')" "$(crl_number "$sched/authentication-g2.crl")"
cp "$sched/authentication-g2.crl" "$CC_WORK/auth-before.crl"
cp "$sched/signing-g2-delta.crl" "$CC_WORK/sdelta-before.crl"
number_before=$(q "SELECT value FROM config WHERE key = 'crl.authentication.number'")
out=$("$CA" crl-publish --dir "$sched" --if-due 2>&1); rc=$?
tap_is "--if-due again at once: exit 0, publishes nothing" "$rc|$out" "0|"
tap_ok "the full CRL on disk is unchanged" cmp "$sched/authentication-g2.crl" "$CC_WORK/auth-before.crl"
tap_ok "the delta CRL on disk is unchanged" cmp "$sched/signing-g2-delta.crl" "$CC_WORK/sdelta-before.crl"
tap_is "no CRL number was used" \
	"$(q "SELECT value FROM config WHERE key = 'crl.authentication.number'")" "$number_before"
rm -f "$sched/authentication-g2-delta.crl"
tap_is "--if-due with one delta missing publishes only that one" \
	"$("$CA" crl-publish --dir "$sched" --if-due 2>>"$TAP_LOG" | sed 's/ [0-9]* -> .*//')" \
	"authentication delta CRL"
echo "not a CRL" >"$sched/signing-g2.crl"
tap_like "--if-due replaces a broken full CRL, then its delta" \
	"$("$CA" crl-publish --dir "$sched" --if-due 2>>"$TAP_LOG" | tr '\n' ' ')" \
	"^signing full CRL [0-9]+ -> .* signing delta CRL [0-9]+ -> "
tap_ok "... with a CRL openssl reads" \
	openssl crl -inform DER -in "$sched/signing-g2.crl" -CAfile "$S/certs/signing.pem" -noout

printf 'version: 1\ncrl:\n  delta-interval: 0\n' >"$CC_WORK/no-delta.yaml"
op alice policy-install "$CC_WORK/no-delta.yaml" >>"$TAP_LOG" 2>&1
nodelta=$CC_WORK/www-nodelta
"$CA" crl-publish --dir "$nodelta" --if-due >>"$TAP_LOG" 2>&1
tap_is "delta-interval 0: --if-due publishes the full CRLs and no delta" \
	"$(cd "$nodelta" && ls | tr '\n' ' ')" "authentication-g2.crl root-g2.crl signing-g2.crl "
out=$(refused "$CA" crl-publish --dir "$nodelta" --delta)
tap_like "delta-interval 0: --delta is refused by the policy (8)" "$out" \
	"^8\|.*refused by crl.delta-interval: the policy publishes no delta CRLs"
tap_is "...and writes nothing" "$(cd "$nodelta" && ls | tr '\n' ' ')" "authentication-g2.crl root-g2.crl signing-g2.crl "
out=$(refused "$CA" crl --issuer signing --delta --out "$CC_WORK/never.crl")
tap_like "delta-interval 0: crl --delta is refused by the policy (8)" "$out" \
	"^8\|.*refused by crl.delta-interval: the policy publishes no delta CRLs"
tap_is "crl: ... and no CRL is written" "$([ -e "$CC_WORK/never.crl" ] && echo written)" ""
printf 'version: 1\ncrl:\n  next-update: 1d\n' >"$CC_WORK/crl-bad.yaml"
out=$(refused op alice policy-install "$CC_WORK/crl-bad.yaml")
tap_like "a contradictory crl policy is refused at file:line:column (5)" "$out" \
	"^5\|.*crl-bad.yaml:3:3: crl.next-update: next-update must be longer than full-interval"
tap_ok "... and the installed policy stays" cmp "$S/policy.yaml" "$CC_WORK/no-delta.yaml"
tap_is "... and no policy-install is recorded for it" \
	"$(q "SELECT count(*) FROM audit WHERE action = 'policy-install'")" 4
audit_ok "CRL schedule"

audit_ok "end"
cleanup_log() { [ "$tap_failed" -eq 0 ] || cat "$TAP_LOG" >&2; }
cleanup_log
tap_done
