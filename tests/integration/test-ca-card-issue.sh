#!/bin/sh
# Integration: operator login and issue-card through the PKCS#11 module on
# real card images — bootstrap of the first RA manager's card, an RA-issued
# card with a passcode and one locked for delivery, and every refusal; each
# checked in the registry, on the card and with openssl/certtool.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

tap_plan 41
BOB=200000000002 CAROL=300000000003 DAVE=400000000004

tap_ok "CA init" ca_init
pin alice 1234; pin bob 5678; pin carol 2468; pin short 12

# --- bootstrap ---------------------------------------------------------------
cc_blank_card 1
A=$(card_serial 1)
tap_fails "bootstrap refuses someone who is not the first RA manager" \
	as - bob "$CA" issue-card --bootstrap --holder $BOB --reader 1
tap_ok "bootstrap issues the RA manager's own card" \
	as - alice "$CA" issue-card --bootstrap --holder $ALICE --reader 1
OPR=1
person $BOB "Bob Holder"
person $CAROL "Carol Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
tap_is "bootstrap card recorded as issued to Alice" \
	"$(sql "SELECT state, holder FROM cards WHERE serial = '$A'")" "issued|$ALICE"
tap_like "bootstrap audited as such" \
	"$(sql "SELECT actor, details FROM audit WHERE action = 'issue-card'")" \
	"^$ALICE\|.*\"bootstrap\":\"yes\""
cc_blank_card 2
tap_fails "bootstrap refused once a card was issued" \
	as - bob "$CA" issue-card --bootstrap --holder $ALICE --reader 2

# --- operator login refusals ----------------------------------------------------
pin wrong 9999
B=$(card_serial 2)
tap_fails "wrong operator passcode refused" \
	as wrong bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1
tap_is "refused login audited" \
	"$(sql "SELECT count(*) FROM audit WHERE action = 'operator-login' AND details LIKE '%refused%'")" 1
tap_fails "no card in the operator reader" \
	as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 3
tap_fails "a blank card is no operator card" \
	as alice bob "$CA" issue-card --holder $BOB --reader 1 --operator-reader 2

# --- issue with a passcode ----------------------------------------------------------
tap_fails "passcode too short for the policy" \
	as alice short "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1
tap_like "the refusal names the rule" "$(as alice short "$CA" issue-card --holder $BOB \
	--reader 2 --operator-reader 1 2>&1)" "passcode.min-length.*choose 4 to 8"
tap_ok "issue-card for Bob" as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1
tap_is "card row" "$(sql "SELECT series, state, holder, is_tac FROM cards WHERE serial = '$B'")" \
	"04|issued|$BOB|0"
tap_is "both certificates recorded" "$(sql "SELECT group_concat(profile || '/' || issuer || '/' ||
	status, ' ') FROM (SELECT * FROM certificates WHERE card = '$B' ORDER BY profile)")" \
	"authentication/authentication/valid signing/signing/valid"
tap_is "journal entry done" "$(sql "SELECT op, state FROM card_ops WHERE card = '$B'")" \
	"issue-card|done"
json=$(card_json 2)
tap_like "card: passcode set, not locked" "$json" '"user_pin":\{"set":true,[^}]*"locked":false'
objs=$(cc_p11 --slot-index 1 --login --pin 5678 --list-objects 2>&1)
tap_like "card: authentication key pair, ID 01" "$objs" "Private Key Object.*
 *label: *authentication
 *ID: *01"
tap_like "card: signing certificate, ID 02" "$objs" "Certificate Object.*
 *label: *signing
 *ID: *02"
tap_is "card: private keys never extractable" \
	"$(printf '%s\n' "$objs" | grep -c 'never extractable')" 2
cert_of 2 01 "$CC_WORK/bob-auth.pem"
cert_of 2 02 "$CC_WORK/bob-sign.pem"
tap_ok "authentication certificate verifies (openssl -x509_strict)" \
	verify "$CC_WORK/bob-auth.pem" authentication -purpose sslclient
tap_ok "signing certificate verifies against the Signing CA" \
	verify "$CC_WORK/bob-sign.pem" signing
tap_fails "signing certificate does not chain to the Authentication CA" \
	verify "$CC_WORK/bob-sign.pem" authentication
tap_ok "certtool accepts the chain" certtool_verify "$CC_WORK/bob-auth.pem" authentication
text=$(openssl x509 -in "$CC_WORK/bob-sign.pem" -noout -text)
tap_like "subject from the policy template" "$text" "Subject: CN = Bob Holder, serialNumber = $BOB"
tap_like "signing KU from the policy" "$text" "Key Usage: critical
 *Digital Signature, Non Repudiation"
bob_signs() {
	echo hi >"$CC_WORK/m" &&
	cc_p11 --slot-index 1 --login --pin 5678 --sign --id 02 -m SHA256-RSA-PKCS \
		-i "$CC_WORK/m" -o "$CC_WORK/m.sig" &&
	openssl x509 -in "$CC_WORK/bob-sign.pem" -pubkey -noout >"$CC_WORK/s.pub" &&
	openssl dgst -sha256 -verify "$CC_WORK/s.pub" -signature "$CC_WORK/m.sig" "$CC_WORK/m"
}
tap_ok "Bob's card signs with his passcode; the signing certificate verifies it" bob_signs
tap_fails "an issued card is not issued again" \
	as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1

# --- who may issue -------------------------------------------------------------------
cc_blank_card 3
tap_like "a holder without an RA role may not issue (policy sentence)" \
	"$(as bob carol "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 2 2>&1)" \
	"separation-of-duties.operations.issue.*only an RA agent or an RA manager may issue a card"

# --- locked for delivery --------------------------------------------------------------
C=$(card_serial 3)
tap_ok "issue-card --locked for Carol" \
	as alice - "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 1 --locked
tap_like "card: locked for delivery" "$(card_json 3)" '"user_pin":\{"set":true,[^}]*"locked":true'
tap_like "audit says locked" "$(sql "SELECT details FROM audit WHERE subject = '$C' AND
	action = 'issue-card'")" '"locked":"yes"'

# --- registered with a sponsor: identity must be checked first --------------------------
ERIN=500000000005 FRANK=600000000006
person $ERIN "Erin Starter"
person $FRANK "Frank Sponsor" --ra-role sponsor
sql "INSERT INTO requests (sponsor, subject, kind, state, created) VALUES ('$FRANK', '$ERIN', 'new-card', 'pending', 0)"
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/carol.card" >>"$TAP_LOG" 2>&1
cc_blank_card 3
tap_like "no card before the identity check" \
	"$(as alice bob "$CA" issue-card --holder $ERIN --reader 3 --operator-reader 1 2>&1)" \
	"is still awaiting its identity check: an RA agent other than the sponsor approves it"
sql "UPDATE requests SET ra_agent = '$DAVE', state = 'verified', verified = 1 WHERE subject = '$ERIN'"
tap_ok "issued once an RA agent checked identity" \
	as alice bob "$CA" issue-card --holder $ERIN --reader 3 --operator-reader 1
tap_like "the card row names Erin" "$(sql "SELECT holder FROM cards WHERE state = 'issued' ORDER BY issued_at DESC, rowid DESC LIMIT 1")" "^$ERIN$"
# --- P-256 cards: the operator's login works with an EC key too ---------------------------
cat >"$CC_WORK/ec.yaml" <<'YAML'
version: 1
profiles:
  authentication: { key-type: ec, key-bits: 256 }
  signing: { key-type: ec, key-bits: 256 }
YAML
tap_ok "the RA manager installs a policy with P-256 card keys" \
	as alice - "$CA" policy-install "$CC_WORK/ec.yaml" --operator-reader 1
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK/erin.card" >>"$TAP_LOG" 2>&1
cc_blank_card 3
pin dave 1357
tap_ok "Dave's card, with P-256 keys" \
	as alice dave "$CA" issue-card --holder $DAVE --reader 3 --operator-reader 1
tap_like "its authentication certificate holds a P-256 key" \
	"$(cert_of 3 01 "$CC_WORK/dave.pem" && openssl x509 -in "$CC_WORK/dave.pem" -noout -text)" \
	"ASN1 OID: prime256v1"
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/bob.card" >>"$TAP_LOG" 2>&1
cc_blank_card 2
GINA=700000000007
person $GINA "Gina Holder"
tap_ok "Dave logs in with his P-256 card and issues a card" \
	as dave bob "$CA" issue-card --holder $GINA --reader 2 --operator-reader 3
tap_like "the card's audit entry is Dave's, by his card" \
	"$(sql "SELECT actor, details FROM audit WHERE action = 'issue-card' ORDER BY id DESC LIMIT 1")" \
	"^$DAVE\|.*\"by-card\":\"$(card_serial 3)\""
tap_ok "audit chain verifies" audit_ok
tap_done
