#!/bin/sh
# Integration: self-service unlock end to end on real components, without the
# HTTP front ends: a CA (SoftHSM2, registry) issues Bob's card, which seals
# its key to the HSM's unblock key; the card is locked by three wrong
# passcodes; unlock-driver asks the CA library for a code, mailed through the
# service's mailer (libcurl, STARTTLS required) to a local aiosmtpd sink, and
# completes the unlock with the module on the card (an ephemeral key on the
# card, the HSM's response through C_Login(CKU_SO), C_InitPIN). Wrong codes,
# replays, expiry, limits, a relay without STARTTLS, refusals; no secret in
# any log or in the registry.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

D=$top_builddir/tests/integration/unlock-driver
[ -x "$D" ] || tap_skip_all "unlock-driver not built"
PY=/usr/bin/python3	# Debian's, with python3-aiosmtpd (scripts/install-deps.sh test)
$PY -c 'import aiosmtpd' 2>/dev/null || tap_skip_all "python3-aiosmtpd not installed"
tap_plan 44
BOB=200000000002 CAROL=300000000003

# sink NAME [--tls]: an SMTP sink writing to $CC_WORK/NAME.mbox; sets PORT
sink() {
	_n=$1
	shift
	$PY "$top_srcdir/tests/lib/smtp-sink.py" "$CC_WORK/$_n.mbox" "$CC_WORK/$_n.port" "$@" \
		>>"$TAP_LOG" 2>&1 &
	echo $! >>"$CC_WORK/sinks"
	for _i in $(seq 50); do [ -s "$CC_WORK/$_n.port" ] && break; sleep 0.1; done
	PORT=$(cat "$CC_WORK/$_n.port")
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$CC_WORK/sink.key" -out "$CC_WORK/sink.pem" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost >>"$TAP_LOG" 2>&1
export UNLOCK_SMTP_CAFILE=$CC_WORK/sink.pem
trap 'kill $(cat "$CC_WORK/sinks" 2>/dev/null) 2>/dev/null; cc_cleanup' EXIT
sink mail --tls "$CC_WORK/sink.pem" "$CC_WORK/sink.key"
RELAY=smtp://localhost:$PORT
MBOX=$CC_WORK/mail.mbox
sink plain
PLAIN=smtp://localhost:$PORT
# UNLOCK_TEST_WRAP: e.g. valgrind and its options, to check the driver itself
drv() { cc_client ${UNLOCK_TEST_WRAP:-} "$D" "$@" 2>>"$TAP_LOG"; }
# code N: the code of the Nth code mail in the mailbox
code() { sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$MBOX" | sed -n "${1}p"; }
lock() {
	for p in 0000 0001 0002; do cc_p11 --slot-index 1 --login --pin $p -O >/dev/null 2>&1; done
	card_json 2 | grep -q '"locked":true'
}

tap_ok "CA init" ca_init
pin bob 5678; pin carol 2468
tap_ok "RA manager's card" ca_bootstrap 1
person $BOB "Bob Holder" --email bob@example.nhs.uk
person $CAROL "Carol Holder"
cc_blank_card 2
B=$(card_serial 2)
tap_ok "Bob's card issued" as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1
tap_is "the card key is sealed to the unblock key in the registry" \
	"$(sql "SELECT length(sealed) FROM card_unblock WHERE serial = '$B'")" 256
tap_like "the card holds the unblock key" "$(cc_p11 --slot-index 1 -O 2>/dev/null)" \
	"label: *carecard-unblock"
tap_ok "three wrong passcodes lock the card" lock

# --- a code, five wrong tries, then nothing ------------------------------------------
tap_ok "a code is sent" drv request "$B" "$RELAY"
tap_is "by mail to Bob's registered address, over STARTTLS" \
	"$(sed -n 's/^X-Sink-Rcpt: //p; s/^X-Sink-TLS: //p' "$MBOX" | tr '\n' ' ')" "yes bob@example.nhs.uk "
C1=$(code 1)
tap_like "the code has six digits" "$C1" '^[0-9]{6}$'
n=$(echo "$C1" | sed 's/^0*//')
W=$(printf '%06d' $(( (${n:-0} + 1) % 1000000 )))
printf '%s\n' "$W" >"$CC_WORK/wrong.code"; chmod 600 "$CC_WORK/wrong.code"
printf '%s\n' "$C1" >"$CC_WORK/c1.code"; chmod 600 "$CC_WORK/c1.code"
NEWPIN=Zq7x9k2w
pin new $NEWPIN
out=""
for i in 1 2 3 4 5; do
	drv complete "$B" "$CC_MODULE" 2 "$CC_WORK/wrong.code" "$CC_WORK/new.pin" \
		"$CC_WORK/resp" "$RELAY"
	out="$out$?"
done
tap_is "five wrong codes are refused" "$out" 88888
tap_like "the fifth one says the code is spent" "$(tail -n 1 "$TAP_LOG")" "last try"
tap_fails "the right code is refused after five wrong ones" \
	drv complete "$B" "$CC_MODULE" 2 "$CC_WORK/c1.code" "$CC_WORK/new.pin" "$CC_WORK/resp" "$RELAY"
tap_like "the card is still locked" "$(card_json 2)" '"locked":true'

# --- a fresh code works once --------------------------------------------------------------
tap_ok "a fresh code is sent" drv request "$B" "$RELAY"
printf '%s\n' "$(code 2)" >"$CC_WORK/c2.code"
tap_ok "the fresh code unlocks the card with the new passcode" \
	drv complete "$B" "$CC_MODULE" 2 "$CC_WORK/c2.code" "$CC_WORK/new.pin" "$CC_WORK/resp" "$RELAY"
# (not through tap_ok: it would write the passcode into the test's log)
cc_p11 --slot-index 1 --login --pin "$NEWPIN" -O >/dev/null 2>&1
tap_is "the new passcode logs in" "$?" 0
tap_like "the holder was told of the unlock" "$(grep -c '^Subject: Your carecard was unlocked' "$MBOX")" '^1$'
drv replay "$CC_MODULE" 2 "$CC_WORK/resp" >"$CC_WORK/replay.out"
tap_is "the same response replayed on the card is refused" "$?:$(cat "$CC_WORK/replay.out")" \
	"3:C_Login: 0xa0"
tap_fails "the used code is refused" \
	drv complete "$B" "$CC_MODULE" 2 "$CC_WORK/c2.code" "$CC_WORK/new.pin" "$CC_WORK/resp" "$RELAY"

# --- expiry and the send limit --------------------------------------------------------------
tap_ok "locked again" lock
# (times from here on are relative to this request, not to the script's start:
# under valgrind the run takes minutes)
T3=$(date +%s)
LATER=$((T3 + 3700))
tap_ok "a third code within the hour" drv request "$B" "$RELAY"
printf '%s\n' "$(code 3)" >"$CC_WORK/c3.code"
CARECARD_CA_NOW=$((T3 + 16 * 60)) drv complete "$B" "$CC_MODULE" 2 "$CC_WORK/c3.code" \
	"$CC_WORK/new.pin" "$CC_WORK/resp" "$RELAY"
tap_is "a code 16 minutes old is refused as expired" "$?" 8
tap_like "saying so" "$(tail -n 1 "$TAP_LOG")" "expired"
drv request "$B" "$RELAY"
tap_is "a fourth code within the hour is refused (unlock.sends-per-card)" "$?" 8
tap_like "naming the rule" "$(sql "SELECT details FROM audit WHERE action = 'self-unlock-request-refused' ORDER BY id DESC LIMIT 1")" \
	"unlock.sends-per-card"
tap_ok "an hour later a code is sent again" env CARECARD_CA_NOW=$LATER "$D" request "$B" "$RELAY"

CARECARD_CA_NOW=$LATER drv request "$B" "$PLAIN"
tap_is "a relay that does not offer STARTTLS gets nothing" "$?:$(cat "$CC_WORK/plain.mbox" 2>/dev/null)" "1:"
tap_is "and that code can never be used" \
	"$(sql "SELECT state FROM unlock_codes WHERE card = '$B' ORDER BY id DESC LIMIT 1")" spent
tap_like "the failure is logged without the message" "$(tail -n 3 "$TAP_LOG")" "mail to the holder's address through smtp://localhost:[0-9]+ failed"

# --- refusals for other cards ------------------------------------------------------------------
cc_blank_card 3
C=$(card_serial 3)
as alice carol "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
drv request "$C" "$RELAY"
tap_is "a holder without a registered contact is refused" "$?" 8
drv request 0499999999999999 "$RELAY"
tap_is "an unknown card is refused" "$?" 8
op cancel-card --card "$C" --reason lost >>"$TAP_LOG" 2>&1
drv request "$C" "$RELAY"
tap_is "a cancelled card is refused" "$?:$(tail -n 1 "$TAP_LOG" | grep -c 'is cancelled')" 8:1
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK" >>"$TAP_LOG" 2>&1
DAVE=400000000004
person $DAVE "Dave Holder" --email dave@example.nhs.uk
cc_blank_card 3 01
O=$(card_serial 3)
pin dave 1357
as alice dave "$CA" issue-card --holder $DAVE --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
drv request "$O" "$RELAY"
tap_is "a card of series 01 is refused" "$?:$(tail -n 1 "$TAP_LOG" | grep -c 'series 01')" 8:1

# --- the per-address limit: a second holder sharing Bob's address ---------------------------
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK" >>"$TAP_LOG" 2>&1
FRED=600000000006
person $FRED "Fred Holder" --email bob@example.nhs.uk
cc_blank_card 3
F=$(card_serial 3)
pin fred 9630
as alice fred "$CA" issue-card --holder $FRED --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
# Five codes went to Bob's address (three now, two on the clock an hour on, which
# is still within the last hour for the CA's clock now): a sixth, for another card
# that is well within its own limit, is refused.
drv request "$F" "$RELAY"
tap_is "the sixth code to one address within the hour is refused (unlock.sends-per-address)" \
	"$?:$(tail -n 1 "$TAP_LOG" | grep -c 'sent to this address')" "8:1"

# --- a holder with only a mobile: the code by SMS through the HTTPS gateway ------------------
$PY "$top_srcdir/tests/lib/http-sink.py" "$CC_WORK/sms.box" "$CC_WORK/sms.port" \
	"$CC_WORK/sink.pem" "$CC_WORK/sink.key" >>"$TAP_LOG" 2>&1 &
echo $! >>"$CC_WORK/sinks"
for _i in $(seq 50); do [ -s "$CC_WORK/sms.port" ] && break; sleep 0.1; done
export UNLOCK_SMS_GATEWAY=https://localhost:$(cat "$CC_WORK/sms.port")/send
export UNLOCK_SMS_CAFILE=$CC_WORK/sink.pem
"$CC_CARD_TOOL" remove --reader 3 --to "$CC_WORK" >>"$TAP_LOG" 2>&1
ERIN=500000000005
person $ERIN "Erin Holder" --mobile +447700900123
cc_blank_card 3
E=$(card_serial 3)
pin erin 1470
as alice erin "$CA" issue-card --holder $ERIN --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
for p in 0000 0001 0002; do cc_p11 --slot-index 2 --login --pin $p -O >/dev/null 2>&1; done
tap_ok "a code for a holder with only a mobile" drv request "$E" "$RELAY"
tap_is "goes by SMS to the mobile" "$(sed -n 's/^to: //p' "$CC_WORK/sms.box")" "+447700900123"
sed -n 's/.*unlock code for card [0-9]* is \([0-9]*\)\..*/\1/p' "$CC_WORK/sms.box" >"$CC_WORK/sms.code"
tap_ok "the SMS code unlocks Erin's card" \
	drv complete "$E" "$CC_MODULE" 3 "$CC_WORK/sms.code" "$CC_WORK/new.pin" "$CC_WORK/resp" "$RELAY"
cc_p11 --slot-index 2 --login --pin "$NEWPIN" -O >/dev/null 2>&1
tap_is "and the new passcode logs in" "$?" 0
tap_like "the unlock notice goes by SMS too" "$(grep -c 'was unlocked' "$CC_WORK/sms.box")" '^1$'

# --- audit and secrets ---------------------------------------------------------------------------
tap_ok "the audit chain verifies" audit_ok
tap_is "every step audited" "$(sql "SELECT group_concat(action, ' ') FROM (SELECT DISTINCT action FROM audit WHERE action LIKE 'self-unlock%' ORDER BY action)")" \
	"self-unlock self-unlock-code-sent self-unlock-code-wrong self-unlock-refused self-unlock-request-refused"
sqlite3 "$S/registry.db" .dump >"$CC_WORK/dump.sql"
leak=""
for secret in "$C1" "$(code 2)" "$(code 3)" "$(cat "$CC_WORK/sms.code")" "$NEWPIN"; do
	grep -lw -- "$secret" "$TAP_LOG" "$CARECARD_LOG_FILE" "$CC_WORK/dump.sql" >/dev/null 2>&1 &&
		leak="$leak $secret"
done
tap_is "no code or passcode in the logs or the registry" "$leak" ""

# --- last, as they move the clock or edit the registry behind the CA's back ----------
CARECARD_CA_NOW=$((T3 + 3 * 365 * 86400)) drv request "$B" "$RELAY"
tap_is "an expired card is refused, pointing to a repair" \
	"$?:$(tail -n 1 "$TAP_LOG" | grep -c 'expired.*repair')" 8:1
sql "DELETE FROM card_unblock WHERE serial = '$B'"
CARECARD_CA_NOW=$((LATER + 3700)) drv request "$B" "$RELAY"
tap_is "a card personalised before self-service unlock is refused" \
	"$?:$(tail -n 1 "$TAP_LOG" | grep -c 'personalised before')" 8:1
