#!/bin/sh
# Integration: carecard-ca end to end with SoftHSM2 — init, keys only in the
# token, issuance checked by OpenSSL and GnuTLS, revocation and CRLs checked
# by openssl verify -crl_check, the audit chain and its tamper detection.
. "${top_srcdir:-${srcdir:-.}}/tests/lib/tap.sh"

SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$SOFTHSM_MODULE" ] || tap_skip_all "no SoftHSM2 module at $SOFTHSM_MODULE"
for t in openssl pkcs11-tool certtool sqlite3; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
CA=${top_builddir:-.}/ca/carecard-ca
[ -x "$CA" ] || tap_skip_all "carecard-ca not built"

work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
S=$work/ca
TAP_LOG=$work/log
export TAP_LOG
unset CARECARD_CA_STATE SOFTHSM2_CONF
cleanup_log() { [ "$tap_failed" -eq 0 ] || cat "$TAP_LOG" >&2; }

tap_plan 68

# --- init -------------------------------------------------------------
tap_ok "init creates the CA" "$CA" init --state "$S" --hsm-module "$SOFTHSM_MODULE" \
	--manager-uuid 100000000001 --manager-name "Alice Manager" \
	--crl-base-url http://crl.example.test --ocsp-url http://ocsp.example.test
tap_is "state directory is 0700" "$(stat -c %a "$S")" 700
tap_is "user PIN file is 0600" "$(stat -c %a "$S/hsm/user.pin")" 600
tap_is "SO PIN file is 0600" "$(stat -c %a "$S/hsm/so.pin")" 600
tap_fails "init refuses an existing CA" "$CA" init --state "$S" \
	--manager-uuid 100000000001 --manager-name "Alice Manager"
tap_fails "init needs the RA manager" "$CA" init --state "$work/other"

# --- keys live in the token, and nowhere else ---------------------------
objs=$(SOFTHSM2_CONF=$S/hsm/softhsm2.conf pkcs11-tool --module "$SOFTHSM_MODULE" \
	--token-label carecard-ca --login --pin "$(cat "$S/hsm/user.pin")" --list-objects 2>&1)
for k in carecard-root carecard-authentication carecard-signing; do
	tap_like "private key $k is in the token" "$objs" "Private Key Object.*
.*label: *$k"
done
tap_like "CA private keys are never extractable" "$objs" "never extractable"
tap_like "the card-management secret is in the token" "$objs" \
	"Secret Key Object.*
.*label: *carecard-card-management"
tap_is "no private key file anywhere in the state dir" \
	"$(grep -rlE 'PRIVATE KEY' "$S" 2>/dev/null | wc -l)" 0
tap_like "root is RSA-3072" "$(openssl x509 -in "$S/certs/root.pem" -noout -text)" \
	"Public-Key: \(3072 bit\)"

# --- the hierarchy ---------------------------------------------------------
root=$S/certs/root.pem authca=$S/certs/authentication.pem signca=$S/certs/signing.pem
rtext=$(openssl x509 -in "$root" -noout -text)
tap_like "root: CA:TRUE critical" "$rtext" "Basic Constraints: critical
 *CA:TRUE"
tap_like "root: keyCertSign + cRLSign" "$rtext" "Key Usage: critical
 *Certificate Sign, CRL Sign"
tap_like "root: named Carecard Root Authority" "$rtext" "Subject:.*CN = Carecard Root Authority"
atext=$(openssl x509 -in "$authca" -noout -text)
tap_like "issuing CA: pathlen 0" "$atext" "CA:TRUE, pathlen:0"
tap_like "issuing CA: AKI present" "$atext" "Authority Key Identifier"
tap_ok "issuing CAs chain to the root" openssl verify -x509_strict -CAfile "$root" \
	"$authca" "$signca"

# --- issuance ----------------------------------------------------------------
tap_ok "register a holder" "$CA" person-add --state "$S" --uuid 200000000002 \
	--name "Bob Holder" --email bob@example.test
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/a.key" -subj "/CN=ignored" \
	-out "$work/a.csr" 2>>"$TAP_LOG"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/s.key" \
	-subj "/CN=ignored" -out "$work/s.csr" 2>>"$TAP_LOG"
export CARECARD_CA_STATE=$S
aserial=$("$CA" issue-cert --profile authentication --csr "$work/a.csr" \
	--holder 200000000002 --out "$work/auth.pem" 2>>"$TAP_LOG")
tap_like "issue an authentication certificate" "$aserial" '^[0-9A-F]{32}$'
sserial=$("$CA" issue-cert --profile signing --csr "$work/s.csr" \
	--holder 200000000002 --out "$work/sign.pem" 2>>"$TAP_LOG")
tap_like "issue a signing certificate" "$sserial" '^[0-9A-F]{32}$'
tap_ok "openssl accepts the authentication chain" openssl verify -x509_strict \
	-CAfile "$root" -untrusted "$authca" "$work/auth.pem"
tap_ok "openssl accepts the signing chain" openssl verify -x509_strict \
	-CAfile "$root" -untrusted "$signca" "$work/sign.pem"
cat "$work/auth.pem" "$authca" "$root" >"$work/auth-chain.pem"
cat "$work/sign.pem" "$signca" "$root" >"$work/sign-chain.pem"
tap_ok "GnuTLS accepts the authentication chain" certtool --verify-chain \
	--infile "$work/auth-chain.pem"
tap_ok "GnuTLS accepts the signing chain" certtool --verify-chain --infile "$work/sign-chain.pem"
t=$(openssl x509 -in "$work/auth.pem" -noout -text)
tap_like "auth: KU digitalSignature only" "$t" "Key Usage: critical
 *Digital Signature$"
tap_like "auth: EKU clientAuth" "$t" "Extended Key Usage:
 *TLS Web Client Authentication"
tap_like "auth: subject from the registry" "$t" \
	"Subject: .*serialNumber = 200000000002, CN = Bob Holder"
tap_like "auth: CRL distribution point" "$t" "URI:http://crl.example.test/authentication.crl"
tap_like "auth: OCSP responder" "$t" "OCSP - URI:http://ocsp.example.test"
t=$(openssl x509 -in "$work/sign.pem" -noout -text)
tap_like "sign: KU nonRepudiation + digitalSignature" "$t" "Key Usage: critical
 *Digital Signature, Non Repudiation$"
tap_ok "register a card for the holder" "$CA" card-add --serial 0412345678 \
	--holder 200000000002
"$CA" issue-cert --profile signing --csr "$work/s.csr" --holder 200000000002 \
	--card 0499999999 --out "$work/nocard.pem" >>"$TAP_LOG" 2>&1
tap_is "unknown card: exit status 3" "$?" 3
tap_ok "issue onto a registered card" "$CA" issue-cert --profile signing --csr "$work/s.csr" \
	--holder 200000000002 --card 0412345678 --out "$work/card.pem"
tap_is "registry links certificate and card" "$(sqlite3 "$S/registry.db" \
	"SELECT count(*) FROM certificates WHERE card = '0412345678'")" 1
tap_is "same public key as the request" \
	"$(openssl req -in "$work/a.csr" -noout -pubkey | openssl sha256)" \
	"$(openssl x509 -in "$work/auth.pem" -noout -pubkey | openssl sha256)"

# A truncated request: exit 5 and nothing recorded.
n0=$(sqlite3 "$S/registry.db" "SELECT count(*) FROM audit")
head -c 300 "$work/a.csr" >"$work/bad.csr"
"$CA" issue-cert --profile signing --csr "$work/bad.csr" --holder 200000000002 \
	--out "$work/bad.pem" >>"$TAP_LOG" 2>&1
tap_is "truncated CSR: exit status 5" "$?" 5
tap_is "truncated CSR: nothing recorded" "$(sqlite3 "$S/registry.db" \
	"SELECT count(*) FROM audit")/$(test -e "$work/bad.pem" && echo file)" "$n0/"

# --- issue-certs: many requests, group commit --------------------------------------
for i in 1 2 3 4 5; do
	openssl req -new -newkey rsa:2048 -nodes -keyout "$work/m$i.key" -subj "/CN=x" \
		-out "$work/m$i.csr" 2>>"$TAP_LOG"
done
printf '# bulk list\nauthentication 200000000002 %s\nsigning 200000000002 %s 0412345678  # on a card\n\n' \
	"$work/m1.csr" "$work/m2.csr" >"$work/list-bad"
printf 'authentication 200000000002\nsigning 200000000002 %s/missing.csr\n' "$work" >>"$work/list-bad"
n0=$(sqlite3 "$S/registry.db" "SELECT count(*) FROM certificates")
out=$("$CA" issue-certs --list "$work/list-bad" --out-dir "$work/bulk-bad" 2>&1)
tap_is "issue-certs: a bad list line is exit 5" "$?" 5
tap_like "... each bad line named with its number" "$(echo $out)" \
	"list-bad:5: expected PROFILE HOLDER CSR-FILE \[CARD\], found 2 field.*list-bad:6: cannot read .*missing.csr"
tap_is "... and nothing is issued" "$(sqlite3 "$S/registry.db" \
	"SELECT count(*) FROM certificates")/$(ls "$work/bulk-bad" 2>/dev/null | wc -l)" "$n0/0"
{
	printf 'authentication 200000000002 %s\n' "$work/m1.csr" "$work/m3.csr"
	printf 'signing 200000000002 %s 0412345678\n' "$work/m2.csr"
	printf 'signing 200000000002 %s\n' "$work/bad.csr"		# truncated: refused alone
	printf 'authentication 999999999999 %s\n' "$work/m4.csr"	# unknown holder
	printf 'signing 200000000002 %s\n' "$work/m5.csr"
} >"$work/list"
out=$("$CA" issue-certs --list "$work/list" --out-dir "$work/bulk" --batch 2 2>"$work/bulk.err")
tap_is "issue-certs: exit 5 when some requests fail" "$?" 5
tap_is "... the four good ones issued, one line each (LINE SERIAL FILE)" \
	"$(echo "$out" | awk '{ print $1 }' | tr '\n' ' ')" "1 2 3 6 "
tap_like "... the bad ones named by line" "$(tr '\n' ' ' <"$work/bulk.err")" \
	"list:4: not issued: .*list:5: not issued: "
ok=0
for f in $(echo "$out" | awk '{ print $3 }'); do
	sn=$(openssl x509 -in "$f" -noout -serial | sed 's/serial=//')
	[ "$work/bulk/$sn.pem" = "$f" ] || ok=1
	openssl verify -x509_strict -CAfile "$root" -untrusted "$authca" -untrusted "$signca" \
		"$f" >>"$TAP_LOG" 2>&1 || ok=1
	[ "$(sqlite3 "$S/registry.db" "SELECT count(*) FROM certificates WHERE serial = '$sn'")" = 1 ] ||
		ok=1
done
tap_is "... each file named by its serial, verified by openssl, recorded" "$ok" 0
tap_is "... four rows more in the registry" \
	"$(sqlite3 "$S/registry.db" "SELECT count(*) FROM certificates")" "$((n0 + 4))"
tap_is "... line 3's certificate: its request's key, on the card" \
	"$(openssl x509 -in "$work/bulk/$(echo "$out" | awk '$1 == 3 { print $2 }').pem" -noout -pubkey |
		openssl sha256)/$(sqlite3 "$S/registry.db" "SELECT card FROM certificates WHERE serial = \
		'$(echo "$out" | awk '$1 == 3 { print $2 }')'")" \
	"$(openssl req -in "$work/m2.csr" -noout -pubkey | openssl sha256)/0412345678"
tap_ok "... and the audit chain verifies" "$CA" audit verify

# --- revocation and CRLs ---------------------------------------------------------
tap_ok "revoke the authentication certificate (leaver)" "$CA" revoke --serial "$aserial" \
	--reason leaver
"$CA" revoke --serial "$aserial" --reason leaver >>"$TAP_LOG" 2>&1
tap_is "revoking twice: exit status 8" "$?" 8
"$CA" crl --issuer authentication --out "$work/auth.crl" >>"$TAP_LOG" 2>&1 &&
"$CA" crl --issuer signing --out "$work/sign.crl" >>"$TAP_LOG" 2>&1 &&
"$CA" crl --issuer root --out "$work/root.crl" >>"$TAP_LOG" 2>&1
tap_is "CRLs generated" "$?" 0
tap_like "CRL entry with its reason" "$(openssl crl -in "$work/auth.crl" -noout -text)" \
	"Serial Number: $aserial
.*
.*
 *Affiliation Changed"
cat "$root" "$authca" "$signca" "$work/auth.crl" "$work/sign.crl" "$work/root.crl" \
	>"$work/trust.pem"
tap_fails "crl_check rejects the revoked certificate" openssl verify -crl_check_all \
	-CAfile "$work/trust.pem" "$work/auth.pem"
tap_ok "crl_check accepts the other" openssl verify -crl_check_all -CAfile "$work/trust.pem" \
	"$work/sign.pem"

# --- a second CA: token named by URI, P-256 issuing CAs ------------------------
E=$work/ec
tap_ok "init with a token URI and EC issuing CAs" "$CA" init --state "$E" \
	--token-uri "pkcs11:token=carecard-ec" --key-type ec \
	--manager-uuid 100000000001 --manager-name "Alice Manager" --durability normal
tap_like "EC issuing CA" "$(openssl x509 -in "$E/certs/signing.pem" -noout -text)" \
	"Public Key Algorithm: id-ecPublicKey"
"$CA" --state "$E" person-add --uuid 200000000002 --name "Bob Holder" >>"$TAP_LOG" 2>&1
"$CA" --state "$E" issue-cert --profile signing --csr "$work/a.csr" --holder 200000000002 \
	--out "$work/ec-sign.pem" >>"$TAP_LOG" 2>&1
tap_ok "ECDSA-signed certificate verifies" openssl verify -x509_strict \
	-CAfile "$E/certs/root.pem" -untrusted "$E/certs/signing.pem" "$work/ec-sign.pem"

# --- CLI conventions ---------------------------------------------------------
h=0
for c in init person-add card-add issue-cert issue-certs revoke crl audit; do
	"$CA" $c --help | grep -q "usage: carecard-ca $c" || h=1
done
tap_is "--help for every command" "$h" 0
"$CA" frobnicate >>"$TAP_LOG" 2>&1
tap_is "unknown command: exit status 2" "$?" 2
chmod 0644 "$S/hsm/user.pin"
"$CA" crl --issuer signing --out "$work/x.crl" >>"$TAP_LOG" 2>&1
tap_is "group/world-readable PIN file refused: exit status 9" "$?" 9
chmod 0600 "$S/hsm/user.pin"

# --- audit --------------------------------------------------------------------
tap_ok "audit verify passes" "$CA" audit verify
cp "$S/registry.db" "$work/pristine.db"
sqlite3 "$S/registry.db" "UPDATE audit SET actor = 'mallory' WHERE id = 3"
out=$("$CA" audit verify 2>&1)
tap_is "altered entry: exit status 6" "$?" 6
tap_like "altered entry: named" "$out" "BROKEN at entry 3: .*altered"
cp "$work/pristine.db" "$S/registry.db"
sqlite3 "$S/registry.db" "DELETE FROM audit WHERE id = 2"
out=$("$CA" audit verify 2>&1)
tap_is "deleted entry: exit status 6" "$?" 6
tap_like "deleted entry: named" "$out" "BROKEN at entry 3: .*deleted"
cp "$work/pristine.db" "$S/registry.db"
sqlite3 "$S/registry.db" "INSERT INTO audit (id, time, actor, action, subject, details,
	prev_hash, hash) SELECT (SELECT max(id) + 1 FROM audit), time, actor, action, subject,
	details, prev_hash, hash FROM audit WHERE id = 2"
out=$("$CA" audit verify 2>&1)
tap_is "inserted entry: exit status 6" "$?" 6
tap_like "inserted entry: named" "$out" "BROKEN at entry [0-9]+: .*chain"
cp "$work/pristine.db" "$S/registry.db"
rm -f "$S/registry.db-wal" "$S/registry.db-shm"
cleanup_log
tap_done
