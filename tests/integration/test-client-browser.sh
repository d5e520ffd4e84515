#!/bin/sh
# A real browser: Chromium in a window on a private Xvfb display, with the
# module in its NSS database and an AutoSelectCertificateForUrls policy,
# loads a page from the loopback TLS server that requires a client
# certificate. The passcode is typed once into Chromium's own "Unlock
# Security Device" dialog (headless Chromium cannot show it). The page text
# (copied through the X clipboard) must show the card's authentication
# certificate and the TLS version; a screenshot is kept in the test log dir.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil pkcs11-tool; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir

cc_world
tap_plan 12

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	cc_tls_server_stop
	rm -f "$POLICY"
	cc_cleanup
}
trap cleanup_browser EXIT

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC P-256 card personalised" "$?" 0
cc_test_ca

# Chromium on Linux uses the NSS database in ~/.pki/nssdb (our private HOME).
db=sql:$HOME/.pki/nssdb
mkdir -p "$HOME/.pki/nssdb"
certutil -N -d "$db" --empty-password >>"$TAP_LOG" 2>&1 &&
modutil -dbdir "$db" -add carecard -libfile "$CC_MODULE" -force >>"$TAP_LOG" 2>&1 &&
certutil -A -d "$db" -n "Carecard Test CA" -t "CT,C,C" -i "$CC_CA_DIR/ca.pem" >>"$TAP_LOG" 2>&1
tap_is "Chromium's NSS database knows the module and trusts the test CA" "$?" 0

browser_xvfb
tap_is "private Xvfb display $DISPLAY" "$?" 0

# What the screen showed when a step timed out: the windows' names, a
# screenshot and the end of Chromium's own log, so a CI log says why.
browse_failed() {
	echo "$1 ($_v, card $_card); windows:" >>"$TAP_LOG"
	windows | sed 's/^/  /' >>"$TAP_LOG"
	import -window root "$SHOTS/failed-$_v-card$_card.png" 2>>"$TAP_LOG"
	grep -v 'dbus\|vkCreate\|VulkanError\|CheckVkSuccess' "$CC_WORK/chrome.log" | tail -n 15 >>"$TAP_LOG"
	kill "$chrome_pid" 2>/dev/null; wait "$chrome_pid" 2>/dev/null; chrome_pid=
	cc_tls_server_stop
	rm -f "$POLICY"
}

browse() {	# browse tls1_2|tls1_3 CARD -> page text in $CC_WORK/page-$1-$2.txt
	_v=$1 _card=$2
	cc_tls_server_start "$_v" || return 1
	# The signing certificate has no EKU that rules TLS out, so an empty
	# filter lets Chromium pick it: select the authentication certificate
	# (in production, by its issuing CA; here both share the test CA).
	printf '{"AutoSelectCertificateForUrls": ["{\\"pattern\\":\\"https://127.0.0.1:%s\\",\\"filter\\":{\\"SUBJECT\\":{\\"OU\\":\\"authentication\\",\\"CN\\":\\"Test Holder %s\\"}}}"]}\n' \
		"$CC_TLS_PORT" "$_card" >"$POLICY"
	# Chromium defers a policy directory changed in the last few seconds
	# (its loader waits for the files to settle) and starts without it: date
	# the file and the directory a minute back, so it is read at start-up.
	touch -d "@$(($(date +%s) - 60))" "$POLICY" "$POLICY_DIR"
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome-$_v-$_card" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-gpu --disable-dev-shm-usage --disable-quic --disable-features=Translate --window-position=0,0 \
		--window-size=1200,850 "https://127.0.0.1:$CC_TLS_PORT/" >>"$CC_WORK/chrome.log" 2>&1 &
	chrome_pid=$!
	_dlg=$(wait_window 'Unlock Security Device' 60) || { browse_failed "no passcode dialog"; return 1; }
	xdotool windowfocus --sync "$_dlg" 2>>"$TAP_LOG"
	xdotool type --window "$_dlg" --delay 40 "$CC_PIN"
	xdotool key --window "$_dlg" Return
	_page=$(wait_window '^127\.0\.0\.1' 30) || { browse_failed "page did not load"; return 1; }
	sleep 1
	xdotool windowfocus --sync "$_page" 2>>"$TAP_LOG"
	xdotool key --window "$_page" ctrl+a; sleep 0.3
	xdotool key --window "$_page" ctrl+c; sleep 0.5
	xclip -o -selection clipboard >"$CC_WORK/page-$_v-$_card.txt" 2>>"$TAP_LOG"
	# Scroll the certificate into view for the screenshot.
	xdotool key --window "$_page" ctrl+f; sleep 0.3
	xdotool type --window "$_page" "Client certificate"; xdotool key --window "$_page" Return Escape
	sleep 0.5
	import -window root "$SHOTS/browser-$_v-card$_card.png" 2>>"$TAP_LOG"
	kill "$chrome_pid" 2>/dev/null; wait "$chrome_pid" 2>/dev/null; chrome_pid=
	cc_tls_server_stop
	rm -f "$POLICY"
	return 0
}

# RSA card over TLS 1.3 and 1.2; the EC P-256 card over TLS 1.3.
for run in "tls1_3 1" "tls1_2 1" "tls1_3 2"; do
	set -- $run
	v=$1 card=$2
	tap_ok "Chromium loads the page with card $card ($v), passcode typed into its dialog" browse $v $card
	cc_tls_page_cert "$CC_WORK/page-$v-$card.txt" >"$CC_WORK/seen-$v-$card.pem"
	tap_is "the page shows card $card's authentication certificate ($v)" \
		"$(cc_cert_fp "$CC_WORK/seen-$v-$card.pem")" "$(cc_cert_fp "$CC_WORK/pki-$card-01/cert.pem")"
	want=$(echo $v | sed 's/tls1_\(.\)/TLSv1.\1/')
	tap_like "the page says the connection used $want (card $card)" \
		"$(cat "$CC_WORK/page-$v-$card.txt")" "Protocol +: $want"
done
echo "# screenshots: $SHOTS"
