#!/bin/sh
# TLS client authentication with the card's authentication key against a
# loopback `openssl s_server -Verify` that trusts only the test CA:
# gnutls-cli with PKCS#11 URIs over TLS 1.2 and 1.3 (RSA-PSS in 1.3), and
# curl through the libp11 OpenSSL engine. Each check compares the
# certificate the server saw with the one on the card.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
. "$top_srcdir/tests/lib/tls.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
command -v gnutls-cli >/dev/null || tap_skip_all "gnutls-cli (gnutls-bin) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 9

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC card personalised" "$?" 0
cc_test_ca

# gnutls-cli loads our module directly (--provider), no system registration.
gnutls_login() {	# gnutls_login TOKEN VERSION
	_tok=$1 _ver=$2
	case $_ver in
	tls1_2) _prio="NORMAL:-VERS-ALL:+VERS-TLS1.2" ;;
	tls1_3) _prio="NORMAL:-VERS-ALL:+VERS-TLS1.3" ;;
	esac
	cc_tls_server_start "$_ver" || return 1
	_uri="pkcs11:token=$(printf '%s' "$_tok" | sed 's/ /%20/g');id=%01"
	printf 'GET / HTTP/1.0\r\n\r\n' | GNUTLS_PIN=$CC_PIN cc_client gnutls-cli --provider "$CC_MODULE" \
		--x509cafile "$CC_CA_DIR/ca.pem" --priority "$_prio" \
		--x509certfile "$_uri;type=cert" --x509keyfile "$_uri;type=private" \
		-p "$CC_TLS_PORT" 127.0.0.1 >"$CC_WORK/page" 2>>"$TAP_LOG"
	cc_tls_server_stop
	cat "$CC_WORK/page" >>"$TAP_LOG"
	cc_tls_page_cert "$CC_WORK/page" >"$CC_WORK/seen.pem"
	grep -q "Protocol  *: $(echo "$_ver" | sed 's/tls1_\(.\)/TLSv1.\1/')" "$CC_WORK/page" || return 1
	[ "$(cc_cert_fp "$CC_WORK/seen.pem")" = "$(cc_cert_fp "$3")" ]
}

for v in tls1_2 tls1_3; do
	tap_ok "gnutls-cli, RSA card, $v: server saw the card's authentication certificate" \
		gnutls_login "Test Holder 1" $v "$CC_WORK/pki-1-01/cert.pem"
	tap_ok "gnutls-cli, EC card, $v: server saw the card's authentication certificate" \
		gnutls_login "Test Holder 2" $v "$CC_WORK/pki-2-01/cert.pem"
done

# TLS 1.3 with an RSA key is RSA-PSS only; make the server insist on it.
CC_TLS_SIGALGS=rsa_pss_rsae_sha256:rsa_pss_rsae_sha384
tap_ok "gnutls-cli, RSA card, tls1_3 with only RSA-PSS client signatures allowed" \
	gnutls_login "Test Holder 1" tls1_3 "$CC_WORK/pki-1-01/cert.pem"
CC_TLS_SIGALGS=

# curl through the libp11 engine (module named in a private OpenSSL config).
ENGINE=$CC_ENGINE
curl_login() {	# curl_login VERSION [CARD]
	_card=${2:-1}
	cc_tls_server_start "$1" || return 1
	cc_engine_conf "$CC_WORK/openssl.cnf" $CC_PIN
	rm -f "$CC_WORK/page"
	OPENSSL_CONF=$CC_WORK/openssl.cnf cc_client curl -sS --engine pkcs11 \
		--cert-type ENG --cert "pkcs11:token=Test%20Holder%20$_card;id=%01;type=cert" \
		--key-type ENG --key "pkcs11:token=Test%20Holder%20$_card;id=%01;type=private" \
		--cacert "$CC_CA_DIR/ca.pem" "--$(echo "$1" | sed 's/tls1_\(.\)/tlsv1.\1/')" \
		"https://127.0.0.1:$CC_TLS_PORT/" -o "$CC_WORK/page" 2>>"$TAP_LOG"
	_rc=$?
	cc_tls_server_stop
	[ $_rc -eq 0 ] || return 1
	grep -q "Protocol  *: $(echo "$1" | sed 's/tls1_\(.\)/TLSv1.\1/')" "$CC_WORK/page" || return 1
	cc_tls_page_cert "$CC_WORK/page" >"$CC_WORK/seen.pem"
	[ "$(cc_cert_fp "$CC_WORK/seen.pem")" = "$(cc_cert_fp "$CC_WORK/pki-$_card-01/cert.pem")" ]
}
curl_skip=
command -v curl >/dev/null && [ -n "$ENGINE" ] || curl_skip="curl or libengine-pkcs11-openssl not installed"
if [ -n "$curl_skip" ]; then
	tap_skip "curl with the pkcs11 engine, TLS 1.2" "$curl_skip"
	tap_skip "curl with the pkcs11 engine, TLS 1.3" "$curl_skip"
	tap_skip "curl with the pkcs11 engine, TLS 1.3, EC card" "$curl_skip"
else
	tap_ok "curl (libp11 engine), TLS 1.2: server saw the card's certificate" curl_login tls1_2
	tap_ok "curl (libp11 engine), TLS 1.3: server saw the card's certificate" curl_login tls1_3
	tap_ok "curl (libp11 engine), TLS 1.3, EC card: server saw the card's certificate" curl_login tls1_3 2
fi
