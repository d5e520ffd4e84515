#!/bin/sh
# Two processes x 4 threads log in and sign on one card for 10 s (5 s under
# the sanitizers, whose slowdown is not what this measures): no error, and
# the retry counter is back at its maximum afterwards.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"
STRESS=$top_builddir/tests/integration/p11-stress
[ -x "$STRESS" ] || tap_skip_all "p11-stress not built"

cc_world
tap_plan 5
secs=10
[ "${CC_SANITIZERS:-no}" = yes ] && secs=5

cc_blank_card 1 && cc_personalise 1 ec
tap_is "card personalised" "$?" 0
gen0=$("$CC_CARD_TOOL" show --reader 1 --json | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')

cc_client "$STRESS" "$CC_MODULE" "Test Holder 1" "$CC_PIN" $secs 4 >"$CC_WORK/p1.out" 2>>"$TAP_LOG" & p1=$!
cc_client "$STRESS" "$CC_MODULE" "Test Holder 1" "$CC_PIN" $secs 4 >"$CC_WORK/p2.out" 2>>"$TAP_LOG" & p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
tap_is "process 1: no errors ($(cat "$CC_WORK/p1.out"))" "$rc1" 0
tap_is "process 2: no errors ($(cat "$CC_WORK/p2.out"))" "$rc2" 0

state=$("$CC_CARD_TOOL" show --reader 1 --json)
echo "$state" >>"$TAP_LOG"
tries=$(printf '%s' "$state" | sed -n 's/.*"user_pin": *{[^}]*"tries_left": *\([0-9]*\).*/\1/p' | head -n 1)
tap_is "retry counter back at 3" "$tries" 3
gen1=$(printf '%s' "$state" | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')
# Each process's login writes the card at least twice (decrement, restore).
if [ -n "$gen0" ] && [ -n "$gen1" ] && [ $((gen1 - gen0)) -ge 4 ]; then
	tap_pass "both logins persisted their counter updates (generation $gen0 -> $gen1)"
else
	tap_fail "both logins persisted their counter updates" "generation '$gen0' -> '$gen1'"
fi
