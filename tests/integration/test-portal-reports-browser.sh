#!/bin/sh
# Integration: the portal's Reports and TAC ledger pages (issue 17) in a real
# browser. Chromium on a private Xvfb display, with the card module in its
# NSS database and an AutoSelectCertificateForUrls policy (as
# test-portal-browser.sh), opens https://127.0.0.1:PORT/portal/reports with
# the RA manager's card, her passcode typed into Chromium's own dialog.
# Certificates living 30 days (a policy of the test's own) expire in the
# fifth week from today: the page's chart, drawn by reports.js as inline
# SVG under the strict CSP, has one bar per week (13 over 90 days), and its
# table gives the fifth week all four certificates; the reports' tables list
# the organisations, an organisation's name (markup and a formula) shown as
# text, with a link to each CSV download. The TAC ledger page shows the
# pool. Screenshots are kept in the test log dir (browser-shots/).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil curl python3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir
tap_plan 12

BOB=200000000002
ORG='=SUM(1) <b>High</b> Street'

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	rm -f "$POLICY"
	svc_stop
	cc_cleanup
}
trap cleanup_browser EXIT

cat >"$CC_WORK/short.yaml" <<YAML
version: 1
profiles:
  authentication:
    lifetime: 30d
  signing:
    lifetime: 30d
renewal: { window: 25d, self-renewals-before-ra: 2 }
YAML
CARD_POLICY=$CC_WORK/short.yaml ca_init || { tap_fail "CA init"; exit 1; }
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder"
op org-add --ods FA123 --name "$ORG" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
A=$(card_serial 1)
cert_of 1 01 "$CC_WORK/alice-auth.pem"
ISSUER_CN=$(openssl x509 -in "$CC_WORK/alice-auth.pem" -noout -issuer -nameopt multiline,utf8 \
	2>>"$TAP_LOG" | sed -n 's/^ *commonName *= *//p')
# Only Alice's card in a reader: the browser sees one holder.
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/bob.card" >>"$TAP_LOG" 2>&1
tap_is "four certificates, all expiring in 29 to 30 days" \
	"$(test -n "$A" && sql "SELECT count(*) FROM certificates WHERE status = 'valid' AND
		(not_after - strftime('%s', 'now')) / 86400 = 29")" 4

cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n' "$CC_CA_DIR/server.pem" \
	"$CC_CA_DIR/server.key" "$top_srcdir/ca/service/portal" >"$CC_WORK/serve.yaml"
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
	import -window root "$SHOTS/reports-failed.png" 2>>"$TAP_LOG"
	grep -v 'dbus\|vkCreate\|VulkanError\|CheckVkSuccess' "$CC_WORK/chrome.log" |
		tail -n 15 >>"$TAP_LOG"
	return 1
}

# page_text WINDOW OUT WANT: the page's text (select all, copy) into OUT,
# copied again until it holds WANT (the scripts fill the page after load)
page_text() {
	_i=0
	while [ $_i -lt 20 ]; do
		xdotool windowfocus --sync "$1" 2>>"$TAP_LOG"
		xdotool key --window "$1" ctrl+a; sleep 0.3
		xdotool key --window "$1" ctrl+c; sleep 0.5
		xclip -o -selection clipboard >"$2" 2>>"$TAP_LOG"
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

browse() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-gpu --disable-dev-shm-usage --disable-quic --disable-features=Translate \
		--window-position=0,0 --window-size=1200,850 \
		"$SERVER/portal/reports" >>"$CC_WORK/chrome.log" 2>&1 &
	chrome_pid=$!
	_dlg=$(wait_window 'Unlock Security Device' 60) || { browse_failed "no passcode dialog"; return 1; }
	xdotool windowfocus --sync "$_dlg" 2>>"$TAP_LOG"
	xdotool type --window "$_dlg" --delay 40 1234
	xdotool key --window "$_dlg" Return
	PAGE=$(wait_window '^Reports - Carecard' 30) || { browse_failed "the reports page did not load"; return 1; }
	page_text "$PAGE" "$CC_WORK/reports.txt" "reports as of now" ||
		{ browse_failed "the reports were not filled in"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/portal-reports.png" 2>>"$TAP_LOG"
}
tap_ok "Chromium opens /portal/reports with Alice's card, passcode typed into its dialog" browse
cat "$CC_WORK/reports.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "the chart: one bar per week, 13 over the next 90 days, four certificates" \
	grep -q "^13 bars, one per week: 4 certificates expiring in the next 90 days" "$CC_WORK/reports.txt"
W5=$(date -u -d '+28 days' +%F)
tap_ok "... its table: the fifth week (from $W5) holds all four" \
	grep -q "^5[[:space:]]*$W5[[:space:]]*[0-9-]*[[:space:]]*4\$" "$CC_WORK/reports.txt"
tap_is "... every other week none" \
	"$(grep -c '^\([1-9]\|1[0-3]\)[[:space:]]*20[0-9-]*[[:space:]]*20[0-9-]*[[:space:]]*0$' "$CC_WORK/reports.txt")" 12
tap_ok "the users per organisation: FA123's name as text (markup and formula)" \
	sh -c 'grep "^FA123[[:space:]]" "$1" | grep -qF -- "$2"' - "$CC_WORK/reports.txt" "$ORG"
tap_is "a CSV download link under each report and the chart" \
	"$(grep -c '^Download .* (CSV)$' "$CC_WORK/reports.txt")" 5
tap_is "no injected markup ran: the title is the page's own" \
	"$(xdotool getwindowname "${PAGE:-0}" 2>/dev/null)" "Reports - Carecard portal - Chromium"

tac_page() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" "$SERVER/portal/tac" \
		>>"$CC_WORK/chrome.log" 2>&1
	PAGE=$(wait_window '^TAC ledger - Carecard' 30) || { browse_failed "the TAC page did not load"; return 1; }
	page_text "$PAGE" "$CC_WORK/tac.txt" "in the pool" ||
		{ browse_failed "the TAC page was not filled in"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/portal-tac.png" 2>>"$TAP_LOG"
}
tac_check() {
	tac_page && grep -q "^0 card(s) in the pool, 0 use(s) recorded" "$CC_WORK/tac.txt"
}
tap_ok "the TAC ledger page: the pool and the ledger, empty" tac_check
tap_ok "the screenshots are kept" test -s "$SHOTS/portal-reports.png" -a -s "$SHOTS/portal-tac.png"
echo "# screenshots: $SHOTS"
