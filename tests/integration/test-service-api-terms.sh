#!/bin/sh
# Integration: the portal's terms and conditions (issue 17) through the
# JSON API, end to end — carecard-ca serve over HTTPS, curl with the card's
# key through OpenSSL's PKCS#11 engine. The CA operator installs a text
# file (serve.terms); its version is the SHA-256 of the file. GET
# /api/v1/terms answers the text, the version and whether the caller
# accepted it; /api/v1/me says the same in "terms". POST
# /api/v1/terms/accept {"version"} records the acceptance with the time,
# the card and its authentication certificate, in the registry and the
# audit log (audit show names them; audit verify passes); a version that is
# not the current one is 409, a malformed body 400, no client certificate
# 401, a revoked card refused. A new file and a reload (SIGHUP) make a new
# version nobody has accepted; a file the service cannot show keeps the
# old one; no file, no terms (404, "terms": null).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 36
BOB=200000000002

trap 'svc_stop; cc_cleanup' EXIT
trap '' PIPE

ca_init
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder"
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
A=$(card_serial 1)
tap_ok "Bob's card issued" test -n "$B"
BOB_CERT=$(sql "SELECT serial FROM certificates WHERE card = '$B' AND profile = 'authentication'")

# The operator's text: markup and non-ASCII letters are text like any other.
TERMS=$CC_WORK/terms.txt
printf 'Carecard terms of use, version one.\n\n1. Your card is yours alone: never <b>share</b> it or its passcode.\n2. Remove it when you leave — même pour un café.\n' >"$TERMS"
V1=$(sha256sum "$TERMS" | cut -d' ' -f1)
conf() {
	printf 'serve:\n  public-url: https://portal.test.invalid:8443/\n' >"$CC_WORK/serve.yaml"
	[ -n "$1" ] && printf '  terms: %s\n' "$1" >>"$CC_WORK/serve.yaml"
	:
}
conf "$TERMS"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
ROOT=$S/certs/root.pem
cc_engine_conf "$CC_WORK/openssl.cnf" 5678
cc_engine_conf "$CC_WORK/openssl-alice.cnf" 1234
SAME="-H Origin:https://portal.test.invalid:8443 -H Content-Type:application/json"

# api METHOD PATH [curl options...]: Bob's card (AS=alice: Alice's)
api() {
	_m=$1 _p=$2 _c=$B _conf=$CC_WORK/openssl.cnf
	[ "${AS:-}" = alice ] && _c=$A _conf=$CC_WORK/openssl-alice.cnf
	shift 2
	card_curl "$_c" "$_conf" -X "$_m" "$@" "$SERVER$_p"
}
# accept VERSION [AS=alice]: POST /api/v1/terms/accept, "STATUS/outcome"
accept() {
	# shellcheck disable=SC2086
	_st=$(api POST /api/v1/terms/accept $SAME --data "{\"version\":\"$1\"}" | cut -d' ' -f1)
	echo "$_st/$(json 'j.get("status") or j.get("error")')"
}
rows() { sql "SELECT count(*) FROM terms_acceptances"; }
# reload: SIGHUP, then until GET /api/v1/terms answers version $1 ("" = none)
reload() {
	kill -HUP "$SVC_PID"
	for _i in $(seq 50); do
		api GET /api/v1/terms >/dev/null
		[ "$(json 'j.get("version") or ""')" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

tap_is "GET /api/v1/terms: 200 JSON" "$(api GET /api/v1/terms)" "200 application/json"
tap_is "... the version is the SHA-256 of the operator's file" "$(json 'j["version"]')" "$V1"
/usr/bin/python3 - "$CC_WORK/body" "$TERMS" >"$CC_WORK/text.chk" <<'PY'
import json, sys
print("same" if json.load(open(sys.argv[1]))["text"] == open(sys.argv[2], encoding="utf-8").read() else "differs")
PY
tap_is "... the text is the file's, markup and accents as text" "$(cat "$CC_WORK/text.chk")" same
tap_is "... Bob has not accepted it" "$(json 'j["accepted"], j["accepted_at"]')" "(False, None)"
tap_is "/api/v1/me says so too (terms.accepted false, the version)" \
	"$(api GET /api/v1/me | cut -d' ' -f1)/$(json 'j["terms"]["accepted"]')/$(json 'j["terms"]["version"]')" \
	"200/False/$V1"

# --- refusals: nothing recorded ------------------------------------------
tap_is "accepting another version: 409 terms-changed" "$(accept 0123abcd)" "409/terms-changed"
# shellcheck disable=SC2086
tap_is "no version: 400" \
	"$(api POST /api/v1/terms/accept $SAME --data '{}' | cut -d' ' -f1)/$(json 'j["error"]')" \
	"400/bad-request"
# shellcheck disable=SC2086
tap_is "a version that is not a string: 400" \
	"$(api POST /api/v1/terms/accept $SAME --data "{\"version\":[\"$V1\"]}" | cut -d' ' -f1)" 400
# shellcheck disable=SC2086
tap_is "malformed JSON: 400" \
	"$(api POST /api/v1/terms/accept $SAME --data "{\"version\":\"$V1\"" | cut -d' ' -f1)" 400
tap_is "from another origin: 403 cross-origin" \
	"$(api POST /api/v1/terms/accept -H 'Origin: https://evil.example' \
		-H 'Content-Type: application/json' --data "{\"version\":\"$V1\"}" | cut -d' ' -f1)/$(json 'j["error"]')" \
	"403/cross-origin"
tap_is "GET /api/v1/terms/accept: 405" "$(api GET /api/v1/terms/accept | cut -d' ' -f1)" 405
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code}' \
	-X POST -H 'Origin: https://portal.test.invalid:8443' -H 'Content-Type: application/json' \
	--data "{\"version\":\"$V1\"}" "$SERVER/api/v1/terms/accept" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401 no-client-cert" "$out/$(json 'j["error"]')" \
	"401/no-client-cert"
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code}' \
	"$SERVER/api/v1/terms" 2>>"$TAP_LOG")
tap_is "... GET /api/v1/terms too" "$out" 401
tap_is "none of them recorded an acceptance or an audit entry" \
	"$(rows)/$(sql "SELECT count(*) FROM audit WHERE action LIKE 'terms-accept%'")" "0/0"

# --- Bob accepts --------------------------------------------------------------
tap_is "Bob accepts the current version: 200 terms-accepted" "$(accept "$V1")" "200/terms-accepted"
tap_is "... the answer names his card and its authentication certificate" \
	"$(json 'j["accepted"], j["card"], j["certificate"]')" "(True, '$B', '$BOB_CERT')"
tap_is "... the registry holds it: person, version, card, certificate, a time" \
	"$(sql "SELECT person || '|' || version || '|' || card || '|' || certificate || '|' ||
		CASE WHEN accepted_at > 0 THEN 1 ELSE 0 END FROM terms_acceptances")" "$BOB|$V1|$B|$BOB_CERT|1"
tap_is "... one audit entry terms-accept, by Bob, on Bob, with version, card and certificate" \
	"$(sql "SELECT actor || '|' || subject FROM audit WHERE action = 'terms-accept' AND
		details LIKE '%$V1%' AND details LIKE '%$B%' AND details LIKE '%$BOB_CERT%'")" "$BOB|$BOB"
"$CA" audit show --limit 5 >"$CC_WORK/audit.txt" 2>>"$TAP_LOG"
cat "$CC_WORK/audit.txt" >>"$TAP_LOG"
tap_ok "carecard-ca audit show lists it with the card and the certificate" \
	sh -c 'grep "terms-accept" "$1" | grep -F "$2" | grep -F "$3" | grep -qF "$4"' - \
	"$CC_WORK/audit.txt" "$V1" "$B" "$BOB_CERT"
tap_ok "carecard-ca audit verify: the chain holds" audit_ok
tap_is "GET /api/v1/terms: accepted, when" \
	"$(api GET /api/v1/terms >/dev/null; json 'j["accepted"], j["accepted_at"][:2]')" "(True, '20')"
tap_is "/api/v1/me: terms.accepted true" "$(api GET /api/v1/me >/dev/null; json 'j["terms"]["accepted"]')" True
tap_is "accepting again: 200, the first acceptance stands (one row, one entry)" \
	"$(accept "$V1")/$(rows)/$(sql "SELECT count(*) FROM audit WHERE action = 'terms-accept'")" \
	"200/terms-accepted/1/1"
tap_is "Alice's answer is her own: she has not accepted" \
	"$(AS=alice api GET /api/v1/terms | cut -d' ' -f1)/$(json 'j["accepted"]')" "200/False"

# --- the operator installs a new version ------------------------------------
printf 'Carecard terms of use, version two.\n\n1. As before.\n2. Report a lost card the same day.\n' >"$TERMS.new"
mv "$TERMS.new" "$TERMS"
V2=$(sha256sum "$TERMS" | cut -d' ' -f1)
tap_ok "a new file and a reload (SIGHUP): the new version is served" reload "$V2"
tap_is "... Bob has not accepted it (/api/v1/me)" \
	"$(api GET /api/v1/me >/dev/null; json 'j["terms"]["version"] == "'"$V2"'", j["terms"]["accepted"]')" \
	"(True, False)"
tap_is "... accepting the old version now: 409" "$(accept "$V1")" "409/terms-changed"
tap_is "... accepting the new one: 200, a second row" "$(accept "$V2")/$(rows)" "200/terms-accepted/2"
printf '\377\376 not UTF-8\n' >"$TERMS"
kill -HUP "$SVC_PID"
for _i in $(seq 50); do grep -q "keeping the terms" "$SVC_ERR" && break; sleep 0.2; done
tap_is "a file the service cannot show (not UTF-8): the reload keeps the last version" \
	"$(grep -c 'keeping the terms' "$SVC_ERR")/$(api GET /api/v1/terms >/dev/null; json 'j["version"]')" \
	"1/$V2"
conf ""
tap_ok "no terms in the settings and a reload: none served" reload ""
tap_is "... GET /api/v1/terms: 404 no-terms; /api/v1/me: terms null" \
	"$(api GET /api/v1/terms | cut -d' ' -f1)/$(json 'j["error"]')/$(api GET /api/v1/me | cut -d' ' -f1)/$(json 'j["terms"]')" \
	"404/no-terms/200/None"

# --- a revoked card ---------------------------------------------------------
conf "$TERMS.v3"
printf 'Version three.\n' >"$TERMS.v3"
V3=$(sha256sum "$TERMS.v3" | cut -d' ' -f1)
reload "$V3" >/dev/null
as alice - "$CA" cancel-card --card "$B" --reason stolen --operator-reader 1 >>"$TAP_LOG" 2>&1
tap_is "Bob's card cancelled (its certificates revoked)" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'revoked'")" 2
out=$(accept "$V3")
case $out in 000*) st=tls-refused ;; 403*) st=$(json 'j["error"]') ;; *) st=$out ;; esac
tap_like "accepting with the revoked card: refused (TLS alert or 403)" "$st" "^(tls-refused|refused)$"
tap_is "... nothing recorded" "$(sql "SELECT count(*) FROM terms_acceptances WHERE version = '$V3'")" 0
tap_ok "the audit chain verifies" audit_ok
