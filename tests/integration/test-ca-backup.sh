#!/bin/sh
# Integration: carecard-ca backup and restore (issue 14). A CA issues and
# revokes, publishes its CRLs and is backed up; then it works on (issues,
# revokes, publishes twice) and the backup is restored into a new state
# directory. What a deployer notices: the backup is a 0700 directory of
# 0600 files whose MANIFEST sha256sum agrees with; a damaged or altered
# backup is refused with the file named and nothing is written; restore
# refuses a directory in use unless --force (which keeps the old one); the
# restored CA's next CRL has a number above every CRL published before the
# restore and openssl verifies it; a certificate revoked after the backup is
# revoked again (CRL and OCSP), one issued after it is named in a warning;
# audit verify passes; OCSP answers from carecard-ca serve on the restored
# state verify with openssl ocsp. With CC_TEST_PG_URI (test-ca-backup-pg.sh)
# the registry is on PostgreSQL and goes through pg_dump / pg_restore.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
command -v curl >/dev/null || tap_skip_all "curl not installed"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

tap_plan 57
BOB=200000000002
W=$CC_WORK/www		# where the CRLs are published (the web server's folder)
B=$CC_WORK/backup-1
R=$CC_WORK/restored
ORIG=$S

svc_port_pick
svc_policy "$CC_WORK/svc-policy.yaml"
CARD_POLICY=$CC_WORK/svc-policy.yaml ca_init || { tap_fail "CA init"; exit 1; }
pin alice 1234
ca_bootstrap 1 || { tap_fail "the RA manager's card"; exit 1; }
person $BOB "Bob Holder"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CC_WORK/b.key" \
	-subj "/CN=ignored" -out "$CC_WORK/b.csr" 2>>"$TAP_LOG"
# issue NAME: a certificate for Bob into $CC_WORK/NAME.pem; prints its serial
issue() {
	op issue-cert --profile authentication --csr "$CC_WORK/b.csr" --holder $BOB \
		--out "$CC_WORK/$1.pem" 2>>"$TAP_LOG"
}
revoke() { op revoke --serial "$1" --reason "$2" >>"$TAP_LOG" 2>&1; }
publish() { "$CA" crl-publish --dir "$W" >>"$TAP_LOG" 2>&1; }
# crlnum FILE: the CRL's number, in decimal
crlnum() {
	printf '%d\n' "0x$(openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/^crlNumber=\(0x\)\{0,1\}//')"
}
# flip FILE: one byte in the middle of FILE changed
flip() {
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$1"
}
# tree DIR: every file under DIR with its SHA-256 (what "untouched" means)
tree() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }

c1=$(issue c1); c2=$(issue c2); c3=$(issue c3)
revoke "$c1" keyCompromise
publish
tap_like "three certificates, one revoked, CRLs published" "$c1 $c2 $c3 $(ls "$W")" \
	"^[0-9A-F]{32} [0-9A-F]{32} [0-9A-F]{32} .*authentication-g2.crl"

# --- backup ---------------------------------------------------------------------------------
# taken while the service runs on the state directory (it holds the registry open)
# and makes its OCSP responders' keys: the backup has each key with its record,
# or neither (the token lock), so the restored service can sign (below)
tap_ok "carecard-ca serve runs on the CA" svc_start
out=$("$CA" backup --out "$B" 2>>"$TAP_LOG"); rc=$?
svc_stop
tap_like "backup: exit 0, says what it holds" "$rc|$out" \
	"^0\|backup $B: [0-9]+ files, [0-9]+ bytes, the registry \((sqlite|postgresql)\)"
tap_is "the backup is a 0700 directory of 0600 files" \
	"$(stat -c %a "$B") $(find "$B" -type f ! -perm 600 | wc -l)" "700 0"
tap_is "its MANIFEST lists the HSM token and PINs, the CA certificates and the policy" \
	"$(grep -cE "^file [0-9a-f]{64} [0-9]+ 0[0-7]{3} (hsm/tokens/.*\.object|hsm/user.pin|hsm/so.pin|certs/root.pem|policy.yaml)$" "$B/MANIFEST" | awk '{ print ($1 >= 6) }')" 1
tap_ok "sha256sum agrees with every file the MANIFEST lists" sh -c \
	"cd '$B' && awk '\$1 == \"file\" { print \$2 \"  \" \$5 }' MANIFEST | sha256sum -c --quiet"
if [ -z "${CC_TEST_PG_URI:-}" ]; then
	tap_is "the registry is a sound SQLite copy (online backup API)" \
		"$(sqlite3 "$B/registry.db" 'PRAGMA integrity_check; SELECT count(*) FROM certificates
		   WHERE serial IN ('"'$c1', '$c2', '$c3'"')')" "ok
3"
else
	tap_ok "the registry is not in it (PostgreSQL): pg_dump" sh -c \
		"! grep -q ' registry.db\$' '$B/MANIFEST' && grep -qx 'registry postgresql' '$B/MANIFEST'"
	"$PG_BIN/pg_dump" -Fc -f "$CC_WORK/registry.dump" "$CC_TEST_PG_URI" 2>>"$TAP_LOG"
fi
tap_is "the backup is in the audit log" \
	"$(sql "SELECT count(*), max(subject) FROM audit WHERE action = 'backup'")" "1|$B"
tap_exit "a backup never replaces one: exit 4" 4 "$CA" backup --out "$B"
tap_exit "a backup inside the state directory: exit 2, nothing written" 2 sh -c \
	"'$CA' backup --out '$S/crl/b'; rc=\$?; ls -d '$S'/crl/b* 2>/dev/null && exit 99; exit \$rc"
tap_exit "backup takes no operator card: the CA's own account (2)" 2 \
	"$CA" backup --out "$CC_WORK/other" --operator-reader 1

# --- the CA works on ------------------------------------------------------------------------
n_backup=$(crlnum "$W/authentication-g2.crl")
c4=$(issue c4)
revoke "$c2" affiliationChanged
revoke "$c4" keyCompromise
publish
publish
n_high=$(crlnum "$W/authentication-g2.crl")
tap_ok "after the backup: a certificate issued, two revoked, CRL $n_backup -> $n_high" \
	test "$n_high" -gt "$n_backup" -a -n "$c4"

# --- damaged and altered backups: refused, nothing written ------------------------------------
bad() { rm -rf "$CC_WORK/bad"; cp -a "$B" "$CC_WORK/bad"; }
# refused DESC STATUS REGEX ARGS...: restore exits STATUS, says REGEX, writes nothing
refused() {
	_d=$1 _want=$2 _re=$3
	shift 3
	_err=$("$CA" --state "$CC_WORK/t" restore --from "$CC_WORK/bad" "$@" 2>&1 >/dev/null)
	_rc=$?
	if [ $_rc -eq "$_want" ] && printf '%s\n' "$_err" | grep -Eq -- "$_re" &&
	   [ ! -e "$CC_WORK/t" ] && [ -z "$(ls -d "$CC_WORK"/t.* 2>/dev/null)" ]; then
		tap_pass "$_d"
	else
		tap_fail "$_d" "exit $_rc: $_err"
	fi
}
bad
tok=$(cd "$CC_WORK/bad" && find hsm/tokens -type f -name '*.object' | head -n 1)
flip "$CC_WORK/bad/$tok"
refused "a byte of the HSM token flipped: exit 5, the file named, nothing written" 5 \
	"bad/$tok does not match the backup's manifest \(SHA-256\): the backup is damaged or was altered: refused, nothing was changed"
bad
if [ -z "${CC_TEST_PG_URI:-}" ]; then victim=registry.db; else victim=certs/root.pem; fi
flip "$CC_WORK/bad/$victim"
refused "a byte of $victim flipped: exit 5" 5 "bad/$victim does not match"
bad
head -c 10 "$CC_WORK/bad/hsm/user.pin" >"$CC_WORK/pin" && mv "$CC_WORK/pin" "$CC_WORK/bad/hsm/user.pin"
refused "a file cut short: exit 5 (size)" 5 "user.pin does not match the backup's manifest \(size\)"
bad
echo extra >"$CC_WORK/bad/certs/extra.pem"
refused "a file added: exit 5" 5 "certs/extra.pem is not in the backup's manifest"
bad
rm "$CC_WORK/bad/certs/root.pem"
refused "a file missing: exit 5" 5 "certs/root.pem: No such file or directory: the backup is incomplete"
bad
sed -i '0,/^file /s/^file \(.\)/file 0\1/' "$CC_WORK/bad/MANIFEST"
refused "the MANIFEST edited: exit 5" 5 "MANIFEST is damaged"
bad
# a manifest line that leaves the backup, the manifest's own hash made to match
python3 - "$CC_WORK/bad/MANIFEST" <<'PY'
import hashlib, sys
p = sys.argv[1]
lines = open(p).read().splitlines(True)[:-1]
lines.append("file " + "0" * 64 + " 1 0600 ../escape\n")
body = "".join(lines)
open(p, "w").write(body + "end " + hashlib.sha256(body.encode()).hexdigest() + "\n")
PY
refused "a path leaving the backup (../escape), the manifest's hash forged: exit 5" 5 \
	"MANIFEST: line [0-9]+ is not what a backup's manifest holds"
tap_ok "...nothing was written beside the target either" test ! -e "$CC_WORK/escape"
bad
rm "$CC_WORK/bad/MANIFEST"
refused "no MANIFEST: exit 3, not a backup" 3 "not a carecard-ca backup"

# --- the target ---------------------------------------------------------------------------
mkdir -p "$CC_WORK/busy/crl" && echo keep >"$CC_WORK/busy/keep"
before=$(tree "$CC_WORK/busy")
tap_exit "restore into a directory that holds files: exit 4" 4 \
	"$CA" --state "$CC_WORK/busy" restore --from "$B"
bad
flip "$CC_WORK/bad/certs/root.pem"
tap_exit "--force with a damaged backup: exit 5" 5 \
	"$CA" --state "$CC_WORK/busy" restore --from "$CC_WORK/bad" --force
tap_is "...the directory is untouched, nothing beside it" \
	"$(tree "$CC_WORK/busy") $(ls -d "$CC_WORK"/busy.* 2>/dev/null)" "$before "
tap_exit "through the RA staff's sudo rule: refused (9)" 9 env SUDO_UID=1234 \
	"$CA" --state "$CC_WORK/t" restore --from "$B"

# --- restore ---------------------------------------------------------------------------------
if [ -n "${CC_TEST_PG_URI:-}" ]; then
	# The database's own tools put the registry back first (the man page's order).
	psql -XAtq "$CC_TEST_PG_URI" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" \
		>>"$TAP_LOG" 2>&1
	"$PG_BIN/pg_restore" -d "$CC_TEST_PG_URI" "$CC_WORK/registry.dump" >>"$TAP_LOG" 2>&1
fi
out=$("$CA" --state "$R" restore --from "$B" 2>>"$TAP_LOG"); rc=$?
echo "$out" >>"$TAP_LOG"
tap_like "restore into a new directory: exit 0, what it restored" "$rc|$out" \
	"^0\|restored $B into $R: [0-9]+ files, the registry \((sqlite|postgresql)\) as of"
tap_like "...the CRL numbers go above every CRL published ($n_high)" "$out" \
	"next CRL numbers: authentication $((n_high + 1)), signing [0-9]+, root [0-9]+ \(above every CRL found: $n_high,"
tap_like "...the revocation after the backup is made again" "$out" \
	"^1 certificate\(s\) revoked after the backup \(on the published CRLs\) were revoked again"
tap_like "...the certificate issued after the backup is named" "$out" \
	"WARNING: 1 revoked certificate\(s\) on the published CRLs are not in the restored registry \(issued after the backup\).*: $c4"
tap_like "...and the lost stretch of the audit log" "$out" \
	"WARNING: the published CRLs were signed at audit entry [0-9]+, after this backup"
tap_is "the state directory is 0700, SoftHSM2 looks for the token in it" \
	"$(stat -c %a "$R") $(sed -n 's/^directories.tokendir = //p' "$R/hsm/softhsm2.conf")" \
	"700 $R/hsm/tokens"
tap_is "the files keep their modes (the CA certificates are readable)" \
	"$(stat -c %a "$ORIG/certs/root.pem" "$ORIG/hsm/user.pin" | tr '\n' ' ')" \
	"$(stat -c %a "$R/certs/root.pem" "$R/hsm/user.pin" | tr '\n' ' ')"
S=$R
export CARECARD_CA_STATE=$R
tap_is "in the restored registry: c1 and c2 revoked, c3 valid, c4 unknown" \
	"$(status_of "$c1") $(status_of "$c2") $(status_of "$c3") [$(status_of "$c4")]" \
	"revoked revoked valid []"
tap_is "c2's revocation keeps the CRL's reason (affiliationChanged)" \
	"$(sql "SELECT revocation_reason FROM certificates WHERE serial = '$c2'")" 3
tap_like "the restore is in the audit log" \
	"$(sql "SELECT action || ' ' || subject FROM audit ORDER BY id DESC LIMIT 2")" \
	"revoke-restored $c2
restore $B"

# --- the restored CA: CRLs, audit, OCSP ---------------------------------------------------------
out=$("$CA" audit verify 2>>"$TAP_LOG"); rc=$?
tap_like "audit verify before it publishes: the CRLs out there cover the entries lost (6)" \
	"$rc|$(echo "$out" | tr '\n' ' ')" "^6\|audit log BROKEN at entry [0-9]+: the log ends at entry [0-9]+ but the anchor $W/.* were cut"
tap_ok "crl-publish on the restored CA" publish
n_after=$(crlnum "$W/authentication-g2.crl")
tap_ok "its CRL number $n_after is above every one published before the restore ($n_high)" \
	test "$n_after" -gt "$n_high"
for is in authentication signing root; do
	txt=$(openssl crl -inform DER -in "$W/$is-g2.crl" -CAfile "$R/certs/root.pem" \
		-CAfile "$R/certs/$is.pem" -noout 2>&1)
	tap_like "openssl verifies the restored CA's $is CRL" "$txt" "^verify OK"
done
txt=$(openssl crl -inform DER -in "$W/authentication-g2.crl" -noout -text)
tap_is "c1 and c2 are on it, c3 is not" "$(for c in $c1 $c2 $c3; do
	printf '%s\n' "$txt" | grep -c "Serial Number: $c"; done | tr '\n' ' ')" "1 1 0 "
tap_like "audit verify passes, against the new CRLs" \
	"$("$CA" audit verify 2>>"$TAP_LOG" | tr '\n' ' ')" "^audit log OK: [0-9]+ entries anchor $W/"
tap_ok "the revoked certificate fails openssl verify -crl_check" sh -c \
	"openssl crl -inform DER -in '$W/authentication-g2.crl' -out '$CC_WORK/auth.crl.pem' &&
	 ! openssl verify -crl_check -CAfile '$R/certs/root.pem' -untrusted '$R/certs/authentication.pem' \
	   -CRLfile '$CC_WORK/auth.crl.pem' '$CC_WORK/c2.pem' >/dev/null 2>&1"

tap_ok "carecard-ca serve on the restored state" svc_start
tap_ok "pre-signed OCSP responses for every certificate" svc_wait_ready 3
export OCSP_URL=$SVC_URL/ocsp/authentication-g2
out=$(ocsp "$CC_WORK/c1.pem" authentication)
tap_like "openssl ocsp: c1 (revoked before the backup) is revoked, the response verifies" \
	"$out" "^Response verify OK .*c1.pem: revoked .*Reason: keyCompromise"
tap_like "c2 (revoked after it) is revoked" "$(ocsp "$CC_WORK/c2.pem" authentication)" \
	"^Response verify OK .*c2.pem: revoked .*Reason: affiliationChanged"
tap_like "c3 is good" "$(ocsp "$CC_WORK/c3.pem" authentication)" \
	"^Response verify OK .*c3.pem: good"
out=$(ocsp "$CC_WORK/c4.pem" authentication)
tap_like "c4 (issued after the backup) is never good" "$out" "c4.pem: (unknown|revoked)|unauthorized"
svc_stop
tap_like "the restored CA issues" "$(issue c5)" "^[0-9A-F]{32}$"

# --- --force ------------------------------------------------------------------------------------
out=$("$CA" --state "$CC_WORK/busy" restore --from "$B" --force --publish-dir "$CC_WORK/none" \
	--crl-floor 1000 2>>"$TAP_LOG"); rc=$?
tap_like "--force: the directory in use is moved aside and kept" "$rc|$(echo "$out" | tr '\n' ' ')" \
	"^0\|.*the state directory it replaced is kept as $CC_WORK/busy.replaced-[0-9T]+Z"
tap_is "...with what it held" "$(cat "$CC_WORK"/busy.replaced-*/keep)" "keep"
tap_like "--crl-floor: the next CRL numbers are above it" "$out" \
	"next CRL numbers: authentication 1001, signing 1001, root 1001"
# (On PostgreSQL both copies use the one database: one log, which verifies.)
if [ -z "${CC_TEST_PG_URI:-}" ]; then want=6; else want=0; fi
tap_exit "that copy's audit verify sees the other copy's newer CRLs in the recorded folder ($want)" \
	$want "$CA" --state "$CC_WORK/busy" audit verify
"$CA" --state "$CC_WORK/busy" crl-publish --dir "$CC_WORK/www2" >>"$TAP_LOG" 2>&1
tap_is "...until it publishes its own: CRL 1001, audit verify passes" \
	"$(crlnum "$CC_WORK/www2/authentication-g2.crl") $("$CA" --state "$CC_WORK/busy" audit verify 2>>"$TAP_LOG" | head -c 12)" \
	"1001 audit log OK"
tap_like "audit verify on the restored CA, at the end" "$("$CA" audit verify 2>>"$TAP_LOG")" \
	"^audit log OK"
tap_done
