#!/bin/sh
# OpenSSL through the libp11 engine: a CSR signed on the card (verified by
# openssl req -verify, and its key is the card's), and CMS signatures with
# the signing key, PKCS#1 v1.5 and RSA-PSS, verified by openssl cms -verify
# against the CA.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 10

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC card personalised" "$?" 0

cc_engine_conf "$CC_WORK/openssl.cnf" $CC_PIN
cat >>"$CC_WORK/openssl.cnf" <<CNF
[req]
distinguished_name = dn
[dn]
CNF
export OPENSSL_CONF="$CC_WORK/openssl.cnf"
ossl() { cc_client openssl "$@"; }
uri() { echo "pkcs11:token=Test%20Holder%20$1;id=%$2;type=private"; }

for card in 1 2; do
	ossl req -new -engine pkcs11 -keyform engine -key "$(uri $card 01)" \
		-subj "/CN=Test Holder $card/serialNumber=55500011122$card" \
		-out "$CC_WORK/csr$card.pem" >>"$TAP_LOG" 2>&1
	tap_ok "card $card: CSR signed on the card verifies" \
		openssl req -in "$CC_WORK/csr$card.pem" -verify -noout
	a=$(openssl req -in "$CC_WORK/csr$card.pem" -pubkey -noout 2>/dev/null)
	b=$(openssl x509 -in "$CC_WORK/pki-$card-01/cert.pem" -pubkey -noout 2>/dev/null)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then tap_pass "card $card: the CSR carries the card's authentication key"
	else tap_fail "card $card: the CSR carries the card's authentication key"; fi
done

printf 'Prescription: 28 x atorvastatin 20 mg\n' >"$CC_WORK/rx.txt"
cms_sign() {	# cms_sign CARD OUT [keyopts...]
	_card=$1 _out=$2; shift 2
	ossl cms -sign -engine pkcs11 -keyform engine -inkey "$(uri "$_card" 02)" \
		-signer "$CC_WORK/pki-$_card-02/cert.pem" -md sha256 "$@" -binary -nodetach \
		-in "$CC_WORK/rx.txt" -outform DER -out "$_out" >>"$TAP_LOG" 2>&1
}
cms_verify() {
	openssl cms -verify -inform DER -in "$1" -CAfile "$CC_CA_DIR/ca.pem" -purpose any \
		-out "$CC_WORK/rx.out" >>"$TAP_LOG" 2>&1 && cmp -s "$CC_WORK/rx.out" "$CC_WORK/rx.txt"
}

cms_sign 1 "$CC_WORK/v15.p7s"
tap_ok "CMS signed with the RSA signing key (PKCS#1 v1.5) verifies against the CA" cms_verify "$CC_WORK/v15.p7s"
cms_sign 1 "$CC_WORK/pss.p7s" -keyopt rsa_padding_mode:pss
tap_ok "CMS signed with the RSA signing key (RSA-PSS) verifies against the CA" cms_verify "$CC_WORK/pss.p7s"
alg=$(openssl cms -cmsout -print -inform DER -in "$CC_WORK/pss.p7s" 2>/dev/null | grep -c 'rsassaPss')
if [ "$alg" -ge 1 ]; then tap_pass "the PSS CMS really carries an RSASSA-PSS signature"
else tap_fail "the PSS CMS really carries an RSASSA-PSS signature"; fi
cms_sign 2 "$CC_WORK/ec.p7s"
tap_ok "CMS signed with the EC signing key verifies against the CA" cms_verify "$CC_WORK/ec.p7s"

# A signature over altered content must not verify (so the checks above can fail).
LC_ALL=C sed 's/28 x atorvastatin/82 x atorvastatin/' "$CC_WORK/v15.p7s" >"$CC_WORK/tampered.p7s"
if cmp -s "$CC_WORK/v15.p7s" "$CC_WORK/tampered.p7s"; then
	tap_fail "a tampered prescription does not verify" "could not alter the embedded content"
else
	tap_fails "a tampered prescription does not verify" cms_verify "$CC_WORK/tampered.p7s"
fi
