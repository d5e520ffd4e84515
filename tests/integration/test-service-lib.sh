# tests/integration/test-service-lib.sh: shared by the test-service-*.sh
# scripts (sourced, not a test itself). Starts "carecard-ca serve" on a free
# loopback port (--http 127.0.0.1:0; the service prints the port it got)
# and gives a test policy whose URLs point at it, so clients reach the
# service by the URLs written into the certificates.
#   svc_start [FLAGS...]   -> SVC_PID SVC_PORT SVC_URL, SVC_OUT/SVC_ERR/SVC_LOG files
#   svc_stop               -> SVC_RC (the service's exit status)
#   svc_wait_ready [N]     until N certificates (default: all known) have responses
#   svc_policy FILE        a policy with every URL at $SVC_URL
#   svc_health             the /healthz body
#   ocsp CERT ISSUER [openssl ocsp options]   openssl ocsp at the certificate's own URL
#   card_curl SERIAL CONF [curl args...]   curl with a card's key (the API tests)
#   json EXPR              EXPR of the last card_curl body parsed as j
# Needs $CA, $S (state directory), $CC_WORK and TAP_LOG.

SVC_N=0

svc_start() {
	SVC_N=$((SVC_N + 1))
	SVC_OUT=$CC_WORK/serve-$SVC_N.out
	SVC_ERR=$CC_WORK/serve-$SVC_N.err
	SVC_LOG=$CC_WORK/access-$SVC_N.log
	: >"$SVC_OUT"
	${SVC_WRAP:-} "$CA" serve --state "$S" --http "127.0.0.1:${SVC_PORT_WANT:-0}" \
		--access-log "$SVC_LOG" "$@" \
		>"$SVC_OUT" 2>"$SVC_ERR" &
	SVC_PID=$!
	_w=0
	while [ $_w -lt ${SVC_START_WAIT:-600} ]; do
		SVC_PORT=$(sed -n 's|^listening http://127.0.0.1:\([0-9]*\)$|\1|p' "$SVC_OUT" | head -n 1)
		[ -n "$SVC_PORT" ] && break
		kill -0 "$SVC_PID" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
	if [ -z "$SVC_PORT" ]; then
		echo "# service did not start:" >&2
		sed 's/^/# /' "$SVC_ERR" >&2
		return 1
	fi
	SVC_URL=http://127.0.0.1:$SVC_PORT
	echo "+ service $SVC_PID at $SVC_URL" >>"$TAP_LOG"
	return 0
}

svc_stop() {
	[ -n "${SVC_PID:-}" ] || return 0
	kill -TERM "$SVC_PID" 2>/dev/null
	wait "$SVC_PID"
	SVC_RC=$?
	SVC_PID=
	cat "$SVC_ERR" >>"$TAP_LOG" 2>/dev/null
	return 0
}

svc_health() { curl -s --max-time 5 "$SVC_URL/healthz"; }

# Wait (up to 60 s) until the service has responses for every certificate
# it knows, and at least $1 of them.
svc_wait_ready() {
	_want=${1:-1}
	_w=0
	while [ $_w -lt 600 ]; do
		_h=$(svc_health)
		_c=$(printf '%s\n' "$_h" | sed -n 's/^certificates: //p')
		_r=$(printf '%s\n' "$_h" | sed -n 's/^ready: //p')
		[ -n "$_c" ] && [ "$_c" = "$_r" ] && [ "$_c" -ge "$_want" ] && return 0
		sleep 0.1
		_w=$((_w + 1))
	done
	echo "# not ready: $_h" >&2
	return 1
}

# svc_port_pick: a free loopback port for the service into SVC_PORT_WANT,
# and SVC_URL, before the CA exists: so the CA is made with a policy whose
# URLs name the service (svc_policy), and every certificate it issues, the
# RA manager's own card's too, sends relying parties there.
svc_port_pick() {
	SVC_PORT_WANT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	SVC_URL=http://127.0.0.1:$SVC_PORT_WANT
}

# svc_policy_install: the CA's policy with every URL at $SVC_URL, installed
# by the RA manager with her card (policy-install; the operator card of
# test-ca-card-lib.sh's op in reader $OPR), then applied by the running
# service on SIGHUP. Certificates issued from then on name the service.
svc_policy_install() {
	svc_policy "$CC_WORK/svc-policy.yaml"
	op policy-install "$CC_WORK/svc-policy.yaml" >>"$TAP_LOG" 2>&1 || return 1
	kill -HUP "$SVC_PID"
	_w=0
	while ! grep -q "policy $S/policy.yaml applied" "$SVC_ERR" && [ $_w -lt 100 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	grep -q "policy $S/policy.yaml applied" "$SVC_ERR"
}

svc_policy() {
	cat >"$1" <<YAML
version: 1
profiles:
  authentication:
    crl-url: "$SVC_URL/crl/authentication-g2.crl"
    ocsp-url: "$SVC_URL/ocsp/authentication-g2"
  signing:
    crl-url: "$SVC_URL/crl/signing-g2.crl"
    ocsp-url: "$SVC_URL/ocsp/signing-g2"
publication:
  root-certificate-url: "$SVC_URL/certs/root-g2.crt"
  root-crl-url: "$SVC_URL/crl/root-g2.crl"
  authentication-certificate-url: "$SVC_URL/certs/authentication-g2.crt"
  signing-certificate-url: "$SVC_URL/certs/signing-g2.crt"
YAML
}

# ocsp CERT ISSUER-NAME [options]: openssl ocsp at the URL in CERT's AIA
# (or $OCSP_URL), verifying the response against the root; prints openssl's
# output on one line. Options go before -cert (a CertID digest must).
ocsp() {
	_cert=$1 _is=$2
	shift 2
	openssl ocsp "$@" -issuer "$S/certs/$_is.pem" -cert "$_cert" -CAfile "$S/certs/root.pem" \
		-url "${OCSP_URL:-$(openssl x509 -in "$_cert" -noout -ocsp_uri)}" -no_nonce \
		-timeout 10 2>&1 | tr '\n\t' '  '
}

# What openssl ocsp printed for a field ("This Update", "Revocation Time")
# of a one-line ocsp() output, as Unix seconds.
ocsp_time() {
	date -u -d "$(printf '%s\n' "$1" | sed -n "s/.*$2: *\([A-Z][a-z][a-z] [ 0-9]*[0-9] [0-9:]* [0-9]* GMT\).*/\1/p")" +%s
}

# ocsp_get CERT ISSUER-NAME OUT [curl options]: the RFC 6960 A.1 GET form of
# the same request, with curl; the response in OUT, headers in OUT.hdr.
ocsp_get() {
	_cert=$1 _is=$2 _out=$3
	shift 3
	openssl ocsp -issuer "$S/certs/$_is.pem" -cert "$_cert" -no_nonce -reqout "$_out.req" \
		>>"$TAP_LOG" 2>&1 || return 1
	_enc=$(base64 -w0 "$_out.req" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))')
	curl -s --max-time 10 -D "$_out.hdr" -o "$_out" "$@" \
		"$(openssl x509 -in "$_cert" -noout -ocsp_uri)/$_enc"
}

# The value of header $2 in curl's header dump $1.
hdr() { sed -n "s/^$2: *\\(.*\\)\\r\$/\\1/Ip" "$1" | head -n 1; }

# svc_mail_sink: a local SMTP sink requiring STARTTLS (tests/lib/smtp-sink.py,
# python3-aiosmtpd), its messages in $MBOX, its pid in $SINK; writes
# $CC_WORK/serve.yaml with the service's serve.mail pointing at it (and any
# further "serve:" keys given as lines on stdin).
svc_mail_sink() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$CC_WORK/smtp.key" -out "$CC_WORK/smtp.pem" -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost >>"$TAP_LOG" 2>&1 || return 1
	MBOX=$CC_WORK/mail.mbox
	/usr/bin/python3 "$top_srcdir/tests/lib/smtp-sink.py" "$MBOX" "$CC_WORK/smtp.port" \
		--tls "$CC_WORK/smtp.pem" "$CC_WORK/smtp.key" >>"$TAP_LOG" 2>&1 &
	SINK=$!
	for _i in $(seq 50); do [ -s "$CC_WORK/smtp.port" ] && break; sleep 0.1; done
	{
		printf 'serve:\n  mail:\n    relay: smtp://localhost:%s\n' "$(cat "$CC_WORK/smtp.port")"
		printf '    from: carecard-ca@localhost\n    ca-file: %s\n' "$CC_WORK/smtp.pem"
		[ -t 0 ] || cat
	} >"$CC_WORK/serve.yaml"
	[ -s "$CC_WORK/smtp.port" ]
}

# card_curl SERIAL OPENSSL-CONF [curl options...] URL: curl authenticated with
# the card's authentication certificate (CKA_ID 01) through OpenSSL's PKCS#11
# engine (CONF loads it, cc_engine_conf); the body to $CC_WORK/body, prints
# "STATUS CONTENT-TYPE". Needs $ROOT.
card_curl() {
	_cs=$1 _cc=$2
	shift 2
	OPENSSL_CONF="$_cc" cc_client curl -sS --max-time 30 \
		--engine pkcs11 --cert-type ENG --cert "pkcs11:serial=$_cs;id=%01;type=cert" \
		--key-type ENG --key "pkcs11:serial=$_cs;id=%01;type=private" --cacert "$ROOT" \
		-o "$CC_WORK/body" -w '%{http_code} %{content_type}' "$@" 2>>"$TAP_LOG"
}

# json EXPR: EXPR (python, the body parsed as j) printed; "not-json" if it is not JSON
json() {
	/usr/bin/python3 -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("not-json"); sys.exit(0)
print(eval(sys.argv[2]))' "$CC_WORK/body" "$1"
}
