#!/bin/sh
# Integration: a holder's own contact details and the renewal reminder, end
# to end on real components — carecard-ca serve over HTTPS (its own
# certificate from the CA), curl authenticating with the card's key through
# OpenSSL's PKCS#11 engine (a client the project did not write), and a local
# SMTP sink that requires STARTTLS (python3-aiosmtpd).
#
# A change of email is asked with the card, confirmed only by the code sent
# to the NEW address (a wrong code counts a try; the code works once), the
# old address is told; without the card, with another purpose's code, with a
# malformed address or with the policy's switch off, nothing changes. When
# the card's renewal window opens the service mails the holder once, with
# the command to run.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || tap_skip_all "python3-aiosmtpd not installed"
command -v curl >/dev/null || tap_skip_all "curl not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 30
BOB=200000000002
D=86400

trap 'kill $SINK 2>/dev/null; svc_stop; cc_cleanup' EXIT
trap '' PIPE
svc_mail_sink <<YAML || { tap_fail "the SMTP sink"; exit 1; }
  public-url: https://ca.test.invalid:8443
YAML

ca_init
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder" --email bob@example.nhs.uk
cc_blank_card 2
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
B=$(card_serial 2)
tap_ok "Bob's card issued" test -n "$B"

# serve [EPOCH]: the service over HTTPS, its clock at EPOCH if given
serve() {
	svc_stop
	CARECARD_CA_NOW=${1:-} svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 ||
		{ tap_fail "service start"; exit 1; }
	SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
}
ROOT=$S/certs/root.pem
serve

cc_engine_conf "$CC_WORK/openssl.cnf" 5678
# post PATH BODY [no-cert]: curl POSTs the form with the card's
# authentication key and certificate (CKA_ID 01) through the engine; prints
# "BODY STATUS" on one line
post() {
	if [ "${3:-}" = no-cert ]; then
		set -- curl -sS --max-time 30 --cacert "$ROOT" -d "$2" -w ' %{http_code}' \
			"$SERVER/holder/contact/$1"
	else
		set -- curl -sS --max-time 30 --engine pkcs11 --cert-type ENG \
			--cert "pkcs11:serial=$B;id=%01;type=cert" --key-type ENG \
			--key "pkcs11:serial=$B;id=%01;type=private" --cacert "$ROOT" -d "$2" \
			-w ' %{http_code}' "$SERVER/holder/contact/$1"
	fi
	OPENSSL_CONF="$CC_WORK/openssl.cnf" cc_client "$@" 2>>"$TAP_LOG" | tr '\n' ' '
}
email() { sql "SELECT coalesce(email, '-') FROM people WHERE uuid = '$BOB'"; }
# mails_to ADDRESS [SUBJECT]: messages to ADDRESS (with that subject)
mails_to() {
	awk -v to="$1" -v subj="${2:-}" '
		/^X-Sink-Rcpt: / { rcpt = substr($0, 14) }
		/^Subject: / { if (rcpt == to && (subj == "" || index($0, subj))) n++ }
		END { print n + 0 }' "$MBOX" 2>/dev/null
}
last_code() { sed -n 's/.*confirmation code is \([0-9]*\)\..*/\1/p' "$MBOX" | tail -n 1; }
NEW=bob.holder@nhs.example

tap_like "without the card's certificate: 401, nothing sent" \
	"$(post request "email=$NEW" no-cert)" "TLS client certificate.* 401$"
tap_like "a malformed address: 400" "$(post request "email=not-an-address")" " 400$"
tap_like "both email and mobile at once: 400" \
	"$(post request "email=$NEW&mobile=%2B447700900123")" " 400$"
tap_like "the registered address again: 403, the rule named" \
	"$(post request "email=bob@example.nhs.uk")" "already your registered contact.* 403$"
tap_like "with the card: 202, a code goes to the new address" \
	"$(post request "email=$NEW")" "code was sent to b.*@nhs.example.* 202$"
tap_is "...one message, to the new address only, over STARTTLS" \
	"$(mails_to "$NEW" 'Confirm your carecard'):$(mails_to bob@example.nhs.uk):$(grep -c '^X-Sink-TLS: no' "$MBOX")" "1:0:0"
tap_is "...the registry still has the old address" "$(email)" bob@example.nhs.uk
C=$(last_code)
W=000000
[ "$C" = 000000 ] && W=000001
tap_like "a wrong code: 403 with the tries left" "$(post confirm "code=$W")" \
	"wrong code .*4 more tries.* 403$"
tap_is "...nothing changed" "$(email)" bob@example.nhs.uk
tap_like "the code from the mail: 200" "$(post confirm "code=$C")" \
	"email address is now b.*@nhs.example.* 200$"
tap_is "...the registry has the new address" "$(email)" "$NEW"
tap_is "...the old address is told of the change" \
	"$(mails_to bob@example.nhs.uk 'contact details were changed')" 1
tap_like "the same code again: 403, no code waiting" "$(post confirm "code=$C")" \
	"no code is waiting.* 403$"
tap_like "...an audit entry with both addresses masked" \
	"$(sql "SELECT details FROM audit WHERE action = 'self-contact-change'")" \
	'b\*+@example.nhs.uk.*b\*+@nhs.example'
tap_is "...the addresses in the clear are nowhere in the audit log" \
	"$(sql "SELECT count(*) FROM audit WHERE details LIKE '%$NEW%' OR details LIKE '%bob@example%'")" 0

# The holder's own client: carecard-card contact, the passcode and then the
# code (once its mail arrived) on standard input.
client_change() {
	rm -f "$CC_WORK/in"
	mkfifo "$CC_WORK/in"
	cc_client "$CC_CARD_TOOL" contact --server "$SERVER" --reader 2 --cacert "$ROOT" \
		--module "$CC_MODULE" "$@" <"$CC_WORK/in" >"$CC_WORK/out" 2>&1 &
	_pid=$!
	exec 3>"$CC_WORK/in"
	printf '5678\n' >&3
	_before=$(grep -c 'confirmation code is' "$MBOX")
	for _i in $(seq 150); do
		[ "$(grep -c 'confirmation code is' "$MBOX")" -gt "$_before" ] && break
		kill -0 $_pid 2>/dev/null || break
		sleep 0.1
	done
	ps -eo args >"$CC_WORK/ps.txt"
	printf '%s\n' "$(last_code)" >&3 2>/dev/null
	exec 3>&-
	wait $_pid
	rc=$?
	cat "$CC_WORK/out" >>"$TAP_LOG"
	out=$(tr '\n' ' ' <"$CC_WORK/out")
}
client_change --email bob.h@nhs.example
tap_like "carecard-card contact: the code from the new address confirms the change" \
	"$rc:$out" "^0:.*code was sent to b.*@nhs.example.*email address is now b.*@nhs.example"
tap_is "...the registry has it, the previous address is told" \
	"$(email):$(mails_to "$NEW" 'contact details were changed')" "bob.h@nhs.example:1"
grep -q -e "$(last_code)" -e 5678 "$CC_WORK/ps.txt"
tap_is "...neither the code nor the passcode was ever in the process list" "$?" 1
client_change --email bob.h@nhs.example
tap_like "...asking for the address already registered: refused, exit 8" "$rc:$out" \
	"^8:.*already your registered contact"
NEW=bob.h@nhs.example

# A mobile number: the code goes by SMS; with no gateway configured, 503
# and nothing recorded as sent.
tap_like "a mobile number with no SMS gateway: the code cannot go (503)" \
	"$(post request "mobile=%2B447700900123")" " 503$"
tap_is "...that code can never be used" \
	"$(sql "SELECT state FROM unlock_codes WHERE purpose = 'contact' ORDER BY id DESC LIMIT 1")" spent

# An unlock code is not a contact code (one purpose each, the HMAC bound to
# it). (The service's clock an hour on: unlock.sends-per-card were used.)
serve $(($(date +%s) + 3700))
post request "email=other@nhs.example" >/dev/null
curl -s --cacert "$ROOT" -d "card=$B" "$SERVER/holder/unlock/request" >/dev/null
U=$(sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX" | tail -n 1)
tap_like "a code sent for unlocking does not confirm a contact change (wrong code)" \
	"$(post confirm "code=$U")" "wrong code.* 403$"
tap_is "...the registry keeps the confirmed address" "$(email)" "$NEW"

# The policy's switch.
svc_stop
sed 's/^  self-contact-change: true/  self-contact-change: false/' "$top_srcdir/policy/nhs.yaml" \
	>"$CC_WORK/off.yaml"
op policy-install "$CC_WORK/off.yaml" >>"$TAP_LOG" 2>&1
serve
tap_like "unlock.self-contact-change false: 403 naming the rule" \
	"$(post request "email=other@nhs.example")" "self-contact-change.* 403 $|cannot change.* 403$"
op policy-install "$top_srcdir/policy/nhs.yaml" >>"$TAP_LOG" 2>&1

# --- the renewal reminder ---------------------------------------------------
NA=$(sql "SELECT not_after FROM certificates WHERE card = '$B' AND profile = 'authentication' AND status = 'valid'")
serve $((NA - 100 * D))
sleep 3
tap_is "outside the renewal window: no reminder" \
	"$(mails_to "$NEW" 'can be renewed')" 0
serve $((NA - 89 * D))
for _i in $(seq 100); do [ "$(mails_to "$NEW" 'can be renewed')" -gt 0 ] && break; sleep 0.1; done
tap_is "inside the window: one reminder, to the registered address" \
	"$(mails_to "$NEW" 'can be renewed')" 1
tap_like "...with the command to run" "$(tr '\n' ' ' <"$MBOX")" \
	'carecard-card renew --server https://ca.test.invalid:8443'
serve $((NA - 88 * D))
sleep 3
svc_stop
tap_is "...and only once (a day later, another start)" "$(mails_to "$NEW" 'can be renewed')" 1
tap_ok "audit verify holds" "$CA" audit verify
