#!/bin/sh
# Integration: unlock and cancel-card through the PKCS#11 module — who may
# unlock (RA agent yes, RA manager no, locum no, same organisation only),
# retired series 03 versus 04, the holder's new passcode; cancellation with
# the RFC 5280 reason, CRLs that make openssl reject the certificate, and a
# cancelled card that no longer logs anyone in.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

tap_plan 27
BOB=200000000002 CAROL=300000000003 DAVE=400000000004 ERIN=500000000005

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin carol 2468; pin dave 1357; pin erin 8642; pin new 4321
ca_bootstrap 1
person $BOB "Bob Holder"
person $CAROL "Carol Holder"
person $ERIN "Erin Pharmacist"
person $DAVE "Dave Agent" --ra-role ra-agent
sql "INSERT INTO organisations VALUES ('FA123', 'High Street Pharmacy', 0), ('FB456', 'Other Pharmacy', 0), ('LOC01', 'Locum pool', 1);
INSERT INTO positions (person, role, org) VALUES ('$BOB', 'dispenser', 'FA123'),
 ('$CAROL', 'dispenser', 'FB456'), ('$ERIN', 'pharmacist', 'LOC01'), ('$ERIN', 'pharmacist', 'FA123');"

# Cards: Alice (bootstrap), Dave and Erin by Alice; then swap cards through reader 3.
issue() {	# issue READER HOLDER PIN [SERIES]
	cc_blank_card "$1" "${4:-04}" &&
	as alice "$3" "$CA" issue-card --holder "$2" --reader "$1" --operator-reader 1 >>"$TAP_LOG" 2>&1
}
park() { "$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1; }
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }
lock() {	# three wrong passcodes
	for i in 1 2 3; do cc_p11 --slot-index $(($1 - 1)) --login --pin 0000 -O >/dev/null 2>&1; done
	card_json "$1" | grep -q '"locked":true'
}

tap_ok "Dave's card" issue 2 $DAVE dave && park 2 dave
tap_ok "Erin's card" issue 2 $ERIN erin && park 2 erin
tap_ok "Bob's card (series 04)" issue 3 $BOB bob
B=$(card_serial 3)

# --- unlock ----------------------------------------------------------------------
tap_like "unlocking an unlocked card is refused (policy sentence)" \
	"$(put 2 dave; as dave new "$CA" unlock --reader 3 --operator-reader 2 2>&1)" \
	"passcode.max-tries.*nothing to unlock"
tap_ok "three wrong passcodes lock Bob's card" lock 3
tap_fails "Bob's right passcode no longer works" cc_p11 --slot-index 2 --login --pin 5678 -O
tap_like "an RA manager is not among the unlock roles" \
	"$(as alice new "$CA" unlock --reader 3 --operator-reader 1 2>&1)" \
	"unlock.roles.*only an RA agent, a sponsor, an LSA or a pharmacist may unlock"
park 2 dave; put 2 erin
tap_like "a locum position may not unlock" \
	"$(as erin new "$CA" unlock --reader 3 --operator-reader 2 --org LOC01 2>&1)" \
	"unlock.locum-may-unlock"
tap_is "refusals are audited" "$(sql "SELECT count(*) FROM audit WHERE action = 'unlock-refused'")" 3
tap_ok "the pharmacist at Bob's organisation unlocks" \
	as erin new "$CA" unlock --reader 3 --operator-reader 2 --org FA123
tap_like "card: unlocked, tries refilled" "$(card_json 3)" '"user_pin":\{"set":true,"tries_left":3,[^}]*"locked":false'
tap_ok "Bob logs in with his new passcode" cc_p11 --slot-index 2 --login --pin 4321 -O
tap_like "unlock audited with the operator" \
	"$(sql "SELECT actor, subject FROM audit WHERE action = 'unlock'")" "^$ERIN\|$B$"
park 3 bob

# Carol at another organisation; her card is series 03.
tap_ok "Carol's card (series 03)" issue 3 $CAROL carol 03
tap_ok "lock Carol's card" lock 3
tap_like "series 03 cannot be unlocked (policy sentence)" \
	"$(as erin new "$CA" unlock --reader 3 --operator-reader 2 --org FA123 2>&1)" \
	"card.retired-series.*series 03 can be neither renewed nor unlocked: ask your RA for a new card"
park 2 erin; put 2 dave
tap_fails "not even an RA agent unlocks series 03" \
	as dave new "$CA" unlock --reader 3 --operator-reader 2
park 3 carol

# --- cancel-card ------------------------------------------------------------------
put 3 bob
cert_of 3 01 "$CC_WORK/bob-auth.pem"
tap_like "a pharmacist may not cancel (revoke roles)" \
	"$(park 2 dave; put 2 erin; as erin - "$CA" cancel-card --card $B --reason lost \
	   --operator-reader 2 --org FA123 2>&1)" "separation-of-duties.operations.revoke"
park 2 erin; put 2 dave
tap_fails "unknown reason refused" as dave - "$CA" cancel-card --card $B --reason bored --operator-reader 2
tap_ok "the RA agent cancels Bob's lost card (card not present)" sh -c \
	"'$CC_CARD_TOOL' remove --reader 3 --to '$CC_WORK/bob.card' >/dev/null &&
	 CARECARD_OPERATOR_PIN_FILE='$CC_WORK/dave.pin' '$CA' cancel-card --card $B --reason lost --operator-reader 2"
tap_is "card cancelled" "$(sql "SELECT state FROM cards WHERE serial = '$B'")" cancelled
tap_is "both certificates revoked as keyCompromise (1)" \
	"$(sql "SELECT group_concat(status || ':' || revocation_reason) FROM certificates WHERE card = '$B'")" \
	"revoked:1,revoked:1"
tap_fails "cancelling twice is refused" as dave - "$CA" cancel-card --card $B --reason lost --operator-reader 2
"$CA" crl --issuer authentication --out "$CC_WORK/auth.crl" >>"$TAP_LOG" 2>&1
cat "$S/certs/root.pem" "$S/certs/authentication.pem" >"$CC_WORK/chain.pem"
tap_fails "openssl -crl_check rejects Bob's certificate" \
	openssl verify -x509_strict -crl_check -CAfile "$CC_WORK/chain.pem" -CRLfile "$CC_WORK/auth.crl" \
	"$CC_WORK/bob-auth.pem"
cert_of 2 01 "$CC_WORK/dave-auth.pem"
tap_ok "the same CRL accepts Dave's certificate (control)" \
	openssl verify -x509_strict -crl_check -CAfile "$CC_WORK/chain.pem" -CRLfile "$CC_WORK/auth.crl" \
	"$CC_WORK/dave-auth.pem"
put 3 bob
tap_like "a cancelled card is no operator card" \
	"$(as new - "$CA" unlock --reader 2 --operator-reader 3 2>&1)" "could not be authenticated: certificate revoked"
tap_ok "audit chain verifies" audit_ok
tap_done
