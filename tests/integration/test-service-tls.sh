#!/bin/sh
# Integration: TLS with the service's revocation data. A TLS server that
# authenticates smartcard logins (openssl s_server -Verify 1 -crl_check)
# fetches the CRL from the service, either by the certificate's own
# distribution point (-crl_download) or as a file curl got from it: a live
# card (curl through the libp11 engine, key on the card) is accepted, the
# same card once cancelled is refused. And the service's own HTTPS
# listener: TLS 1.2 and 1.3 only, and a new certificate on SIGHUP.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
for t in curl python3; do command -v $t >/dev/null || tap_skip_all "$t not installed"; done
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
# The card logins go through curl's OpenSSL engine, which cannot load an
# ASan-built module: in the sanitizer pass only the service's HTTPS is tested.
card_skip=
[ "${CC_SANITIZERS:-no}" = yes ] && card_skip="curl's OpenSSL engine cannot load an ASan-built module"

tap_plan 14
BOB=200000000002

svc_port_pick
svc_policy "$CC_WORK/svc-policy.yaml"
CARD_POLICY=$CC_WORK/svc-policy.yaml ca_init || { tap_fail "CA init"; exit 1; }
cc_test_ca
if [ -n "$card_skip" ]; then
	for t in "the CA published its CRLs" "live card logs in (-crl_download)" \
		"live card logs in (-CRL)" "the CRL lists the cancelled card" \
		"cancelled card refused (-crl_download)" "...revoked" "...Alice still in" \
		"cancelled card refused (-CRL)"; do
		tap_skip "$t" "$card_skip"
	done
else	# (the card part, not indented: it holds a here-document)
svc_start || { tap_fail "service start"; exit 1; }
ca_bootstrap 1
pin bob 5678
person $BOB "Bob Holder"
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
A=$(card_serial 1) B=$(card_serial 2)
cert_of 2 01 "$CC_WORK/bob-auth.pem"
tap_ok "the CA published its CRLs" svc_wait_ready 4

# --- a TLS server that checks smartcard logins against the service's CRL -------------
cc_test_ca
cc_server_cert
cat "$S/certs/authentication.pem" "$S/certs/root.pem" >"$CC_WORK/trust.pem"
# s_server_start CRL-OPTIONS...: -Verify 1 trusting our CA, on a free port.
# (-crl_download works on s_server's verify store, which -verifyCAfile makes.)
s_server_start() {
	_try=0
	while [ $_try -lt 20 ]; do
		TLS_PORT=$((20000 + ($$ * 13 + _try * 131 + SVC_PORT) % 40000))
		TLS_LOG=$CC_WORK/s_server-$TLS_PORT.log
		openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$CC_CA_DIR/server.pem" \
			-key "$CC_CA_DIR/server.key" -CAfile "$CC_WORK/trust.pem" \
			-verifyCAfile "$CC_WORK/trust.pem" -Verify 1 -verify_return_error \
			-crl_check "$@" -www -tls1_2 >"$TLS_LOG" 2>&1 &
		TLS_PID=$!
		_w=0
		while [ $_w -lt 50 ]; do
			grep -q '^ACCEPT' "$TLS_LOG" 2>/dev/null && return 0
			kill -0 "$TLS_PID" 2>/dev/null || break
			sleep 0.1; _w=$((_w + 1))
		done
		kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null
		_try=$((_try + 1))
	done
	return 1
}
s_server_stop() { kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null; cat "$TLS_LOG" >>"$TAP_LOG"; }
# login CARD-SERIAL: curl through the libp11 engine with the card's
# authentication key; succeeds only if the server accepted the certificate.
login() {
	cc_engine_conf "$CC_WORK/openssl.cnf" $2
	rm -f "$CC_WORK/page"
	OPENSSL_CONF=$CC_WORK/openssl.cnf cc_client curl -sS --max-time 30 --engine pkcs11 \
		--cert-type ENG --cert "pkcs11:serial=$1;id=%01;type=cert" \
		--key-type ENG --key "pkcs11:serial=$1;id=%01;type=private" \
		--cacert "$CC_CA_DIR/ca.pem" "https://127.0.0.1:$TLS_PORT/" -o "$CC_WORK/page" \
		>>"$TAP_LOG" 2>&1 && grep -q "BEGIN CERTIFICATE" "$CC_WORK/page"
}

s_server_start -crl_download
tap_ok "s_server -crl_download (the CRL by the card's own DP URL): Bob's live card logs in" \
	login "$B" 5678
s_server_stop
curl -s -o "$CC_WORK/auth-live.crl" "$SVC_URL/crl/authentication-g2.crl"
s_server_start -CRL "$CC_WORK/auth-live.crl" -CRLform DER
tap_ok "s_server -CRL (fetched from the service with curl): Bob's card logs in" login "$B" 5678
s_server_stop

as alice - "$CA" cancel-card --card "$B" --reason stolen --operator-reader 1 >>"$TAP_LOG" 2>&1
bserial=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -serial | cut -d= -f2)
_w=0
until curl -s "$SVC_URL/crl/authentication-g2.crl" | openssl crl -inform DER -noout -text \
	2>/dev/null | grep -q "Serial Number: $bserial"; do
	_w=$((_w + 1)); [ $_w -gt 50 ] && break; sleep 0.1
done
tap_ok "the service's CRL lists the cancelled card within 5 s" test $_w -le 50
s_server_start -crl_download
tap_fails "s_server -crl_download: the cancelled card is refused" login "$B" 5678
tap_like "...because its certificate is revoked" "$(cat "$TLS_LOG")" "certificate revoked"
tap_ok "...while Alice's live card still logs in" login "$A" 1234
s_server_stop
curl -s -o "$CC_WORK/auth-now.crl" "$SVC_URL/crl/authentication-g2.crl"
s_server_start -CRL "$CC_WORK/auth-now.crl" -CRLform DER
tap_fails "s_server -CRL with the fresh CRL from the service: refused too" login "$B" 5678
s_server_stop
svc_stop
fi

# --- the service's own HTTPS --------------------------------------------------------
# (the holder-facing endpoints of the next issue live here)
mkcert() {	# mkcert NAME: a server certificate for 127.0.0.1 from the test CA
	openssl req -new -newkey rsa:2048 -nodes -keyout "$CC_WORK/$1.key" -subj "/CN=127.0.0.1" \
		-out "$CC_WORK/$1.csr" >>"$TAP_LOG" 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$CC_WORK/$1.ext" &&
	openssl x509 -req -in "$CC_WORK/$1.csr" -CA "$CC_CA_DIR/ca.pem" -CAkey "$CC_CA_DIR/ca.key" \
		-CAcreateserial -days 2 -extfile "$CC_WORK/$1.ext" -out "$CC_WORK/$1.pem" \
		>>"$TAP_LOG" 2>&1
}
mkcert tls1 && cp "$CC_WORK/tls1.pem" "$CC_WORK/tls.pem" && cp "$CC_WORK/tls1.key" "$CC_WORK/tls.key"
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n  portal: %s\n' "$CC_WORK/tls.pem" \
	"$CC_WORK/tls.key" "$CC_WORK/no-portal" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0
HTTPS=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
tap_like "HTTPS, TLS 1.3 (curl)" "$(curl -s --cacert "$CC_CA_DIR/ca.pem" --tlsv1.3 "$HTTPS/healthz")" \
	"^status: ok"
tap_like "HTTPS, TLS 1.2 (curl)" "$(curl -s --cacert "$CC_CA_DIR/ca.pem" --tlsv1.2 --tls-max 1.2 \
	"$HTTPS/healthz")" "^status: ok"
# A service whose portal pages are missing serves the rest, says so in its
# log and answers /portal/ with 404.
tap_is "without the portal's pages: /portal/ 404, the rest served, the log says why" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CC_CA_DIR/ca.pem" "$HTTPS/portal/")/$(grep -c "portal: $CC_WORK/no-portal/me.html: No such file" "$SVC_ERR")" \
	"404/1"
tap_like "TLS 1.1 is refused (protocol_version alert)" "$(echo | openssl s_client -connect \
	"${HTTPS#https://}" -tls1_1 -cipher DEFAULT@SECLEVEL=0 2>&1)" "alert protocol version"
served() { echo | openssl s_client -connect "${HTTPS#https://}" 2>/dev/null |
	openssl x509 -noout -serial 2>/dev/null; }
before=$(served)
mkcert tls2 && cp "$CC_WORK/tls2.pem" "$CC_WORK/tls.pem" && cp "$CC_WORK/tls2.key" "$CC_WORK/tls.key"
kill -HUP "$SVC_PID"
_w=0; while [ "$(served)" = "$before" ] && [ $_w -lt 50 ]; do sleep 0.1; _w=$((_w + 1)); done
tap_is "SIGHUP: new handshakes get the new certificate" "$(served)" \
	"$(openssl x509 -in "$CC_WORK/tls2.pem" -noout -serial)"
svc_stop
tap_is "...and the service stops cleanly" "$SVC_RC" 0
tap_done
