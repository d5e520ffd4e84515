#!/bin/sh
# Integration: self-service unlock end to end on real components — the
# holder's client (carecard-card unlock) on a real card in a reader through
# the PKCS#11 module, carecard-ca serve over HTTPS (its own certificate from
# the CA) with the library's operations, and a local SMTP sink that requires
# STARTTLS (python3-aiosmtpd). Lock the card, get a code by mail, a wrong
# code, the right one, the new passcode logs in; five wrong codes spend a
# code; a code older than unlock.code-valid is refused (the service's clock
# moved); no code or passcode in the logs, the registry or the process list.
# The rules themselves, one by one: test-unlock-library.sh.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || tap_skip_all "python3-aiosmtpd not installed"
tap_plan 22
BOB=200000000002
NEWPIN=Kx4m9Tq2

trap 'kill $SINK 2>/dev/null; svc_stop; cc_cleanup' EXIT
trap '' PIPE	# a client that stopped early closes its input: not this script's death
svc_mail_sink </dev/null || { tap_fail "the SMTP sink"; exit 1; }

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
codes() { grep -c '^Subject: Your carecard unlock code' "$MBOX" 2>/dev/null; }
last_code() { sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX" | tail -n 1; }

# unlock CODE PIN1 PIN2: carecard-card unlock on reader 2, given its input once
# the code's mail arrived (CODE "-": the code in that mail); status in $rc
unlock() {
	_before=$(codes)
	rm -f "$CC_WORK/in"
	mkfifo "$CC_WORK/in"
	cc_client "$CC_CARD_TOOL" unlock --server "$SERVER" --reader 2 --cacert "$ROOT" \
		--module "${UNLOCK_MODULE:-$CC_MODULE}" <"$CC_WORK/in" >"$CC_WORK/out" 2>&1 &
	_pid=$!
	exec 3>"$CC_WORK/in"
	for _i in $(seq 150); do
		[ "$(codes)" -gt "${_before:-0}" ] && break
		kill -0 $_pid 2>/dev/null || break
		sleep 0.1
	done
	ps -eo args >"$CC_WORK/ps.txt"
	_code=$1
	[ "$_code" = - ] && _code=$(last_code)
	printf '%s\n%s\n%s\n' "$_code" "$2" "$3" >&3 2>/dev/null
	exec 3>&-
	wait $_pid
	rc=$?
	cat "$CC_WORK/out" >>"$TAP_LOG"
	out=$(tr '\n' ' ' <"$CC_WORK/out")
}

unlock - "$NEWPIN" "$NEWPIN"
tap_like "a card that is not locked is left alone" "$rc:$out" "^1:.*is not locked"
for p in 0000 0001 0002; do cc_p11 --slot-index 1 --login --pin $p -O >/dev/null 2>&1; done
tap_like "three wrong passcodes lock Bob's card" "$(card_json 2)" '"locked":true'

unlock - "$NEWPIN" "Other123"
tap_like "two different new passcodes: refused before anything is spent" "$rc:$out" "^2:.*differ"
tap_is "...that code is still open" "$(sql "SELECT state FROM unlock_codes ORDER BY id DESC LIMIT 1")" open

unlock 000000 "$NEWPIN" "$NEWPIN"
tap_is "a code is mailed over STARTTLS to Bob's registered address" \
	"$(sed -n 's/^X-Sink-\(TLS\|Rcpt\): //p' "$MBOX" | head -n 2 | tr '\n' ' ')" \
	"yes bob@example.nhs.uk "
tap_like "a wrong code: the service's refusal (403) is shown, with the tries left" \
	"$rc:$out" "^8:.*wrong code for card [0-9]*: [0-9] more tries"
tap_like "...the card is still locked" "$(card_json 2)" '"locked":true'

unlock - "$NEWPIN" "$NEWPIN"
tap_like "the right code unlocks the card" "$rc:$out" "^0:.*is unlocked"
cc_p11 --slot-index 1 --login --pin "$NEWPIN" -O >/dev/null 2>&1
tap_is "...the new passcode logs in" "$?" 0
tap_like "...and Bob is told by mail that his card was unlocked" \
	"$(grep -c '^Subject: Your carecard was unlocked' "$MBOX")" '^1$'
# (not through tap_ok/tap_fails: their trace would write the secrets into the log)
grep -qe "$NEWPIN" -e "$(last_code)" "$CC_WORK/ps.txt"
tap_is "...the process list never showed the code or the passcode" "$?" 1

# The protocol with curl: a code, then its tries spent by wrong codes.
for p in 0000 0001 0002; do cc_p11 --slot-index 1 --login --pin $p -O >/dev/null 2>&1; done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CC_WORK/eph.pem" 2>>"$TAP_LOG"
KEY=$(openssl pkey -in "$CC_WORK/eph.pem" -pubout -outform DER | base64 -w0 |
	sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
post() { curl -s -w ' %{http_code}' --cacert "$ROOT" -d "$2" "$SERVER/holder/unlock/$1" | tr -d '\n'; }
# (the service's clock an hour on: unlock.sends-per-card, three, were used above)
T1=$(($(date +%s) + 61 * 60))
serve $T1
tap_like "POST /holder/unlock/request: 202" "$(post request "card=$B")" " 202$"
C=$(last_code)
for t in 1 2 3 4 5; do last=$(post complete "card=$B&code=99999$t&key=$KEY"); done
tap_like "five wrong codes: each 403, the last one says so" "$last" "last try.* 403$|spent.* 403$"
tap_like "...and then the right code is refused too" "$(post complete "card=$B&code=$C&key=$KEY")" \
	" 403$"
tap_like "...the card stays locked" "$(card_json 2)" '"locked":true'

# A code older than unlock.code-valid (15 minutes): the service's clock moved.
serve $((T1 + 61 * 60))
tap_like "an hour later, a fresh code" "$(post request "card=$B")" " 202$"
C=$(last_code)
serve $((T1 + 77 * 60))
tap_like "16 minutes later it is refused as expired (403)" \
	"$(post complete "card=$B&code=$C&key=$KEY")" "expired.* 403$"

# The same through p11-kit server (the card in a reader of another machine,
# e.g. a remote desktop): the client loads p11-kit's client module, so only
# standard PKCS#11 calls cross (C_GenerateKeyPair, C_Login(CKU_SO), C_InitPIN).
CLIENT_MODULE=$(ls /usr/lib/*/pkcs11/p11-kit-client.so 2>/dev/null | head -n 1)
if [ -z "$CLIENT_MODULE" ] || [ "${CC_SANITIZERS:-no}" = yes ]; then
	_why="${CLIENT_MODULE:+an ASan-built module cannot run inside the p11-kit server}"
	tap_skip "unlock through p11-kit server" "${_why:-no p11-kit-client.so}"
	tap_skip "...the new passcode logs in" "${_why:-no p11-kit-client.so}"
else
	for p in 0000 0001 0002; do cc_p11 --slot-index 1 --login --pin $p -O >/dev/null 2>&1; done
	serve $((T1 + 200 * 60))
	eval "$(p11-kit server --sh --provider "$CC_MODULE" --name "$CC_WORK/p11.sock" "pkcs11:" 2>>"$TAP_LOG")"
	P11_KIT_SERVER_ADDRESS=${P11_KIT_SERVER_ADDRESS:-} UNLOCK_MODULE=$CLIENT_MODULE
	export P11_KIT_SERVER_ADDRESS
	unlock - "Pq7r2Wz9" "Pq7r2Wz9"
	unset P11_KIT_SERVER_ADDRESS UNLOCK_MODULE
	kill "${P11_KIT_SERVER_PID:-0}" 2>/dev/null
	tap_like "through p11-kit server: the code unlocks the card" "$rc:$out" "^0:.*is unlocked"
	cc_p11 --slot-index 1 --login --pin Pq7r2Wz9 -O >/dev/null 2>&1
	tap_is "...the new passcode logs in" "$?" 0
fi

leak=
if [ -n "${CC_TEST_PG_URI:-}" ]; then
	"$CC_TEST_PG_BIN/pg_dump" "$CC_TEST_PG_URI" >"$CC_WORK/dump.sql"
else
	sqlite3 "$S/registry.db" .dump >"$CC_WORK/dump.sql"
fi
svc_stop
for secret in $(sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX") "$NEWPIN" Pq7r2Wz9; do
	grep -lw -- "$secret" "$TAP_LOG" "$CARECARD_LOG_FILE" "$CC_WORK/dump.sql" "$CC_WORK"/serve-*.err \
		"$CC_WORK"/serve-*.out "$CC_WORK"/access-*.log >/dev/null 2>&1 && leak="$leak $secret"
done
tap_is "no code or passcode in any log (service, access, module, test) or the registry" "$leak" ""
tap_ok "the audit chain verifies" audit_ok
tap_done
