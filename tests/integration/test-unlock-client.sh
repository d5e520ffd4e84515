#!/bin/sh
# Integration: carecard-card unlock, the holder's client, on a real card in a
# reader through the PKCS#11 module: it asks for a code (mailed through the
# service's mailer to a STARTTLS SMTP sink), reads the code and the new
# passcode twice from its input (never argv or the environment), makes the
# request's key on the card, posts over HTTPS and applies the response with
# C_Login(CKU_SO) + C_InitPIN. The HTTPS side is tests/lib/unlock-standin.py,
# a test stand-in for the carecard-ca serve endpoints (not built yet) that
# runs the real CA library operations through unlock-driver.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

D=$top_builddir/tests/integration/unlock-driver
[ -x "$D" ] || tap_skip_all "unlock-driver not built"
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || tap_skip_all "python3-aiosmtpd not installed"
tap_plan 12
BOB=200000000002
NEWPIN=Kx4m9Tq2

# start NAME SCRIPT ARGS...: a background helper whose port lands in $CC_WORK/NAME.port
start() {
	_n=$1
	shift
	$PY "$@" >>"$TAP_LOG" 2>&1 &
	echo $! >>"$CC_WORK/helpers"
	for _i in $(seq 50); do [ -s "$CC_WORK/$_n.port" ] && break; sleep 0.1; done
	cat "$CC_WORK/$_n.port"
}
trap 'kill $(cat "$CC_WORK/helpers" 2>/dev/null) 2>/dev/null; cc_cleanup' EXIT
trap '' PIPE	# a client that stopped early closes its input: not this script's death
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$CC_WORK/tls.key" -out "$CC_WORK/tls.pem" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost >>"$TAP_LOG" 2>&1
export UNLOCK_SMTP_CAFILE=$CC_WORK/tls.pem
MBOX=$CC_WORK/mail.mbox
SMTP=smtp://localhost:$(start mail "$top_srcdir/tests/lib/smtp-sink.py" "$MBOX" \
	"$CC_WORK/mail.port" --tls "$CC_WORK/tls.pem" "$CC_WORK/tls.key")
mkdir -m 700 "$CC_WORK/standin"
SERVER=https://localhost:$(start web "$top_srcdir/tests/lib/unlock-standin.py" "$D" "$SMTP" \
	"$CC_WORK/standin" "$CC_WORK/web.port" "$CC_WORK/tls.pem" "$CC_WORK/tls.key")

tap_ok "CA init" ca_init
pin bob 5678
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Holder" --email bob@example.nhs.uk
cc_blank_card 2
B=$(card_serial 2)
tap_ok "Bob's card issued" as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1

# unlock CODE PIN1 PIN2: carecard-card unlock on reader 2, its input given once the
# code mail arrived (CODE "-": the code in that mail); its exit status in $rc
unlock() {
	_before=$(grep -c '^Subject: Your carecard unlock code' "$MBOX" 2>/dev/null)
	rm -f "$CC_WORK/in"
	mkfifo "$CC_WORK/in"
	cc_client ${UNLOCK_TEST_WRAP:-} "$CC_CARD_TOOL" unlock --server "$SERVER" --reader 2 --cacert "$CC_WORK/tls.pem" \
		--module "$CC_MODULE" <"$CC_WORK/in" >"$CC_WORK/out" 2>&1 &
	_pid=$!
	exec 3>"$CC_WORK/in"
	for _i in $(seq 100); do
		[ "$(grep -c '^Subject: Your carecard unlock code' "$MBOX" 2>/dev/null)" -gt "${_before:-0}" ] && break
		kill -0 $_pid 2>/dev/null || break
		sleep 0.1
	done
	_code=$1
	[ "$_code" = - ] && _code=$(sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX" | tail -n 1)
	printf '%s\n%s\n%s\n' "$_code" "$2" "$3" >&3 2>/dev/null
	exec 3>&-
	wait $_pid
	rc=$?
	cat "$CC_WORK/out" >>"$TAP_LOG"
}

unlock - "$NEWPIN" "$NEWPIN"
tap_like "a card that is not locked is left alone" "$rc:$(tr "\n" " " <"$CC_WORK/out")" "^1:.*is not locked"
for p in 0000 0001 0002; do cc_p11 --slot-index 1 --login --pin $p -O >/dev/null 2>&1; done
tap_like "three wrong passcodes lock it" "$(card_json 2)" '"locked":true'

unlock - "$NEWPIN" "Other123"
tap_like "two different new passcodes: refused before anything is spent" \
	"$rc:$(tr "\n" " " <"$CC_WORK/out")" "^2:.*differ"
tap_is "that code is still open" "$(sql "SELECT state FROM unlock_codes ORDER BY id DESC LIMIT 1")" open

unlock 000000 "$NEWPIN" "$NEWPIN"
tap_like "a wrong code: the CA's refusal is shown" "$rc:$(tr "\n" " " <"$CC_WORK/out")" \
	"^8:.*wrong code for card [0-9]*: [0-9] more tries"
tap_like "the card is still locked" "$(card_json 2)" '"locked":true'

unlock - "$NEWPIN" "$NEWPIN"
tap_like "the right code unlocks the card" "$rc:$(tr "\n" " " <"$CC_WORK/out")" "^0:.*is unlocked"
cc_p11 --slot-index 1 --login --pin "$NEWPIN" -O >/dev/null 2>&1
tap_is "the new passcode logs in" "$?" 0
tap_like "the card is not locked any more" "$(card_json 2)" '"locked":false'

leak=""
sqlite3 "$S/registry.db" .dump >"$CC_WORK/dump.sql"
for secret in $(sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX") "$NEWPIN"; do
	grep -lw -- "$secret" "$TAP_LOG" "$CARECARD_LOG_FILE" "$CC_WORK/dump.sql" >/dev/null 2>&1 &&
		leak="$leak $secret"
done
tap_is "no code or passcode in the logs or the registry" "$leak" ""
