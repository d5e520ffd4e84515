#!/bin/sh
# The module and `carecard-policy explain` agree (issue 3: one source of
# truth). One policy file with rules unlike the NHS defaults; the module
# config only points at it. For passcode lengths, the number of tries that
# lock the card, and the warning/expiry dates, what explain says is what the
# module (through pkcs11-tool) and carecard-card show do.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

POLICY_TOOL=$top_builddir/policy/carecard-policy
command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"
[ -x "$POLICY_TOOL" ] || tap_skip_all "carecard-policy not built"

cc_world
tap_plan 15

cat >"$CC_WORK/policy.yaml" <<EOF
version: 1
passcode:
  min-length: 6
  max-length: 10
  max-tries: 5
  max-age: 30d
  warning: 7d
EOF
printf 'policy: %s\n' "$CC_WORK/policy.yaml" >>"$CARECARD_CONF"

explain() { "$POLICY_TOOL" explain --policy "$CC_WORK/policy.yaml" --json "$@" 2>>"$TAP_LOG"; }
# allow LEN: "true"/"false" from explain's passcode decision.
allow() {
	explain --passcode-length "$1" |
		sed -n 's/.*"decision": "passcode", "allow": \([a-z]*\).*/\1/p'
}
# init_pin PIN: "true" when the SO's C_InitPIN accepts it.
init_pin() {
	if cc_p11 --slot-index 0 --login --login-type so --so-pin "$CC_SO_PIN" \
		--init-pin --new-pin "$1" >>"$TAP_LOG" 2>&1; then echo true; else echo false; fi
}

cc_blank_card 1 &&
cc_p11 --slot-index 0 --init-token --label "Policy card" --so-pin "$CC_SO_PIN" >>"$TAP_LOG" 2>&1
tap_is "card initialised" "$?" 0

# --- lengths: 5 and 11 refused, 6 and 10 accepted, by both
for pin in 12345 12345678901 123456 1234567890; do
	len=${#pin}
	tap_is "passcode of $len characters: module agrees with explain ($(allow "$len"))" \
		"$(init_pin "$pin")" "$(allow "$len")"
done
out=$(cc_p11 --slot-index 0 --list-token-slots 2>&1)
tap_like "token info: PIN min/max from the policy" "$out" '[Pp][Ii][Nn] min/max *: *6/10'

# --- tries: explain names the count; the module locks after exactly that many
n=$(explain --serial 0400000000000001 |
	sed -n 's/.*it locks after \([0-9]*\) wrong passcodes.*/\1/p' | head -n 1)
tap_is "explain: the card locks after 5 wrong passcodes" "$n" 5
count=0
while [ "$count" -lt 10 ]; do
	count=$((count + 1))
	out=$(cc_p11 --slot-index 0 --login --pin 999999 --list-objects 2>&1)
	case $out in *CKR_PIN_LOCKED*) break ;; esac
done
tap_is "module: locked by wrong passcode number $n" "$count" "$n"

# --- dates: a fresh passcode, then explain and carecard-card show at
# the same instants (CARECARD_NOW) around the warning and expiry points
init_pin 1234567890 >/dev/null
changed=$("$CC_CARD_TOOL" show --reader 1 --json |
	sed -n 's/.*"user_pin":{[^}]*"changed_at":\([0-9]*\).*/\1/p')
tap_like "the card records when the passcode was set" "$changed" '^[0-9]+$'
state_explain() {
	due=$(explain --at "@$1" --passcode-changed "@$changed")
	case $due in
	*'"rule": "passcode.max-age"'*) echo expired ;;
	*'"rule": "passcode.warning"'*) echo due ;;
	*) echo ok ;;
	esac
}
state_card() {
	out=$(CARECARD_NOW=$1 "$CC_CARD_TOOL" show --reader 1)
	case $out in
	*"user PIN expired: yes"*) echo expired ;;
	*"user PIN due to change: yes"*) echo due ;;
	*) echo ok ;;
	esac
}
for days in 22 23 29 30; do
	at=$((changed + days * 86400))
	tap_is "day $days: card and explain agree ($(state_explain "$at"))" \
		"$(state_card "$at")" "$(state_explain "$at")"
done
tap_is "day 22 ok, 23 due, 30 expired (the policy's 30d/7d)" \
	"$(state_explain $((changed + 22 * 86400))) $(state_explain $((changed + 23 * 86400)))" \
	"ok due"
tap_is "day 30: expired" "$(state_card $((changed + 30 * 86400)))" expired

tap_done
