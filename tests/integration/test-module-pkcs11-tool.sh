#!/bin/sh
# OpenSC's pkcs11-tool self-test (--test --login) on a card holding two RSA
# pairs with certificates, and on one holding two EC P-256 pairs.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 14

tap_ok "manufacture and insert a blank card (reader 1)" cc_blank_card 1
tap_ok "manufacture and insert a blank card (reader 2)" cc_blank_card 2
tap_ok "personalise reader 1 with two RSA-2048 pairs and certificates" cc_personalise 1 rsa
tap_ok "personalise reader 2 with two EC P-256 pairs and certificates" cc_personalise 2 ec

objs=$(cc_p11 --slot-index 0 --list-objects 2>&1)
n=$(printf '%s\n' "$objs" | grep -c '^Certificate Object')
tap_is "both certificates are listed before login" "$n" 2
n=$(printf '%s\n' "$objs" | grep -c '^Private Key Object')
tap_is "private keys are not visible before login" "$n" 0
n=$(cc_p11 --slot-index 0 --login --pin "$CC_PIN" --list-objects 2>&1 | grep -c '^Private Key Object')
tap_is "two private keys after login" "$n" 2

out=$(cc_p11 --slot-index 0 --test --login --pin "$CC_PIN" 2>&1); rc=$?
echo "$out" >>"$TAP_LOG"
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^No errors'; then
	tap_pass "pkcs11-tool --test --login passes on the RSA card"
else
	tap_fail "pkcs11-tool --test --login passes on the RSA card" "rc=$rc: $(printf '%s' "$out" | tail -n 5)"
fi

out=$(cc_p11 --slot-index 1 --test --login --pin "$CC_PIN" 2>&1); rc=$?
echo "$out" >>"$TAP_LOG"
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^No errors'; then
	tap_pass "pkcs11-tool --test --login passes on the EC card"
else
	tap_fail "pkcs11-tool --test --login passes on the EC card" "rc=$rc: $(printf '%s' "$out" | tail -n 5)"
fi

# The private key never reaches the disk: its public half is there, and
# nothing that parses as a private key is.
img=$(ls "$CC_WORK"/r1/*.card)
if openssl pkey -inform DER -in "$img" -noout 2>/dev/null; then
	tap_fail "card image is not a readable private key"
else
	tap_pass "card image is not a readable private key"
fi

# Data objects (a card's small files), as pkcs11-tool writes and reads them:
# a private one is there only after login and never in the image in clear.
printf 'ward 7 handover: bay 3 allergies\n' >"$CC_WORK/note.txt"
tap_ok "pkcs11-tool writes a private data object" \
	cc_p11 --slot-index 0 --login --pin "$CC_PIN" --write-object "$CC_WORK/note.txt" \
	--type data --label handover --application-label carecard-notes --private
cc_p11 --slot-index 0 --login --pin "$CC_PIN" --read-object --type data --label handover \
	-o "$CC_WORK/note.back" >>"$TAP_LOG" 2>&1
tap_ok "and reads it back after login" cmp "$CC_WORK/note.txt" "$CC_WORK/note.back"
tap_fails "without login it does not exist" \
	cc_p11 --slot-index 0 --read-object --type data --label handover -o "$CC_WORK/note.none"
if grep -q 'bay 3 allergies' "$img"; then
	tap_fail "the private data object is not in the image in clear"
else
	tap_pass "the private data object is not in the image in clear"
fi
