#!/bin/sh
# Integration: registration requests in the portal's JSON API (issue 17)
# end to end on real components — carecard-ca serve over HTTPS and curl
# authenticating with each person's card through OpenSSL's PKCS#11 engine
# (as test-service-api.sh). A sponsor registers a holder (POST
# /api/v1/requests) for a position at their own organisation, never at
# another's; they read their own organisation's requests (GET
# /api/v1/requests, /requests/ID) and not another organisation's, which a
# sponsor there reads; they may not approve their own request (separation
# of duties: 403 with the rule) but may withdraw it; an RA agent reads every
# request and approves one with three identity documents (POST
# /requests/ID/approve), and the registry then holds it verified by them
# and the holder in their position; a request is approved once. Malformed
# ids, queries and bodies are 400, a cross-origin POST 403, no client
# certificate 401, a revoked card is refused. Every answer is JSON and the
# audit chain verifies.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
[ -n "$CC_ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 45
RITA=100000000003	# RA agent
SAM=100000000002	# sponsor at FA123
SUE=100000000004	# sponsor at FB456
HOLLY=300000000011	# a new starter at FA123
IVAN=300000000012	# another, whose request is withdrawn
JO=300000000013		# a new starter at FB456

trap 'svc_stop; cc_cleanup' EXIT
trap '' PIPE

ca_init
pin rita 3456; pin sam 2345; pin sue 4567
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $RITA "Rita Agent" --ra-role ra-agent
person $SAM "Sam Sponsor" --ra-role sponsor
person $SUE "Sue Sponsor" --ra-role sponsor
op org-add --ods FA123 --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op org-add --ods FB456 --name "Other Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $SAM --role pharmacist --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $SUE --role pharmacist --ods FB456 >>"$TAP_LOG" 2>&1
# Sue's card first, kept aside; then Sam's (reader 2) and Rita's (reader 3).
cc_blank_card 3
as alice sue "$CA" issue-card --holder $SUE --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
U=$(card_serial 3)
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/sue.card" >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice sam "$CA" issue-card --holder $SAM --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
cc_blank_card 3
as alice rita "$CA" issue-card --holder $RITA --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
S2=$(card_serial 2) R=$(card_serial 3)
tap_ok "Sue's, Sam's and Rita's cards issued" test -n "$U" -a -n "$S2" -a -n "$R"

printf 'serve:\n  public-url: https://portal.test.invalid:8443/\n  portal: %s\n' \
	"$top_srcdir/ca/service/portal" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
ROOT=$S/certs/root.pem
for p in rita:3456 sam:2345 sue:4567; do cc_engine_conf "$CC_WORK/openssl-${p%%:*}.cnf" "${p#*:}"; done

# AS=WHO api METHOD PATH [curl options...]: with WHO's card (sam, rita or
# sue); the body to $CC_WORK/body, prints "STATUS CONTENT-TYPE"
api() {
	case $AS in sam) _c=$S2 ;; rita) _c=$R ;; sue) _c=$U ;; esac
	_m=$1 _p=$2
	shift 2
	card_curl "$_c" "$CC_WORK/openssl-$AS.cnf" -X "$_m" "$@" "$SERVER$_p"
}
# AS=WHO post PATH JSON: a POST as the portal's own pages send it
post() {
	api POST "$1" -H 'Origin: https://portal.test.invalid:8443' \
		-H 'Content-Type: application/json' --data "$2"
}
st() { cut -d' ' -f1; }
ids() { json '",".join(str(r["id"]) for r in j["requests"])'; }
req_state() { sql "SELECT state || ' ' || coalesce(ra_agent, closed_by, '-') FROM requests WHERE id = $1"; }

# --- a sponsor registers -------------------------------------------------------
tap_is "Sam (sponsor) lists the requests: 200 JSON, none yet" \
	"$(AS=sam api GET /api/v1/requests)|$(json 'j["state"], len(j["requests"])')" \
	"200 application/json|('all', 0)"
tap_is "Sam registers Holly for dispenser@FA123: 201" \
	"$(AS=sam post /api/v1/requests "{\"uuid\":\"$HOLLY\",\"name\":\"Holly Starter\",\"email\":\"holly@example.nhs.uk\",\"role\":\"dispenser\",\"ods\":\"FA123\"}" | st)/$(json 'j["status"]')" \
	"201/registered"
A=$(json 'j["id"]')
tap_is "... the registry holds the request, sponsored by Sam" \
	"$(sql "SELECT subject || ' ' || sponsor || ' ' || state || ' ' || role || '@' || org FROM requests WHERE id = ${A:-0}")" \
	"$HOLLY $SAM sponsored dispenser@FA123"
tap_is "Sam registers someone at another organisation (FB456): 403 with the rule" \
	"$(AS=sam post /api/v1/requests "{\"uuid\":\"$JO\",\"name\":\"Jo Elsewhere\",\"role\":\"dispenser\",\"ods\":\"FB456\"}" | st)/$(json 'j["rule"]')" \
	"403/separation-of-duties.same-organisation"
tap_is "... nothing registered" "$(sql "SELECT count(*) FROM requests WHERE subject = '$JO'")" 0
tap_is "malformed JSON: 400" \
	"$(AS=sam post /api/v1/requests '{"uuid": "1"' | st)/$(json 'j["error"]')" "400/bad-request"
tap_is "a member missing (no ods): 400 naming it" \
	"$(AS=sam post /api/v1/requests "{\"uuid\":\"$IVAN\",\"name\":\"Ivan\",\"role\":\"dispenser\"}" | st)/$(json '"ods" in j["message"]')" \
	"400/True"
tap_is "an unknown member: 400" \
	"$(AS=sam post /api/v1/requests "{\"uuid\":\"$IVAN\",\"name\":\"Ivan\",\"role\":\"dispenser\",\"ods\":\"FA123\",\"sponsor\":\"$RITA\"}" | st)" 400
tap_is "a malformed UUID: 400 from the library's check" \
	"$(AS=sam post /api/v1/requests '{"uuid":"12ab","name":"Ivan","role":"dispenser","ods":"FA123"}' | st)" 400
tap_is "a cross-origin POST (a form from elsewhere): 403, nothing registered" \
	"$(AS=sam api POST /api/v1/requests -H 'Origin: https://evil.example' -H 'Content-Type: text/plain' \
		--data "{\"uuid\":\"$IVAN\",\"name\":\"Ivan\",\"role\":\"dispenser\",\"ods\":\"FA123\"}" | st)/$(json 'j["error"]')/$(sql "SELECT count(*) FROM requests WHERE subject = '$IVAN'")" \
	"403/cross-origin/0"

# --- reading ------------------------------------------------------------------
tap_is "Sam lists the open requests (?state=open): Holly's" \
	"$(AS=sam api GET '/api/v1/requests?state=open' | st)/$(json 'j["state"]')/$(ids)" "200/sponsored/$A"
tap_is "... each with the registry's members" \
	"$(json 'tuple(j["requests"][0][k] for k in ("uuid", "name", "position", "sponsor", "state"))')" \
	"('$HOLLY', 'Holly Starter', 'dispenser@FA123', '$SAM', 'sponsored')"
tap_is "an unknown state: 400" "$(AS=sam api GET '/api/v1/requests?state=pending' | st)" 400
tap_is "an unknown parameter: 400" "$(AS=sam api GET '/api/v1/requests?q=x' | st)" 400
tap_is "Sam opens request $A: 200, Holly's" \
	"$(AS=sam api GET /api/v1/requests/$A | st)/$(json 'j["id"], j["uuid"], j["state"]')" \
	"200/($A, '$HOLLY', 'sponsored')"
tap_is "a malformed request id: 400" \
	"$(AS=sam api GET /api/v1/requests/1x | st)/$(AS=sam api GET /api/v1/requests/-1 | st)/$(AS=sam api GET /api/v1/requests/ | st)" \
	"400/400/400"
tap_is "no such request: 404" "$(AS=sam api GET /api/v1/requests/999999 | st)/$(json 'j["error"]')" \
	"404/not-found"
tap_is "POST to a request itself: 405, GET and HEAD allowed" \
	"$(AS=sam post /api/v1/requests/$A '{}' | st)" 405
tap_is "an unknown action: 404" "$(AS=sam post /api/v1/requests/$A/delete '{}' | st)" 404

# --- approving: never by the sponsor --------------------------------------------
tap_is "Sam approves his own request: 403, separation of duties" \
	"$(AS=sam post /api/v1/requests/$A/approve "{\"documents\":\"$DOCS\"}" | st)/$(json 'j["rule"]')" \
	"403/separation-of-duties.operations.issue"
tap_is "... still awaiting its check" "$(req_state "$A")" "sponsored -"
tap_is "Rita (RA agent) lists every request: Holly's" \
	"$(AS=rita api GET /api/v1/requests | st)/$(ids)" "200/$A"
tap_is "Rita approves without documents: 400" \
	"$(AS=rita post /api/v1/requests/$A/approve '{}' | st)" 400
tap_is "Rita approves with one document: 403, the identity rule" \
	"$(AS=rita post /api/v1/requests/$A/approve '{"documents":"passport"}' | st)/$(json 'j["rule"]')" \
	"403/ra.identity-documents"
tap_is "Rita approves with three documents: 200 approved" \
	"$(AS=rita post /api/v1/requests/$A/approve "{\"documents\":\"$DOCS\"}" | st)/$(json 'j["status"], j["id"]')" \
	"200/('approved', $A)"
tap_is "... the registry: verified by Rita, Holly checked and in her position" \
	"$(req_state "$A")|$(sql "SELECT checked_by FROM people WHERE uuid = '$HOLLY'")|$(sql "SELECT role || '@' || org FROM positions WHERE person = '$HOLLY'")" \
	"verified $RITA|$RITA|dispenser@FA123"
tap_is "... and approving it again: 403, its state" \
	"$(AS=rita post /api/v1/requests/$A/approve "{\"documents\":\"$DOCS\"}" | st)/$(json 'j["rule"]')" \
	"403/requests.state"

tap_is "Holly registered again under another name: 409, the registry's name named" \
	"$(AS=sam post /api/v1/requests "{\"uuid\":\"$HOLLY\",\"name\":\"Holly Other\",\"role\":\"dispenser\",\"ods\":\"FA123\"}" | st)/$(json 'j["error"], "Holly Starter" in j["message"]')" \
	"409/('conflict', True)"

# --- withdrawing, rejecting ---------------------------------------------------------
AS=sam post /api/v1/requests "{\"uuid\":\"$IVAN\",\"name\":\"Ivan Starter\",\"role\":\"dispenser\",\"ods\":\"FA123\"}" >/dev/null
B=$(json 'j["id"]')
tap_is "Sam withdraws Ivan's request without a reason: 400" \
	"$(AS=sam post /api/v1/requests/$B/reject '{"reason":""}' | st)" 400
tap_is "Sam withdraws it with a reason: 200 rejected" \
	"$(AS=sam post /api/v1/requests/$B/reject '{"reason":"did not start"}' | st)/$(json 'j["status"]')/$(req_state "$B")" \
	"200/rejected/rejected $SAM"

# --- another organisation's sponsor ----------------------------------------------
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/rita.card" >>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" insert "$CC_WORK/sue.card" --reader 3 >>"$TAP_LOG" 2>&1
tap_is "Sue (sponsor at FB456) registers Jo there: 201" \
	"$(AS=sue post /api/v1/requests "{\"uuid\":\"$JO\",\"name\":\"Jo Elsewhere\",\"role\":\"dispenser\",\"ods\":\"FB456\"}" | st)" 201
C=$(json 'j["id"]')
tap_is "Sue lists the requests: only her organisation's" "$(AS=sue api GET /api/v1/requests | st)/$(ids)" "200/$C"
tap_is "Sue opens Sam's organisation's request: 403 with the rule, nothing of Holly" \
	"$(AS=sue api GET /api/v1/requests/$A | st)/$(json 'j["rule"]')/$(grep -c 'Holly' "$CC_WORK/body")" \
	"403/separation-of-duties.same-organisation/0"
tap_is "Sam lists the requests: FA123's, not Jo's" "$(AS=sam api GET /api/v1/requests | st)/$(ids)" "200/$A,$B"
tap_is "Sam opens Jo's: 403" "$(AS=sam api GET /api/v1/requests/$C | st)" 403
tap_is "Sam rejects Jo's: 403" \
	"$(AS=sam post /api/v1/requests/$C/reject '{"reason":"not ours"}' | st)/$(req_state "$C")" \
	"403/sponsored -"

# --- no card, a revoked card ----------------------------------------------------
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code} %{content_type}' \
	"$SERVER/api/v1/requests" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401 JSON" "$out/$(json 'j["error"]')" \
	"401 application/json/no-client-cert"
op cancel-card --card "$U" --reason stolen >>"$TAP_LOG" 2>&1
tap_is "Sue's card cancelled (its certificates revoked)" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$U' AND status = 'revoked'")" 2
out=$(AS=sue api GET /api/v1/requests)
case $out in 000*) r=tls-refused ;; 403*) r=$(json 'j["error"]') ;; *) r=$out ;; esac
tap_like "with the revoked card: refused (TLS alert or 403)" "$r" "^(tls-refused|refused)$"
out=$(AS=sue post /api/v1/requests "{\"uuid\":\"$IVAN\",\"name\":\"Ivan Starter\",\"role\":\"dispenser\",\"ods\":\"FB456\"}")
tap_is "... nor may it register anyone" \
	"$(case $out in 000*|403*) echo refused ;; *) echo "$out" ;; esac)/$(sql "SELECT count(*) FROM requests WHERE sponsor = '$SUE'")" \
	"refused/1"
# --- the Requests page -------------------------------------------------------
page() {
	curl -sS --max-time 30 --cacert "$ROOT" -D "$CC_WORK/hdr" -o "$CC_WORK/page" \
		-w '%{http_code} %{content_type}' "$SERVER$1" 2>>"$TAP_LOG"
}
tap_is "GET /portal/requests: the page, with the portal's Content-Security-Policy" \
	"$(page '/portal/requests?id=1')|$(hdr "$CC_WORK/hdr" Content-Security-Policy | cut -d';' -f2)" \
	"200 text/html; charset=utf-8| script-src 'self'"
tap_is "... no inline script or handler; its script served, never writing markup" \
	"$(grep -ci '<script>\|<style\|style=\| on[a-z]*=' "$CC_WORK/page")/$(page /portal/requests.js)/$(grep -c 'innerHTML\|outerHTML\|insertAdjacentHTML\|document\.write\|eval(' "$CC_WORK/page")" \
	"0/200 text/javascript; charset=utf-8/0"
tap_ok "the service is still up" kill -0 "$SVC_PID"
tap_ok "the audit chain verifies" audit_ok
