#!/bin/sh
# Integration: carecard-ca serve as relying parties use it, with their own
# clients and the URLs written into real card certificates. openssl ocsp
# (POST; GET through curl) verifies the delegated responder's signature and
# chain and reads good, then revoked with reason and time within 5 s of
# cancel-card, never good for a serial the CA never issued; curl fetches the
# CRLs from the certificates' distribution points (RFC 5280 names: the
# policy's, also for crl-publish) and openssl verify -crl_check refuses the
# cancelled card; CA certificates and chains with their media types; HTTP
# caching headers and 304s; SIGHUP reload; SIGTERM after the requests.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
command -v curl >/dev/null || tap_skip_all "curl not installed"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

tap_plan 53
BOB=200000000002

svc_port_pick
svc_policy "$CC_WORK/svc-policy.yaml"
CARD_POLICY=$CC_WORK/svc-policy.yaml ca_init || { tap_fail "CA init"; exit 1; }
tap_ok "the service starts on the port the CA's URLs name" svc_start
# Alice (RA manager, bootstrap card in reader 1) installs the policy that
# names the service, then issues Bob's card in reader 2.
ca_bootstrap 1
tap_ok "SIGHUP: the policy Alice installed (STATE/policy.yaml) is applied" svc_policy_install
pin bob 5678
person $BOB "Bob Holder"
cc_blank_card 2
tap_ok "Bob's card is issued" as alice bob "$CA" issue-card --holder $BOB --reader 2 \
	--operator-reader 1
B=$(card_serial 2)
cert_of 2 01 "$CC_WORK/bob-auth.pem"
cert_of 2 02 "$CC_WORK/bob-sign.pem"
cert_of 1 01 "$CC_WORK/alice-auth.pem"
t=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -text)
tap_like "the certificate's OCSP URL is the service (loopback)" "$t" \
	"OCSP - URI:$SVC_URL/ocsp/authentication-g2"
tap_like "its CRL distribution point is the service" "$t" "URI:$SVC_URL/crl/authentication-g2.crl"
tap_like "its caIssuers is the service" "$t" "CA Issuers - URI:$SVC_URL/certs/authentication-g2.crt"
tap_ok "pre-signed responses for every certificate" svc_wait_ready 4

# --- OCSP: POST ---------------------------------------------------------------------
out=$(ocsp "$CC_WORK/bob-auth.pem" authentication)
echo "$out" >>"$TAP_LOG"
tap_like "openssl ocsp (POST, SHA-1 CertID): the signature and chain verify" "$out" \
	"^Response verify OK"
tap_like "...and Bob's authentication certificate is good" "$out" "bob-auth.pem: good"
tap_is "thisUpdate and nextUpdate four days apart (policy ocsp.response-validity)" \
	$(($(ocsp_time "$out" "Next Update") - $(ocsp_time "$out" "This Update"))) 345600
out=$(ocsp "$CC_WORK/bob-auth.pem" authentication -sha256)
tap_like "a SHA-256 CertID is answered too" "$out" "bob-auth.pem: good"
out=$(ocsp "$CC_WORK/bob-sign.pem" signing)
tap_like "the signing certificate, at the Signing CA's own URL" "$out" \
	"^Response verify OK .*bob-sign.pem: good"
openssl ocsp -issuer "$S/certs/authentication.pem" -cert "$CC_WORK/bob-auth.pem" -no_nonce \
	-url "$SVC_URL/ocsp/authentication-g2" -resp_text -noverify 2>&1 >"$CC_WORK/text" </dev/null
tap_like "the responder is the delegated OCSP signer (by name), not the CA" \
	"$(cat "$CC_WORK/text")" "Responder Id: C = GB, O = Carecard, CN = NHS Authentication G2 OCSP Responder 1"
tap_like "its certificate is in the response, with OCSP Signing and no-check" \
	"$(tr '\n' ' ' <"$CC_WORK/text")" "OCSP Signing.*OCSP No Check"
tap_fails "no nonce in the response (RFC 5019, pre-signed)" grep -q "OCSP Nonce" "$CC_WORK/text"
pa=$(date -u -d "$(sed -n 's/^ *Produced At: //p' "$CC_WORK/text")" +%s)
tu=$(date -u -d "$(sed -n 's/^[[:space:]]*This Update: //p' "$CC_WORK/text" | head -n 1)" +%s)
tap_ok "producedAt is when it was signed: with thisUpdate, in the past" \
	test $((pa - tu)) -ge 0 -a $((pa - tu)) -le 5 -a "$pa" -le "$(date +%s)"
serial=$(openssl rand -hex 16 | tr a-f A-F)
out=$(openssl ocsp -issuer "$S/certs/authentication.pem" -serial "0x$serial" -no_nonce \
	-url "$SVC_URL/ocsp/authentication-g2" -CAfile "$S/certs/root.pem" 2>&1)
tap_like "a serial the CA never issued is not good: unauthorized (RFC 5019)" "$out" \
	"Responder Error: unauthorized \\(6\\)"
out=$(openssl ocsp -issuer "$S/certs/root.pem" -cert "$CC_WORK/bob-auth.pem" -no_nonce \
	-url "$SVC_URL/ocsp/authentication-g2" 2>&1)
tap_like "another issuer's CertID: unauthorized" "$out" "Responder Error: unauthorized"
out=$(OCSP_URL=$SVC_URL/ocsp/authentication-g2 ocsp "$CC_WORK/bob-sign.pem" signing)
tap_like "a Signing CA certificate at the Authentication CA's URL: unauthorized" "$out" \
	"Responder Error: unauthorized"

# --- OCSP: GET and caching ----------------------------------------------------------
ocsp_get "$CC_WORK/bob-auth.pem" authentication "$CC_WORK/get.der"
out=$(openssl ocsp -respin "$CC_WORK/get.der" -issuer "$S/certs/authentication.pem" \
	-cert "$CC_WORK/bob-auth.pem" -CAfile "$S/certs/root.pem" 2>&1)
tap_like "GET (curl, URL-encoded base64): openssl verifies the response, good" \
	"$(echo $out)" "Response verify OK .*bob-auth.pem: good"
tap_is "Content-Type application/ocsp-response" "$(hdr "$CC_WORK/get.der.hdr" Content-Type)" \
	application/ocsp-response
age=$(hdr "$CC_WORK/get.der.hdr" Cache-Control | sed -n 's/^max-age=\([0-9]*\),.*/\1/p')
tap_ok "Cache-Control max-age is bounded by ocsp.revocation-latency (5m), not nextUpdate" \
	test "${age:-999}" -le 300 -a "${age:-0}" -ge 290
etag=$(hdr "$CC_WORK/get.der.hdr" ETag)
lm=$(hdr "$CC_WORK/get.der.hdr" Last-Modified)
tap_ok "ETag and Last-Modified" test -n "$etag" -a -n "$lm"
ocsp_get "$CC_WORK/bob-auth.pem" authentication "$CC_WORK/get2.der" -H "If-None-Match: $etag"
tap_like "If-None-Match: 304" "$(head -n 1 "$CC_WORK/get2.der.hdr")" "^HTTP/1.1 304"
ocsp_get "$CC_WORK/bob-auth.pem" authentication "$CC_WORK/get3.der" -H "If-Modified-Since: $lm"
tap_like "If-Modified-Since: 304" "$(head -n 1 "$CC_WORK/get3.der.hdr")" "^HTTP/1.1 304"

# --- CRLs and CA certificates at the policy's URLs ------------------------------------
dp=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -ext crlDistributionPoints |
	sed -n 's/^ *URI://p')
curl -s -D "$CC_WORK/crl.hdr" -o "$CC_WORK/auth-before.crl" "$dp"
tap_is "the CRL at the certificate's own distribution point: application/pkix-crl" \
	"$(hdr "$CC_WORK/crl.hdr" Content-Type)" application/pkix-crl
cat "$S/certs/authentication.pem" "$S/certs/root.pem" >"$CC_WORK/chain.pem"
tap_ok "openssl verify -crl_check with it accepts Bob's live certificate" \
	openssl verify -crl_check -CAfile "$CC_WORK/chain.pem" -CRLfile "$CC_WORK/auth-before.crl" \
	"$CC_WORK/bob-auth.pem"
curl -s -o "$CC_WORK/root.crl" "$SVC_URL/crl/root-g2.crl"
tap_ok "the root's CRL too: -crl_check_all verifies the whole chain" \
	openssl verify -crl_check_all -CAfile "$CC_WORK/chain.pem" -CRLfile "$CC_WORK/auth-before.crl" \
	-CRLfile "$CC_WORK/root.crl" "$CC_WORK/bob-auth.pem"
curl -s -D "$CC_WORK/cert.hdr" -o "$CC_WORK/root.der" "$SVC_URL/certs/root-g2.crt"
tap_is "the root certificate: application/pkix-cert" "$(hdr "$CC_WORK/cert.hdr" Content-Type)" \
	application/pkix-cert
tap_is "...the CA's own root, DER" "$(openssl x509 -inform DER -in "$CC_WORK/root.der" -noout \
	-fingerprint -sha256)" "$(openssl x509 -in "$S/certs/root.pem" -noout -fingerprint -sha256)"
ca_url=$(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -text | sed -n 's/.*CA Issuers - URI://p')
curl -s -o "$CC_WORK/issuer.der" "$ca_url"
openssl x509 -inform DER -in "$CC_WORK/issuer.der" -out "$CC_WORK/issuer.pem" 2>>"$TAP_LOG"
tap_ok "the caIssuers URL gives the certificate's issuer" openssl verify -partial_chain \
	-CAfile "$CC_WORK/issuer.pem" "$CC_WORK/bob-auth.pem"
curl -s -D "$CC_WORK/chain.hdr" -o "$CC_WORK/served-chain.pem" \
	"$SVC_URL/certs/authentication-g2-chain.pem"
tap_ok "the chain (PEM) verifies Bob's certificate" openssl verify -CAfile \
	"$CC_WORK/served-chain.pem" "$CC_WORK/bob-auth.pem"
crl_lm=$(hdr "$CC_WORK/crl.hdr" Last-Modified)
tap_like "CRL: If-Modified-Since its Last-Modified gets 304" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $crl_lm" "$dp")" "^304$"
tap_like "CRL: If-None-Match its ETag gets 304" "$(curl -s -o /dev/null -w '%{http_code}' \
	-H "If-None-Match: $(hdr "$CC_WORK/crl.hdr" ETag)" "$dp")" "^304$"
tap_is "HEAD: the length without the body" \
	"$(curl -s -I "$dp" | tr -d '\r' | sed -n 's/^Content-Length: //p')" \
	"$(wc -c <"$CC_WORK/auth-before.crl" | tr -d ' ')"
crlage=$(hdr "$CC_WORK/crl.hdr" Cache-Control | sed -n 's/^max-age=\([0-9]*\),.*/\1/p')
tap_ok "a CRL is cached no longer than the revocation latency either (nextUpdate is 7 days)" \
	test "${crlage:-999}" -le 300
www=$CC_WORK/www
"$CA" crl-publish --dir "$www" >>"$TAP_LOG" 2>&1
tap_ok "crl-publish writes the file the distribution point names" \
	test -f "$www/$(basename "$dp")"

# --- cancel-card: revoked within 5 seconds ------------------------------------------
as alice - "$CA" cancel-card --card "$B" --reason lost --operator-reader 1 >>"$TAP_LOG" 2>&1
t0=$(date +%s%N)
st=""
while :; do
	out=$(ocsp "$CC_WORK/bob-auth.pem" authentication)
	case $out in *"bob-auth.pem: revoked"*) st=revoked; break ;; esac
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && break
	sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tap_diag "revoked over OCSP ${ms} ms after cancel-card returned"
echo "$out" >>"$TAP_LOG"
tap_is "openssl ocsp: revoked after cancel-card" "$st" revoked
tap_ok "...within 5 seconds" test "$ms" -le 5000
tap_like "...with the reason (lost: keyCompromise)" "$out" "Reason: keyCompromise"
rt=$(sql "SELECT revocation_time FROM certificates WHERE card = '$B' AND profile = 'authentication'")
tap_is "...and the revocation time the registry records" "$(ocsp_time "$out" "Revocation Time")" "$rt"
tap_like "...and the response still verifies" "$out" "^Response verify OK"
out=$(ocsp "$CC_WORK/bob-sign.pem" signing -sha256)
tap_like "Bob's signing certificate is revoked as well (SHA-256 CertID)" "$out" \
	"bob-sign.pem: revoked"
out=$(ocsp "$CC_WORK/alice-auth.pem" authentication)
tap_like "Alice's certificate is still good" "$out" "alice-auth.pem: good"
ocsp_get "$CC_WORK/bob-auth.pem" authentication "$CC_WORK/get4.der" -H "If-None-Match: $etag"
tap_like "the old ETag no longer matches: a new response, not a 304" \
	"$(head -n 1 "$CC_WORK/get4.der.hdr")" "^HTTP/1.1 200"
_w=0
while :; do
	curl -s -o "$CC_WORK/auth-after.crl" "$dp"
	openssl crl -inform DER -in "$CC_WORK/auth-after.crl" -noout -text 2>/dev/null |
		grep -q "Serial Number: $(openssl x509 -in "$CC_WORK/bob-auth.pem" -noout -serial |
			cut -d= -f2)" && break
	_w=$((_w + 1)); [ $_w -gt 50 ] && break; sleep 0.1
done
tap_fails "openssl verify -crl_check refuses the cancelled card with the CRL from its DP" \
	openssl verify -crl_check -CAfile "$CC_WORK/chain.pem" -CRLfile "$CC_WORK/auth-after.crl" \
	"$CC_WORK/bob-auth.pem"
tap_like "...because it is revoked" "$(openssl verify -crl_check -CAfile "$CC_WORK/chain.pem" \
	-CRLfile "$CC_WORK/auth-after.crl" "$CC_WORK/bob-auth.pem" 2>&1)" "certificate revoked"
tap_ok "...while Alice's still verifies" openssl verify -crl_check -CAfile "$CC_WORK/chain.pem" \
	-CRLfile "$CC_WORK/auth-after.crl" "$CC_WORK/alice-auth.pem"
curl -s -o "$CC_WORK/delta.crl" "$SVC_URL/crl/authentication-g2-delta.crl"
# (a delta CRL lists what changed since its base, here the new full CRL)
tap_is "the delta CRL names that full CRL as its base" "$(openssl crl -inform DER \
	-in "$CC_WORK/delta.crl" -noout -text | sed -n '/Delta CRL Indicator/{n;s/ //gp}')" \
	"$(printf '%d' "$(openssl crl -inform DER -in "$CC_WORK/auth-after.crl" -noout \
	   -crlnumber | sed 's/^crlNumber=//')")"

# --- one line per request, and a clean stop ---------------------------------------------
svc_stop
tap_is "SIGTERM: the service stops cleanly (exit 0)" "$SVC_RC" 0
tap_like "the access log has one line per request, outcome included" \
	"$(grep -c '"POST /ocsp/authentication-g2" 200 [0-9]* revoked' "$SVC_LOG")" "^[1-9]"
tap_fails "...and never a secret: no passcode in it" grep -q -e 1234 -e 5678 "$SVC_LOG"
tap_ok "audit chain verifies (responder issuance, CRLs audited)" audit_ok
tap_done
