#!/bin/sh
# Integration: network self-renewal over EST (issue 12) with real cards and
# an EST client the project did not write: curl with the card's key through
# OpenSSL's PKCS#11 engine (libp11), posting base64 PKCS#10 requests made on
# the card (openssl req through the same engine, keys generated on the card
# by pkcs11-tool). The client runs with only the module's configuration and
# the server's URL: no CA state directory, no HSM configuration.
#
# Two self-renewals, the third refused with the RA message and nothing
# changed, an RA renewal, a self-renewal again; a request repeated within one
# renewal replaces the first certificate and is never counted twice;
# confirmation only with the new key; an unconfirmed renewal abandoned by
# the service's scheduler; an expired card refused with the repair message;
# a cancelled card refused; the new certificates verify and sign (openssl cms
# through the module); bad input: right status, nothing issued or counted.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
for t in curl python3; do command -v $t >/dev/null || tap_skip_all "$t not installed"; done
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
# curl's and openssl's PKCS#11 engine cannot load an ASan-built module (see
# test-service-tls.sh); the service's EST request parsing is covered under
# the sanitizers by tests/fuzz/fuzz-est-request-replay.

tap_plan 65
BOB=200000000002 DAVE=400000000004
D=86400

svc_port_pick
# Operators' cards live long; Bob's card gets short certificates (100 days,
# window 60 days) under the policy the RA manager installs after: the clock
# (CARECARD_CA_NOW, never sleeping) moves 50 days per renewal. EC keys keep
# on-card key generation fast.
svc_policy "$CC_WORK/ops.yaml"
sed -i 's#^  \(authentication\|signing\):$#  \1:\n    lifetime: 5y\n    key-type: ec\n    key-bits: 256#' \
	"$CC_WORK/ops.yaml"
sed 's#lifetime: 5y#lifetime: 100d#' "$CC_WORK/ops.yaml" >"$CC_WORK/short.yaml"
printf 'renewal: { window: 60d, self-renewals-before-ra: 2, confirm-timeout: 60s }\n' \
	>>"$CC_WORK/short.yaml"
CARD_POLICY=$CC_WORK/ops.yaml ca_init || { tap_fail "CA init"; exit 1; }
T0=$(date +%s)
day() { echo $((T0 + $1 * D)); }
ca_bootstrap 1
pin bob 5678; pin dave 1357
person $BOB "Bob Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
cc_blank_card 3
as alice dave "$CA" issue-card --holder $DAVE --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
op policy-install "$CC_WORK/short.yaml" >>"$TAP_LOG" 2>&1
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
tap_ok "Bob's card is issued" test -n "$B"

# svc_at DAY: the service (HTTPS, EST) with the CA's clock at that day (and
# killed at step $KILL_AT if set)
svc_at() {
	svc_stop
	CARECARD_CA_NOW=$(day "$1") CARECARD_CA_TEST_KILL_AT=${KILL_AT:-} \
		svc_start ${SVC_CONF:+--config "$SVC_CONF"} --https 127.0.0.1:0 ||
		{ tap_fail "service start"; exit 1; }
	EST=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")/.well-known/est
}
CACERT=$S/certs/root.pem
svc_at 0
# No TLS configuration at all: the CA issued the service its own certificate.
tls_serial() { _hp=${EST#https://}; echo | openssl s_client -connect "${_hp%%/*}" 2>/dev/null |
	sed -n '/^-----BEGIN CERT/,/^-----END CERT/p' | openssl x509 -noout -serial |
	sed 's/^serial=0*//'; }
first_tls=$(tls_serial)
tap_is "HTTPS on embedded defaults: the service's certificate is the CA's, recorded" \
	"$(sql "SELECT issuer FROM service_certs WHERE serial = '$first_tls'")" authentication
tap_is "...its key is 0600" "$(stat -c %a "$S/tls/service.key")" 600
tap_like "...and curl trusts it through the root alone" \
	"$(curl -s --cacert "$CACERT" "${EST%/.well-known/est}/healthz")" "^status: ok"

# --- the holder's side: only the module's configuration and the URL -----------------
cc_engine_conf "$CC_WORK/openssl.cnf" 5678
# holder CMD...: a process that knows the card module and nothing of the CA
# (cc_client: with the sanitizers' runtimes when the module carries them)
holder() {
	env -i PATH="$PATH" HOME="$CC_WORK/home" CARECARD_CONF="$CARECARD_CONF" \
		CARECARD_LOG_FILE="$CARECARD_LOG_FILE" OPENSSL_CONF="$CC_WORK/openssl.cnf" \
		CC_SANITIZERS="${CC_SANITIZERS:-no}" top_builddir="$top_builddir" \
		top_srcdir="$top_srcdir" CC_COMPILER="${CC_COMPILER:-}" \
		sh -c '. "$top_srcdir/tests/lib/card.sh"; cc_client "$@"' holder "$@"
}
p11() { holder pkcs11-tool --module "$CC_MODULE" --slot-index 1 --login --pin 5678 "$@"; }
key() { echo "pkcs11:serial=$B;id=%$1;type=private"; }
# post ID PATH FILE [curl options]: POST FILE, TLS client key and certificate
# of CKA_ID ID on the card; prints the HTTP status, the body in $CC_WORK/body
post() {
	_id=$1 _path=$2 _file=$3
	shift 3
	holder curl -sS --max-time 30 --engine pkcs11 --cert-type ENG \
		--cert "pkcs11:serial=$B;id=%$_id;type=cert" --key-type ENG --key "$(key "$_id")" \
		--cacert "$CACERT" -H "Content-Type: ${CT:-application/pkcs10}" \
		--data-binary "@$_file" -o "$CC_WORK/body" -w '%{http_code}' "$@" \
		"$EST/$_path" 2>>"$TAP_LOG"
}
# newkey ID LABEL: a new P-256 pair generated on the card
newkey() {
	p11 --keypairgen --key-type EC:prime256v1 --id "$1" --label "$2" >>"$TAP_LOG" 2>&1
}
# csr ID CURRENT-ID OUT: a request signed on the card with key ID, subject
# and subjectAltName those of the card's certificate CURRENT-ID; base64
csr() {
	cert_of 2 "$2" "$CC_WORK/cur.pem" &&
	_subj=$(openssl x509 -in "$CC_WORK/cur.pem" -noout -subject -nameopt compat |
		sed 's/^subject=//') &&
	_san=$(openssl x509 -in "$CC_WORK/cur.pem" -noout -ext subjectAltName 2>/dev/null |
		sed -n '2s/^ *//p' | sed 's/othername: UPN::/otherName:msUPN;UTF8:/g') &&
	holder openssl req -new -engine pkcs11 -keyform engine -key "$(key "$1")" \
		-subj "$_subj" ${_san:+-addext "subjectAltName=$_san"} -outform DER \
		-out "$3.der" >>"$TAP_LOG" 2>&1 &&
	base64 "$3.der" >"$3"
}
# store ID LABEL [RESPONSE]: the certificate in the (last) response onto the card under ID
store() {
	base64 -d "${3:-$CC_WORK/body}" | openssl pkcs7 -inform DER -print_certs \
		-out "$CC_WORK/new-$1.pem" 2>>"$TAP_LOG" &&
	openssl x509 -in "$CC_WORK/new-$1.pem" -outform DER -out "$CC_WORK/new-$1.der" &&
	p11 --write-object "$CC_WORK/new-$1.der" --type cert --id "$1" --label "$2" \
		>>"$TAP_LOG" 2>&1
}
# swap: the new pairs (11, 12) become the card's (01, 02), the old ones deleted
swap() {
	for _p in 01:11 02:12; do
		for _t in cert privkey pubkey; do
			p11 --delete-object --type $_t --id "${_p%:*}" >>"$TAP_LOG" 2>&1 || return 1
			p11 --type $_t --id "${_p#*:}" --set-id "${_p%:*}" >>"$TAP_LOG" 2>&1 || return 1
		done
	done
}
# renew: the whole holder's flow; prints the statuses of the four calls
renew() {
	newkey 11 authentication && newkey 12 signing &&
	csr 11 01 "$CC_WORK/a.b64" && csr 12 02 "$CC_WORK/s.b64" || { echo setup-failed; return; }
	_a=$(post 01 simplereenroll "$CC_WORK/a.b64"); [ "$_a" = 200 ] && store 11 authentication
	_s=$(post 01 signing/simplereenroll "$CC_WORK/s.b64"); [ "$_s" = 200 ] && store 12 signing
	_c=-	# without a new authentication certificate there is nothing to confirm with
	[ "$_a" = 200 ] && _c=$(post 11 confirm /dev/null)
	[ "$_c" = 200 ] && swap
	echo "$_a $_s $_c"
}
# abandon the new pairs of a refused renewal
unnew() {
	for _t in cert privkey pubkey; do
		p11 --delete-object --type $_t --id 11 >/dev/null 2>&1
		p11 --delete-object --type $_t --id 12 >/dev/null 2>&1
	done
	return 0
}
counters() { sql "SELECT renewals || '/' || self_renewals FROM cards WHERE serial = '$B'"; }
valid() { sql "SELECT group_concat(serial) FROM (SELECT serial FROM certificates WHERE card = '$B' AND status = 'valid' ORDER BY serial) AS v"; }
ncerts() { sql "SELECT count(*) FROM certificates WHERE card = '$B'"; }

# --- the public endpoints ------------------------------------------------------------
curl -s --cacert "$CACERT" "$EST/cacerts" | base64 -d |
	openssl pkcs7 -inform DER -print_certs -out "$CC_WORK/cacerts.pem" 2>>"$TAP_LOG"
tap_is "cacerts: the root and both issuing CAs (PKCS#7 certs-only)" \
	"$(grep -c 'BEGIN CERTIFICATE' "$CC_WORK/cacerts.pem")" 3
tap_like "csrattrs: P-256 and ECDSA with SHA-256, from the policy" \
	"$(curl -s --cacert "$CACERT" "$EST/csrattrs" | base64 -d |
		openssl asn1parse -inform DER 2>&1 | tr '\n' ' ')" \
	"ecdsa-with-SHA256.*id-ecPublicKey.*prime256v1"

# --- two self-renewals, then the RA ------------------------------------------------
old=$(valid)
svc_at 0
tap_is "...a restart keeps it" "$(tls_serial)" "$first_tls"
# From here the CA's clock moves by months, which a certificate the service
# got on "day 350" would not survive in curl's eyes (real time): a configured
# one from a test CA.
cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n' "$CC_CA_DIR/server.pem" \
	"$CC_CA_DIR/server.key" >"$CC_WORK/serve.yaml"
SVC_CONF=$CC_WORK/serve.yaml CACERT=$CC_CA_DIR/ca.pem
svc_at 50
tap_is "self-renewal 1: reenroll (authentication, signing), confirm" "$(renew)" "200 200 200"
tap_is "...counted once" "$(counters)" "1/1"
tap_is "...the old certificates superseded" \
	"$(sql "SELECT group_concat(status || ':' || revocation_reason) FROM certificates WHERE serial IN ('$(echo "$old" | sed "s/,/','/g")')")" \
	"revoked:4,revoked:4"
tap_ok "...the new authentication certificate verifies against its CA" \
	verify "$CC_WORK/new-11.pem" authentication -attime "$(day 60)"
tap_ok "...the new signing certificate verifies against its CA" \
	verify "$CC_WORK/new-12.pem" signing -attime "$(day 60)"
echo "prescription 42" >"$CC_WORK/doc.txt"
cms_sign() {
	holder openssl cms -sign -engine pkcs11 -keyform engine -inkey "$(key 02)" \
		-signer "$CC_WORK/new-12.pem" -in "$CC_WORK/doc.txt" -binary -outform DER \
		-out "$CC_WORK/doc.p7s" >>"$TAP_LOG" 2>&1 &&
	cat "$S/certs/signing.pem" "$S/certs/root.pem" >"$CC_WORK/chain.pem" &&
	openssl cms -verify -inform DER -in "$CC_WORK/doc.p7s" -content "$CC_WORK/doc.txt" \
		-binary -CAfile "$CC_WORK/chain.pem" -purpose any -attime "$(day 60)" \
		-out /dev/null >>"$TAP_LOG" 2>&1
}
tap_ok "...and signs through the module (openssl cms -sign, verified)" cms_sign

svc_at 100
tap_is "self-renewal 2" "$(renew)" "200 200 200"
tap_is "...counted" "$(counters)" "2/2"
svc_at 150
before=$(valid) nbefore=$(ncerts)
res=$(renew)
tap_is "the third self-renewal is refused (403)" "$res" "403 403 -"
tap_like "...saying it must be done with the RA" "$(cat "$CC_WORK/body" 2>/dev/null)" "RA"
tap_is "...nothing counted" "$(counters)" "2/2"
tap_is "...nothing issued or revoked" "$(valid) $(ncerts)" "$before $nbefore"
unnew
tap_ok "...and audited as refused" test "$(sql "SELECT count(*) FROM audit WHERE action = 'self-renew-refused'")" -ge 1

export CARECARD_CA_NOW="$(day 150)"
tap_ok "the RA renews Bob's card (assisted)" as dave bob "$CA" renew --reader 2 --operator-reader 3
unset CARECARD_CA_NOW
tap_is "...the self-renewal count starts again" "$(counters)" "3/0"
svc_at 200
tap_is "after the RA renewal, Bob self-renews again" "$(renew)" "200 200 200"
tap_is "...counted" "$(counters)" "4/1"

# --- one renewal: the service killed, requests repeated: never counted twice --------
newkey 11 authentication && csr 11 01 "$CC_WORK/a.b64"
KILL_AT=est-renew:signed svc_at 250
tap_is "the service is killed after signing, before its commit: no answer" \
	"$(post 01 simplereenroll "$CC_WORK/a.b64")" 000
killed=$(sql "SELECT serial FROM certificates WHERE card = '$B' AND status = 'pending'")
tap_ok "...its certificate is in the registry, pending (recorded before it was signed)" \
	test -n "$killed"
svc_at 250
tap_is "the request again" "$(post 01 simplereenroll "$CC_WORK/a.b64")" 200
tap_is "...the killed request's certificate is revoked" "$(status_of "$killed")" revoked
first=$(openssl x509 -in "$CC_WORK/new-11.pem" -noout -serial 2>/dev/null)
base64 -d "$CC_WORK/body" | openssl pkcs7 -inform DER -print_certs -out "$CC_WORK/r1.pem" 2>/dev/null
r1=$(openssl x509 -in "$CC_WORK/r1.pem" -noout -serial | cut -d= -f2)
tap_is "...the same request again (the client lost the answer)" \
	"$(post 01 simplereenroll "$CC_WORK/a.b64")" 200
cp "$CC_WORK/body" "$CC_WORK/r2.b64"
tap_is "...replaced the first certificate (revoked, never valid again)" \
	"$(status_of "$r1")" revoked
tap_is "...confirming with the old key is refused" "$(post 01 confirm /dev/null)" 403
tap_like "...naming the rule" "$(cat "$CC_WORK/body")" "new authentication certificate"
store 11 authentication "$CC_WORK/r2.b64"
tap_is "...confirming before the signing certificate is issued is refused" \
	"$(post 11 confirm /dev/null)" 403
tap_like "...saying what is missing" "$(cat "$CC_WORK/body")" "no new signing certificate"
newkey 12 signing && csr 12 02 "$CC_WORK/s.b64"
tap_is "...the signing request, authenticated by the new key (a re-run)" \
	"$(post 11 signing/simplereenroll "$CC_WORK/s.b64")" 200
store 12 signing
KILL_AT=est-renew:before-confirm-commit svc_at 250
tap_is "the service is killed before the confirmation commits: no answer" \
	"$(post 11 confirm /dev/null)" 000
tap_is "...nothing counted, the old certificates valid" \
	"$(counters) $(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'valid'")" \
	"4/1 4"
svc_at 250
tap_is "...confirmed when the client runs it again" "$(post 11 confirm /dev/null)" 200
swap
tap_is "...one renewal counted" "$(counters)" "5/2"
tap_is "...the card has exactly two valid certificates, its own" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'valid'")" 2

# --- bad input: the right status, nothing issued, nothing counted ------------------
export CARECARD_CA_NOW="$(day 300)"	# the counters start again
as dave bob "$CA" renew --reader 2 --operator-reader 3 >>"$TAP_LOG" 2>&1
unset CARECARD_CA_NOW
svc_at 350
n0=$(ncerts) c0=$(counters)
newkey 11 authentication && csr 11 01 "$CC_WORK/a.b64"
printf 'not base64 at all!\n' >"$CC_WORK/junk"
tap_is "non-DER body: 400" "$(post 01 simplereenroll "$CC_WORK/junk")" 400
base64 "$CC_WORK/cur.pem" >"$CC_WORK/cert.b64"
tap_is "a certificate, not a request: 400" "$(post 01 simplereenroll "$CC_WORK/cert.b64")" 400
tap_is "wrong content type: 415" \
	"$(CT=text/plain post 01 simplereenroll "$CC_WORK/a.b64")" 415
head -c 30000 /dev/zero | base64 >"$CC_WORK/big"
tap_like "oversized: 413" "$(post 01 simplereenroll "$CC_WORK/big")" "^413$"
holder openssl req -new -engine pkcs11 -keyform engine -key "$(key 11)" \
	-subj "/CN=Mallory/serialNumber=999999999999" -outform DER -out "$CC_WORK/m.der" \
	>>"$TAP_LOG" 2>&1
base64 "$CC_WORK/m.der" >"$CC_WORK/m.b64"
tap_is "a request for another subject: 400" "$(post 01 simplereenroll "$CC_WORK/m.b64")" 400
tap_like "...saying so" "$(cat "$CC_WORK/body")" "subject differs"
csr 01 01 "$CC_WORK/same.b64"
tap_is "a request with the current key: 400" "$(post 01 simplereenroll "$CC_WORK/same.b64")" 400
tap_is "no client certificate: 401" "$(holder curl -sS --max-time 30 --cacert \
	"$CACERT" -H 'Content-Type: application/pkcs10' --data-binary "@$CC_WORK/a.b64" \
	-o /dev/null -w '%{http_code}' "$EST/simplereenroll" 2>>"$TAP_LOG")" 401
tap_is "GET on simplereenroll: 405" "$(curl -s --cacert "$CACERT" -o /dev/null \
	-w '%{http_code}' "$EST/simplereenroll")" 405
tap_is "...nothing issued, nothing counted" "$(ncerts) $(counters)" "$n0 $c0"

# --- an unconfirmed renewal is abandoned (confirm-timeout 60 s, the clock moved) -------
tap_is "a renewal left open (authentication only)" "$(post 01 simplereenroll "$CC_WORK/a.b64")" 200
base64 -d "$CC_WORK/body" | openssl pkcs7 -inform DER -print_certs -out "$CC_WORK/u.pem" 2>/dev/null
u=$(openssl x509 -in "$CC_WORK/u.pem" -noout -serial | cut -d= -f2)
unnew
T0=$((T0 + 120)) svc_at 350	# two minutes later
_w=0
while [ "$(status_of "$u")" != revoked ] && [ $_w -lt 100 ]; do sleep 0.1; _w=$((_w + 1)); done
tap_is "...the service's scheduler revokes its certificate" "$(status_of "$u")" revoked
tap_is "...and closes it, uncounted" \
	"$(sql "SELECT state FROM est_renewals ORDER BY id DESC LIMIT 1") $(counters)" \
	"abandoned $c0"

# --- a request the service died in: its recovery revokes the pending certificate ----
KILL_AT=est-renew:signed T0=$((T0 + 120)) svc_at 350
tap_is "the service is killed after signing a request, before its commit" \
	"$(post 01 simplereenroll "$CC_WORK/a.b64")" 000
p=$(sql "SELECT serial FROM certificates WHERE card = '$B' AND status = 'pending'")
T0=$((T0 + 120 + 7200)) svc_at 350	# two hours on: past integrity.pending-lease (1 h)
_w=0
while [ -n "$p" ] && [ "$(status_of "$p")" != revoked ] && [ $_w -lt 100 ]; do
	sleep 0.1; _w=$((_w + 1))
done
tap_is "...the restarted service's recovery revokes that pending certificate" \
	"$(status_of "${p:-none}")" revoked

# --- expired, then cancelled ---------------------------------------------------------
svc_at 401	# the certificates of day 300 expired on day 400
n0=$(ncerts)
tap_is "a card past expiry is refused (403)" "$(post 01 simplereenroll "$CC_WORK/a.b64")" 403
tap_like "...with the repair message" "$(cat "$CC_WORK/body")" "ask your RA to repair"
svc_at 350
export CARECARD_CA_NOW="$(day 350)"
as alice - "$CA" cancel-card --card "$B" --reason stolen --operator-reader 1 >>"$TAP_LOG" 2>&1
unset CARECARD_CA_NOW
tap_is "a cancelled card is refused (403)" "$(post 01 simplereenroll "$CC_WORK/a.b64")" 403
tap_like "...its revoked certificate named as the reason" "$(cat "$CC_WORK/body")" \
	"could not be authenticated: certificate revoked"
tap_is "...and nothing was issued" "$(ncerts)" "$n0"

# --- a card of a retired series: the same rule as the RA's -------------------------
"$CC_CARD_TOOL" remove --reader 2 --to "$CC_WORK/bob-cancelled.card" >>"$TAP_LOG" 2>&1
cc_blank_card 2 03
export CARECARD_CA_NOW="$(day 350)"
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
unset CARECARD_CA_NOW
B=$(card_serial 2) n0=$(ncerts)
newkey 11 authentication && csr 11 01 "$CC_WORK/a.b64"
tap_is "Bob's new card of series 03 is refused (403)" \
	"$(post 01 simplereenroll "$CC_WORK/a.b64")" 403
tap_like "...naming the rule" "$(cat "$CC_WORK/body")" "series 03 can be neither renewed"
tap_is "...and nothing was issued or opened" \
	"$(ncerts) $(sql "SELECT count(*) FROM est_renewals WHERE card = '$B'")" "$n0 0"
svc_stop
tap_is "the service stops cleanly" "$SVC_RC" 0
tap_ok "the audit log verifies" audit_ok
tap_done
