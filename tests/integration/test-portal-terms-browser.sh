#!/bin/sh
# Integration: the portal's terms and conditions (issue 17) in a real
# browser. Chromium on a private Xvfb display, the card module in its NSS
# database (as test-portal-browser.sh), opens /portal/ on carecard-ca serve
# with serve.terms naming the operator's text. Bob's first login lands on
# the terms page (portal.js: /api/v1/me says the current version is not
# accepted) showing the operator's text; he accepts with the keyboard alone
# (Space on the box, Tab, Enter) and is sent back to his profile; the
# registry and the audit log hold his acceptance with his card and
# certificate. The operator installs a new text and reloads the service
# (SIGHUP): at the next login (a new browser, the passcode again) the terms
# page is back with the new text; accepted too, the profile follows. The
# page text comes through the X clipboard; screenshots are kept in the test
# log dir (browser-shots/portal-terms*.png).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil curl python3 sha256sum; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir
tap_plan 16

BOB=200000000002

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	rm -f "$POLICY"
	svc_stop
	cc_cleanup
}
trap cleanup_browser EXIT

ca_init || { tap_fail "CA init"; exit 1; }
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder"
op org-add --ods FA123 --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
tap_ok "Bob's card issued" test -n "$B"
BOB_CERT=$(sql "SELECT serial FROM certificates WHERE card = '$B' AND profile = 'authentication'")
cert_of 2 01 "$CC_WORK/bob-auth.pem"
ISSUER_CN=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -issuer -nameopt multiline,utf8 \
	2>>"$TAP_LOG" | sed -n 's/^ *commonName *= *//p')
# Only Bob's card in a reader: the browser sees one holder.
"$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/alice.card" >>"$TAP_LOG" 2>&1

# The operator's text, version one.
TERMS=$CC_WORK/terms.txt
printf 'Carecard terms of use (first edition)\n\nYour smartcard is yours alone: never lend it or tell anyone its passcode.\n' >"$TERMS"
V1=$(sha256sum "$TERMS" | cut -d' ' -f1)

cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n  terms: %s\n' \
	"$CC_CA_DIR/server.pem" "$CC_CA_DIR/server.key" "$top_srcdir/ca/service/portal" \
	"$TERMS" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
tap_is "the terms page is served" \
	"$(curl -sS --max-time 10 --cacert "$CC_CA_DIR/ca.pem" -o /dev/null -w '%{http_code}' \
		"$SERVER/portal/terms" 2>>"$TAP_LOG")" 200

tap_ok "Chromium's NSS database knows the module and trusts the CA" browser_nss_db
browser_xvfb
tap_is "private Xvfb display $DISPLAY" "$?" 0

browser_autoselect "$SERVER" "$ISSUER_CN"

# login WANT SHOT: a new browser at /portal/, the passcode typed into its
# dialog; the terms page must come, holding WANT (the text); screenshot SHOT
login() {
	[ -n "${chrome_pid:-}" ] && { kill "$chrome_pid" 2>/dev/null; wait "$chrome_pid" 2>/dev/null; }
	rm -rf "$CC_WORK/chrome"
	browser_open "$SERVER/portal/"
	browser_passcode 5678 || return 1
	PAGE=$(wait_window '^Terms and conditions - Carecard' 30) ||
		{ browse_failed "the terms page did not come"; return 1; }
	page_text "$PAGE" "$CC_WORK/terms.txt.seen" "$1" ||
		{ browse_failed "the terms were not shown"; return 1; }
	import -window root "$SHOTS/$2" 2>>"$TAP_LOG"
}

# accept_keys SHOT: Space ticks the box (the page puts the focus there),
# Tab to the button, Enter; the profile must follow; screenshot SHOT
accept_keys() {
	# typed into the focused window (XTEST), as a person's keyboard would;
	# Enter again if the first was lost (seen with no window manager)
	xdotool windowfocus --sync "$PAGE" 2>>"$TAP_LOG"
	xdotool key --delay 300 space Tab; sleep 1
	xdotool key Return
	_p=$(wait_window '^My profile - Carecard' 10) || { xdotool key Return;
		_p=$(wait_window '^My profile - Carecard' 20); } ||
		{ browse_failed "the profile did not follow the acceptance"; return 1; }
	PAGE=$_p
	page_text "$PAGE" "$CC_WORK/me.txt" "Logged in as Bob Holder" ||
		{ browse_failed "the profile was not filled in"; return 1; }
	xdotool mousemove --window "$PAGE" 1150 800 click 1 2>>"$TAP_LOG"
	sleep 0.5
	import -window root "$SHOTS/$1" 2>>"$TAP_LOG"
}

tap_ok "Bob's first login: the terms page, with the operator's text" \
	login "never lend it or tell anyone its passcode" portal-terms-first.png
cat "$CC_WORK/terms.txt.seen" >>"$TAP_LOG" 2>/dev/null
tap_ok "... its version, the SHA-256 of the file" grep -qF "$V1" "$CC_WORK/terms.txt.seen"
tap_is "... nothing accepted yet" "$(sql "SELECT count(*) FROM terms_acceptances")" 0
tap_ok "he accepts with the keyboard (Space, Tab, Enter): his profile follows" \
	accept_keys portal-terms-accepted-profile.png
cat "$CC_WORK/me.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "... with his position" grep -q "^dispenser[[:space:]]" "$CC_WORK/me.txt"
tap_is "the registry holds his acceptance of version one, with his card and certificate" \
	"$(sql "SELECT person || '|' || version || '|' || card || '|' || certificate FROM terms_acceptances")" \
	"$BOB|$V1|$B|$BOB_CERT"
tap_is "... and the audit log, as his" \
	"$(sql "SELECT actor FROM audit WHERE action = 'terms-accept' AND details LIKE '%$V1%'
		AND details LIKE '%$BOB_CERT%'")" "$BOB"

# The operator installs a new edition and reloads the service.
printf 'Carecard terms of use (second edition)\n\nReport a lost or stolen card to your RA the same day.\n' >"$TERMS.new"
mv "$TERMS.new" "$TERMS"
V2=$(sha256sum "$TERMS" | cut -d' ' -f1)
kill -HUP "$SVC_PID"
for _i in $(seq 50); do grep -q "version $V2" "$SVC_ERR" && break; sleep 0.2; done
tap_ok "the operator installs a new text and reloads the service (SIGHUP)" grep -q "version $V2" "$SVC_ERR"
tap_ok "the next login: the terms page again, with the new text" \
	login "Report a lost or stolen card to your RA the same day" portal-terms-second.png
cat "$CC_WORK/terms.txt.seen" >>"$TAP_LOG" 2>/dev/null
tap_ok "he accepts again with the keyboard: his profile" accept_keys portal-terms-second-profile.png
tap_is "two acceptances on record, one per version" \
	"$(sql "SELECT count(*) FROM terms_acceptances WHERE person = '$BOB' AND version IN ('$V1', '$V2')")/$(sql "SELECT count(*) FROM audit WHERE action = 'terms-accept'")" \
	"2/2"
tap_ok "the screenshots are kept" test -s "$SHOTS/portal-terms-first.png" -a \
	-s "$SHOTS/portal-terms-accepted-profile.png" -a -s "$SHOTS/portal-terms-second.png" -a \
	-s "$SHOTS/portal-terms-second-profile.png"
echo "# screenshots: $SHOTS"
