# tests/lib/browser.sh: what the Chromium tests share (sourced after tap.sh).
#   browser_policy_dir   root-only: Chromium's managed policy directory; sets
#                        POLICY_DIR, POLICY (this test's file) and SHOTS
#                        (screenshots kept), removing the policies of killed runs;
#                        holds the machine's browser-test lock until the test ends
#   browser_xvfb         a private Xvfb display: sets xvfb_pid and DISPLAY
#   wait_window RE SECS  until a window whose name matches RE: prints its id
#   windows              every window's name, one a line

browser_policy_dir() {
	POLICY_DIR=/etc/chromium/policies/managed
	mkdir -p "$POLICY_DIR" 2>/dev/null && [ -w "$POLICY_DIR" ] ||
		tap_skip_all "cannot write Chromium's policy directory $POLICY_DIR (needs root)"
	SHOTS=${CC_BROWSER_SHOTS:-$top_builddir/tests/integration/browser-shots}
	mkdir -p "$SHOTS"
	POLICY=$POLICY_DIR/carecard-test-$$.json
	# One Chromium test at a time on the machine (several build trees may
	# run theirs at once): two AutoSelectCertificateForUrls policies collide.
	exec 8>/tmp/carecard-browser-policy.lock
	flock -w 900 8 || tap_skip_all "another Chromium test held the policy lock for 15 minutes"
	# A run that was killed leaves its policy behind, and Chromium merges
	# every file there: a stale AutoSelectCertificateForUrls (another port)
	# may win and bring up the certificate picker. Remove those whose test
	# is gone.
	for _f in "$POLICY_DIR"/carecard-test-*.json; do
		[ -e "$_f" ] || continue
		_p=${_f##*/carecard-test-}; _p=${_p%.json}
		kill -0 "$_p" 2>/dev/null || rm -f "$_f"
	done
}

browser_xvfb() {
	Xvfb -displayfd 5 -screen 0 1280x900x24 -nolisten tcp 5>"$CC_WORK/display" 2>>"$TAP_LOG" &
	xvfb_pid=$!
	_n=0; while [ ! -s "$CC_WORK/display" ] && [ $_n -lt 50 ]; do sleep 0.1; _n=$((_n + 1)); done
	DISPLAY=":$(cat "$CC_WORK/display")"
	export DISPLAY
	[ "$DISPLAY" != ":" ]
}

wait_window() {
	_i=0
	while [ $_i -lt $(($2 * 5)) ]; do
		_w=$(xdotool search --name "$1" 2>/dev/null | head -n 1)
		[ -n "$_w" ] && { echo "$_w"; return 0; }
		sleep 0.2; _i=$((_i + 1))
	done
	return 1
}

windows() {
	xdotool search --name '.' 2>/dev/null | while read -r _w; do
		xdotool getwindowname "$_w" 2>/dev/null
	done
}

# --- the portal's browser tests (with tests/integration/test-service-lib.sh) --
#   browser_nss_db             Chromium's NSS database in the private HOME: the
#                              card module, the CA's root ($S/certs) and the
#                              test TLS CA trusted, the issuing CAs known;
#                              status 0 when everything went in
#   browser_autoselect URL CN  the policy: the card's certificate issued by CN
#                              picked for URL without a prompt
#   browser_open URL [PROFILE] Chromium at URL (profile $CC_WORK/PROFILE, by
#                              default chrome): sets chrome_pid
#   browser_passcode PIN       PIN typed into the card module's passcode dialog
#   browse_failed WHY          what the screen showed, into the log (and
#                              SHOTS/TEST-failed.png); returns 1
#   copy_text WINDOW OUT       the page's text now (select all, copy) into OUT
#   page_text WINDOW OUT WANT  ... copied again until it holds WANT (the
#                              scripts fill the page after it loads)
#   unselect WINDOW            a click in the page's empty margin: the
#                              selection gone for the screenshot

browser_nss_db() {
	_db=sql:$HOME/.pki/nssdb
	mkdir -p "$HOME/.pki/nssdb"
	certutil -N -d "$_db" --empty-password >>"$TAP_LOG" 2>&1 &&
	modutil -dbdir "$_db" -add carecard -libfile "$CC_MODULE" -force >>"$TAP_LOG" 2>&1 &&
	certutil -A -d "$_db" -n "Carecard CA root" -t "CT,C,C" -i "$S/certs/root.pem" \
		>>"$TAP_LOG" 2>&1 &&
	certutil -A -d "$_db" -n "Carecard Test CA" -t "CT,C,C" -i "$CC_CA_DIR/ca.pem" \
		>>"$TAP_LOG" 2>&1 || return 1
	for _c in "$S"/certs/*.pem; do
		[ "$_c" = "$S/certs/root.pem" ] && continue
		certutil -A -d "$_db" -n "Carecard CA ${_c##*/}" -t ",," -i "$_c" >>"$TAP_LOG" 2>&1 ||
			return 1
	done
}

browser_autoselect() {
	python3 - "$POLICY" "$1" "$2" <<'PY'
import json, sys
rule = {"pattern": sys.argv[2], "filter": {"ISSUER": {"CN": sys.argv[3]}}}
json.dump({"AutoSelectCertificateForUrls": [json.dumps(rule)]}, open(sys.argv[1], "w"))
PY
	# Chromium defers a policy directory changed in the last few seconds:
	# the file and the directory dated a minute back, read at start-up.
	touch -d "@$(($(date +%s) - 60))" "$POLICY" "$POLICY_DIR"
}

browser_open() {
	chromium --no-sandbox --user-data-dir="$CC_WORK/${2:-chrome}" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-gpu --disable-dev-shm-usage --disable-quic --disable-features=Translate \
		--window-position=0,0 --window-size=1200,850 \
		"$1" >>"$CC_WORK/chrome.log" 2>&1 &
	chrome_pid=$!
}

browser_passcode() {
	_dlg=$(wait_window 'Unlock Security Device' 60) || { browse_failed "no passcode dialog"; return 1; }
	xdotool windowfocus --sync "$_dlg" 2>>"$TAP_LOG"
	xdotool type --window "$_dlg" --delay 40 "$1"
	# the dialog may close while the key is sent (BadWindow): not a failure;
	# the page that follows tells
	xdotool key --window "$_dlg" Return 2>>"$TAP_LOG" || :
}

browse_failed() {
	echo "$1; windows:" >>"$TAP_LOG"
	windows | sed 's/^/  /' >>"$TAP_LOG"
	_t=${0##*/}
	import -window root "$SHOTS/${_t%.sh}-failed.png" 2>>"$TAP_LOG"
	grep -v 'dbus\|vkCreate\|VulkanError\|CheckVkSuccess' "$CC_WORK/chrome.log" |
		tail -n 15 >>"$TAP_LOG"
	return 1
}

copy_text() {
	xdotool windowfocus --sync "$1" 2>>"$TAP_LOG"
	xdotool key --window "$1" ctrl+a; sleep 0.3
	xdotool key --window "$1" ctrl+c; sleep 0.5
	xclip -o -selection clipboard >"$2" 2>>"$TAP_LOG"
}

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
