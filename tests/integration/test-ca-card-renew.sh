#!/bin/sh
# Integration: renew, self-renew and repair through the PKCS#11 module under
# a short-lived test policy (the clock moves with CARECARD_CA_NOW, never by
# sleeping): the renewal window, two self-renewals then the RA, the
# superseded certificates, the card's objects after each swap, expiry ->
# self-renew refused -> repair, and series 03.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

tap_plan 33
BOB=200000000002 CAROL=300000000003 DAVE=400000000004
D=86400
T0=$(date +%s)
at() { echo $((T0 + $1 * D)); }

# Operators' cards live long; then the RA manager installs a short test
# policy for the holders' cards (policy-install: the CA has one policy).
cat >"$CC_WORK/ops.yaml" <<'YAML'
version: 1
profiles:
  authentication: { lifetime: 5y }
  signing: { lifetime: 5y }
YAML
cat >"$CC_WORK/short.yaml" <<'YAML'
version: 1
profiles:
  authentication: { lifetime: 100d }
  signing: { lifetime: 100d }
renewal: { window: 60d, self-renewals-before-ra: 2 }
YAML
CARD_POLICY=$CC_WORK/ops.yaml

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234; pin bob 5678; pin carol 2468; pin dave 1357; pin bobnew 7777
ca_bootstrap 1
person $BOB "Bob Holder"
person $CAROL "Carol Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
park() { "$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1; }
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }

cc_blank_card 2
tap_ok "Dave's operator card" as alice dave "$CA" issue-card --holder $DAVE --reader 2 \
	--operator-reader 1
op policy-install "$CC_WORK/short.yaml" >>"$TAP_LOG" 2>&1
park 1 alice
cc_blank_card 3
tap_ok "Bob's card under the short policy" \
	as dave bob "$CA" issue-card --holder $BOB --reader 3 --operator-reader 2
B=$(card_serial 3)
valid() { sql "SELECT group_concat(serial) FROM (SELECT serial FROM certificates WHERE card = '$B' AND status = 'valid' ORDER BY profile) AS v"; }
# objects: the labels and IDs of everything on Bob's card but the CA's unblock key
# (self-service unlock, pkcs11/CARD-FORMAT.md: not one of the pairs), sorted
objects() {
	cc_p11 --slot-index 2 --login --pin "$1" --list-objects 2>/dev/null |
		sed -n 's/^ *label: *//p; s/^ *ID: *//p' | paste - - |
		grep -v '^carecard-unblock	55$' | sort | tr '\n' ' '
}
want="authentication	01 authentication	01 authentication	01 signing	02 signing	02 signing	02 "

tap_like "self-renew before the window: refused with the date it opens" \
	"$(as - bob "$CA" self-renew --reader 3 2>&1)" "renewal.window.*renewal opens on"
first=$(valid)
tap_ok "self-renew #1 inside the window (day 50)" \
	env CARECARD_CA_NOW=$(at 50) CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" "$CA" self-renew --reader 3
tap_is "card counters" "$(sql "SELECT renewals, self_renewals FROM cards WHERE serial = '$B'")" "1|1"
tap_is "old certificates superseded (4)" "$(sql "SELECT group_concat(CAST(revocation_reason AS TEXT)) FROM certificates
	WHERE card = '$B' AND status = 'revoked'")" "4,4"
tap_is "two valid certificates, new serials" "$(sql "SELECT count(*) FROM certificates WHERE card = '$B'
	AND status = 'valid' AND '$first' NOT LIKE '%' || serial || '%'")" 2
tap_is "card holds exactly the current pairs" "$(objects 5678)" "$want"
cert_of 3 01 "$CC_WORK/b1.pem"
tap_like "the certificate on the card is the registry's new one" "$(valid)" \
	"$(openssl x509 -in "$CC_WORK/b1.pem" -noout -serial | sed 's/serial=//; s/^0*//')"
tap_ok "renewed certificate verifies (at its time)" \
	verify "$CC_WORK/b1.pem" authentication -attime $(($(at 50) + 60))
tap_ok "self-renew #2 (day 100)" \
	env CARECARD_CA_NOW=$(at 100) CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" "$CA" self-renew --reader 3
tap_like "self-renew #3 refused: the third renewal needs the RA" \
	"$(CARECARD_CA_NOW=$(at 150) as - bob "$CA" self-renew --reader 3 2>&1)" \
	"renewal.self-renewals-before-ra.*must be done with your RA"
tap_fails "the holder's wrong passcode stops a self-renewal" \
	env CARECARD_CA_NOW=$(at 150) CARECARD_HOLDER_PIN_FILE="$CC_WORK/carol.pin" "$CA" self-renew --reader 3
tap_ok "assisted renew by the RA agent (day 150)" \
	env CARECARD_CA_NOW=$(at 150) CARECARD_OPERATOR_PIN_FILE="$CC_WORK/dave.pin" \
	CARECARD_HOLDER_PIN_FILE="$CC_WORK/bob.pin" "$CA" renew --reader 3 --operator-reader 2
tap_is "assisted renewal resets the self-renewal count" \
	"$(sql "SELECT renewals, self_renewals FROM cards WHERE serial = '$B'")" "3|0"
tap_is "card still holds exactly the current pairs" "$(objects 5678)" "$want"
renewed_signs() {
	echo hi >"$CC_WORK/m" &&
	cc_p11 --slot-index 2 --login --pin 5678 --sign --id 02 -m SHA256-RSA-PKCS \
		-i "$CC_WORK/m" -o "$CC_WORK/m.sig" &&
	cc_p11 --slot-index 2 --read-object --type cert --id 02 -o "$CC_WORK/s.der" &&
	openssl x509 -inform DER -in "$CC_WORK/s.der" -pubkey -noout >"$CC_WORK/s.pub" &&
	openssl dgst -sha256 -verify "$CC_WORK/s.pub" -signature "$CC_WORK/m.sig" "$CC_WORK/m"
}
tap_ok "Bob signs with the renewed signing key" renewed_signs
tap_is "8 certificates over the card's life, 6 superseded" \
	"$(sql "SELECT count(*), sum(CASE WHEN status = 'revoked' THEN 1 ELSE 0 END) FROM certificates WHERE card = '$B'")" "8|6"

# --- expiry: no self-renewal, no renewal, repair -----------------------------------
tap_like "after expiry self-renew is refused (policy sentence)" \
	"$(CARECARD_CA_NOW=$(at 300) as - bob "$CA" self-renew --reader 3 2>&1)" \
	"renewal.self-renew-after-expiry.*cannot be self-renewed after expiry: ask your RA to repair the card"
tap_like "after expiry assisted renew says repair" \
	"$(CARECARD_CA_NOW=$(at 300) as dave bob "$CA" renew --reader 3 --operator-reader 2 2>&1)" \
	"repair the card instead"
tap_ok "repair by the RA agent, holder sets a new passcode" \
	env CARECARD_CA_NOW=$(at 300) CARECARD_OPERATOR_PIN_FILE="$CC_WORK/dave.pin" \
	CARECARD_HOLDER_PIN_FILE="$CC_WORK/bobnew.pin" "$CA" repair --reader 3 --operator-reader 2
tap_is "repair: 2 valid certificates, the rest revoked" \
	"$(sql "SELECT count(*), sum(CASE WHEN status = 'valid' THEN 1 ELSE 0 END) FROM certificates WHERE card = '$B'")" "10|2"
tap_is "repair: card row keeps the holder" "$(sql "SELECT state, holder FROM cards WHERE serial = '$B'")" \
	"issued|$BOB"
tap_is "repaired card: new passcode, current pairs only" "$(objects 7777)" "$want"
tap_fails "the old passcode is gone" cc_p11 --slot-index 2 --login --pin 5678 -O
tap_like "repair audited" "$(sql "SELECT actor, action FROM audit WHERE subject = '$B' ORDER BY id DESC LIMIT 1")" \
	"^$DAVE\|repair$"
tap_ok "renewal audit entries" test "$(sql "SELECT count(*) FROM audit WHERE subject = '$B' AND
	action IN ('self-renew', 'renew')")" -eq 3

# --- RA staff do not renew their own card; series 03 -----------------------------
park 3 bob
tap_like "Dave may not renew his own card" \
	"$(CARECARD_CA_NOW=$(at 1700) as dave dave "$CA" renew --reader 2 --operator-reader 2 2>&1)" \
	"separation-of-duties.own-card"
cc_blank_card 3 03
tap_ok "Carol's series 03 card" as dave carol "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 2
tap_like "series 03 cannot be renewed" \
	"$(CARECARD_CA_NOW=$(at 50) as dave carol "$CA" renew --reader 3 --operator-reader 2 2>&1)" \
	"card.retired-series"
tap_like "nor self-renewed" "$(CARECARD_CA_NOW=$(at 50) as - carol "$CA" self-renew --reader 3 2>&1)" \
	"card.retired-series"
tap_is "nothing journalled as open" "$(sql "SELECT count(*) FROM card_ops WHERE state IN ('pending', 'committed')")" 0
tap_ok "audit chain verifies" audit_ok
tap_done
