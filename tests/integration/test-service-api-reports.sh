#!/bin/sh
# Integration: the portal's reports, TAC ledger and audit history (issue 17)
# end to end on real components — carecard-ca serve over HTTPS and curl
# authenticating with each person's card through OpenSSL's PKCS#11 engine
# (as test-service-api.sh). GET /api/v1/reports/KIND answers the library's
# reports (expiring, locked, renewal-limit, users-per-org) as JSON, and as
# CSV to download (?format=csv or Accept: text/csv, Content-Disposition:
# attachment) that python3's csv module reads back to the same rows, a cell
# a spreadsheet would run as a formula ("=...") neutralised; expiring-weeks
# counts the certificates expiring in each of the next 13 weeks (the
# Reports page's chart); GET /api/v1/tac gives the TAC pool and the usage
# ledger (who used which TAC when); GET /api/v1/people/UUID/history a
# person's audit entries, newest first, with the reading of their contact
# details in the audit log, scoped like the person's record (a sponsor:
# their own organisations' people). The reports and the TAC pool are scoped
# as the directory search is: the RA manager sees the national data, a
# sponsor only their own organisation's (not another's, nor a locum
# agency's). A holder without an RA role is refused
# 403 naming the rule; malformed parameters are 400, an unknown report
# 404; no client certificate 401; a cancelled card is refused.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 52
BOB=200000000002	# a holder, no RA role, at FA123
FRANK=600000000006	# sponsor at FA123, the TAC's custodian
HANK=800000000008	# at FB456, a card (not in a reader), custodian of FB456's TAC
FORMULA='=HYPERLINK("http://evil.example/","click")'	# an organisation's name
NOTE='@SUM(1+1) night shift'				# a TAC use's note

trap 'svc_stop; cc_cleanup' EXIT
trap '' PIPE

ca_init
pin bob 5678; pin frank 9753; pin hank 2468
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder" --email bob@example.nhs.uk
person $FRANK "Frank Sponsor" --ra-role sponsor
person $HANK "Hank Elsewhere" --email hank@example.nhs.uk
op org-add --ods FA123 --name "$FORMULA" >>"$TAP_LOG" 2>&1
op org-add --ods FB456 --name "Other Pharmacy, Ltd" >>"$TAP_LOG" 2>&1
op org-add --ods FL999 --name "Locum Agency" --locum >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $FRANK --role pharmacist --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $HANK --role dispenser --ods FB456 >>"$TAP_LOG" 2>&1
op position-add --holder $FRANK --role dispenser --ods FL999 >>"$TAP_LOG" 2>&1
# Hank's card (kept in a file: three readers) and an idle TAC in FB456's
# pool, used once — rows a sponsor at FA123 must not see. The use is
# seeded in the registry: recording it needs the TAC active for him.
cc_blank_card 2
as alice hank "$CA" issue-card --holder $HANK --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/hank.card" >>"$TAP_LOG" 2>&1
TB=990000000001
op card-add --serial $TB --tac >>"$TAP_LOG" 2>&1
op tac-add --serial $TB --custodian $HANK --positions dispenser@FB456 >>"$TAP_LOG" 2>&1
sql "INSERT INTO tac_uses (serial, holder, custodian, time, note) VALUES
	('$TB', '$HANK', '$HANK', 1700000000, 'seeded')"
cc_blank_card 3
as alice frank "$CA" issue-card --holder $FRANK --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
# A TAC from FA123's pool, activated for Bob for 7 days, one use recorded.
cc_blank_card 2
T=$(card_serial 2)
op card-add --serial "$T" --tac >>"$TAP_LOG" 2>&1
op tac-add --serial "$T" --custodian $FRANK --positions dispenser@FA123 >>"$TAP_LOG" 2>&1
as frank bob "$CA" tac-activate --holder $BOB --reader 2 --operator-reader 3 --period 7d \
	--reason "card left at home" >>"$TAP_LOG" 2>&1
as frank - "$CA" tac-use --serial "$T" --holder $BOB --note "$NOTE" --operator-reader 3 \
	>>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/tac.card" >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
A=$(card_serial 1) B=$(card_serial 2) F=$(card_serial 3)
tap_ok "Bob's, Frank's and Hank's cards, an active TAC with one use, FB456's TAC" \
	test -n "$B" -a -n "$F" -a "$(sql "SELECT count(*) FROM tac_uses WHERE serial = '$T'")" = 1 \
	-a "$(sql "SELECT count(*) FROM certificates WHERE holder = '$HANK' AND status = 'valid'")" = 2 \
	-a "$(sql "SELECT org FROM tac_pool WHERE serial = '$TB'")" = FB456

printf 'serve:\n  portal: %s\n' "$top_srcdir/ca/service/portal" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
ROOT=$S/certs/root.pem
cc_engine_conf "$CC_WORK/openssl-alice.cnf" 1234
cc_engine_conf "$CC_WORK/openssl-bob.cnf" 5678
cc_engine_conf "$CC_WORK/openssl-frank.cnf" 9753

# AS=WHO api PATH [curl options...]: GET with WHO's card (alice, bob or
# frank); the body to $CC_WORK/body, prints "STATUS CONTENT-TYPE"
api() {
	case $AS in alice) _c=$A ;; bob) _c=$B ;; frank) _c=$F ;; esac
	_p=$1
	shift
	card_curl "$_c" "$CC_WORK/openssl-$AS.cnf" "$@" "$SERVER$_p"
}
# status and error/rule of the last answer: "STATUS/ERROR/RULE"
refused() { echo "$1/$(json 'j.get("error")')/$(json 'j.get("rule")')"; }
# same_rows JSON CSV: "same" when the CSV (python3's csv module) has the
# JSON's columns and rows, formula cells read back without their guard quote
same_rows() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
with open(sys.argv[2], newline="") as f:
    rows = list(csv.reader(f))
def cell(v):
    return "" if v is None else str(v)
def unguard(v):
    return v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@") else v
want = [j["columns"]] + [[cell(r[c]) for c in j["columns"]] for r in j["rows"]]
got = [[unguard(v) for v in r] for r in rows]
print("same" if got == want and len(rows) > 1 else "differ: %r / %r" % (got, want))
PY
}

# --- reports: JSON and CSV ---------------------------------------------------
tap_is "Alice (RA manager): users-per-org as JSON" \
	"$(AS=alice api /api/v1/reports/users-per-org)" "200 application/json"
cp "$CC_WORK/body" "$CC_WORK/orgs.json"
tap_is "... a row per organisation, the registry's name as it is (JSON is no spreadsheet)" \
	"$(json '[(r["ods"], r["name"], r["users"]) for r in j["rows"]]')" \
	"[('FA123', '$FORMULA', 2), ('FB456', 'Other Pharmacy, Ltd', 1), ('FL999', 'Locum Agency', 1)]"
tap_is "... as CSV with ?format=csv: a download" \
	"$(AS=alice api '/api/v1/reports/users-per-org?format=csv' -D "$CC_WORK/hdr")|$(hdr "$CC_WORK/hdr" Content-Disposition)" \
	"200 text/csv; charset=utf-8|attachment; filename=\"carecard-users-per-org.csv\""
cp "$CC_WORK/body" "$CC_WORK/orgs.csv"
tap_is "... the same rows as the JSON (python3's csv module)" \
	"$(same_rows "$CC_WORK/orgs.json" "$CC_WORK/orgs.csv")" same
tap_is "... the formula neutralised: a quote first, inside quotes" \
	"$(/usr/bin/python3 -c 'import csv, sys; print([r[1] for r in csv.reader(open(sys.argv[1], newline=""))][1])' "$CC_WORK/orgs.csv")|$(grep -c '^FA123,"'"'"'=HYPERLINK(""http' "$CC_WORK/orgs.csv")" \
	"'$FORMULA|1"
tap_is "... and no line of it starts a cell with '='" "$(grep -c '\(^\|,\)=' "$CC_WORK/orgs.csv")" 0
tap_is "Accept: text/csv gets CSV too" \
	"$(AS=alice api /api/v1/reports/users-per-org -H 'Accept: text/csv' | cut -d' ' -f1-2)" \
	"200 text/csv;"
tap_is "... unless ?format=json says otherwise" \
	"$(AS=alice api '/api/v1/reports/users-per-org?format=json' -H 'Accept: text/csv')" \
	"200 application/json"
tap_is "expiring?days=3650: all ten valid certificates (Alice, Frank, Bob, Bob's TAC, Hank)" \
	"$(AS=alice api '/api/v1/reports/expiring?days=3650' | cut -d' ' -f1)/$(json 'len(j["rows"]), j["days"]')" \
	"200/(10, 3650)"
tap_is "... soonest first: the TAC's, in 6 days" \
	"$(json '[(r["card"], r["days_left"]) for r in j["rows"]][:2]')" "[('$T', 6), ('$T', 6)]"
cp "$CC_WORK/body" "$CC_WORK/exp.json"
AS=alice api '/api/v1/reports/expiring?days=3650&format=csv' >/dev/null
tap_is "... its CSV: the same rows" "$(same_rows "$CC_WORK/exp.json" "$CC_WORK/body")" same
tap_is "expiring without days: the policy's renewal window" \
	"$(AS=alice api /api/v1/reports/expiring | cut -d' ' -f1)/$(json 'j["days"], len(j["rows"])')" \
	"200/(None, 2)"
tap_is "locked and renewal-limit answer (nothing to list: a header only in CSV)" \
	"$(AS=alice api /api/v1/reports/locked | cut -d' ' -f1)/$(json 'j["rows"], j["columns"][0]')/$(AS=alice api /api/v1/reports/renewal-limit?format=csv | cut -d' ' -f1)/$(tr -d '\r' <"$CC_WORK/body")" \
	"200/([], 'card')/200/uuid,name,card,renewals,self_renewals,needs"
tap_is "expiring-weeks: 13 weeks, from today" \
	"$(AS=alice api /api/v1/reports/expiring-weeks | cut -d' ' -f1)/$(json 'len(j["rows"]), j["rows"][0]["week"], j["rows"][0]["from"], j["rows"][-1]["to"]')" \
	"200/(13, 1, '$(date -u +%F)', '$(date -u -d '+90 days' +%F)')"
tap_is "... the TAC's two certificates in week 1, nothing else within 90 days" \
	"$(json '[r["certificates"] for r in j["rows"]]')" "[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
tap_is "... the same count as expiring?days=90" \
	"$(AS=alice api '/api/v1/reports/expiring?days=90' >/dev/null; json 'len(j["rows"])')" 2
tap_is "Frank (sponsor: the reports duty) runs a report" \
	"$(AS=frank api /api/v1/reports/locked | cut -d' ' -f1)" 200

# --- reports: a sponsor's are his own organisation's ------------------------
tap_is "Frank's users-per-org: FA123 only (not FB456, nor the locum agency he works at)" \
	"$(AS=frank api /api/v1/reports/users-per-org | cut -d' ' -f1)/$(json '[(r["ods"], r["users"]) for r in j["rows"]]')" \
	"200/[('FA123', 2)]"
tap_is "... its CSV too: no other organisation's line" \
	"$(AS=frank api '/api/v1/reports/users-per-org?format=csv' | cut -d' ' -f1)/$(grep -c 'FB456\|FL999' "$CC_WORK/body")/$(grep -c '^FA123,' "$CC_WORK/body")" \
	"200/0/1"
tap_is "Frank's expiring?days=3660: FA123's holders' six (his, Bob's, Bob's TAC), not Hank's or Alice's" \
	"$(AS=frank api '/api/v1/reports/expiring?days=3660' | cut -d' ' -f1)/$(json 'len(j["rows"]), sorted(set(r["uuid"] for r in j["rows"]))')" \
	"200/(6, ['$BOB', '$FRANK'])"
tap_is "... nothing of Hank's in the answer" "$(grep -c "$HANK\|Hank" "$CC_WORK/body")" 0

# --- reports: refused, malformed, unknown ----------------------------------
tap_is "Bob (no RA role): 403 naming the rule" \
	"$(refused "$(AS=bob api /api/v1/reports/users-per-org | cut -d' ' -f1)")" \
	"403/refused/separation-of-duties.operations.reports"
tap_is "... his CSV request too, answered as JSON" \
	"$(AS=bob api '/api/v1/reports/users-per-org?format=csv' | cut -d' ' -f1-2)/$(grep -c FA123 "$CC_WORK/body")" \
	"403 application/json/0"
bad=
for q in 'expiring?days=abc' 'expiring?days=-1' 'expiring?days=99999' 'expiring?days=1&days=2' \
	'locked?days=3' 'locked?format=xml' 'locked?format=csv&format=json' 'users-per-org?x=1' \
	'expiring?days=%00'; do
	[ "$(AS=alice api "/api/v1/reports/$q" | cut -d' ' -f1)/$(json 'j["error"]')" = 400/bad-request ] ||
		bad="$bad $q"
done
tap_is "malformed parameters: 400 (days not a number, twice, where none is taken...)" "$bad" ""
tap_is "an unknown report: 404" \
	"$(AS=alice api /api/v1/reports/everyone | cut -d' ' -f1)/$(json 'j["error"]')/$(AS=alice api /api/v1/reports/ | cut -d' ' -f1)" \
	"404/not-found/404"
tap_is "POST to a report: 405" \
	"$(AS=alice api /api/v1/reports/locked -X POST -H 'Sec-Fetch-Site: same-origin' -H 'Content-Type: application/json' --data '{}' | cut -d' ' -f1)" \
	405
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code}' \
	"$SERVER/api/v1/reports/users-per-org?format=csv" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401, no rows" "$out/$(json 'j["error"]')/$(grep -c FA123 "$CC_WORK/body")" \
	"401/no-client-cert/0"

# --- the TAC pool and its ledger --------------------------------------------
tap_is "GET /api/v1/tac (Alice): the pool, the TAC active for Bob, one use; FB456's" \
	"$(AS=alice api /api/v1/tac | cut -d' ' -f1)/$(json '[(p["serial"], p["ods"], p["custodian"], p["state"], p["holder"], p["uses"]) for p in j["pool"]]')" \
	"200/[('$T', 'FA123', '$FRANK', 'tac-active', '$BOB', 1), ('$TB', 'FB456', '$HANK', 'blank', None, 1)]"
tap_is "... the ledger: who used it, recorded by whom, why (every organisation's)" \
	"$(json '[(u["serial"], u["holder"], u["name"], u["custodian"], u["note"]) for u in j["uses"]]')" \
	"[('$T', '$BOB', 'Bob Holder', '$FRANK', '$NOTE'), ('$TB', '$HANK', 'Hank Elsewhere', '$HANK', 'seeded')]"
tap_is "Frank (sponsor at FA123): FA123's TAC and its use only" \
	"$(AS=frank api /api/v1/tac | cut -d' ' -f1)/$(json '[p["serial"] for p in j["pool"]], [u["serial"] for u in j["uses"]]')" \
	"200/(['$T'], ['$T'])"
tap_is "... nothing of FB456's pool in the answer" "$(grep -c "$TB\|FB456\|seeded" "$CC_WORK/body")" 0
AS=alice api /api/v1/tac >/dev/null
tap_is "... and when (the registry's time)" "$(json 'j["uses"][0]["time"]')" \
	"$(date -u -d "@$(sql "SELECT time FROM tac_uses WHERE serial = '$T'")" +%Y-%m-%dT%H:%M:%SZ)"
tap_is "Bob: 403 naming the rule" "$(refused "$(AS=bob api /api/v1/tac | cut -d' ' -f1)")" \
	"403/refused/separation-of-duties.operations.reports"
tap_is "a parameter: 400" "$(AS=alice api '/api/v1/tac?all=1' | cut -d' ' -f1)" 400

# --- a person's audit history ----------------------------------------------
before=$(sql "SELECT count(*) FROM audit WHERE action = 'person-show' AND subject = '$BOB' AND actor = '$ALICE'")
history=$(sql "SELECT id FROM audit WHERE subject IN ('$BOB', '$T', '$B') OR subject IN
	(SELECT serial FROM certificates WHERE holder = '$BOB') ORDER BY id DESC" | paste -sd, -)
tap_is "Alice reads Bob's history: 200, his identity, no contact details" \
	"$(AS=alice api /api/v1/people/$BOB/history | cut -d' ' -f1)/$(json 'j["uuid"], j["name"], "email" in j, j["truncated"]')" \
	"200/('$BOB', 'Bob Holder', False, False)"
tap_is "... his audit entries newest first, the registry's (his TAC's use among them)" \
	"$(json '",".join(str(h["id"]) for h in j["history"])')/$(json '"tac-use" in [h["action"] for h in j["history"]]')" \
	"$history/True"
tap_is "... and her reading of his contact details is in the audit log" \
	"$(sql "SELECT count(*) FROM audit WHERE action = 'person-show' AND subject = '$BOB' AND actor = '$ALICE' AND details LIKE '%contact%'")" \
	$((before + 1))
tap_is "?limit=2: the two newest, and more said" \
	"$(AS=alice api "/api/v1/people/$BOB/history?limit=2" | cut -d' ' -f1)/$(json 'len(j["history"]), j["truncated"], j["history"][0]["action"]')" \
	"200/(2, True, 'person-show')"
tap_is "Frank (sponsor at FA123) reads Bob's: 200" \
	"$(AS=frank api /api/v1/people/$BOB/history | cut -d' ' -f1)" 200
tap_is "... Hank's, at another organisation: 403 naming the rule, nothing of his" \
	"$(refused "$(AS=frank api /api/v1/people/$HANK/history | cut -d' ' -f1)")/$(grep -c "Hank\|hank@" "$CC_WORK/body")" \
	"403/refused/separation-of-duties.same-organisation/0"
tap_is "Bob (no RA role) reading Alice's: 403 naming the rule" \
	"$(refused "$(AS=bob api /api/v1/people/$ALICE/history | cut -d' ' -f1)")" \
	"403/refused/separation-of-duties.operations.lookup"
bad=
for p in 12ab/history "$BOB/history?limit=0" "$BOB/history?limit=abc" "$BOB/history?limit=1&limit=2" \
	"$BOB/history?since=1" 1234567890123456789012345678901234567890/history; do
	[ "$(AS=alice api "/api/v1/people/$p" | cut -d' ' -f1)" = 400 ] || bad="$bad $p"
done
tap_is "malformed UUID or limit: 400" "$bad" ""
tap_is "nobody by that UUID: 404" "$(AS=alice api /api/v1/people/999999999999/history | cut -d' ' -f1)" 404
tap_is "the person record itself still answers at /api/v1/people/UUID" \
	"$(AS=alice api /api/v1/people/$BOB | cut -d' ' -f1)/$(json '"cards" in j')" "200/True"

# --- the pages ---------------------------------------------------------------
CSP_WANT="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
bad=
for f in reports:text/html tac:text/html reports.js:text/javascript tac.js:text/javascript; do
	out=$(curl -sS --max-time 30 --cacert "$ROOT" -D "$CC_WORK/hdr" -o "$CC_WORK/page-${f%%:*}" \
		-w '%{http_code} %{content_type}' "$SERVER/portal/${f%%:*}" 2>>"$TAP_LOG")
	[ "$out|$(hdr "$CC_WORK/hdr" Content-Security-Policy)" = "200 ${f#*:}; charset=utf-8|$CSP_WANT" ] ||
		bad="$bad ${f%%:*}"
done
tap_is "/portal/reports and /portal/tac, their scripts: served with the strict CSP" "$bad" ""
tap_is "... no inline script, style or handler; the scripts write no markup" \
	"$(cat "$CC_WORK/page-reports" "$CC_WORK/page-tac" | grep -ci '<script>\|<script [^>]*>[^<]\|<style\|style=\| on[a-z]*=')/$(cat "$CC_WORK/page-reports.js" "$CC_WORK/page-tac.js" | grep -c 'innerHTML\|outerHTML\|insertAdjacentHTML\|document\.write\|eval(')" \
	"0/0"

# --- a cancelled card -------------------------------------------------------
as alice - "$CA" cancel-card --card "$F" --reason stolen --operator-reader 1 >>"$TAP_LOG" 2>&1
tap_is "Frank's card cancelled (its certificates revoked)" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$F' AND status = 'revoked'")" 2
rm -f "$CC_WORK/body"
out=$(AS=frank api /api/v1/reports/users-per-org)
case $out in 000*) st=tls-refused ;; 403*) st=$(json 'j["error"]') ;; *) st=$out ;; esac
tap_like "with the cancelled card: refused (TLS alert or 403)" "$st" "^(tls-refused|refused)$"
tap_is "... and no report in the answer" "$(cat "$CC_WORK/body" 2>/dev/null | grep -c FA123)" 0
tap_ok "the service is still up" kill -0 "$SVC_PID"
tap_ok "the audit chain verifies" audit_ok
