# tests/lib/tls.sh: a loopback TLS server that demands a client certificate
# issued by the test CA, for the client-authentication tests. Source after
# card.sh and call cc_test_ca first.
#   cc_tls_server_start tls1_2|tls1_3   -> $CC_TLS_PORT, page log in $CC_WORK/s_server-*.log
#   cc_tls_server_stop
#   cc_tls_page_cert FILE               -> the client certificate PEM the server printed
#   cc_cert_fp PEM-or-DER-FILE          -> SHA-256 fingerprint

cc_server_cert() {
	[ -f "$CC_CA_DIR/server.pem" ] && return 0
	openssl req -new -newkey rsa:2048 -nodes -keyout "$CC_CA_DIR/server.key" \
		-subj "/O=Carecard Test/CN=localhost" -out "$CC_CA_DIR/server.csr" >>"$TAP_LOG" 2>&1 &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
		>"$CC_CA_DIR/server.ext" &&
	openssl x509 -req -in "$CC_CA_DIR/server.csr" -CA "$CC_CA_DIR/ca.pem" \
		-CAkey "$CC_CA_DIR/ca.key" -CAcreateserial -days 30 -extfile "$CC_CA_DIR/server.ext" \
		-out "$CC_CA_DIR/server.pem" >>"$TAP_LOG" 2>&1
}

# Start `openssl s_server -Verify` on a free loopback port with -www, which
# answers GET / with a page that includes the client certificate it got.
cc_tls_server_start() {
	_ver=$1
	cc_server_cert || return 1
	_try=0
	while [ $_try -lt 20 ]; do
		CC_TLS_PORT=$((20000 + ($$ * 7 + _try * 131) % 40000))
		CC_TLS_LOG=$CC_WORK/s_server-$_ver-$CC_TLS_PORT.log
		openssl s_server -accept "127.0.0.1:$CC_TLS_PORT" -cert "$CC_CA_DIR/server.pem" \
			-key "$CC_CA_DIR/server.key" -CAfile "$CC_CA_DIR/ca.pem" -Verify 2 -www \
			"-$_ver" ${CC_TLS_SIGALGS:+-client_sigalgs "$CC_TLS_SIGALGS"} \
			>"$CC_TLS_LOG" 2>&1 &
		CC_TLS_PID=$!
		_w=0
		while [ $_w -lt 50 ]; do
			grep -q '^ACCEPT' "$CC_TLS_LOG" 2>/dev/null && return 0
			kill -0 "$CC_TLS_PID" 2>/dev/null || break
			sleep 0.1; _w=$((_w + 1))
		done
		kill "$CC_TLS_PID" 2>/dev/null; wait "$CC_TLS_PID" 2>/dev/null
		_try=$((_try + 1))
	done
	return 1
}

cc_tls_server_stop() {
	[ -n "${CC_TLS_PID:-}" ] && kill "$CC_TLS_PID" 2>/dev/null && wait "$CC_TLS_PID" 2>/dev/null
	CC_TLS_PID=
	return 0
}

# The PEM certificate block in an s_server -www page.
cc_tls_page_cert() {
	sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$1"
}

cc_cert_fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null ||
	openssl x509 -inform DER -in "$1" -noout -fingerprint -sha256 2>/dev/null
}
