#!/bin/sh
# Integration: the identity portal's pages (issue 17) in a real browser.
# Chromium, in a window on a private Xvfb display with the card module in
# its NSS database and an AutoSelectCertificateForUrls policy (as
# test-client-browser.sh), opens https://127.0.0.1:PORT/portal/ on
# carecard-ca serve; the holder's passcode is typed into Chromium's own
# "Unlock Security Device" dialog. The page, built by the portal's scripts
# from GET /api/v1/me, must show what the holder would look for: their
# name, their position (role and organisation), their certificates' expiry
# as the registry has it, and — the certificates being inside the policy's
# renewal window — the notice with the command to run at the workstation.
#
# The holder's name and organisation carry markup, quotes and right-to-left
# text (<script>, an <img onerror>, both setting document.title): the page
# shows them as the registry's text, the title stays the page's own and
# the service never sees the injected image fetched. Then the holder opens another
# person's page and sees the API's refusal (a holder has no lookup duty),
# nothing of the person. The page text comes through the X clipboard;
# screenshots are kept in the test log dir (browser-shots/).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/lib/browser.sh"

for t in chromium Xvfb xdotool xclip import certutil modutil curl python3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "Chromium cannot load an ASan-instrumented module"
browser_policy_dir
tap_plan 22

BOB=200000000002
CAROL=300000000003	# Bob's colleague at FA123
HANK=800000000008	# at another organisation
# Markup, quotes and Hebrew (right-to-left) letters: what the registry
# lets a name hold (bidi formatting characters it refuses, see
# ca/core/validate.h). Each payload would retitle the page if it ran.
NAME='Bob <script>document.title="XSS1"</script> "Q" שלום'
ORG='<img src=x onerror=document.title="XSS2"> & '"'"'Pharm'"'"' קופה'

cleanup_browser() {
	[ -n "${chrome_pid:-}" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
	rm -f "$POLICY"
	svc_stop
	cc_cleanup
}
trap cleanup_browser EXIT

# Certificates that live 30 days with a 25-day renewal window, and the
# service's clock (the CA's, CARECARD_CA_NOW) ten days on: the card is
# inside its window. The service's TLS certificate comes from a test CA,
# valid on the browser's real clock.
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
person $BOB "$NAME"
op org-add --ods FA123 --name "$ORG" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
person $CAROL "Carol Colleague"
person $HANK "Hank Elsewhere"
op org-add --ods FB456 --name "Other Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $CAROL --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $HANK --role dispenser --ods FB456 >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
tap_is "Bob's card issued; the registry holds his name and organisation as given" \
	"$(test -n "$B" && sql "SELECT name FROM people WHERE uuid = '$BOB'")|$(sql "SELECT name FROM organisations WHERE ods = 'FA123'")" \
	"$NAME|$ORG"
EXPIRY=$(date -u -d "@$(sql "SELECT not_after FROM certificates WHERE card = '$B' AND
	profile = 'authentication'")" +%Y-%m-%d)
# The authentication certificate's issuer, for the browser policy's filter.
cert_of 2 01 "$CC_WORK/bob-auth.pem"
ISSUER_CN=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -issuer -nameopt multiline,utf8 \
	2>>"$TAP_LOG" | sed -n 's/^ *commonName *= *//p')
echo "+ authentication issuer: $ISSUER_CN" >>"$TAP_LOG"
# Only Bob's card in a reader: the browser sees one holder.
"$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/alice.card" >>"$TAP_LOG" 2>&1

cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n' "$CC_CA_DIR/server.pem" \
	"$CC_CA_DIR/server.key" "$top_srcdir/ca/service/portal" >"$CC_WORK/serve.yaml"
CARECARD_CA_NOW=$(($(date +%s) + 10 * 86400)) svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
tap_is "the portal's page is served" \
	"$(curl -sS --max-time 10 --cacert "$CC_CA_DIR/ca.pem" -o /dev/null -w '%{http_code}' \
		"$SERVER/portal/" 2>>"$TAP_LOG")" 200

tap_ok "Chromium's NSS database knows the module and trusts the CA" browser_nss_db

browser_xvfb
tap_is "private Xvfb display $DISPLAY" "$?" 0

browser_autoselect "$SERVER" "$ISSUER_CN"

browse() {
	browser_open "$SERVER/portal/"
	browser_passcode 5678 || return 1
	PAGE=$(wait_window '^My profile' 30) || { browse_failed "the profile page did not load"; return 1; }
	page_text "$PAGE" "$CC_WORK/me.txt" "due for renewal" ||
		{ browse_failed "the profile was not filled in"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/portal-my-profile.png" 2>>"$TAP_LOG"
}
tap_ok "Chromium opens /portal/ with Bob's card, passcode typed into its dialog" browse
cat "$CC_WORK/me.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "the page shows his name as the registry holds it (markup, quotes, Hebrew as text)" \
	grep -qF -- "$NAME" "$CC_WORK/me.txt"
tap_ok "... his position: the role and the organisation (its markup as text)" \
	sh -c 'grep -q "^dispenser[[:space:]]" "$1" && grep -qF -- "$2" "$1"' - "$CC_WORK/me.txt" "$ORG"
tap_is "... his certificates' expiry, the registry's date, for both" \
	"$(grep -c "^\(authentication\|signing\)[[:space:]].*[[:space:]]$EXPIRY " "$CC_WORK/me.txt")" 2
tap_ok "... the renewal notice: the card, inside its window" \
	grep -q "^Your card $B is due for renewal" "$CC_WORK/me.txt"
tap_ok "... with the command to run at the workstation" \
	grep -qxF "carecard-card renew --server $SERVER" "$CC_WORK/me.txt"
tap_is "no injected script ran: the title is the page's own" \
	"$(xdotool getwindowname "${PAGE:-0}" 2>/dev/null)" "My profile - Carecard portal - Chromium"
# Another person's page, as Bob (no lookup duty): the API's refusal with
# its rule, and nothing of Alice.
person_page() {
	# a second start with the same profile: a new tab in the running browser
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" \
		"$SERVER/portal/person/$ALICE" >>"$CC_WORK/chrome.log" 2>&1
	PAGE=$(wait_window '^Person - Carecard' 30) || { browse_failed "the person page did not load"; return 1; }
	page_text "$PAGE" "$CC_WORK/person.txt" "HTTP 403" ||
		{ browse_failed "the person page was not filled in"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/portal-person-refused.png" 2>>"$TAP_LOG"
}
tap_ok "Bob opens Alice's page (/portal/person/UUID)" person_page
cat "$CC_WORK/person.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "... and is shown the refusal with its rule" \
	grep -q "^Rule: separation-of-duties.operations.lookup" "$CC_WORK/person.txt"
tap_is "... and nothing of Alice" "$(grep -c 'Alice' "$CC_WORK/person.txt")" 0
# Markup put into the page would have fetched the injected image (img
# src=x: /portal/x) whatever the Content-Security-Policy then did to its
# handler: the service's access log shows the pages' own requests only.
tap_is "the service saw the page's API calls and never a request for the injected image" \
	"$(grep -c '"GET /api/v1/me"' "$SVC_LOG" | sed 's/^[1-9][0-9]*$/seen/')/$(grep -c '"GET /portal/x"' "$SVC_LOG")" \
	"seen/0"

# Bob made a sponsor (Alice's card back in reader 1 for the grant, then out
# again: the browser sees one holder): he searches the directory.
"$CC_CARD_TOOL" insert "$CC_WORK/alice.card" --reader 1 >>"$TAP_LOG" 2>&1 &&
	op ra-role grant $BOB sponsor >>"$TAP_LOG" 2>&1
tap_is "Bob is made a sponsor (ra-role grant by Alice)" \
	"$?/$("$CC_CARD_TOOL" remove --reader 1 --to "$CC_WORK/alice.card" >>"$TAP_LOG" 2>&1; echo $?)" "0/0"
# open_tab URL TITLE-REGEX WANT OUT SHOT: a new tab, its text (holding WANT) in OUT
open_tab() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/chrome" "$1" >>"$CC_WORK/chrome.log" 2>&1
	PAGE=$(wait_window "$2" 30) || { browse_failed "$1 did not load"; return 1; }
	page_text "$PAGE" "$4" "$3" || { browse_failed "$1 was not filled in"; return 1; }
	unselect "$PAGE"
	import -window root "$SHOTS/$5" 2>>"$TAP_LOG"
}
tap_ok "Bob searches the directory for 'e' (/portal/search?q=e)" \
	open_tab "$SERVER/portal/search?q=e" '^Search - Carecard' "found for" "$CC_WORK/search.txt" \
	portal-search.png
cat "$CC_WORK/search.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "... his colleague Carol is found, with her UUID and organisation" \
	grep -q "^Carol Colleague[[:space:]]*$CAROL[[:space:]]*FA123" "$CC_WORK/search.txt"
tap_is "... Hank, of another organisation, is not" "$(grep -c 'Hank' "$CC_WORK/search.txt")" 0
tap_ok "Bob opens Carol's record (/portal/person/UUID)" \
	open_tab "$SERVER/portal/person/$CAROL" '^Person - Carecard' "The record of Carol" \
	"$CC_WORK/carol.txt" portal-person-colleague.png
cat "$CC_WORK/carol.txt" >>"$TAP_LOG" 2>/dev/null
tap_ok "... her identity and position" \
	sh -c 'grep -qx "$2" "$1" && grep -q "^dispenser[[:space:]]FA123[[:space:]]" "$1"' - \
	"$CC_WORK/carol.txt" "$CAROL"
tap_ok "the screenshots are kept" test -s "$SHOTS/portal-my-profile.png" -a \
	-s "$SHOTS/portal-person-refused.png" -a -s "$SHOTS/portal-search.png" -a \
	-s "$SHOTS/portal-person-colleague.png"
echo "# screenshots: $SHOTS"
