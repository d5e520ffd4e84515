#!/bin/sh
# Integration: SIGKILL carecard-ca at every named step of issue-cert and
# issue-certs (the CARECARD_CA_TEST_KILL_AT test hook). A certificate is in
# the registry, pending, before it is signed; an output file is written only
# for a valid one; the log verifies after every kill. The recovery leaves
# young pending certificates alone and, once the policy's pending lease has
# passed, revokes them (crl-publish, recover); the CRL then lists them, and
# a pending certificate can be revoked by hand too.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

BOB=200000000002
STEPS="pending-recorded signed recorded written"
tap_plan $((4 * 2 + 4 * 2 + 9))

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234
ca_bootstrap 1
person $BOB "Bob Holder"
for k in a b c; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$CC_WORK/$k.key" -subj "/CN=ignored" -out "$CC_WORK/$k.csr" 2>>"$TAP_LOG"
done
printf 'authentication %s %s\nsigning %s %s\nauthentication %s %s\n' \
	$BOB "$CC_WORK/a.csr" $BOB "$CC_WORK/b.csr" $BOB "$CC_WORK/c.csr" >"$CC_WORK/list"

count() { sql "SELECT count(*) FROM certificates WHERE card IS NULL AND status = '$1'"; }
# files_valid DIR|FILE...: every certificate written is in the registry, valid
files_valid() {
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		_s=$(openssl x509 -in "$_f" -noout -serial | sed 's/.*=//; s/^0*//')
		[ "$(status_of "$_s")" = valid ] || { echo "$_f: $_s is $(status_of "$_s")"; return 1; }
	done
}
# counts P V: pending and valid certificates of issue-cert, as expected
counts() {
	[ "$(count pending)/$(count valid)" = "$1/$2" ] ||
		{ echo "pending/valid $(count pending)/$(count valid), not $1/$2"; return 1; }
}

# --- issue-cert ---------------------------------------------------------------------------
p=0 v=0
for st in $STEPS; do
	rm -f "$CC_WORK/$st.pem"
	killed issue-cert:$st op issue-cert --profile authentication --csr "$CC_WORK/a.csr" \
		--holder $BOB --out "$CC_WORK/$st.pem"
	case $st in
	pending-recorded|signed) p=$((p + 1)) file=no ;;
	recorded) v=$((v + 1)) file=no ;;
	written) v=$((v + 1)) file=yes ;;
	esac
	one() {
		counts $p $v || return 1
		if [ $file = yes ]; then
			[ -f "$CC_WORK/$st.pem" ] || { echo "no output file"; return 1; }
		else
			[ ! -e "$CC_WORK/$st.pem" ] || { echo "an output file before the commit"; return 1; }
		fi
		files_valid "$CC_WORK"/*.pem && audit_ok
	}
	check "after issue-cert:$st: recorded ($p pending, $v valid), a file only for a valid one" one
done

# --- issue-certs: two batches (2 + 1) -------------------------------------------------------
for st in $STEPS; do
	rm -rf "$CC_WORK/out-$st"
	killed issue-certs:$st op issue-certs --list "$CC_WORK/list" --out-dir "$CC_WORK/out-$st" \
		--batch 2
	many() {
		# Each kill comes at the first batch: its two are pending before it is signed, valid
		# after its commit; the helper may have recorded the second batch already.
		_new_p=$(($(count pending) - p)) _new_v=$(($(count valid) - v))
		case $st in
		pending-recorded|signed) [ $_new_v = 0 ] && [ $_new_p -ge 2 ] ;;
		recorded) [ $_new_v = 2 ] ;;
		written) [ $_new_v = 3 ] && [ $_new_p = 0 ] ;;
		esac || { echo "new: $_new_p pending, $_new_v valid"; return 1; }
		_files=$(ls "$CC_WORK/out-$st" 2>/dev/null | wc -l)
		# The files of a call's requests are written together (one sync), then the lines.
		case $st in written) [ "$_files" = 3 ] ;; *) [ "$_files" = 0 ] ;; esac ||
			{ echo "$_files files"; return 1; }
		files_valid "$CC_WORK/out-$st"/*.pem && audit_ok
	}
	check "after issue-certs:$st: recorded before signed, files only for valid ones" many
	p=$(count pending) v=$(count valid)
done

# --- the recovery ---------------------------------------------------------------------------
pend=$(count pending)
tap_like "recover within the lease revokes nothing" "$("$CA" recover 2>>"$TAP_LOG")" \
	"^recover: 0 abandoned pending certificate\(s\) revoked"
tap_is "... and leaves them pending" "$(count pending)" "$pend"
# By hand: a pending certificate can be found and revoked like any other.
first=$(sql "SELECT serial FROM certificates WHERE status = 'pending' ORDER BY pending_since, serial LIMIT 1")
tap_like "revoke a pending certificate by its serial" \
	"$(op revoke --serial "$first" --reason keyCompromise 2>&1)" "^certificate $first revoked"
tap_is "... recorded as revoked (keyCompromise)" \
	"$(sql "SELECT status, revocation_reason FROM certificates WHERE serial = '$first'")" "revoked|1"
later=$(($(date +%s) + 2 * 3600))
CARECARD_CA_NOW=$later "$CA" crl-publish --dir "$CC_WORK/www" >"$CC_WORK/publish.out" 2>>"$TAP_LOG"
tap_like "2 hours on, crl-publish revokes the rest first" "$(cat "$CC_WORK/publish.out")" \
	"^$((pend - 1)) abandoned pending certificate\(s\) revoked"
tap_is "... none pending, one revoke entry each by the system, cessationOfOperation" \
	"$(count pending)|$(sql "SELECT count(*) FROM audit WHERE action = 'revoke' AND actor = 'system' AND details LIKE '%cessationOfOperation%abandoned%'")" \
	"0|$((pend - 1))"
on_crl() {
	openssl crl -inform DER -in "$CC_WORK/www/$1-g2.crl" -noout -text | tr -d ' ' |
		sed -n 's/^SerialNumber:0*//p' | sort | tr '\n' ' '
}
tap_is "the CRLs list every certificate of an interrupted run" "$(on_crl authentication)$(on_crl signing)" \
	"$(sql "SELECT group_concat(serial, ' ') || ' ' FROM (SELECT serial FROM certificates WHERE status = 'revoked' AND issuer = 'authentication' ORDER BY serial)")$(sql "SELECT coalesce(group_concat(serial, ' ') || ' ', '') FROM (SELECT serial FROM certificates WHERE status = 'revoked' AND issuer = 'signing' ORDER BY serial)")"
tap_is "every certificate issue-cert recorded is valid or revoked" \
	"$(sql "SELECT count(*) FROM certificates WHERE card IS NULL AND status NOT IN ('valid', 'revoked')")" 0
tap_ok "audit chain verifies" audit_ok
tap_done
