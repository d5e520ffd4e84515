#!/bin/sh
# NSS: the module added to a fresh NSS database with modutil; certutil lists
# the card's certificates as user certificates (u,u,u) before any login;
# cmsutil signs with the signing key (verified by openssl against the CA);
# tstclnt does TLS 1.2 and 1.3 client authentication with the card.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
. "$top_srcdir/tests/lib/tls.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
command -v modutil >/dev/null || tap_skip_all "NSS tools (libnss3-tools) not installed"
TSTCLNT=$(command -v tstclnt || ls /usr/lib/nss/tstclnt /usr/lib/*/nss/tstclnt 2>/dev/null | head -n 1)
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 14

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC card personalised" "$?" 0
cc_test_ca

db=sql:$CC_WORK/nssdb
mkdir -p "$CC_WORK/nssdb"
printf '%s\n' "$CC_PIN" >"$CC_WORK/pin.txt"
tap_ok "fresh NSS database" certutil -N -d "$db" --empty-password
tap_ok "modutil -add registers the module" \
	cc_client modutil -dbdir "$db" -add carecard -libfile "$CC_MODULE" -force
tap_ok "the test CA is a trusted TLS issuer in the NSS database" \
	cc_client certutil -A -d "$db" -n "Carecard Test CA" -t "CT,C,C" -i "$CC_CA_DIR/ca.pem"

# No password file and no terminal: any attempt to log in would fail here.
list=$(cc_client certutil -L -d "$db" -h all </dev/null 2>&1)
echo "$list" >>"$TAP_LOG"
for c in "Test Holder 1:authentication" "Test Holder 1:signing" "Test Holder 2:authentication" "Test Holder 2:signing"; do
	tap_like "certutil -L -h all before login: '$c' is a user certificate (u,u,u)" \
		"$list" "^$c +u,u,u\$"
done

printf 'Prescription: 56 x metformin 500 mg\n' >"$CC_WORK/rx.txt"
# -Y NONE: a signing-only certificate is no S/MIME encryption certificate,
# so it must not be advertised as the EncryptionKeyPreference.
cc_client cmsutil -S -d "$db" -N "Test Holder 1:signing" -Y NONE -G -f "$CC_WORK/pin.txt" \
	-i "$CC_WORK/rx.txt" -o "$CC_WORK/rx.p7m" >>"$TAP_LOG" 2>&1
tap_ok "cmsutil -S with the signing key: openssl cms -verify accepts it" \
	openssl cms -verify -inform DER -in "$CC_WORK/rx.p7m" -CAfile "$CC_CA_DIR/ca.pem" \
		-purpose any -out "$CC_WORK/rx.out"
tap_ok "the verified content is the prescription" cmp "$CC_WORK/rx.out" "$CC_WORK/rx.txt"
cc_client cmsutil -S -d "$db" -N "Test Holder 2:signing" -Y NONE -G -f "$CC_WORK/pin.txt" \
	-i "$CC_WORK/rx.txt" -o "$CC_WORK/rx-ec.p7m" >>"$TAP_LOG" 2>&1
tap_ok "cmsutil -S with the EC card's signing key: openssl cms -verify accepts it" \
	openssl cms -verify -inform DER -in "$CC_WORK/rx-ec.p7m" -CAfile "$CC_CA_DIR/ca.pem" \
		-purpose any -out "$CC_WORK/rx-ec.out"

tstclnt_login() {	# VERSION(1.2|1.3) CARD
	[ "$1" = 1.2 ] && v=tls1_2 || v=tls1_3
	cc_tls_server_start $v || return 1
	# s_server -www leaves the connection open, so tstclnt never exits by
	# itself: give it 20 s and judge by the page it printed.
	printf 'GET / HTTP/1.0\r\n\r\n' | CC_CLIENT_TIMEOUT=20 cc_client "$TSTCLNT" -h 127.0.0.1 -p "$CC_TLS_PORT" -d "$db" \
		-n "Test Holder $2:authentication" -w "$CC_PIN" -V "tls$1:tls$1" \
		>"$CC_WORK/page" 2>>"$TAP_LOG"
	cc_tls_server_stop
	cat "$CC_WORK/page" >>"$TAP_LOG"
	grep -q "Protocol  *: TLSv$1" "$CC_WORK/page" || return 1
	cc_tls_page_cert "$CC_WORK/page" >"$CC_WORK/seen.pem"
	[ "$(cc_cert_fp "$CC_WORK/seen.pem")" = "$(cc_cert_fp "$CC_WORK/pki-$2-01/cert.pem")" ]
}
if [ -z "$TSTCLNT" ]; then
	tap_skip "tstclnt TLS 1.2 client auth" "tstclnt not installed"
	tap_skip "tstclnt TLS 1.3 client auth" "tstclnt not installed"
	tap_skip "tstclnt TLS 1.3 client auth (EC card)" "tstclnt not installed"
else
	tap_ok "tstclnt TLS 1.2: the server saw the card's authentication certificate" tstclnt_login 1.2 1
	tap_ok "tstclnt TLS 1.3: the server saw the card's authentication certificate" tstclnt_login 1.3 1
	tap_ok "tstclnt TLS 1.3 with the EC card" tstclnt_login 1.3 2
fi
