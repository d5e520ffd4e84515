#!/bin/sh
# Integration: the portal's JSON API (issue 17, first endpoint) end to end
# on real components — carecard-ca serve over HTTPS (its own certificate
# from the CA) and curl authenticating with the card's key through OpenSSL's
# PKCS#11 engine. GET /api/v1/me answers the card's holder their own record
# as JSON (parsed by python3's json module): identity, positions, cards,
# certificates with expiry. Registry data with markup and quotes comes back
# as the same text, never as "</script>". Without a client certificate:
# 401; with a revoked one: 403; over plain HTTP: 403; a request that would
# change something is refused unless it is JSON from the portal's own
# origin (a cross-origin form, text/plain included); unknown endpoints: 404.
# A change of email through the API sends a code to the new address (a
# local SMTP sink that requires STARTTLS, python3-aiosmtpd) and the code
# confirms it; malformed, oversized or unknown JSON is 400/413 and changes
# nothing. Every answer is JSON, errors too. The portal's pages (/portal/)
# and the API carry the security headers a browser enforces: a strict
# Content-Security-Policy (no inline script or style, no framing),
# nosniff, no Referer, no-store; the pages hold no inline script, style or
# handler, and their scripts never write markup.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || tap_skip_all "python3-aiosmtpd not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 53
BOB=200000000002
NAME='Bob <script>alert(1)</script> "Q" Holder'

trap 'kill $SINK 2>/dev/null; svc_stop; cc_cleanup' EXIT
trap '' PIPE
svc_mail_sink <<YAML || { tap_fail "the SMTP sink"; exit 1; }
  public-url: https://portal.test.invalid:8443/
  portal: $top_srcdir/ca/service/portal
YAML

ca_init
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "$NAME" --email bob@example.nhs.uk
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
tap_ok "Bob's card issued" test -n "$B"

svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
ROOT=$S/certs/root.pem
cc_engine_conf "$CC_WORK/openssl.cnf" 5678
cc_engine_conf "$CC_WORK/openssl-alice.cnf" 1234
A=$(card_serial 1)

# api METHOD PATH [curl options...]: with the card's authentication key and
# certificate (CKA_ID 01) through the engine; the body to $CC_WORK/body,
# prints "STATUS CONTENT-TYPE"
# (Bob's card; AS=alice for Alice's, the RA manager's)
api() {
	_m=$1 _p=$2 _c=$B _conf=$CC_WORK/openssl.cnf
	[ "${AS:-}" = alice ] && _c=$A _conf=$CC_WORK/openssl-alice.cnf
	shift 2
	card_curl "$_c" "$_conf" -X "$_m" "$@" "$SERVER$_p"
}

tap_is "GET /api/v1/me with the card: 200, JSON" "$(api GET /api/v1/me)" "200 application/json"
tap_is "... it is Bob, by UUID" "$(json 'j["uuid"]')" "$BOB"
/usr/bin/python3 - "$CC_WORK/body" "$NAME" >"$CC_WORK/name.chk" <<'PY'
import json, sys
print("yes" if json.load(open(sys.argv[1]))["name"] == sys.argv[2] else "no")
PY
tap_is "... his name comes back as the registry's text, markup and quotes included" \
	"$(cat "$CC_WORK/name.chk")" yes
tap_is "... and the bytes never hold '</script>'" "$(grep -c '</script>' "$CC_WORK/body")" 0
tap_is "... his card, issued" \
	"$(json '",".join(c["serial"] + ":" + c["state"] for c in j["cards"])')" "$B:issued"
tap_is "... his two certificates, valid, with their expiry" \
	"$(json 'sorted((c["profile"], c["status"], bool(c["not_after"])) for c in j["certificates"]) == [("authentication", "valid", True), ("signing", "valid", True)] and "yes"')" yes
tap_is "... the authentication certificate's expiry is the registry's" \
	"$(json '[c["not_after"] for c in j["certificates"] if c["profile"] == "authentication"][0]')" \
	"$(date -u -d "@$(sql "SELECT not_after FROM certificates WHERE card = '$B' AND
		profile = 'authentication'")" +%Y-%m-%dT%H:%M:%SZ)"
tap_is "... his email (his own record)" "$(json 'j["email"]')" "bob@example.nhs.uk"
# --- refusals, each JSON --------------------------------------------------
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code} %{content_type}' \
	"$SERVER/api/v1/me" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401, JSON" "$out" "401 application/json"
tap_is "... as JSON that says what to do" "$(json 'j["error"]')" "no-client-cert"
HTTP=$(sed -n 's|^listening \(http://.*\)|\1|p' "$SVC_OUT" | head -n 1)
out=$(curl -sS --max-time 30 -o "$CC_WORK/body" -w '%{http_code}' "$HTTP/api/v1/me" 2>>"$TAP_LOG")
tap_is "over plain HTTP: 403 not-https" "$out/$(json 'j["error"]')" "403/not-https"
tap_is "an unknown endpoint: 404 JSON" "$(api GET /api/v1/nothing-here | cut -d' ' -f1)/$(json 'j["error"]')" \
	"404/not-found"
tap_is "a cross-origin form POST (text/plain, JSON-shaped): 403" \
	"$(api POST /api/v1/me -H 'Origin: https://evil.example' -H 'Content-Type: text/plain' \
		--data '{"email":"x@evil.example"}' | cut -d' ' -f1)/$(json 'j["error"]')" "403/cross-origin"
tap_is "JSON from another origin: 403" \
	"$(api POST /api/v1/me -H 'Origin: https://evil.example' -H 'Content-Type: application/json' \
		--data '{}' | cut -d' ' -f1)/$(json 'j["error"]')" "403/cross-origin"
tap_is "a browser's cross-site fetch (Sec-Fetch-Site): 403" \
	"$(api POST /api/v1/me -H 'Sec-Fetch-Site: cross-site' -H 'Origin: https://portal.test.invalid:8443' \
		-H 'Content-Type: application/json' --data '{}' | cut -d' ' -f1)" 403
tap_is "JSON from the portal's own origin gets past the check (405: /me is read-only)" \
	"$(api POST /api/v1/me -H 'Origin: https://portal.test.invalid:8443' \
		-H 'Content-Type: application/json' --data '{}' | cut -d' ' -f1)/$(json 'j["error"]')" \
	"405/method-not-allowed"
tap_is "... and no email changed" "$(sql "SELECT email FROM people WHERE uuid = '$BOB'")" \
	"bob@example.nhs.uk"

# --- the portal's pages: security headers --------------------------------
CSP_WANT="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
# page PATH [curl options]: GET without a client certificate (the pages are
# static: the API behind them asks for the card); headers to $CC_WORK/hdr
page() {
	_p=$1
	shift
	curl -sS --max-time 30 --cacert "$ROOT" -D "$CC_WORK/hdr" -o "$CC_WORK/page" \
		-w '%{http_code} %{content_type}' "$@" "$SERVER$_p" 2>>"$TAP_LOG"
}
# The security headers of the last answer, one line.
sec() {
	echo "$(hdr "$CC_WORK/hdr" Content-Security-Policy)|$(hdr "$CC_WORK/hdr" X-Content-Type-Options)|$(hdr "$CC_WORK/hdr" Referrer-Policy)|$(hdr "$CC_WORK/hdr" X-Frame-Options)|$(hdr "$CC_WORK/hdr" Cache-Control)"
}
SEC_WANT="$CSP_WANT|nosniff|no-referrer|DENY|no-store"
tap_is "GET /portal/: My profile, HTML" "$(page /portal/)" "200 text/html; charset=utf-8"
tap_is "... with the security headers" "$(sec)" "$SEC_WANT"
cp "$CC_WORK/page" "$CC_WORK/me.html"
tap_is "HEAD /portal/: 200, the length GET sends" \
	"$(page /portal/ -I | cut -d' ' -f1)/$(hdr "$CC_WORK/hdr" Content-Length)" \
	"200/$(wc -c <"$CC_WORK/me.html")"
tap_is "GET /portal/person/UUID: the person page, HTML, the same headers" \
	"$(page /portal/person/$BOB)|$(sec)" "200 text/html; charset=utf-8|$SEC_WANT"
cp "$CC_WORK/page" "$CC_WORK/person.html"
bad=
for f in portal.css:text/css portal.js:text/javascript me.js:text/javascript \
	person.js:text/javascript; do
	[ "$(page "/portal/${f%%:*}")|$(sec)" = "200 ${f#*:}; charset=utf-8|$SEC_WANT" ] ||
		bad="$bad ${f%%:*}"
	cp "$CC_WORK/page" "$CC_WORK/served-${f%%:*}"
done
tap_is "the style sheet and the scripts: their types, the same headers" "$bad" ""
tap_is "the pages hold no inline script, style or event handler" \
	"$(cat "$CC_WORK/me.html" "$CC_WORK/person.html" | grep -ci '<script>\|<script [^>]*>[^<]\|<style\|style=\| on[a-z]*=')/$(grep -c '<script src="/portal/' "$CC_WORK/me.html")" \
	"0/2"
tap_is "the scripts never write markup (innerHTML, outerHTML, document.write...)" \
	"$(cat "$CC_WORK"/served-*.js | grep -c 'innerHTML\|outerHTML\|insertAdjacentHTML\|document\.write\|eval(')" 0
tap_is "an API answer carries the same headers" "$(api GET /api/v1/me -D "$CC_WORK/hdr" | cut -d' ' -f1)|$(sec)" \
	"200|$SEC_WANT"
out=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$HTTP/portal/" 2>>"$TAP_LOG")
tap_is "the portal over plain HTTP: 403" "$out" 403
tap_is "POST /portal/: 405, GET and HEAD allowed" \
	"$(page /portal/ -X POST --data x | cut -d' ' -f1)/$(hdr "$CC_WORK/hdr" Allow)" "405/GET, HEAD"
tap_is "unknown portal paths: 404, with the headers" \
	"$(page /portal/nothing.html | cut -d' ' -f1)/$(page /portal/person/1/2 | cut -d' ' -f1)/$(page /portal/../api/v1/me --path-as-is | cut -d' ' -f1)|$(sec)" \
	"404/404/404|$SEC_WANT"

# --- RA staff: another person's record --------------------------------------
tap_is "Alice (RA manager) reads Bob's record: 200" \
	"$(AS=alice api GET /api/v1/people/$BOB | cut -d' ' -f1)/$(json 'j["uuid"]')" "200/$BOB"
tap_is "... with his cards and certificates" \
	"$(json 'len(j["cards"]), len(j["certificates"])')" "(1, 2)"
tap_is "... and her reading of his contact details is in the audit log" \
	"$(sql "SELECT count(*) FROM audit WHERE action = 'person-show' AND subject = '$BOB' AND
		actor = '$ALICE' AND details LIKE '%contact%'")" 1
tap_is "Bob reading his own (/me) adds no such entry" \
	"$(api GET /api/v1/me >/dev/null; sql "SELECT count(*) FROM audit WHERE action = 'person-show'")" 1
tap_is "Bob (no RA role) reading Alice's: 403, naming the rule" \
	"$(api GET /api/v1/people/$ALICE | cut -d' ' -f1)/$(json 'j["rule"]')" \
	"403/separation-of-duties.operations.lookup"
tap_is "... and her email is not in the answer" "$(grep -c '@' "$CC_WORK/body")" 0
tap_is "a malformed UUID: 400" "$(AS=alice api GET /api/v1/people/12ab | cut -d' ' -f1)" 400
tap_is "nobody by that UUID: 404" "$(AS=alice api GET /api/v1/people/999999999999 | cut -d' ' -f1)" 404

# --- a contact change through the API --------------------------------------
SAME="-H Origin:https://portal.test.invalid:8443 -H Content-Type:application/json"
NEW=bob.new@nhs.example
# shellcheck disable=SC2086
tap_is "malformed JSON: 400, with where it broke" \
	"$(api POST /api/v1/me/contact $SAME --data '{"email": "x@y.z"' | cut -d' ' -f1)/$(json '"line" in j["message"]')" \
	"400/True"
# shellcheck disable=SC2086
tap_is "an unknown member: 400" \
	"$(api POST /api/v1/me/contact $SAME --data '{"email":"x@y.z","role":"ra-manager"}' | cut -d' ' -f1)" 400
head -c 5000 /dev/zero | tr '\0' a | sed 's/.*/{"email":"&"}/' >"$CC_WORK/big.json"
# shellcheck disable=SC2086
tap_is "an oversized body: 413" \
	"$(api POST /api/v1/me/contact $SAME --data-binary "@$CC_WORK/big.json" | cut -d' ' -f1)" 413
tap_is "... none of them sent anything" "$(grep -c '^X-Sink-Rcpt:' "$MBOX" 2>/dev/null || echo 0)" 0
# shellcheck disable=SC2086
tap_is "{\"email\": NEW} from the portal's origin: 202, a code is sent" \
	"$(api POST /api/v1/me/contact $SAME --data "{\"email\":\"$NEW\"}" | cut -d' ' -f1)/$(json 'j["status"]')" \
	"202/contact-code-sent"
for _i in $(seq 50); do grep -q "^X-Sink-Rcpt: $NEW" "$MBOX" 2>/dev/null && break; sleep 0.1; done
CODE=$(sed -n 's/.*confirmation code is \([0-9]*\)\..*/\1/p' "$MBOX" | tail -n 1)
WRONG=$(printf '%s' "$CODE" | tr 0123456789 1234567890)	# every digit another
tap_like "... to the new address" "$(grep '^X-Sink-Rcpt:' "$MBOX" | tail -n 1)" "$NEW"
# shellcheck disable=SC2086
tap_is "confirm with a wrong code: 403, unchanged" \
	"$(api POST /api/v1/me/contact/confirm $SAME --data "{\"code\":\"$WRONG\"}" | cut -d' ' -f1)/$(sql "SELECT email FROM people WHERE uuid = '$BOB'")" \
	"403/bob@example.nhs.uk"
# shellcheck disable=SC2086
tap_is "confirm with the code: 200, the email changed" \
	"$(api POST /api/v1/me/contact/confirm $SAME --data "{\"code\":\"$CODE\"}" | cut -d' ' -f1)/$(sql "SELECT email FROM people WHERE uuid = '$BOB'")" \
	"200/$NEW"
tap_is "/me shows the new address" "$(api GET /api/v1/me >/dev/null; json 'j["email"]')" "$NEW"
tap_is "the code is in no log" "$(grep -rl -- "$CODE" "$CC_WORK"/serve-*.err "$CC_WORK"/access-*.log 2>/dev/null | wc -l)" 0

# --- no resumption: every connection needs the card again -----------------
HP=${SERVER#https://}
: | openssl s_client -connect "$HP" -CAfile "$ROOT" -tls1_2 -sess_out "$CC_WORK/s12" \
	>"$CC_WORK/s1.out" 2>&1
tap_is "TLS 1.2: no session ID, no ticket — nothing a client could resume" \
	"$(grep -c '^ *Session-ID: [0-9A-F]' "$CC_WORK/s1.out")/$(grep -c 'TLS session ticket:' \
		"$CC_WORK/s1.out")/$(grep -c '^New, TLSv1.2' "$CC_WORK/s1.out")/$(test -s "$CC_WORK/s12" &&
		echo saved || echo none)" "0/0/1/none"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' | openssl s_client -connect "$HP" \
	-CAfile "$ROOT" -tls1_3 -ign_eof >"$CC_WORK/s3.out" 2>&1
tap_is "TLS 1.3: no session ticket is sent" \
	"$(grep -c 'New Session Ticket' "$CC_WORK/s3.out")/$(grep -c 'HTTP/1.1 200' "$CC_WORK/s3.out")" "0/1"

# --- a revoked card -------------------------------------------------------
as alice - "$CA" cancel-card --card "$B" --reason stolen --operator-reader 1 \
	>>"$TAP_LOG" 2>&1
tap_is "Bob's card cancelled (its certificates revoked)" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'revoked'")" 2
out=$(api GET /api/v1/me)
case $out in 000*) st=tls-refused ;; 403*) st=$(json 'j["error"]') ;; *) st=$out ;; esac
tap_like "with the revoked card: refused (TLS alert or 403)" "$st" "^(tls-refused|refused)$"
tap_ok "the service is still up" kill -0 "$SVC_PID"
tap_ok "the audit chain verifies" audit_ok
