#!/bin/sh
# Integration: an audit log cut back at its end is found (issue 16 item 3).
# Someone with the database drops the last 1, 10 or all entries, edits
# sqlite_sequence to match and deletes the signed checkpoints in the
# registry: audit verify still fails, from the checkpoint every published
# CRL carries (outside the database), and says where the log was cut. A cut
# that took certificates' issuance entries with it is found from the
# certificate rows. The checkpoint in the CRL is what openssl shows, signed
# with the audit key that is in the HSM.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

BOB=200000000002
W=$CC_WORK/www
tap_plan 30

ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234
ca_bootstrap 1
person $BOB "Bob Holder"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CC_WORK/b.key" \
	-subj "/CN=ignored" -out "$CC_WORK/b.csr" 2>>"$TAP_LOG"
issue() { op issue-cert --profile authentication --csr "$CC_WORK/b.csr" --holder $BOB \
	--out "$CC_WORK/$1.pem" 2>>"$TAP_LOG"; }
# verify [ARGS]: audit verify's verdict line(s) and exit status, on one line
verify() {
	_out=$("$CA" audit verify "$@" 2>>"$TAP_LOG"); _rc=$?
	printf '%s|%s' "$_rc" "$(printf '%s' "$_out" | tr '\n' ' ')"
}
last() { sql "SELECT max(id) FROM audit"; }
# cut N: drop the newest N entries (all: every one), sqlite_sequence edited to
# match and every checkpoint in the registry deleted, as someone with the file would.
cut() {
	if [ "$1" = all ]; then _keep=0; else _keep=$(($(last) - $1)); fi
	sql "DELETE FROM audit WHERE id > $_keep; UPDATE sqlite_sequence SET seq = $_keep
		WHERE name = 'audit'; DELETE FROM audit_checkpoints;"
}
snapshot() { cp "$S/registry.db" "$CC_WORK/good.db"; }
restore() { cp "$CC_WORK/good.db" "$S/registry.db"; rm -f "$S/registry.db-wal" "$S/registry.db-shm"; }

# --- the audit key and the checkpoint in each CRL -------------------------------------
objs=$(SOFTHSM2_CONF=$S/hsm/softhsm2.conf pkcs11-tool --module "$SOFTHSM_MODULE" \
	--token-label carecard-ca --login --pin "$(cat "$S/hsm/user.pin")" --list-objects 2>&1)
tap_like "init made the audit key in the HSM (P-256, never extractable)" "$objs" \
	"Private Key Object; EC.*
.*label: *carecard-audit"
for i in 1 2 3 4 5; do issue x$i >/dev/null; done
c1=$(issue c1)
tap_ok "crl-publish as the system account" "$CA" crl-publish --dir "$W"
txt=$(openssl crl -inform DER -in "$W/authentication-g2.crl" -noout -text 2>&1)
tap_like "the CRL carries the checkpoint extension, not critical" "$txt" \
	"2\.25\.301360311646202744364852753495070073838: *
"
tap_ok "openssl still verifies the CRL" openssl crl -inform DER -in "$W/authentication-g2.crl" \
	-CAfile "$S/certs/authentication.pem" -noout
tap_is "the registry holds the checkpoints, the newest at the last entry" \
	"$(sql "SELECT count(*), max(seq) = (SELECT max(id) FROM audit), min(reason) FROM audit_checkpoints")" \
	"3|1|crl"
tap_like "verify: OK, and says what it checked" "$(verify)" \
	"^0\|audit log OK: [0-9]+ entries anchor $W/root-g2.crl \(entry $(last), signed .*\); checkpoint: entry $(last) .*; 8 certificate\(s\) against the chain"
snapshot
n=$(last)

# --- cut at the end: the anchor says where -----------------------------------------------
cut 1
tap_like "the last entry cut (sequence edited, checkpoints deleted): exit 6, where, from the anchor" \
	"$(verify)" \
	"^6\|audit log BROKEN at entry $n: the log ends at entry $((n - 1)) but the anchor $W/root-g2.crl signed on [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z covers up to entry $n: entries $n\.\.$n were cut$"
restore
cut 10
tap_like "the last 10 entries cut: exit 6, entries $((n - 9))..$n" "$(verify)" \
	"^6\|audit log BROKEN at entry $((n - 9)): the log ends at entry $((n - 10)) but the anchor $W/root-g2.crl signed on .* covers up to entry $n: entries $((n - 9))\.\.$n were cut"
restore
cut all
tap_like "every entry cut: exit 6, entries 1..$n" "$(verify)" \
	"^6\|audit log BROKEN at entry 1: the log is empty but the anchor $W/root-g2.crl signed on .* covers up to entry $n: entries 1\.\.$n were cut"
tap_like "audit show has nothing to show" "$("$CA" audit show 2>>"$TAP_LOG")" "^$"
restore

# --- the published copy is the anchor, even when the CA's own are gone ----------------------
# (the root's CRL is published last: its checkpoint covers the newest entry)
cp "$W/root-g2.crl" "$CC_WORK/kept.crl"
rm -f "$W"/*.crl "$S"/crl/*
sql "DELETE FROM config WHERE key = 'crl-publish-dir'"
cut 4
tap_like "anchors deleted too: the certificate rows still show where" "$(verify)" \
	"^6\|audit log BROKEN at entry $((n - 3)): the log ends at entry $((n - 4)) but certificate $c1 was recorded by entry $((n - 3)) \(1 certificate\(s\) past the end\): entries $((n - 3))\.\.$((n - 3)) were cut"
restore
cut 3
tap_like "... but not a cut that took no certificate's entry: that needs the anchor" \
	"$(verify)" "^0\|audit log OK: $((n - 3)) entries no anchor found \(give --anchor FILE.crl\); no checkpoint in the registry"
tap_like "--anchor with the published CRL: exit 6, where" \
	"$(verify --anchor "$CC_WORK/kept.crl")" \
	"^6\|audit log BROKEN at entry $((n - 2)): the log ends at entry $((n - 3)) but the anchor $CC_WORK/kept.crl signed on .* covers up to entry $n: entries $((n - 2))\.\.$n were cut"
openssl crl -inform DER -in "$CC_WORK/kept.crl" -out "$CC_WORK/kept.pem"
tap_like "--anchor takes PEM too" "$(verify --anchor "$CC_WORK/kept.pem")" "^6\|.*were cut"
restore
tap_like "--anchor on the intact log: OK" "$(verify --anchor "$CC_WORK/kept.crl")" \
	"^0\|audit log OK: $n entries anchor $CC_WORK/kept.crl \(entry $n,"
tap_like "--anchor that is not a CRL: exit 6" "$(verify --anchor "$CC_WORK/b.csr")" \
	"^6\|audit log BROKEN: $CC_WORK/b.csr is not a CRL carrying this CA's audit checkpoint"
tap_like "--anchor that is missing: exit 3" "$(verify --anchor "$CC_WORK/none.crl")" "^3\|"

# --- a forged or altered anchor -----------------------------------------------------------
python3 - "$CC_WORK/kept.crl" "$CC_WORK/forged.crl" <<'PY'
import sys
def oid(arcs):
    out = b''
    for v in [arcs[0] * 40 + arcs[1]] + arcs[2:]:
        t = [v & 0x7f]
        v >>= 7
        while v:
            t.append(0x80 | (v & 0x7f))
            v >>= 7
        out += bytes(reversed(t))
    return bytes([6, len(out)]) + out
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.find(oid([2, 25, 301360311646202744364852753495070073838]))
j = b.find(bytes([4, 32]), i)  # the checkpoint's head: OCTET STRING (32)
assert i > 0 and j > i
b[j + 2] ^= 1
open(sys.argv[2], 'wb').write(b)
PY
tap_like "an anchor whose checkpoint was altered: exit 6" \
	"$(verify --anchor "$CC_WORK/forged.crl")" \
	"^6\|audit log BROKEN: $CC_WORK/forged.crl carries an audit checkpoint that does not verify"

# --- entries after the last CRL: the certificates' issuance entries --------------------------
restore
c2=$(issue c2); c3=$(issue c3)
tap_like "two certificates after the CRL" "$c2 $c3" "^[0-9A-F]{32} [0-9A-F]{32}$"
snapshot
n2=$(last)
cut 4
tap_like "their entries cut: exit 6, where, from the certificate rows" "$(verify --anchor "$CC_WORK/kept.crl")" \
	"^6\|audit log BROKEN at entry $((n2 - 3)): the log ends at entry $((n2 - 4)) but certificate $c3 was recorded by entry $n2 \(2 certificate\(s\) past the end\): entries $((n2 - 3))\.\.$n2 were cut"
restore
sql "UPDATE certificates SET audit_seq = 2 WHERE serial = '$c3'"
tap_like "a certificate pointing at another entry: exit 6" "$(verify)" \
	"^6\|audit log BROKEN at entry 2: certificate $c3 names entry 2 as its issuance, which is not about it"
sql "UPDATE certificates SET audit_seq = NULL WHERE serial = '$c3'"
tap_like "a certificate with no issuance entry: exit 6" "$(verify)" \
	"^6\|audit log BROKEN: certificate $c3 has no issuance entry recorded"
restore

# --- the log rewritten after the anchor ------------------------------------------------------
cut 6
sql "DELETE FROM certificates WHERE serial IN ('$c2', '$c3')"
c4=$(issue c4)
tap_like "a cut log that grew again: the anchored entry is not the one signed" \
	"$(verify --anchor "$CC_WORK/kept.crl")" \
	"^6\|audit log BROKEN at entry $n: entry $n is not the one the anchor $CC_WORK/kept.crl signed on .*: the log was replaced from there on"
restore

# --- the interval checkpoint and syslog ------------------------------------------------------
logf=$CC_WORK/ca.log
"$CA" crl-publish --dir "$W" --if-due >>"$TAP_LOG" 2>&1
cps=$(sql "SELECT count(*) FROM audit_checkpoints")
"$CA" crl-publish --dir "$W" --if-due >>"$TAP_LOG" 2>&1
tap_is "crl-publish --if-due with nothing due, within the interval: no checkpoint" \
	"$(sql "SELECT count(*) FROM audit_checkpoints")" "$cps"
issue c5 >/dev/null
CARECARD_CA_NOW=$(($(date +%s) + 2 * 86400)) CARECARD_LOG_FILE="$logf" "$CA" recover \
	>"$CC_WORK/recover.out" 2>>"$TAP_LOG"
tap_like "recover two days on: a checkpoint of the grown log" "$(cat "$CC_WORK/recover.out")" \
	"^recover: 0 abandoned pending certificate\(s\) revoked; audit checkpoint at entry $(last)$"
tap_is "... kept in the registry as an interval checkpoint" \
	"$(sql "SELECT count(*) - $cps, (SELECT reason FROM audit_checkpoints ORDER BY id DESC LIMIT 1) FROM audit_checkpoints")" \
	"1|recover"
tap_like "each checkpoint is logged (syslog) with its signed bytes" "$(cat "$logf")" \
	"audit checkpoint \(recover\): entry $(last) hash [0-9a-f]{64} signed [0-9T:-]+Z: [A-Za-z0-9+/=]{100,}"
tap_ok "recover again at once: nothing due" sh -c \
	"'$CA' recover | grep -qx 'recover: 0 abandoned pending certificate(s) revoked'"
tap_ok "recover takes no operator card: the system account's job (2)" sh -c \
	"'$CA' recover --operator-reader 1 2>/dev/null; [ \$? -eq 2 ]"
tap_like "the log verifies at the end" "$(verify)" "^0\|audit log OK"
tap_done
