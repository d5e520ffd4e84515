#!/bin/sh
# A virtual NHS smartcard from blank to signed prescription, on the module's
# embedded defaults (no config file: two readers under $XDG_DATA_HOME, which
# this demo points into BUILDDIR/demo so your own readers are untouched).
# Usage: scripts/demo.sh BUILDDIR
set -eu
build=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
MODULE=$build/pkcs11/.libs/carecard-pkcs11.so
CARD=$build/pkcs11/carecard-card
demo=$build/demo
PIN=246810

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
p11() { pkcs11-tool --module "$MODULE" --slot-index 0 "$@"; }

[ -f "$MODULE" ] || { echo "demo: module not built at $MODULE" >&2; exit 1; }
rm -rf "$demo"
mkdir -p "$demo/home" "$demo/pki"
chmod 700 "$demo"
unset CARECARD_CONF
export HOME="$demo/home" XDG_DATA_HOME="$demo/data" XDG_CONFIG_HOME="$demo/home/.config"
export CARECARD_LOG_FILE="$demo/carecard.log"
umask 077
SO_SECRET=$(openssl rand -hex 4)
printf '%s\n' "$SO_SECRET" >"$demo/so-secret"

step "1. The card readers (embedded defaults)"
run "$CARD" readers

step "2. Manufacture a blank series-04 card and insert it into reader 1"
run "$CARD" manufacture --series 04 --out "$demo/new.card"
run "$CARD" insert "$demo/new.card" --reader 1

step "3. Initialise the card: SO secret (kept in $demo/so-secret, 0600) and label"
p11 --init-token --label "Demo Prescriber" --so-pin "$SO_SECRET"

step "4. The holder chooses a passcode (the SO sets it with C_InitPIN)"
p11 --login --login-type so --so-pin "$SO_SECRET" --init-pin --new-pin "$PIN"

step "5. Two key pairs generated on the card: authentication (01) and signing (02)"
p11 --login --pin "$PIN" --keypairgen --key-type rsa:2048 --id 01 --label authentication
p11 --login --pin "$PIN" --keypairgen --key-type rsa:2048 --id 02 --label signing

step "6. Certificates for both keys"
# A throw-away demo CA on disk. (carecard-ca, whose keys live in an HSM,
# replaces this once it issues cards.)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$demo/pki/ca.key" -out "$demo/pki/ca.pem" \
	-days 30 -subj "/O=Carecard Demo/CN=Carecard Demo CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for pair in "01 authentication digitalSignature clientAuth" "02 signing digitalSignature,nonRepudiation -"; do
	set -- $pair
	p11 --read-object --type pubkey --id "$1" -o "$demo/pki/$2.pub.der" >/dev/null
	openssl pkey -pubin -inform DER -in "$demo/pki/$2.pub.der" -out "$demo/pki/$2.pub.pem"
	{ echo "keyUsage=critical,$3"; [ "$4" != - ] && echo "extendedKeyUsage=$4"; echo "basicConstraints=CA:FALSE"; } >"$demo/pki/$2.ext"
	openssl x509 -new -CA "$demo/pki/ca.pem" -CAkey "$demo/pki/ca.key" -force_pubkey "$demo/pki/$2.pub.pem" \
		-subj "/O=Carecard Demo/CN=Demo Prescriber/serialNumber=555000111222" -days 30 \
		-extfile "$demo/pki/$2.ext" -outform DER -out "$demo/pki/$2.crt.der"
	p11 --login --pin "$PIN" --write-object "$demo/pki/$2.crt.der" --type cert --id "$1" --label "$2"
done

step "7. What the card holds (public state, no passcode needed)"
run "$CARD" show --reader 1
p11 --list-objects

step "8. Sign a prescription with the signing key and verify it against the CA"
printf 'Rx: amoxicillin 500 mg capsules, 21, one three times a day\n' >"$demo/prescription.txt"
p11 --login --pin "$PIN" --sign --id 02 -m SHA256-RSA-PKCS -i "$demo/prescription.txt" -o "$demo/prescription.sig"
openssl x509 -inform DER -in "$demo/pki/signing.crt.der" -out "$demo/pki/signing.pem"
run openssl verify -CAfile "$demo/pki/ca.pem" "$demo/pki/signing.pem"
openssl x509 -in "$demo/pki/signing.pem" -pubkey -noout >"$demo/pki/signing.cert-pub.pem"
run openssl dgst -sha256 -verify "$demo/pki/signing.cert-pub.pem" -signature "$demo/prescription.sig" "$demo/prescription.txt"

step "Done. Everything is under $demo; the module's log is $demo/carecard.log"
