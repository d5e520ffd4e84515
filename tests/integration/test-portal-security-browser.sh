#!/bin/sh
# Integration: the portal's defences in a real browser (issue 17). Chromium
# on a private Xvfb display, the card module in its NSS database and an
# AutoSelectCertificateForUrls policy (as test-portal-browser.sh), logged
# into carecard-ca serve with Bob's card. Bob is a sponsor (dispenser at
# FA123) and opens his colleague Carol's record: the page offers the
# actions the gate allows a sponsor — her positions, and unlocking her card
# as the command to run at the workstation — and nothing else (no cancel,
# no revoke). Then, with the card still logged in (ambient authority),
# pages of another origin (python3 -m http.server on another port)
# auto-submit form POSTs to the API, text/plain with a JSON-shaped body
# and urlencoded: the service's access log shows each refused 403
# cross-origin and Carol's positions are unchanged. Last, Bob's card is
# taken out of the reader: the browser's next request gets nothing of the
# record (no session resumption, a keep-alive shorter than the wait) and
# the access log shows no authenticated request after the removal.
# Screenshots are kept in the test log dir (browser-shots/).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil curl python3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir
tap_plan 14

BOB=200000000002
CAROL=300000000003

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	[ -n "${evil_pid:-}" ] && kill "$evil_pid" 2>/dev/null
	rm -f "$POLICY"
	svc_stop
	cc_cleanup
}
trap cleanup_browser EXIT

ca_init || { tap_fail "CA init"; exit 1; }
pin bob 5678
pin carol 4321
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Sponsor"
person $CAROL "Carol Colleague"
op org-add --ods FA123 --name "Pharmacy A" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $CAROL --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op ra-role grant $BOB sponsor >>"$TAP_LOG" 2>&1
cc_blank_card 2
cc_blank_card 3
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
as alice carol "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2) C=$(card_serial 3)
tap_ok "Bob (sponsor) and Carol hold cards" test -n "$B" -a -n "$C"
cert_of 2 01 "$CC_WORK/bob-auth.pem"
ISSUER_CN=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -issuer -nameopt multiline,utf8 \
	2>>"$TAP_LOG" | sed -n 's/^ *commonName *= *//p')
# Only Bob's card in a reader: the browser sees one holder.
"$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/alice.card" >>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/carol.card" >>"$TAP_LOG" 2>&1
positions() {
	sql "SELECT role || '@' || org FROM positions WHERE person = '$CAROL' ORDER BY 1" | tr '\n' ' '
}
BEFORE=$(positions)

# Idle keep-alive 2 s: a connection the browser holds is closed long
# before the next request after the card's removal.
cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n  limits:\n    request-timeout: 2s\n' \
	"$CC_CA_DIR/server.pem" "$CC_CA_DIR/server.key" "$top_srcdir/ca/service/portal" \
	>"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")

db=sql:$HOME/.pki/nssdb
mkdir -p "$HOME/.pki/nssdb"
nss_ok=0
certutil -N -d "$db" --empty-password >>"$TAP_LOG" 2>&1 &&
modutil -dbdir "$db" -add carecard -libfile "$CC_MODULE" -force >>"$TAP_LOG" 2>&1 &&
certutil -A -d "$db" -n "Carecard CA root" -t "CT,C,C" -i "$S/certs/root.pem" >>"$TAP_LOG" 2>&1 &&
certutil -A -d "$db" -n "Carecard Test CA" -t "CT,C,C" -i "$CC_CA_DIR/ca.pem" >>"$TAP_LOG" 2>&1 ||
	nss_ok=1
for c in "$S"/certs/*.pem; do
	[ "$c" = "$S/certs/root.pem" ] && continue
	certutil -A -d "$db" -n "Carecard CA ${c##*/}" -t ",," -i "$c" >>"$TAP_LOG" 2>&1 || nss_ok=1
done
tap_is "Chromium's NSS database knows the module and trusts the CA" "$nss_ok" 0
browser_xvfb
tap_is "private Xvfb display $DISPLAY" "$?" 0

browse_failed() {
	echo "$1; windows:" >>"$TAP_LOG"
	windows | sed 's/^/  /' >>"$TAP_LOG"
	import -window root "$SHOTS/security-failed.png" 2>>"$TAP_LOG"
	grep -v 'dbus\|vkCreate\|VulkanError\|CheckVkSuccess' "$CC_WORK/chrome.log" |
		tail -n 15 >>"$TAP_LOG"
	return 1
}
# copy_text WINDOW OUT: the page's text now (select all, copy)
copy_text() {
	xdotool windowfocus --sync "$1" 2>>"$TAP_LOG"
	xdotool key --window "$1" ctrl+a; sleep 0.3
	xdotool key --window "$1" ctrl+c; sleep 0.5
	xclip -o -selection clipboard >"$2" 2>>"$TAP_LOG"
}
# page_text WINDOW OUT WANT: copied again until it holds WANT
page_text() {
	_i=0
	while [ $_i -lt 20 ]; do
		copy_text "$1" "$2"
		grep -qF -- "$3" "$2" && return 0
		sleep 0.5; _i=$((_i + 1))
	done
	return 1
}
unselect() {
	xdotool mousemove --window "$1" 1150 800 click 1 2>>"$TAP_LOG"
	sleep 0.5
}
python3 - "$POLICY" "$SERVER" "$ISSUER_CN" <<'PY'
import json, sys
rule = {"pattern": sys.argv[2], "filter": {"ISSUER": {"CN": sys.argv[3]}}}
json.dump({"AutoSelectCertificateForUrls": [json.dumps(rule)]}, open(sys.argv[1], "w"))
PY
touch -d "@$(($(date +%s) - 60))" "$POLICY" "$POLICY_DIR"

# --- a sponsor opens a person: only a sponsor's actions ------------------
browse() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-gpu --disable-dev-shm-usage --disable-quic --disable-features=Translate \
		--window-position=0,0 --window-size=1200,850 \
		"$SERVER/portal/person/$CAROL" >>"$CC_WORK/chrome.log" 2>&1 &
	chrome_pid=$!
	_dlg=$(wait_window 'Unlock Security Device' 60) || { browse_failed "no passcode dialog"; return 1; }
	xdotool windowfocus --sync "$_dlg" 2>>"$TAP_LOG"
	xdotool type --window "$_dlg" --delay 40 5678
	xdotool key --window "$_dlg" Return
	PAGE=$(wait_window '^Person - Carecard' 30) || { browse_failed "the person page did not load"; return 1; }
	page_text "$PAGE" "$CC_WORK/carol.txt" "What your role allows" ||
		{ browse_failed "the actions were not shown"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/security-sponsor-actions.png" 2>>"$TAP_LOG"
}
tap_ok "Bob opens Carol's record with his card (/portal/person/UUID)" browse
cat "$CC_WORK/carol.txt" >>"$TAP_LOG" 2>/dev/null
tap_is "... the actions offered: her positions at FA123 and unlocking her card" \
	"$(grep -c "^Add a position[[:space:]]*FA123\|^Remove position[[:space:]]*dispenser@FA123\|^Unlock card (RA-assisted)[[:space:]]*$C" "$CC_WORK/carol.txt")" 3
tap_ok "... the unlock as the command to run at the workstation, not a button" \
	grep -qxF "carecard-ca unlock --reader 2 --operator-reader 1" "$CC_WORK/carol.txt"
tap_is "... and no action a sponsor may not take (cancel, revoke, issue, renew)" \
	"$(grep -c 'Cancel card\|Revoke certificate\|Issue a card\|Renew card' "$CC_WORK/carol.txt")" 0
tap_ok "... the page's API call was Bob's, authenticated (200 in the access log)" \
	grep -q "\"GET /api/v1/people/$CAROL\" 200 " "$SVC_LOG"

# --- another origin's forms, with Bob's card logged in -------------------
mkdir -p "$CC_WORK/evil"
# text/plain: name + "=" + value makes a JSON-shaped body.
cat >"$CC_WORK/evil/plain.html" <<HTML
<!DOCTYPE html><title>Evil plain</title>
<form id="f" method="post" enctype="text/plain" action="$SERVER/api/v1/people/$CAROL/positions">
<input type="hidden" name='{"role":"pharmacist","ods":"FA123","x":"' value='"}'>
</form><script>document.getElementById("f").submit();</script>
HTML
cat >"$CC_WORK/evil/urlenc.html" <<HTML
<!DOCTYPE html><title>Evil form</title>
<form id="f" method="post" action="$SERVER/api/v1/people/$CAROL/positions/remove">
<input type="hidden" name="role" value="dispenser"><input type="hidden" name="ods" value="FA123">
</form><script>document.getElementById("f").submit();</script>
HTML
EPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$CC_WORK/evil" && exec python3 -m http.server --bind 127.0.0.1 "$EPORT") >>"$TAP_LOG" 2>&1 &
evil_pid=$!
for _i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$EPORT/plain.html" && break; sleep 0.1; done
# forged PAGE PATH: open the other origin's PAGE; wait for its POST to PATH in the log
forged() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" \
		"http://127.0.0.1:$EPORT/$1" >>"$CC_WORK/chrome.log" 2>&1
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q "\"POST $2\"" "$SVC_LOG" && return 0
		sleep 0.2; _i=$((_i + 1))
	done
	browse_failed "no POST $2 from $1"
}
tap_ok "a page of another origin auto-submits a text/plain form with a JSON-shaped body" \
	forged plain.html "/api/v1/people/$CAROL/positions"
tap_ok "... and an urlencoded form" forged urlenc.html "/api/v1/people/$CAROL/positions/remove"
sleep 1
import -window root "$SHOTS/security-cross-origin.png" 2>>"$TAP_LOG"
grep '"POST ' "$SVC_LOG" >>"$TAP_LOG"
tap_is "the access log: both refused 403 cross-origin, nothing else posted" \
	"$(grep '"POST ' "$SVC_LOG" | awk '{print $(NF-3) "/" $(NF-1)}' | sort | uniq -c | sed 's/^ *//')" \
	"2 403/cross-origin"
tap_is "... and Carol's positions are unchanged" "$(positions)" "$BEFORE"

# --- the card removed: the browser's next request fails ------------------
MARK=$(wc -l <"$SVC_LOG")
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/bob.card" >>"$TAP_LOG" 2>&1
sleep 4		# past the service's 2 s idle keep-alive
chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" \
	"$SERVER/portal/person/$CAROL?after-removal" >>"$CC_WORK/chrome.log" 2>&1
# The new tab is the active one (the window takes its title; the tab
# before was the API's JSON): its text once the page's script answered
# (the API's refusal, "HTTP 401": the browser had no card to offer).
: >"$CC_WORK/after.txt"
if W=$(wait_window '^Person - Carecard' 30); then
	page_text "$W" "$CC_WORK/after.txt" "HTTP 401" || browse_failed "no answer after the removal"
else
	browse_failed "the page after the removal did not load"
fi
import -window root "$SHOTS/security-card-removed.png" 2>>"$TAP_LOG"
echo "+ after removal:" >>"$TAP_LOG"; cat "$CC_WORK/after.txt" >>"$TAP_LOG" 2>/dev/null
tail -n +"$((MARK + 1))" "$SVC_LOG" >"$CC_WORK/after.log"
cat "$CC_WORK/after.log" >>"$TAP_LOG"
tap_is "after the card's removal the new page shows the refusal and nothing of Carol's record" \
	"$(grep -c 'HTTP 401' "$CC_WORK/after.txt")/$(grep -c 'The record of Carol\|What your role allows\|dispenser' "$CC_WORK/after.txt")" "1/0"
tap_is "... and the access log shows its API call unauthenticated (401), none answered since" \
	"$(grep -c '"[A-Z]* /api/[^"]*" 200 ' "$CC_WORK/after.log")/$(grep -c '" 401 [0-9]* no-client-cert' "$CC_WORK/after.log" | sed 's/^[1-9][0-9]*$/seen/')" \
	"0/seen"
echo "# screenshots: $SHOTS"
