#!/bin/sh
# Integration: test switches exist only in builds configured for tests. The
# suite's carecard-ca has them (--enable-test-hooks); tests/carecard-ca-release
# is the same command line built without them, as ./configure gives a
# release. With CARECARD_CA_NOW and CARECARD_NOW set three years ahead and
# a kill point armed, the release binary issues a card whose certificates
# start now, and nothing kills it; the test build obeys both.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

REL=$top_builddir/tests/carecard-ca-release
[ -x "$REL" ] || tap_skip_all "tests/carecard-ca-release not built"
tap_plan 8
BOB=200000000002 DAVE=400000000004
LATER=$(( $(date +%s) + 3 * 365 * 86400 ))

tap_like "the test build says its hooks are compiled in" "$("$CA" --version)" "test hooks"
tap_like "the release build does not" "$("$REL" --version)" "^carecard-ca [0-9.]+$"
ca_init || { tap_fail "CA init"; exit 1; }
pin bob 5678
ca_bootstrap 1
person $BOB "Bob Holder"
cc_blank_card 2
CARECARD_CA_NOW=$LATER CARECARD_NOW=$LATER CARECARD_CA_TEST_KILL_AT=issue-card:pending \
	as alice bob "$REL" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
tap_is "release build: the armed kill point did not fire (exit 0)" "$?" 0
cert_of 2 01 "$CC_WORK/bob.pem"
nb=$(date -d "$(openssl x509 -in "$CC_WORK/bob.pem" -noout -startdate | cut -d= -f2)" +%s)
now=$(date +%s)
tap_ok "release build: notBefore is now, not three years ahead" \
	test "$nb" -le "$now" -a "$nb" -gt $((now - 3600))
tap_is "release build: the audit entry is dated now" \
	"$(sql "SELECT substr(time, 1, 4) FROM audit WHERE action = 'issue-card'
	       ORDER BY id DESC LIMIT 1")" "$(date -u +%Y)"

# The same with the test build: the clock moves and the kill point fires.
person 300000000003 "Carol Holder"
cc_blank_card 3
CARECARD_CA_TEST_KILL_AT=issue-card:pending \
	as alice bob "$CA" issue-card --holder 300000000003 --reader 3 --operator-reader 1 \
	>>"$TAP_LOG" 2>&1
tap_is "test build: the kill point fires (SIGKILL)" "$?" 137
# (a year ahead: the operator's own card is valid for two)
SOON=$(( $(date +%s) + 400 * 86400 ))
CARECARD_CA_NOW=$SOON as alice bob "$CA" issue-card --holder 300000000003 --reader 3 \
	--operator-reader 1 >>"$TAP_LOG" 2>&1
cert_of 3 01 "$CC_WORK/carol.pem"
tap_like "test build: notBefore follows CARECARD_CA_NOW" \
	"$(openssl x509 -in "$CC_WORK/carol.pem" -noout -startdate)" "$(date -u -d @$SOON +%Y)"
tap_ok "audit chain verifies" audit_ok
tap_done
