#!/bin/sh
# Integration: rollover of an issuing CA (issue 14). After certificates were
# issued by the Authentication CA, the RA manager gives it a new key and
# certificate (carecard-ca ca-rollover, her own card, issued by the old one,
# still logs her in): the new CA has the same name, chains to the root and
# issues from then on, its certificates naming its own CRL (-2) and CA
# certificate URLs. Both CAs publish CRLs, each signed by its own key with its
# own numbers, each listing its own revoked certificates (openssl crl -verify,
# openssl verify -crl_check); carecard-ca serve answers OCSP for the
# certificates of both at the one OCSP URL, each response signed for the right
# CA (openssl ocsp: revoked, revoked, good), serves chain files with both;
# a second rollover waits until the old CA's last certificate expires, and
# from then on only the new CA publishes. audit verify passes at the end.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
command -v curl >/dev/null || tap_skip_all "curl not installed"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

tap_plan 62
BOB=200000000002
CAROL=100000000003
W=$CC_WORK/www

svc_port_pick
svc_policy "$CC_WORK/svc-policy.yaml"
CARD_POLICY=$CC_WORK/svc-policy.yaml ca_init || { tap_fail "CA init"; exit 1; }
ca_bootstrap 1 || { tap_fail "Alice's card"; exit 1; }
person $BOB "Bob Holder"
csr() { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$CC_WORK/$1.key" -subj "/CN=ignored" -out "$CC_WORK/$1.csr" 2>>"$TAP_LOG"; }
issue() { op issue-cert --profile authentication --csr "$CC_WORK/$1.csr" --holder $BOB \
	--out "$CC_WORK/$1.pem" 2>>"$TAP_LOG"; }
for c in a b c; do csr $c; done
in_crl() { openssl crl -inform DER -in "$1" -noout -text 2>>"$TAP_LOG" | grep -q "Serial Number: $2\$"; }
crl_number() { openssl crl -inform DER -in "$1" -noout -crlnumber 2>>"$TAP_LOG" | sed 's/^crlNumber=//'; }
pubkey() { openssl x509 -in "$1" -noout -pubkey 2>>"$TAP_LOG"; }

# --- before: certificates A and C by the first Authentication CA ----------------------
A=$(issue a)
C=$(issue c)
tap_ok "certificates A and C are issued by the first Authentication CA" verify "$CC_WORK/a.pem" authentication
"$CA" crl-publish --dir "$W" >>"$TAP_LOG" 2>&1
tap_is "its first CRL is number 1" "$(crl_number "$W/authentication-g2.crl")" 0x01

# --- the rollover ----------------------------------------------------------------------
"$CA" ca-rollover --ca authentication >>"$TAP_LOG" 2>&1
tap_is "ca-rollover without an operator card: exit 9" "$?" 9
op ca-rollover --ca root >>"$TAP_LOG" 2>&1
tap_is "the root is not rolled over (usage, 2)" "$?" 2
tap_is "...and nothing changed: no new CA, no key" \
	"$(sql "SELECT count(*) FROM ca_issuers")/$(test -e "$S/certs/authentication-2.pem" && echo file)" "0/"
out=$(op ca-rollover --ca authentication 2>>"$TAP_LOG")
tap_is "the RA manager rolls the Authentication CA over (her card is the old CA's)" "$?" 0
echo "$out" >>"$TAP_LOG"
tap_like "it names the new generation and until when the old one publishes" "$(echo $out)" \
	"^authentication-2: generation 2, certificate [0-9A-F]+ valid until .*authentication keeps its CRLs and OCSP until 20"
N=$S/certs/authentication-2.pem
O=$S/certs/authentication.pem
tap_ok "the new CA certificate chains to the root" openssl verify -x509_strict \
	-CAfile "$S/certs/root.pem" "$N"
tap_is "same name as the old one" "$(openssl x509 -in "$N" -noout -subject)" \
	"$(openssl x509 -in "$O" -noout -subject)"
tap_ok "...with a new key" test "$(pubkey "$N")" != "$(pubkey "$O")"
tap_like "...a CA (pathlen 0, keyCertSign and cRLSign)" \
	"$(openssl x509 -in "$N" -noout -ext basicConstraints,keyUsage | tr '\n' ' ')" \
	"CA:TRUE, pathlen:0 .*Certificate Sign, CRL Sign"
objs=$(SOFTHSM2_CONF=$S/hsm/softhsm2.conf pkcs11-tool --module "$SOFTHSM_MODULE" \
	--token-label carecard-ca --login --pin "$(cat "$S/hsm/user.pin")" --list-objects 2>&1)
tap_like "its key was made in the HSM, and the old key is kept" "$objs" \
	"label: *carecard-authentication-2"
tap_is "the registry records it as the current Authentication CA" \
	"$(sql "SELECT name, role, generation, key_label FROM ca_issuers")" \
	"authentication-2|authentication|2|carecard-authentication-2"
tap_is "the audit log has the rollover, by the RA manager" \
	"$(sql "SELECT actor, subject FROM audit WHERE action = 'ca-rollover'")" "$ALICE|authentication-2"
out=$(op ca-rollover --ca authentication 2>&1)
tap_is "a second rollover while the old CA's certificates live: refused (8)" "$?" 8
echo "$out" >>"$TAP_LOG"
tap_like "...saying until when" "$out" \
	"previous generation \(authentication\) still has certificates until 20[0-9-]+T"

# --- after: B by the new CA ----------------------------------------------------------------
cp "$N" "$CC_WORK/n-copy.pem" && rm -f "$N"
B=$(issue b)
tap_is "certificate B is issued (the operator's card, of the old CA, still logs in)" "$?" 0
tap_ok "the new CA's certificate is the registry's: its file, removed, is written again" \
	cmp "$N" "$CC_WORK/n-copy.pem"
tap_is "B's issuer is the Authentication CA's name" \
	"$(openssl x509 -in "$CC_WORK/b.pem" -noout -issuer)" "$(openssl x509 -in "$N" -noout -subject | sed 's/^subject/issuer/')"
tap_ok "openssl verify: B chains to the root through the new CA" openssl verify -x509_strict \
	-CAfile "$S/certs/root.pem" -untrusted "$N" "$CC_WORK/b.pem"
tap_fails "...and not through the old one" openssl verify -x509_strict \
	-CAfile "$S/certs/root.pem" -untrusted "$O" "$CC_WORK/b.pem"
tap_ok "A still verifies through the old CA" verify "$CC_WORK/a.pem" authentication
tap_is "the registry: A by authentication, B by authentication-2" \
	"$(sql "SELECT issuer FROM certificates WHERE serial IN ('$A', '$B') ORDER BY serial = '$B'" | tr '\n' ' ')" \
	"authentication authentication-2 "
tap_like "B's CRL distribution point is the new CA's own CRL" \
	"$(openssl x509 -in "$CC_WORK/b.pem" -noout -ext crlDistributionPoints)" \
	"URI:$SVC_URL/crl/authentication-g2-2.crl"
tap_like "B's caIssuers is the new CA's certificate, OCSP the one responder URL" \
	"$(openssl x509 -in "$CC_WORK/b.pem" -noout -text | tr '\n' ' ')" \
	"OCSP - URI:$SVC_URL/ocsp/authentication-g2 .*CA Issuers - URI:$SVC_URL/certs/authentication-g2-2.crt"

# Carol, a second RA manager, gets her card from the new CA (the CA's clock a
# day ahead: her card outlives everything the old CA issued).
pin carol 4321
person $CAROL "Carol Manager"
cc_blank_card 2
tomorrow=$(($(date +%s) + 86400))
tap_ok "Alice issues Carol's card" env CARECARD_CA_NOW=$tomorrow \
	CARECARD_OPERATOR_PIN_FILE="$CC_WORK/alice.pin" CARECARD_HOLDER_PIN_FILE="$CC_WORK/carol.pin" \
	"$CA" issue-card --holder $CAROL --reader 2 --operator-reader 1
n=$(sql "SELECT count(*) FROM audit")
out=$(CARECARD_CA_NOW=$tomorrow OPR=2 OP_PIN=carol op ca-rollover --ca authentication 2>&1)
tap_is "Carol, not (yet) an RA manager, is refused by the gate (8)" "$?" 8
tap_like "...by the replace-policy rule" "$out" \
	"refused by separation-of-duties.operations.replace-policy"
tap_is "...with one audited refusal and no new CA" "$(sql "SELECT count(*) FROM audit WHERE id > $n \
	AND action = 'ca-rollover-refused'")/$(sql "SELECT count(*) FROM ca_issuers")" "1/1"
op ra-role grant $CAROL ra-manager >>"$TAP_LOG" 2>&1
cert_of 2 01 "$CC_WORK/carol-auth.pem"
tap_ok "a card issued after the rollover is the new CA's" openssl verify -x509_strict \
	-attime $tomorrow -CAfile "$S/certs/root.pem" -untrusted "$N" \
	"$CC_WORK/carol-auth.pem"

# --- revoke A and B: a CRL per CA, each with its own key and numbers ---------------------
op revoke --serial "$A" --reason keyCompromise >>"$TAP_LOG" 2>&1 &&
op revoke --serial "$B" --reason keyCompromise >>"$TAP_LOG" 2>&1
tap_is "A and B are revoked" "$?" 0
out=$("$CA" crl-publish --dir "$W" 2>>"$TAP_LOG")
echo "$out" >>"$TAP_LOG"
tap_like "crl-publish publishes both CAs' CRLs: the new one's first" "$(echo $out)" \
	"authentication-2 full CRL 1 -> $W/authentication-g2-2.crl"
tap_like "...and the old one's second" "$(echo $out)" \
	"authentication full CRL 2 -> $W/authentication-g2.crl"
cat "$O" "$S/certs/root.pem" >"$CC_WORK/old-chain.pem"
cat "$N" "$S/certs/root.pem" >"$CC_WORK/new-chain.pem"
OC=$W/authentication-g2.crl
NC=$W/authentication-g2-2.crl
# crl_verify CRL CAFILE: what openssl crl -verify says (it exits 0 either way)
crl_verify() { openssl crl -inform DER -in "$1" -CAfile "$2" -noout 2>&1; }
tap_is "openssl crl -verify: the old CA's CRL is signed by the old key" \
	"$(crl_verify "$OC" "$CC_WORK/old-chain.pem")" "verify OK"
tap_is "...the new CA's CRL by the new key" "$(crl_verify "$NC" "$CC_WORK/new-chain.pem")" "verify OK"
tap_like "...and not the other way round" "$(crl_verify "$NC" "$CC_WORK/old-chain.pem")" \
	"verify failure"
tap_is "each CA its own numbers: the old one's 2nd CRL, the new one's 1st" \
	"$(crl_number "$OC")/$(crl_number "$NC")" "0x02/0x01"
tap_ok "A is on the old CA's CRL" in_crl "$OC" "$A"
tap_fails "...not on the new one's" in_crl "$NC" "$A"
tap_ok "B is on the new CA's CRL" in_crl "$NC" "$B"
tap_fails "...not on the old one's" in_crl "$OC" "$B"
tap_like "openssl verify -crl_check refuses B with its CRL" "$(openssl verify -crl_check \
	-CAfile "$CC_WORK/new-chain.pem" -CRLfile "$NC" "$CC_WORK/b.pem" 2>&1)" "certificate revoked"
tap_ok "...and accepts C (the old CA's, not revoked) with the old CA's CRL" \
	openssl verify -crl_check -CAfile "$CC_WORK/old-chain.pem" -CRLfile "$OC" "$CC_WORK/c.pem"

# --- the service: OCSP for both CAs at one URL, bundles with both ------------------------
tap_ok "the service starts" svc_start
tap_ok "pre-signed responses for every certificate" svc_wait_ready 5
out=$(ocsp "$CC_WORK/a.pem" authentication)
echo "$out" >>"$TAP_LOG"
tap_like "openssl ocsp: A (old CA) is revoked, the response verifies" "$out" \
	"^Response verify OK .*a.pem: revoked"
out=$(ocsp "$CC_WORK/b.pem" authentication-2)
echo "$out" >>"$TAP_LOG"
tap_like "openssl ocsp: B (new CA, same URL) is revoked, the response verifies" "$out" \
	"^Response verify OK .*b.pem: revoked"
out=$(ocsp "$CC_WORK/c.pem" authentication -sha256)
tap_like "C, still good under the old CA, is good (SHA-256 CertID)" "$out" \
	"^Response verify OK .*c.pem: good"
openssl ocsp -issuer "$N" -cert "$CC_WORK/b.pem" -no_nonce -url "$SVC_URL/ocsp/authentication-g2" \
	-resp_text -noverify 2>&1 >"$CC_WORK/text" </dev/null
tap_like "B's response is signed by a responder the new CA certified" \
	"$(tr '\n' ' ' <"$CC_WORK/text")" \
	"Certificate:.*Issuer: C ?= ?GB, O ?= ?Carecard, CN ?= ?NHS Authentication G2"
openssl x509 -in "$CC_WORK/text" -out "$CC_WORK/responder.pem" 2>>"$TAP_LOG"
tap_ok "...whose certificate chains through the new CA" openssl verify -partial_chain \
	-CAfile "$N" "$CC_WORK/responder.pem"
out=$(openssl ocsp -issuer "$O" -cert "$CC_WORK/b.pem" -no_nonce -CAfile "$S/certs/root.pem" \
	-url "$SVC_URL/ocsp/authentication-g2" 2>&1)
tap_like "B asked for with the old CA's CertID: unauthorized, never good" "$out" \
	"Responder Error: unauthorized"
curl -s -o "$CC_WORK/served-chain.pem" "$SVC_URL/certs/authentication-g2-chain.pem"
tap_is "the served chain file holds both Authentication CAs and the root" \
	"$(grep -c 'BEGIN CERTIFICATE' "$CC_WORK/served-chain.pem")" 3
tap_ok "...and verifies the certificates of both" openssl verify -CAfile \
	"$CC_WORK/served-chain.pem" "$CC_WORK/a.pem" "$CC_WORK/c.pem" "$CC_WORK/b.pem"
curl -s -o "$CC_WORK/n.der" "$(openssl x509 -in "$CC_WORK/b.pem" -noout -text |
	sed -n 's/.*CA Issuers - URI://p')"
tap_is "B's caIssuers URL serves the new CA" \
	"$(openssl x509 -inform DER -in "$CC_WORK/n.der" -noout -fingerprint -sha256 2>&1)" \
	"$(openssl x509 -in "$N" -noout -fingerprint -sha256)"
curl -s -o "$CC_WORK/served-new.crl" "$SVC_URL/crl/authentication-g2-2.crl"
tap_ok "the service serves the new CA's CRL at B's distribution point, B on it" \
	in_crl "$CC_WORK/served-new.crl" "$B"
svc_stop
tap_is "SIGTERM: the service stops cleanly" "$SVC_RC" 0

# --- when the old CA's last certificate has expired ----------------------------------------
last=$(sql "SELECT max(not_after) FROM certificates WHERE issuer = 'authentication'")
later=$((last + 86400))
rm -f "$OC"
out=$(CARECARD_CA_NOW=$later "$CA" crl-publish --dir "$W" 2>>"$TAP_LOG")
echo "$out" >>"$TAP_LOG"
tap_like "after the old CA's last certificate expired, the new CA publishes" "$out" \
	"^authentication-2 full CRL [0-9]+ -> $W/authentication-g2-2.crl"
tap_ok "...and the old one no more" test ! -e "$OC" -a -z "$(echo "$out" | grep '^authentication ')"
CARECARD_CA_NOW=$later OPR=2 OP_PIN=carol op ca-rollover --ca authentication >>"$TAP_LOG" 2>&1
tap_is "...and the next rollover is possible (Carol, with her card of the second CA)" "$?/$(sql \
	"SELECT name FROM ca_issuers ORDER BY generation" | tr '\n' ' ')" "0/authentication-2 authentication-3 "
# The Signing CA the same way (Carol's signing certificate is still the first one's).
CARECARD_CA_NOW=$later OPR=2 OP_PIN=carol op ca-rollover --ca signing >>"$TAP_LOG" 2>&1
tap_is "the Signing CA rolls over too" "$?/$(sql "SELECT count(*) FROM ca_issuers \
	WHERE role = 'signing'")" "0/1"
CARECARD_CA_NOW=$later "$CA" crl-publish --dir "$W" >>"$TAP_LOG" 2>&1
cat "$S/certs/signing.pem" "$S/certs/root.pem" >"$CC_WORK/sign-old.pem"
cat "$S/certs/signing-2.pem" "$S/certs/root.pem" >"$CC_WORK/sign-new.pem"
tap_is "...and both its generations publish, each CRL signed by its own key" \
	"$(crl_verify "$W/signing-g2.crl" "$CC_WORK/sign-old.pem")/$(crl_verify \
	"$W/signing-g2-2.crl" "$CC_WORK/sign-new.pem")" "verify OK/verify OK"
tap_ok "audit verify passes" audit_ok
tap_done
