#!/bin/sh
# Integration: the holder's network self-renewal client, carecard-card renew
# (issue 12, point 2), against carecard-ca serve --https (EST). The holder
# runs it with only the module's configuration, the service's URL and the
# TLS trust anchor: no CA state directory. What the holder notices is
# asserted: exit statuses and messages, the card's objects afterwards
# (pkcs11-tool), the registry's counters (counted once), the new
# certificates verify and sign through the module.
#
# Two self-renewals; the third refused with the RA message, the card
# unchanged, nothing counted; the client killed after the first certificate
# is issued, after the CA confirmed, and in the middle of the swap: running
# it again completes the renewal, counted once; an expired and a cancelled
# card refused.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/lib/tls.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
for t in curl python3; do command -v $t >/dev/null || tap_skip_all "$t not installed"; done
ENGINE=$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -n 1)
# carecard-card loads the module in its own process (ASan with ASan); only
# the cross-check of the new signing key through OpenSSL's PKCS#11 engine
# cannot load an ASan-built module (see test-service-tls.sh).
cms_skip=
[ "${CC_SANITIZERS:-no}" = yes ] &&
	cms_skip="OpenSSL's PKCS#11 engine cannot load an ASan-built module"
[ -n "$ENGINE" ] || cms_skip="libengine-pkcs11-openssl not installed"

tap_plan 66
BOB=200000000002 DAVE=400000000004
D=86400

svc_port_pick
# As test-est-renew.sh: Bob's certificates live 100 days, window 60 days,
# two self-renewals before the RA; the CA's clock moves, never sleeping.
svc_policy "$CC_WORK/ops.yaml"
# (EC P-256 by default; CC_RENEW_KEY=rsa CC_RENEW_BITS=2048 runs it with RSA keys)
sed -i "s#^  \\(authentication\\|signing\\):\$#  \\1:\\n    lifetime: 5y\\n    key-type: ${CC_RENEW_KEY:-ec}\\n    key-bits: ${CC_RENEW_BITS:-256}#" \
	"$CC_WORK/ops.yaml"
sed 's#lifetime: 5y#lifetime: 100d#' "$CC_WORK/ops.yaml" >"$CC_WORK/short.yaml"
printf 'renewal: { window: 60d, self-renewals-before-ra: 2, confirm-timeout: 600s }\n' \
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

# The service's TLS certificate from a test CA (valid in real time while the
# CA's clock moves by months).
cc_test_ca
cc_server_cert
printf 'serve:\n  tls-certificate: %s\n  tls-key: %s\n' "$CC_CA_DIR/server.pem" \
	"$CC_CA_DIR/server.key" >"$CC_WORK/serve.yaml"
CACERT=$CC_CA_DIR/ca.pem
# svc_at DAY: the service with the CA's clock at that day
svc_at() {
	svc_stop
	CARECARD_CA_NOW=$(day "$1") svc_start --config "$CC_WORK/serve.yaml" \
		--https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
	URL=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
}

# holder CMD...: a client the project did not write, in a process that knows
# the card module and nothing of the CA (cc_client: with the sanitizers'
# runtimes when the module carries them)
holder() {
	env -i PATH="$PATH" HOME="$CC_WORK/home" CARECARD_CONF="$CARECARD_CONF" \
		CARECARD_LOG_FILE="$CARECARD_LOG_FILE" CC_SANITIZERS="${CC_SANITIZERS:-no}" \
		top_builddir="$top_builddir" \
		top_srcdir="$top_srcdir" CC_COMPILER="${CC_COMPILER:-}" \
		sh -c '. "$top_srcdir/tests/lib/card.sh"; cc_client "$@"' holder "$@"
}
# tool ARGS...: carecard-card as the holder runs it (no CA state). Our own
# binary: under the sanitizers it carries their runtime itself, with leak
# detection on (cc_client turns it off for clients that are not ours).
tool() {
	env -i PATH="$PATH" HOME="$CC_WORK/home" CARECARD_CONF="$CARECARD_CONF" \
		CARECARD_LOG_FILE="$CARECARD_LOG_FILE" CARECARD_PKCS11_MODULE="$CC_MODULE" \
		CARECARD_CARD_TEST_KILL_AT="${KILL_AT:-}" "$CC_CARD_TOOL" "$@"
}
# renew [PASSCODE]: carecard-card renew as Bob; its exit status, output in $CC_WORK/out
renew() {
	echo "${1:-5678}" | tool renew --server "$URL" --cacert "$CACERT" \
		--reader 2 >"$CC_WORK/out" 2>&1
	_rc=$?
	cat "$CC_WORK/out" >>"$TAP_LOG"
	echo $_rc
}
p11() { holder pkcs11-tool --module "$CC_MODULE" --slot-index 1 --login --pin 5678 "$@"; }
# objects: the card's objects as "type:id" lines, sorted
objects() {
	p11 --list-objects 2>>"$TAP_LOG" | awk '
		/Certificate Object/ { t = "cert" } /Private Key Object/ { t = "priv" }
		/Public Key Object/ { t = "pub" } /^ *ID:/ { print t ":" $2 }' | sort | tr '\n' ' '
}
counters() { sql "SELECT renewals || '/' || self_renewals FROM cards WHERE serial = '$B'"; }
ncerts() { sql "SELECT count(*) FROM certificates WHERE card = '$B'"; }
serials() { card_serials 2 | sort | tr '\n' ' '; }
# pair_matches ID: the certificate's public key is the card's key ID
pair_matches() {
	cert_of 2 "$1" "$CC_WORK/c$1.pem" &&
	openssl x509 -in "$CC_WORK/c$1.pem" -noout -pubkey >"$CC_WORK/c$1.pub" &&
	p11 --read-object --type pubkey --id "$1" -o "$CC_WORK/k$1.der" >>"$TAP_LOG" 2>&1 &&
	openssl pkey -pubin -inform DER -in "$CC_WORK/k$1.der" -out "$CC_WORK/k$1.pub" &&
	cmp -s "$CC_WORK/c$1.pub" "$CC_WORK/k$1.pub"
}
echo "prescription 42" >"$CC_WORK/doc.txt"
cat >"$CC_WORK/openssl.cnf" <<CNF
openssl_conf = conf
[conf]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
dynamic_path = $ENGINE
MODULE_PATH = $CC_MODULE
PIN = 5678
init = 0
CNF
# cms_sign DAY: openssl cms -sign with the card's signing key (through the
# module), verified against the signing CA
cms_sign() {
	cert_of 2 02 "$CC_WORK/sig.pem" &&
	OPENSSL_CONF="$CC_WORK/openssl.cnf" openssl cms -sign -engine pkcs11 -keyform engine \
		-inkey "pkcs11:serial=$B;id=%02;type=private" -signer "$CC_WORK/sig.pem" \
		-in "$CC_WORK/doc.txt" -binary -outform DER -out "$CC_WORK/doc.p7s" \
		>>"$TAP_LOG" 2>&1 &&
	cat "$S/certs/signing.pem" "$S/certs/root.pem" >"$CC_WORK/chain.pem" &&
	openssl cms -verify -inform DER -in "$CC_WORK/doc.p7s" -content "$CC_WORK/doc.txt" \
		-binary -CAfile "$CC_WORK/chain.pem" -purpose any -attime "$(day "$1")" \
		-out /dev/null >>"$TAP_LOG" 2>&1
}
# renewed DESC DAY: the card after a renewal: two pairs 01/02 of new
# serials, each certificate its key's, verified, counted
renewed() {
	tap_is "$1: the card holds exactly two pairs, 01 and 02 (and what it had)" \
		"$(objects)" "$TWO"
	_now=$(serials)
	tap_ok "...with new certificates ($_now)" test "$_now" != "$was" -a -n "$_now"
	check "...the authentication certificate's public key is the card's key 01" pair_matches 01
	check "...the signing certificate's public key is the card's key 02" pair_matches 02
	tap_ok "...the authentication certificate verifies against its CA" \
		verify "$CC_WORK/c01.pem" authentication -attime "$(day "$2")"
	tap_ok "...the signing certificate against its CA" \
		verify "$CC_WORK/c02.pem" signing -attime "$(day "$2")"
}

# --- two self-renewals ---------------------------------------------------------------
svc_at 50
was=$(serials)
# The card's objects as issued: the two pairs 01 and 02 and whatever else the
# card carries (its unblock key); a renewal changes none of that.
TWO=$(objects)
tap_like "the card before: two pairs" "$TWO" \
	"^cert:01 cert:02 priv:01 priv:02 pub:01 pub:02 "
tap_is "renewal 1: exit 0" "$(renew)" 0
tap_like "...telling the holder each step" "$(tr '\n' ' ' <"$CC_WORK/out")" \
	"generating the new authentication key on the card.*generating the new signing key.*\
authentication certificate received.*signing certificate received.*\
renewal confirmed; old keys removed"
renewed "renewal 1" 60
tap_is "...counted once" "$(counters)" "1/1"
if [ -n "$cms_skip" ]; then
	tap_skip "...the new signing key signs through the module (openssl cms)" "$cms_skip"
else
	tap_ok "...the new signing key signs through the module (openssl cms, verified)" \
		cms_sign 60
fi
tap_is "a wrong passcode: exit 6, nothing done" "$(renew 0000) $(counters)" "6 1/1"
good=$CACERT CACERT=$S/certs/root.pem	# not the service's TLS CA
tap_is "the service's certificate not trusted: exit 1" "$(renew)" 1
tap_like "...saying how to trust it" "$(cat "$CC_WORK/out")" "not trusted.*--cacert"
tap_is "...before anything was made on the card" "$(objects) $(counters)" "$TWO 1/1"
CACERT=$good

svc_at 100
was=$(serials)
tap_is "renewal 2: exit 0" "$(renew)" 0
tap_is "...counted" "$(counters)" "2/2"

# --- the third is the RA's ----------------------------------------------------------
svc_at 150
was=$(serials) n0=$(ncerts)
tap_is "the third self-renewal is refused: exit 8" "$(renew)" 8
tap_like "...with the CA's words: visit the RA" "$(cat "$CC_WORK/out")" "refused.*RA"
tap_is "...the card unchanged (no new pairs left)" "$(objects) $(serials)" "$TWO $was"
tap_is "...nothing counted, nothing issued" "$(counters) $(ncerts)" "2/2 $n0"

export CARECARD_CA_NOW="$(day 150)"
tap_ok "the RA renews Bob's card (assisted)" as dave bob "$CA" renew --reader 2 --operator-reader 3
unset CARECARD_CA_NOW

# --- the client killed: running it again finishes, counted once ----------------------
svc_at 200
was=$(serials)
tap_is "killed after the authentication certificate is issued (before storing it)" \
	"$(KILL_AT=renew:received-authentication renew)" 137
tap_like "...the card keeps its old pairs and has the new keys, no new certificate" \
	"$(objects)" "^cert:01 cert:02 priv:01 priv:02 priv:11 priv:12 pub:01 pub:02 pub:11 pub:12 "
tap_is "...nothing counted yet" "$(counters)" "3/0"
tap_is "running it again: exit 0" "$(renew)" 0
tap_like "...reusing the keys on the card" "$(cat "$CC_WORK/out")" \
	"using the new authentication key already"
renewed "after the kill" 210
tap_is "...exactly one renewal in the registry" "$(counters)" "4/1"
tap_is "...the card has exactly two valid certificates" \
	"$(sql "SELECT count(*) FROM certificates WHERE card = '$B' AND status = 'valid'")" 2

svc_at 250
was=$(serials)
tap_is "killed after the CA confirmed, before the card was changed" \
	"$(KILL_AT=renew:confirmed renew)" 137
tap_is "...the CA counted it" "$(counters)" "5/2"
tap_is "running it again: exit 0" "$(renew)" 0
tap_like "...finding the confirmation done" "$(cat "$CC_WORK/out")" "confirmed this renewal already"
renewed "after the confirm kill" 260
tap_is "...still one renewal" "$(counters)" "5/2"

export CARECARD_CA_NOW="$(day 300)"
as dave bob "$CA" renew --reader 2 --operator-reader 3 >>"$TAP_LOG" 2>&1
unset CARECARD_CA_NOW
svc_at 350
was=$(serials)
tap_is "killed in the middle of the swap" "$(KILL_AT=renew:swapping renew)" 137
tap_is "running it again: exit 0, finishing the swap" "$(renew)" 0
tap_like "...saying so" "$(cat "$CC_WORK/out")" "finishing it on the card"
renewed "after the swap kill" 360
tap_is "...counted once" "$(counters)" "7/1"

# --- expired, then cancelled -------------------------------------------------------
svc_at 451	# the certificates of day 350 expired on day 450
was=$(serials) n0=$(ncerts)
tap_is "an expired card is refused: exit 8" "$(renew)" 8
tap_like "...with the repair message" "$(cat "$CC_WORK/out")" "ask your RA to repair"
tap_is "...the card unchanged, nothing issued" "$(objects) $(serials) $(ncerts)" "$TWO $was $n0"
svc_at 400
export CARECARD_CA_NOW="$(day 400)"
as alice - "$CA" cancel-card --card "$B" --reason stolen --operator-reader 1 >>"$TAP_LOG" 2>&1
unset CARECARD_CA_NOW
tap_is "a cancelled card is refused: exit 8" "$(renew)" 8
tap_like "...naming the revoked certificate" "$(cat "$CC_WORK/out")" "certificate revoked"
tap_is "...the card unchanged, nothing issued" "$(objects) $(serials) $(ncerts)" "$TWO $was $n0"

tap_is "no --server: usage error" "$(tool renew --reader 2 </dev/null >/dev/null 2>&1; echo $?)" 2
svc_stop
tap_is "the service stops cleanly" "$SVC_RC" 0
tap_ok "the audit log verifies" audit_ok
tap_done
