#!/bin/sh
# The whole story, on embedded defaults: a CA with its keys in an HSM
# (SoftHSM2) and the NHS policy installed, the first RA manager's card, a
# sponsor and an RA agent, a new holder registered, identity-checked and
# given a card (keys generated on the card, certificates from the
# Authentication and Signing CAs), a prescription signed with the card's
# signing key and verified against the Signing CA, the card cancelled, and
# the CRL that lists it. Every change to the registry is made by an RA
# operator who proves who they are with their own card; the CRL and the
# audit check run as the CA's own account.
#
# The module runs on its built-in defaults (no config file: two readers
# under $XDG_DATA_HOME); this demo points XDG_DATA_HOME into BUILDDIR/demo so
# your own readers are untouched. Passcodes come from 0600 files here; an RA
# office types them at the terminal instead.
# Usage: scripts/demo.sh BUILDDIR
set -eu
build=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
MODULE=$build/pkcs11/.libs/carecard-pkcs11.so
CARD=$build/pkcs11/carecard-card
CA=$build/ca/carecard-ca
ENGINE=$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -n 1)
demo=$build/demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
pin() { printf '%s\n' "$2" >"$demo/$1.pin"; }
# as OPERATOR HOLDER CMD...: run with those people's passcode files ("-" = none)
as() {
	_o=$1 _h=$2; shift 2
	CARECARD_OPERATOR_PIN_FILE=$([ "$_o" = - ] || echo "$demo/$_o.pin") \
	CARECARD_HOLDER_PIN_FILE=$([ "$_h" = - ] || echo "$demo/$_h.pin") run "$@"
}
blank() {	# blank READER: manufacture a series-04 card and insert it
	rm -f "$demo/blank.card"
	"$CARD" manufacture --series 04 --out "$demo/blank.card" >/dev/null
	run "$CARD" insert "$demo/blank.card" --reader "$1"
}
park() { rm -f "$demo/$2.card"; run "$CARD" remove --reader "$1" --to "$demo/$2.card"; }
put() { run "$CARD" insert "$demo/$2.card" --reader "$1"; }
serial() { "$CARD" show --reader "$1" --json | sed -n 's/.*"serial":"\([0-9]*\)".*/\1/p'; }

for f in "$MODULE" "$CARD" "$CA"; do
	[ -e "$f" ] || { echo "demo: $f is not built" >&2; exit 1; }
done
rm -rf "$demo"
mkdir -p "$demo/home"
chmod 700 "$demo"
umask 077
unset CARECARD_CONF SOFTHSM2_CONF
export HOME="$demo/home" XDG_DATA_HOME="$demo/data" XDG_CONFIG_HOME="$demo/home/.config"
export CARECARD_LOG_FILE="$demo/carecard.log"
export CARECARD_CA_STATE="$demo/ca"
ALICE=100000000001 SAM=100000000002 RITA=100000000003 BOB=200000000001
pin alice 1357; pin sam 2468; pin rita 3579; pin bob 4826

step "1. The card readers (the module's embedded defaults)"
run "$CARD" readers

step "2. Create the CA: root, Authentication CA and Signing CA, keys generated in SoftHSM2"
run "$CA" init --manager-uuid $ALICE --manager-name "Alice Manager" \
	--policy "$top/policy/nhs.yaml" --card-module "$MODULE"
ls "$CARECARD_CA_STATE/certs"

step "3. The RA manager's own card (bootstrap: the only card issued without an operator card)"
blank 1
as - alice "$CA" issue-card --bootstrap --holder $ALICE --reader 1

step "4. A sponsor and an RA agent, each with a card issued by Alice (her card in reader 1)"
as alice - "$CA" person-add --uuid $SAM --name "Sam Sponsor" --ra-role sponsor \
	--documents passport,utility-bill,driving-licence --operator-reader 1
as alice - "$CA" person-add --uuid $RITA --name "Rita Agent" --ra-role ra-agent \
	--documents passport,bank-statement,payslip --operator-reader 1
for who in "sam $SAM" "rita $RITA"; do
	set -- $who
	blank 2
	as alice "$1" "$CA" issue-card --holder "$2" --reader 2 --operator-reader 1
	park 2 "$1"
done
as alice - "$CA" org-add --ods FA123 --name "High Street Pharmacy" --operator-reader 1
as alice - "$CA" position-add --holder $SAM --role sponsor --ods FA123 --operator-reader 1
park 1 alice

step "5. Register a new holder: Sam sponsors Bob (Sam's card in reader 1)"
put 1 sam
out=$(as sam - "$CA" register --uuid $BOB --name "Bob Prescriber" --sponsor $SAM \
	--position pharmacist@FA123 --operator-reader 1)
printf '%s\n' "$out"
req=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9][0-9]*\):.*/\1/p')
park 1 sam

step "6. Rita checks Bob's identity and issues his card; Bob types his passcode"
put 1 rita
as rita - "$CA" verify-identity --request "$req" --documents passport,utility-bill,payslip \
	--operator-reader 1
blank 2
as rita bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1
B=$(serial 2)

step "7. What Bob's card holds (public state, no passcode needed)"
run "$CARD" show --reader 2

step "8. Bob signs a prescription (CMS, through OpenSSL's PKCS#11 engine) ..."
printf 'Rx for Jane Patient: amoxicillin 500 mg capsules, 21, one three times a day\n' \
	>"$demo/prescription.txt"
pkcs11-tool --module "$MODULE" --slot-index 1 --read-object --type cert --id 02 \
	-o "$demo/bob-signing.der" >/dev/null
openssl x509 -inform DER -in "$demo/bob-signing.der" -out "$demo/bob-signing.pem"
cat >"$demo/openssl.cnf" <<CNF
openssl_conf = conf
[conf]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
PIN = $(cat "$demo/bob.pin")
init = 0
CNF
OPENSSL_CONF="$demo/openssl.cnf" run openssl cms -sign -engine pkcs11 -keyform engine \
	-inkey "pkcs11:serial=$B;id=%02;type=private" -signer "$demo/bob-signing.pem" -md sha256 \
	-certfile "$CARECARD_CA_STATE/certs/signing.pem" -binary -nodetach -in "$demo/prescription.txt" -outform DER -out "$demo/prescription.p7s"
echo "... and the pharmacy verifies it against the Signing CA:"
run openssl cms -verify -inform DER -in "$demo/prescription.p7s" -purpose any \
	-CAfile "$CARECARD_CA_STATE/certs/root.pem" -out "$demo/prescription.verified"
cmp "$demo/prescription.txt" "$demo/prescription.verified" && echo "content matches"

# --- issue 11: the CA as a network service (carecard-ca serve) --------- begin
step "8b. The CA's service on its embedded defaults: OCSP, CRLs and CA certificates over HTTP"
printf '$ %s\n' "$CA serve &"
"$CA" serve >"$demo/serve.out" 2>"$demo/serve.log" &
svc_pid=$!
trap 'kill "$svc_pid" 2>/dev/null || true' EXIT
svc_wait() {	# until the service prints where it listens (or gives up)
	_i=0
	while ! grep -q '^listening http://' "$demo/serve.out" && kill -0 "$svc_pid" 2>/dev/null &&
	      [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
	grep -q '^listening http://' "$demo/serve.out"
}
if ! svc_wait; then	# 127.0.0.1:8080 taken on this machine: any free port will do
	"$CA" serve --http 127.0.0.1:0 >"$demo/serve.out" 2>"$demo/serve.log" &
	svc_pid=$!
	svc_wait || { cat "$demo/serve.log" >&2; exit 1; }
fi
svc=$(sed -n 's|^listening http://||p' "$demo/serve.out" | head -n 1)
echo "serving at http://$svc"
_i=0
until curl -s "http://$svc/healthz" | awk '/^certificates:/ { c = $2 } /^ready:/ { r = $2 }
	END { exit !(c > 0 && c == r) }'; do
	_i=$((_i + 1)); [ $_i -lt 300 ] || { cat "$demo/serve.log" >&2; exit 1; }; sleep 0.2
done
curl -s "http://$svc/healthz"
pkcs11-tool --module "$MODULE" --slot-index 1 --read-object --type cert --id 01 \
	-o "$demo/bob-auth.der" >/dev/null 2>&1
openssl x509 -inform DER -in "$demo/bob-auth.der" -out "$demo/bob-auth.pem"
ocsp_url=$(openssl x509 -in "$demo/bob-auth.pem" -noout -ocsp_uri)
# A relying party asks at the URL in the certificate; this demo host has no
# DNS name for it, so the request goes through the service as an HTTP proxy.
ocsp_check() {
	openssl ocsp -issuer "$CARECARD_CA_STATE/certs/authentication.pem" \
		-cert "$demo/bob-auth.pem" -CAfile "$CARECARD_CA_STATE/certs/root.pem" \
		-url "$ocsp_url" -proxy "$svc" -no_nonce 2>&1
}
echo "A relying party checks Bob's authentication certificate at $ocsp_url:"
ocsp_check
# --- issue 11 ------------------------------------------------------------ end

step "9. Bob leaves: Rita cancels his card (certificates revoked, reason affiliationChanged)"
as rita - "$CA" cancel-card --card "$B" --reason leaver --operator-reader 1

# --- issue 11: the same relying party after the cancellation ---------- begin
step "9b. The relying party asks again: revoked, within seconds, no CRL copied by hand"
t0=$(date +%s%N)
until ocsp_check | grep -q ': revoked'; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 30000 ] || { echo "still not revoked" >&2; exit 1; }
	sleep 0.2
done
ocsp_check
echo "revoked over OCSP $(( ($(date +%s%N) - t0) / 1000000 )) ms after cancel-card returned"
kill -TERM "$svc_pid" && wait "$svc_pid" || true
trap - EXIT
# --- issue 11 ------------------------------------------------------------ end

step "10. The Signing CA's CRL now lists Bob's signing certificate (the CA's own account, no card)"
run "$CA" crl --issuer signing --out "$demo/signing.crl"
openssl crl -in "$demo/signing.crl" -noout -text | sed -n '/Issuer:/p;/Revoked Certificates:/,/Signature Algorithm/p' |
	grep -v 'Signature Algorithm'
sig_serial=$(openssl x509 -in "$demo/bob-signing.pem" -noout -serial | cut -d= -f2)
if openssl crl -in "$demo/signing.crl" -noout -text | grep -q "Serial Number: $sig_serial"; then
	echo "Bob's signing certificate $sig_serial is on the CRL"
fi
cat "$CARECARD_CA_STATE/certs/signing.pem" "$CARECARD_CA_STATE/certs/root.pem" >"$demo/chain.pem"
if openssl verify -crl_check -CAfile "$demo/chain.pem" -CRLfile "$demo/signing.crl" \
	"$demo/bob-signing.pem" >/dev/null 2>&1; then
	echo "unexpected: the revoked certificate still verifies" >&2
	exit 1
fi
echo "openssl verify -crl_check now refuses it: certificate revoked"

step "11. The audit log is intact"
run "$CA" audit verify

step "Done. Everything is under $demo"
