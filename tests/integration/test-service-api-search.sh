#!/bin/sh
# Integration: the portal's directory search (issue 17), GET
# /api/v1/people?q=TEXT, end to end on real components — carecard-ca serve
# over HTTPS and curl authenticating with each person's card through
# OpenSSL's PKCS#11 engine (as test-service-api.sh). The library's person
# search answers behind the gate (separation-of-duties.operations.lookup)
# and scopes it: the RA manager finds anyone; a sponsor finds the people of
# their own organisation and nobody of another, by name or by UUID, and
# opens only their records (GET /api/v1/people/UUID); a
# holder without an RA role is refused 403 naming the rule; no client
# certificate is 401; a malformed query is 400 and every answer is JSON.
# Results hold uuid, name and organisations, never contact details. The
# Search page is served with the portal's security headers.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 31
BOB=200000000002	# a holder, no RA role, at FB456
CAROL=300000000003	# at FA123, no card
FRANK=600000000006	# sponsor at FA123
HANK=800000000008	# at FB456, no card
LENA=500000000005	# at FL999, a locum agency where Frank also works

trap 'svc_stop; cc_cleanup' EXIT
trap '' PIPE

ca_init
pin bob 5678; pin frank 9753
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder" --email bob@example.nhs.uk
person $CAROL "Carol Colleague" --email carol@example.nhs.uk --mobile +447700900123
person $FRANK "Frank Sponsor" --ra-role sponsor
person $HANK "Hank Elsewhere" --email hank@example.nhs.uk
person $LENA "Lena Locum"
op org-add --ods FA123 --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op org-add --ods FB456 --name "Other Pharmacy" >>"$TAP_LOG" 2>&1
op org-add --ods FL999 --name "Locum Agency" --locum >>"$TAP_LOG" 2>&1
op position-add --holder $FRANK --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $CAROL --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $HANK --role dispenser --ods FB456 >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FB456 >>"$TAP_LOG" 2>&1
op position-add --holder $FRANK --role dispenser --ods FL999 >>"$TAP_LOG" 2>&1
op position-add --holder $LENA --role dispenser --ods FL999 >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
cc_blank_card 3
as alice frank "$CA" issue-card --holder $FRANK --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
A=$(card_serial 1) B=$(card_serial 2) F=$(card_serial 3)
tap_ok "Bob's and Frank's cards issued" test -n "$B" -a -n "$F"

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
# The UUIDs found, in order, comma-separated.
found() { json '",".join(p["uuid"] for p in j["people"])'; }

# --- allowed: the RA manager finds anyone ----------------------------------
tap_is "Alice (RA manager) searches 'r': 200 JSON" "$(AS=alice api '/api/v1/people?q=r')" \
	"200 application/json"
tap_is "... everyone whose name holds an r, by name" "$(found)" "$ALICE,$BOB,$CAROL,$FRANK,$HANK"
tap_is "... each with uuid, name and organisations, and nothing else" \
	"$(json '[sorted(p.keys()) for p in j["people"]][2], j["people"][2]["name"], j["people"][2]["organisations"]')" \
	"(['name', 'organisations', 'uuid'], 'Carol Colleague', ['FA123'])"
tap_is "... no contact details in the answer" "$(grep -c '@example\|7700' "$CC_WORK/body")" 0
tap_is "... Lena too, at the locum agency" "$(AS=alice api '/api/v1/people?q=lena' >/dev/null; found)" "$LENA"
tap_is "... any case of a name fragment" \
	"$(AS=alice api '/api/v1/people?q=hANK' >/dev/null; found)" "$HANK"
tap_is "... the first digits of a UUID" \
	"$(AS=alice api '/api/v1/people?q=3000' >/dev/null; found)" "$CAROL"
tap_is "... nobody matching: 200, an empty list" \
	"$(AS=alice api '/api/v1/people?q=Zebedee' | cut -d' ' -f1)/$(found)/$(json 'j["truncated"]')" \
	"200//False"

# --- a sponsor: their own organisation only --------------------------------
tap_is "Frank (sponsor at FA123) searches 'r': 200, only FA123's people" \
	"$(AS=frank api '/api/v1/people?q=r' | cut -d' ' -f1)/$(found)" "200/$CAROL,$FRANK"
tap_is "... Carol, his colleague, by name" \
	"$(AS=frank api '/api/v1/people?q=carol' >/dev/null; found)" "$CAROL"
tap_is "... not Hank (FB456), by name" \
	"$(AS=frank api '/api/v1/people?q=Hank' | cut -d' ' -f1)/$(found)" "200/"
tap_is "... nor by UUID" "$(AS=frank api "/api/v1/people?q=$HANK" >/dev/null; found)" ""
tap_is "... nor Bob, who holds a card at FB456" \
	"$(AS=frank api '/api/v1/people?q=Bob' >/dev/null; found)" ""
tap_is "... nor Lena: his own position there is a locum one (separation-of-duties.locum-may-act)" \
	"$(AS=frank api '/api/v1/people?q=Lena' >/dev/null; found)" ""
tap_is "... he opens Carol's record (GET /api/v1/people/UUID): 200" \
	"$(AS=frank api "/api/v1/people/$CAROL" | cut -d' ' -f1)/$(json 'j["uuid"]')" "200/$CAROL"
tap_is "... not Hank's: 403, naming the rule" \
	"$(AS=frank api "/api/v1/people/$HANK" | cut -d' ' -f1)/$(json 'j["rule"]')" \
	"403/separation-of-duties.same-organisation"
tap_is "... nothing of Hank's in the answer, the refusal on record" \
	"$(grep -c 'hank@\|Elsewhere' "$CC_WORK/body")/$(sql "SELECT count(*) FROM audit WHERE
		action = 'person-show-refused' AND actor = '$FRANK' AND subject = '$HANK'")" "0/1"

# --- refused ---------------------------------------------------------------
tap_is "Bob (no RA role) searches: 403, naming the rule" \
	"$(AS=bob api '/api/v1/people?q=Carol' | cut -d' ' -f1)/$(json 'j["error"]')/$(json 'j["rule"]')" \
	"403/refused/separation-of-duties.operations.lookup"
tap_is "... nobody's name in the answer" "$(grep -c 'Carol\|Colleague' "$CC_WORK/body")" 0
tap_is "... his refusal is in the audit log" \
	"$(sql "SELECT count(*) FROM audit WHERE action = 'person-search-refused' AND actor = '$BOB'")" 1
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code}' \
	"$SERVER/api/v1/people?q=Carol" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401 no-client-cert, nobody found" \
	"$out/$(json 'j["error"]')/$(grep -c Carol "$CC_WORK/body")" "401/no-client-cert/0"

# --- malformed -------------------------------------------------------------
bad=
for q in '' '?q=' '?x=Carol' '?q=Carol&q=Hank' '?q=Carol&x=1' \
	"?q=$(head -c 65 /dev/zero | tr '\0' a)" '?q=Car%00ol' '?q=%01' '?q=1234567890123'; do
	st=$(AS=alice api "/api/v1/people$q" | cut -d' ' -f1)/$(json 'j["error"]')
	[ "$st" = 400/bad-request ] || bad="$bad [$q: $st]"
done
tap_is "malformed queries (none, empty, unknown or repeated parameter, too long, NUL, control character, 13 digits): 400 JSON" \
	"$bad" ""
tap_is "... saying what to send" \
	"$(AS=alice api '/api/v1/people?x=1' >/dev/null; json '"q=TEXT" in j["message"]')" True
tap_is "POST: 405, GET and HEAD allowed" \
	"$(AS=alice api '/api/v1/people?q=e' -X POST -H 'Sec-Fetch-Site: same-origin' \
		-H 'Content-Type: application/json' --data '{}' | cut -d' ' -f1)/$(json 'j["error"]')" \
	"405/method-not-allowed"

# --- the Search page -----------------------------------------------------
curl -sS --max-time 30 --cacert "$ROOT" -D "$CC_WORK/hdr" -o "$CC_WORK/page" \
	-w '%{http_code} %{content_type}' "$SERVER/portal/search?q=Carol" >"$CC_WORK/st" 2>>"$TAP_LOG"
tap_is "GET /portal/search: the Search page, HTML, with the strict CSP" \
	"$(cat "$CC_WORK/st")|$(grep -c '<h1>Search</h1>' "$CC_WORK/page")|$(hdr "$CC_WORK/hdr" Content-Security-Policy | cut -c1-34)" \
	"200 text/html; charset=utf-8|1|default-src 'none'; script-src 'se"
curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/search.js" "$SERVER/portal/search.js" 2>>"$TAP_LOG"
tap_is "... its script calls the API and writes no markup" \
	"$(grep -c "getJSON('/api/v1/people?q=" "$CC_WORK/search.js")/$(cat "$CC_WORK/page" "$CC_WORK/search.js" | grep -c 'innerHTML\|outerHTML\|insertAdjacentHTML\|document\.write\|eval(\|<style\|style=\| on[a-z]*=')" \
	"1/0"

# --- a revoked card ------------------------------------------------------
op cancel-card --card "$F" --reason stolen >>"$TAP_LOG" 2>&1
tap_is "Frank's card cancelled (its certificates revoked)" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$F' AND status = 'revoked'")" 2
out=$(AS=frank api '/api/v1/people?q=Carol')
case $out in 000*) r=tls-refused ;; 403*) r=$(json 'j["error"]') ;; *) r=$out ;; esac
tap_like "... with it, searching and opening a record are refused (TLS alert or 403)" \
	"$r/$(AS=frank api "/api/v1/people/$CAROL" | cut -c1-3)" "^(tls-refused|refused)/(000|403)$"
tap_ok "the service is still up" kill -0 "$SVC_PID"
tap_ok "the audit chain verifies" audit_ok
