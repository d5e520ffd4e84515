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
