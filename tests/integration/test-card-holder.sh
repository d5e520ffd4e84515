#!/bin/sh
# Integration: the holder's own commands of carecard-card, as a holder at a
# workstation runs them — through the carecard module like any application.
#   passcode: changed with the current one and the new one twice; a new one
#   against the policy is refused naming the rule, costing no try; wrong
#   tries are counted and the lock is explained.
#   status: expiry, the renewal window (closed, open, expired) and what is
#   due, without a passcode; --remind speaks once, when the window opens.
. "${top_srcdir:-${srcdir:-.}}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

[ -x "$CC_CARD_TOOL" ] || tap_skip_all "carecard-card not built"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built"
command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool not installed"
cc_world
export XDG_STATE_HOME="$HOME/.local/state"
tap_plan 36

# holder CMD...: carecard-card with the module of this build.
holder() { "$CC_CARD_TOOL" "$@" --module "$CC_MODULE"; }
# login PIN: does the card in reader 1 take PIN? (pkcs11-tool, another client)
login() { cc_p11 --slot-index 0 --login --pin "$1" --list-objects >>"$TAP_LOG" 2>&1; }
# change CURRENT NEW AGAIN: the three lines a holder types; output in $out, status in $rc
change() {
	out=$(printf '%s\n%s\n%s\n' "$1" "$2" "$3" | holder passcode --reader 1 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$TAP_LOG"
}

cc_blank_card 1
cc_p11 --slot-index 0 --init-token --label "Holder" --so-pin "$CC_SO_PIN" >>"$TAP_LOG" 2>&1 &&
cc_p11 --slot-index 0 --login --login-type so --so-pin "$CC_SO_PIN" --init-pin \
	--new-pin "$CC_PIN" >>"$TAP_LOG" 2>&1
tap_ok "a card with passcode $CC_PIN in reader 1" login "$CC_PIN"

change "$CC_PIN" 5678 5678
tap_is "passcode: changed (exit 0)" "$rc" 0
tap_like "...and says so, naming the card" "$out" "^Passcode changed for card [0-9]{16}\.$"
tap_ok "...the new passcode logs in (pkcs11-tool)" login 5678
tap_fails "...the old one does not" login "$CC_PIN"
tap_ok "...(and a right login puts the tries back to three)" login 5678

change 5678 12 12
tap_is "too short: refused with exit 6" "$rc" 6
tap_like "...naming the rule, its values and the policy" "$out" \
	"4 to 8 characters \(policy rules passcode.min-length and passcode.max-length, from "
change 5678 123456789 123456789
tap_is "too long: refused with exit 6" "$rc" 6
change 5678 2468 2469
tap_is "the two new ones differ: refused with exit 6" "$rc" 6
tap_like "...and says so" "$out" "the two new passcodes differ; the passcode is unchanged"

# Two wrong tries now: the three refusals above cost none.
change 1111 2468 2468
tap_is "wrong current passcode: exit 6" "$rc" 6
tap_like "...told it is wrong" "$out" "the current passcode is wrong; the passcode is unchanged"
change 1112 2468 2468
tap_like "second wrong try: one try left, said before the card locks" "$out" \
	"One try is left before the card locks"
change 5678 2468 2468
tap_is "...the right one still works: the rule refusals cost no try" "$rc" 0
tap_ok "...and 2468 logs in" login 2468

for t in 1 2 3; do change 9999 1357 1357; done
tap_like "three wrong tries: the card locks, and the holder is told how to unlock" "$out" \
	"the card is locked .*carecard-card unlock --server URL.*RA office"
tap_is "...exit 6" "$rc" 6
tap_fails "...the card stays locked for the right passcode too (pkcs11-tool)" login 2468

out=$(holder passcode --reader 1 1234 2>&1); rc=$?
tap_is "a passcode on the command line: usage error, exit 2" "$rc" 2
tap_like "...saying passcodes are typed" "$out" "never given on the command line"
out=$(printf '1\n2\n3\n' | holder passcode --reader 2 2>&1); rc=$?
tap_is "empty reader: exit 4" "$rc" 4
tap_like "...with what to do" "$out" "insert your card"

# status: a card from a test CA whose certificates last 30 days, so inside
# the NHS 90-day renewal window today.
cc_blank_card 2 && cc_personalise 2 ec
exp=$(openssl x509 -in "$CC_WORK/pki-2-01/cert.pem" -noout -enddate | sed 's/^notAfter=//')
exp_day=$(date -u -d "$exp" +%Y-%m-%d)
exp_s=$(date -u -d "$exp" +%s)
out=$(holder status --reader 2 2>>"$TAP_LOG"); rc=$?
printf '%s\n' "$out" >>"$TAP_LOG"
tap_is "status: exit 0, no passcode asked" "$rc" 0
tap_like "...the authentication certificate's expiry, as openssl reads it" "$out" \
	"authentication certificate: Test Holder 2, expires $exp_day \((29|30) days\)"
tap_like "...the signing certificate's" "$out" "signing certificate: +Test Holder 2, expires $exp_day"
tap_like "...the window open, and how to renew" "$out" \
	"renewal: open since $(date -u -d "@$((exp_s - 90 * 86400))" +%Y-%m-%d): renew with 'carecard-card renew --server URL'"
tap_like "...what is due, in the policy's words" "$out" "^  due: .*renew"
out=$(CARECARD_NOW=$((exp_s - 100 * 86400)) holder status --reader 2 2>>"$TAP_LOG")
tap_like "100 days before expiry: the window opens in 10 days" "$out" \
	"renewal: opens on $(date -u -d "@$((exp_s - 90 * 86400))" +%Y-%m-%d) \(90 days before expiry\)"
tap_fails "...and nothing is due" sh -c 'printf "%s\n" "$1" | grep -q "due:"' - "$out"
out=$(CARECARD_NOW=$((exp_s + 86400)) holder status --reader 2 2>>"$TAP_LOG")
tap_like "after expiry: self-renewal closed" "$out" "the certificates have expired; self-renewal is closed"
tap_like "...and the repair is due" "$out" "^  due: .*(RA|repair)"

out=$(CARECARD_NOW=$((exp_s - 100 * 86400)) holder status --reader 2 --remind 2>>"$TAP_LOG")
tap_is "--remind before the window: silent" "$out" ""
out=$(holder status --reader 2 --remind 2>>"$TAP_LOG")
tap_like "--remind in the window: tells the holder" "$out" "^Your smartcard [0-9]{16} can be renewed now: its certificates expire on $exp_day"
tap_is "...once: the next day's run is silent" "$(holder status --reader 2 --remind 2>>"$TAP_LOG")" ""
tap_ok "...remembered in the holder's state directory, 0600" \
	test "$(stat -c %a "$XDG_STATE_HOME/carecard/renewal-reminded" 2>/dev/null)" = 600
tap_done
