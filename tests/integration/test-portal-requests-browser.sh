#!/bin/sh
# Integration: registration requests in a real browser (issue 17): a sponsor
# registers a new starter on the Requests page and an RA agent approves it.
# Chromium (on a private Xvfb display, the card module in its NSS database,
# an AutoSelectCertificateForUrls policy, as test-portal-browser.sh) opens
# /portal/requests on carecard-ca serve with one card in a reader at a time,
# its holder's passcode typed into Chromium's own dialog. Everything on the
# pages is done with the keyboard, as a person would: typed into the field
# the page focused, Tab, the space bar on the button. Sam, a sponsor, opens
# /portal/requests#register, fills in the holder and registers; the page
# shows the request with Withdraw for him and no Approve (the sponsor never
# checks identity). Rita, an RA agent, opens it (?id=N): Approve and Reject,
# no registration form (she is no sponsor); she types the identity
# documents and approves. The page says so, and the CA agrees: carecard-ca
# request show (the command line, as the CA's own account) and the registry
# hold it verified by her, the holder checked by her; the audit log has her
# verify-identity and its chain verifies. Screenshots are kept in the test
# log dir (browser-shots/).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil curl python3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir
tap_plan 17

RITA=100000000003	# RA agent
SAM=100000000002	# sponsor at FA123
HOLLY=300000000011	# the new starter

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	rm -f "$POLICY"
	svc_stop
	cc_cleanup
}
trap cleanup_browser EXIT

ca_init || { tap_fail "CA init"; exit 1; }
pin rita 3456; pin sam 2345
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $RITA "Rita Agent" --ra-role ra-agent
person $SAM "Sam Sponsor" --ra-role sponsor
op org-add --ods FA123 --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $SAM --role pharmacist --ods FA123 >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice sam "$CA" issue-card --holder $SAM --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
cc_blank_card 3
as alice rita "$CA" issue-card --holder $RITA --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
R=$(card_serial 3)
S2=$(card_serial 2) R=$(card_serial 3)
tap_ok "Sam's and Rita's cards issued" test -n "$S2" -a -n "$R"
# The authentication certificate's issuer (the same CA's for both), for the
# browser policy's filter.
cert_of 3 01 "$CC_WORK/rita-auth.pem"
ISSUER_CN=$(openssl x509 -in "$CC_WORK/rita-auth.pem" -noout -issuer -nameopt multiline,utf8 \
	2>>"$TAP_LOG" | sed -n 's/^ *commonName *= *//p')
# Only Sam's card in a reader at first: the browser sees one holder.
"$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/alice.card" >>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/rita.card" >>"$TAP_LOG" 2>&1

cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n' "$CC_CA_DIR/server.pem" \
	"$CC_CA_DIR/server.key" "$top_srcdir/ca/service/portal" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
tap_is "the Requests page is served" \
	"$(curl -sS --max-time 10 --cacert "$CC_CA_DIR/ca.pem" -o /dev/null -w '%{http_code}' \
		"$SERVER/portal/requests" 2>>"$TAP_LOG")" 200

tap_ok "Chromium's NSS database knows the module and trusts the CA" browser_nss_db

browser_xvfb
tap_is "private Xvfb display $DISPLAY" "$?" 0

# clip: the X clipboard's text
clip() { xclip -o -selection clipboard 2>>"$TAP_LOG"; }
# copy WINDOW: select all and copy (the page, or the focused field's text)
copy() {
	xdotool windowfocus --sync "$1" 2>>"$TAP_LOG"
	xdotool key --window "$1" ctrl+a; sleep 0.3
	xdotool key --window "$1" ctrl+c; sleep 0.5
}

browser_autoselect "$SERVER" "$ISSUER_CN"

# The request's page, the passcode typed into Chromium's dialog; then wait
# until the page has put the keyboard in an empty field: select-all and
# copy leave the clipboard as it was (a page without focus copies its text).
# browser PROFILE URL PASSCODE: Chromium at URL, the passcode typed into its dialog,
# then (as open_request) until the page has put the keyboard in an empty field
browser() {
	browser_open "$2" "$1"
	browser_passcode "$3" || return 1
	PAGE=$(wait_window '^Requests - Carecard' 30) || { browse_failed "the page did not load"; return 1; }
	_i=0
	while [ $_i -lt 30 ]; do
		printf 'nothing-copied' | xclip -i -selection clipboard 2>>"$TAP_LOG"
		copy "$PAGE"
		[ "$(clip)" = nothing-copied ] && return 0
		sleep 0.5; _i=$((_i + 1))
	done
	browse_failed "no field took the keyboard"
}
# The page's text, once it holds WANT: the mouse's click in the margin takes
# the focus out of the field first (select-all would copy the field alone).
# page_now OUT WANT
page_now() {
	xdotool mousemove --window "$PAGE" 1150 800 click 1 2>>"$TAP_LOG"
	sleep 0.3
	_i=0
	while [ $_i -lt 20 ]; do
		copy "$PAGE"
		clip >"$1"
		grep -qF -- "$2" "$1" && return 0
		sleep 0.5; _i=$((_i + 1))
	done
	return 1
}
# after FILE LABEL: the line after LABEL's (a dt's value, its dd)
after() { awk -v l="$2" 'f { print; exit } $0 == l { f = 1 }' "$1"; }
# keys KEY...: each as the keyboard sends it (XTEST) to the focused window,
# no modifier left over from the copying; a button is pressed with the space
# bar (xdotool's Return on Xvfb does not activate one here)
keys() {
	xdotool windowfocus --sync "$PAGE" 2>>"$TAP_LOG"
	for _k in "$@"; do
		xdotool key --clearmodifiers "$_k"
		sleep 0.2
	done
}
# in_field TEXT: type TEXT into the focused field (typed, never pasted)
in_field() { xdotool type --window "$PAGE" --delay 30 "$1"; }

# --- Sam, the sponsor, registers Holly on the Requests page ---------------------
sponsor() {
	browser chrome-sam "$SERVER/portal/requests#register" 2345 || return 1
	in_field $HOLLY; keys Tab
	in_field "Holly Starter"; keys Tab Tab Tab	# no email, no mobile
	in_field dispenser; keys Tab			# the ODS code: his organisation's
	import -window root "$SHOTS/requests-register.png" 2>>"$TAP_LOG"
	keys Tab space
	sleep 1
	page_now "$CC_WORK/sponsor.txt" "Withdraw" || { browse_failed "the registered request was not shown"; return 1; }
	unselect
	import -window root "$SHOTS/requests-registered.png" 2>>"$TAP_LOG"
}
tap_ok "Sam opens /portal/requests#register with his card, types Holly's details, Tab to Register, space" \
	sponsor
cat "$CC_WORK/sponsor.txt" >>"$TAP_LOG" 2>/dev/null
A=$(sql "SELECT id FROM requests WHERE subject = '$HOLLY'")
tap_is "... the registry: Holly's request for dispenser@FA123, sponsored by Sam, awaiting the check" \
	"$(sql "SELECT sponsor || ' ' || state || ' ' || role || '@' || org FROM requests WHERE id = ${A:-0}")|$(sql "SELECT name FROM people WHERE uuid = '$HOLLY'")" \
	"$SAM sponsored dispenser@FA123|Holly Starter"
tap_is "... the page opened it, with Withdraw for him and no Approve (he is its sponsor)" \
	"$(after "$CC_WORK/sponsor.txt" Holder)/$(grep -c '^Identity documents checked' "$CC_WORK/sponsor.txt")" \
	"Holly Starter/0"
# Sam's browser closed and his card out; Rita's in.
kill "$chrome_pid" 2>/dev/null; wait "$chrome_pid" 2>/dev/null; chrome_pid=
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/sam.card" >>"$TAP_LOG" 2>&1
"$CC_CARD_TOOL" insert "$CC_WORK/rita.card" --reader 3 >>"$TAP_LOG" 2>&1

# --- Rita, the RA agent, approves it ------------------------------------------
open_request() { browser chrome "$SERVER/portal/requests?id=$A" 3456; }
tap_ok "Chromium opens /portal/requests?id=$A with Rita's card, passcode typed into its dialog; the page puts the keyboard in a field" \
	open_request

page_now "$CC_WORK/request.txt" "Identity documents checked"
unselect
import -window root "$SHOTS/requests-open.png" 2>>"$TAP_LOG"
cat "$CC_WORK/request.txt" >>"$TAP_LOG" 2>/dev/null
tap_is "the page shows the request: Holly, her position, awaiting the identity check" \
	"$(after "$CC_WORK/request.txt" Holder)|$(after "$CC_WORK/request.txt" Position)|$(after "$CC_WORK/request.txt" State)" \
	"Holly Starter|dispenser@FA123|awaiting the identity check"
tap_is "... with Approve and Reject for Rita (RA agent), no Withdraw, no registration form" \
	"$(grep -c '^Identity documents checked in person' "$CC_WORK/request.txt")/$(grep -c '^Reject$' "$CC_WORK/request.txt" | sed 's/^[1-9]$/yes/')/$(grep -c 'Withdraw\|Register a holder' "$CC_WORK/request.txt")" \
	"1/yes/0"
# By the keyboard alone from here: the page, reloaded, puts the keyboard in
# the documents field (the click above moved it); typed, Tab to Approve, Space.
approve() {
	xdotool key --window "$PAGE" F5
	_i=0
	while [ $_i -lt 30 ]; do
		sleep 0.5
		printf 'nothing-copied' | xclip -i -selection clipboard 2>>"$TAP_LOG"
		copy "$PAGE"
		[ "$(clip)" = nothing-copied ] && break
		_i=$((_i + 1))
	done
	xdotool type --window "$PAGE" --delay 30 "$DOCS"
	copy "$PAGE"
	[ "$(clip)" = "$DOCS" ] || { browse_failed "the documents field did not take the keyboard"; return 1; }
	xdotool key --window "$PAGE" End
	import -window root "$SHOTS/requests-approve.png" 2>>"$TAP_LOG"
	# the keys as the keyboard sends them (XTEST) to the focused window,
	# no modifier left over from the copying; the button pressed with the
	# space bar (xdotool's Return on Xvfb does not activate a button here)
	xdotool windowfocus --sync "$PAGE" 2>>"$TAP_LOG"
	xdotool key --clearmodifiers Tab
	sleep 0.3
	xdotool key --clearmodifiers space
	sleep 1
	page_now "$CC_WORK/approved.txt" "approved:" ||
		{ grep 'requests' "$SVC_LOG" >>"$TAP_LOG"; browse_failed "the page did not say approved"; return 1; }
	unselect
	import -window root "$SHOTS/requests-approved.png" 2>>"$TAP_LOG"
}
tap_ok "Rita types the documents into the field, Tab to Approve, presses it (space)" approve
cat "$CC_WORK/approved.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "... the page says the request was approved and what comes next" \
	grep -q "^request $A approved: $HOLLY's identity checked.*issue-card --holder $HOLLY" \
	"$CC_WORK/approved.txt"
tap_is "... and shows it verified, checked by Rita, the actions gone" \
	"$(page_now "$CC_WORK/approved.txt" "$RITA"; after "$CC_WORK/approved.txt" State)|$(after "$CC_WORK/approved.txt" 'Checked or closed by')|$(grep -c '^Identity documents checked\|^Reject$' "$CC_WORK/approved.txt")" \
	"verified|$RITA|0"
"$CA" request show "$A" --format json >"$CC_WORK/show.json" 2>>"$TAP_LOG"
tap_is "carecard-ca request show: verified, checked by Rita" \
	"$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); r = r[0] if isinstance(r, list) else r; print(r["state"], r["checked_by"])' "$CC_WORK/show.json" 2>>"$TAP_LOG")" \
	"verified $RITA"
tap_is "the registry: Holly's identity checked by Rita, her position held; the audit entry Rita's" \
	"$(sql "SELECT checked_by FROM people WHERE uuid = '$HOLLY'")|$(sql "SELECT role || '@' || org FROM positions WHERE person = '$HOLLY'")|$(sql "SELECT actor FROM audit WHERE action = 'verify-identity' AND subject = '$HOLLY'")" \
	"$RITA|dispenser@FA123|$RITA"
tap_ok "the audit chain verifies" audit_ok
tap_ok "the screenshots are kept" test -s "$SHOTS/requests-register.png" -a \
	-s "$SHOTS/requests-registered.png" -a -s "$SHOTS/requests-open.png" -a \
	-s "$SHOTS/requests-approve.png" -a -s "$SHOTS/requests-approved.png"
echo "# screenshots: $SHOTS"
