#!/bin/sh
# Three wrong passcodes lock the card; the SO (Sponsor/RA agent) unlocks it
# with C_InitPIN while the holder types a new passcode; the old one is gone.
# Seen from a real client (pkcs11-tool) and from the card itself.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 12

cc_blank_card 1 && cc_personalise 1 ec
tap_is "card personalised" "$?" 0

login() { cc_p11 --slot-index 0 --login --pin "$1" --list-objects 2>&1; }
tries() { "$CC_CARD_TOOL" show --reader 1 --json | sed -n 's/.*"user_pin": *{[^}]*"tries_left": *\([0-9]*\).*/\1/p' | head -n 1; }

out=$(login 0000); tap_like "1st wrong passcode: CKR_PIN_INCORRECT" "$out" 'CKR_PIN_INCORRECT'
tap_is "card shows 2 tries left" "$(tries)" 2
out=$(login 0000); tap_like "2nd wrong passcode: CKR_PIN_INCORRECT" "$out" 'CKR_PIN_INCORRECT'
out=$(login 0000); tap_like "3rd wrong passcode: CKR_PIN_INCORRECT" "$out" 'CKR_PIN_INCORRECT|CKR_PIN_LOCKED'
out=$(login "$CC_PIN"); tap_like "right passcode now refused: CKR_PIN_LOCKED" "$out" 'CKR_PIN_LOCKED'
tap_is "card shows 0 tries left" "$(tries)" 0
flags=$(cc_p11 --slot-index 0 --list-token-slots 2>&1)
tap_like "token flags say the user PIN is locked" "$flags" 'user PIN locked'

tap_ok "SO unlocks with C_InitPIN and a new passcode" \
	cc_p11 --slot-index 0 --login --login-type so --so-pin "$CC_SO_PIN" --init-pin --new-pin 5678
out=$(login 5678); tap_like "new passcode logs in" "$out" 'Private Key Object'
tap_is "card shows 3 tries left again" "$(tries)" 3
out=$(login "$CC_PIN"); tap_like "old passcode no longer works" "$out" 'CKR_PIN_INCORRECT'
