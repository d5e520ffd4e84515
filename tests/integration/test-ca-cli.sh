#!/bin/sh
# Integration: carecard-ca end to end with SoftHSM2 — init (policy and card
# module recorded), keys only in the token, issuance by an RA operator
# authenticated with their own card, checked by OpenSSL and GnuTLS,
# revocation and CRLs checked by openssl verify -crl_check, the CA's own
# system account (crl, audit), commands without an operator card changing
# nothing, the audit chain and its tamper detection.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

work=$CC_WORK
unset CARECARD_CA_STATE

# The NHS policy with this test's CRL and OCSP addresses: certificates name
# the policy's (init takes no URLs: the policy is their one source).
sed -e 's|"http://pki.carecard.invalid/crl/authentication-g2.crl"|"http://crl.example.test/authentication.crl"|' \
    -e 's|"http://pki.carecard.invalid/crl/signing-g2.crl"|"http://crl.example.test/signing.crl"|' \
    -e 's|"http://pki.carecard.invalid/ocsp/[a-z0-9-]*"|"http://ocsp.example.test"|' \
    "$top_srcdir/policy/nhs.yaml" >"$work/policy.yaml"
pin alice 1234
# try CMD...: "STATUS|stderr on one line", for refusals and errors.
try() {
	_err=$("$@" 2>&1 >/dev/null); _rc=$?
	printf '%s\n' "$_err" >>"$TAP_LOG"
	printf '%s|%s' "$_rc" "$(printf '%s' "$_err" | tr '\n' ' ')"
}

tap_plan 97

# --- init -------------------------------------------------------------
tap_ok "init creates the CA" "$CA" init --state "$S" --hsm-module "$SOFTHSM_MODULE" \
	--manager-uuid $ALICE --manager-name "Alice Manager" \
	--policy "$work/policy.yaml" --card-module "$CC_MODULE"
tap_is "state directory is 0700" "$(stat -c %a "$S")" 700
tap_is "user PIN file is 0600" "$(stat -c %a "$S/hsm/user.pin")" 600
tap_is "SO PIN file is 0600" "$(stat -c %a "$S/hsm/so.pin")" 600
tap_ok "init installs the policy it was given" cmp "$S/policy.yaml" "$work/policy.yaml"
tap_is "init records the card module" \
	"$(sql "SELECT value FROM config WHERE key = 'card-module'")" "$CC_MODULE"
tap_fails "init refuses an existing CA" "$CA" init --state "$S" \
	--manager-uuid $ALICE --manager-name "Alice Manager"
tap_fails "init needs the RA manager" "$CA" init --state "$work/other"
printf 'version: 1\nrenewal:\n  window: soon\n' >"$work/bad-policy.yaml"
tap_like "init refuses a broken policy at file:line:column (5)" \
	"$(try "$CA" init --state "$work/other" --manager-uuid $ALICE --manager-name A \
		--policy "$work/bad-policy.yaml")" "^5\|.*bad-policy.yaml:3:11: renewal.window"
tap_is "... and makes no CA: no registry, no policy" \
	"$(ls "$work/other/registry.db" "$work/other/policy.yaml" 2>/dev/null)" ""

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

# --- the operator: the first RA manager's own card -------------------------------
export CARECARD_CA_STATE=$S
tap_ok "the first RA manager's card (bootstrap, no operator)" ca_bootstrap 1
BOB=200000000002
n0=$(sql "SELECT count(*) FROM audit")
"$CA" person-add --uuid $BOB --name "Bob Holder" --documents $DOCS >>"$TAP_LOG" 2>&1
tap_is "person-add without an operator card: exit 9, nobody registered, the refusal on record" \
	"$?/$(sql "SELECT count(*) FROM people WHERE uuid = '$BOB'")/$(sql "SELECT count(*) FROM audit")/$(sql "SELECT actor || ' ' || action FROM audit ORDER BY id DESC LIMIT 1")" \
	"9/0/$((n0 + 1))/nobody person-add-refused"
CARECARD_CA_ACTOR=$ALICE "$CA" person-add --uuid $BOB --name "Bob Holder" --documents $DOCS \
	>>"$TAP_LOG" 2>&1
tap_is "\$CARECARD_CA_ACTOR names nobody: still exit 9" "$?" 9
"$CA" person-add --uuid $BOB --name "Bob Holder" --documents $DOCS --actor $ALICE \
	--operator-reader 1 >>"$TAP_LOG" 2>&1
tap_is "--actor is no option (2)" "$?" 2
op person-add --uuid $BOB --name "Bob Holder" >>"$TAP_LOG" 2>&1
tap_is "person-add needs the identity documents checked (2)" "$?" 2

# --- issuance ----------------------------------------------------------------
tap_ok "register a holder (identity checked in person)" op person-add --uuid $BOB \
	--name "Bob Holder" --email bob@example.test --documents $DOCS
tap_is "... recorded with who checked the identity, audited in their name" \
	"$(sql "SELECT checked_by FROM people WHERE uuid = '$BOB'")/$(sql \
	   "SELECT actor || ' ' || json_extract(details, '\$.documents') FROM audit WHERE action = 'person-add' AND subject = '$BOB'")" \
	"$ALICE/$ALICE $DOCS"
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/a.key" -subj "/CN=ignored" \
	-out "$work/a.csr" 2>>"$TAP_LOG"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/s.key" \
	-subj "/CN=ignored" -out "$work/s.csr" 2>>"$TAP_LOG"
"$CA" issue-cert --profile authentication --csr "$work/a.csr" --holder $BOB \
	--out "$work/none.pem" >>"$TAP_LOG" 2>&1
tap_is "issue-cert without an operator card: exit 9, nothing issued" \
	"$?/$(sql "SELECT count(*) FROM certificates WHERE holder = '$BOB'")/$(test -e "$work/none.pem" && echo file)" \
	"9/0/"
op issue-cert --profile authentication --csr "$work/a.csr" --holder $BOB --days 30 \
	--out "$work/none.pem" >>"$TAP_LOG" 2>&1
tap_is "issue-cert --days is no option: lifetimes come from the policy (2)" "$?" 2
aserial=$(op issue-cert --profile authentication --csr "$work/a.csr" \
	--holder $BOB --out "$work/auth.pem" 2>>"$TAP_LOG")
tap_like "issue an authentication certificate" "$aserial" '^[0-9A-F]{32}$'
sserial=$(op issue-cert --profile signing --csr "$work/s.csr" \
	--holder $BOB --out "$work/sign.pem" 2>>"$TAP_LOG")
tap_like "issue a signing certificate" "$sserial" '^[0-9A-F]{32}$'
tap_is "issuance audited in the operator's name" \
	"$(sql "SELECT actor FROM audit WHERE action = 'issue-cert' AND subject = '$aserial'")" $ALICE
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
	"Subject: .*(serialNumber = $BOB, CN = Bob Holder|CN = Bob Holder, serialNumber = $BOB)"
tap_like "auth: CRL distribution point" "$t" "URI:http://crl.example.test/authentication.crl"
tap_like "auth: OCSP responder" "$t" "OCSP - URI:http://ocsp.example.test"
t=$(openssl x509 -in "$work/sign.pem" -noout -text)
tap_like "sign: KU nonRepudiation + digitalSignature" "$t" "Key Usage: critical
 *Digital Signature, Non Repudiation$"
"$CA" card-add --serial 0412345678 --holder $BOB >>"$TAP_LOG" 2>&1
tap_is "card-add without an operator card: exit 9, no card" \
	"$?/$(sql "SELECT count(*) FROM cards WHERE serial = '0412345678'")" "9/0"
tap_ok "register a card for the holder" op card-add --serial 0412345678 --holder $BOB
op issue-cert --profile signing --csr "$work/s.csr" --holder $BOB \
	--card 0499999999 --out "$work/nocard.pem" >>"$TAP_LOG" 2>&1
tap_is "unknown card: exit status 3" "$?" 3
tap_ok "issue onto a registered card" op issue-cert --profile signing --csr "$work/s.csr" \
	--holder $BOB --card 0412345678 --out "$work/card.pem"
tap_is "registry links certificate and card" "$(sql \
	"SELECT count(*) FROM certificates WHERE card = '0412345678'")" 1
tap_is "same public key as the request" \
	"$(openssl req -in "$work/a.csr" -noout -pubkey | openssl sha256)" \
	"$(openssl x509 -in "$work/auth.pem" -noout -pubkey | openssl sha256)"

# A truncated request: exit 5 and nothing recorded (a good login is not an
# entry of its own: the operation's entry names the operator and the card).
n0=$(sql "SELECT count(*) FROM audit")
head -c 300 "$work/a.csr" >"$work/bad.csr"
op issue-cert --profile signing --csr "$work/bad.csr" --holder $BOB \
	--out "$work/bad.pem" >>"$TAP_LOG" 2>&1
tap_is "truncated CSR: exit status 5" "$?" 5
tap_is "truncated CSR: nothing recorded" "$(sql \
	"SELECT count(*) FROM audit")/$(test -e "$work/bad.pem" && echo file)" "$n0/"
# Someone nobody checked: registered by a sponsor's request, never verified.
sql "INSERT INTO people (uuid, name) VALUES ('300000000003', 'Carol Unchecked')"
tap_like "no certificate for a person whose identity nobody checked (8)" \
	"$(try op issue-cert --profile authentication --csr "$work/a.csr" --holder 300000000003 \
	   --out "$work/carol.pem")" \
	"^8\|.*refused by ra.identity-documents"

# --- issue-certs: many requests, group commit --------------------------------------
for i in 1 2 3 4 5; do
	openssl req -new -newkey rsa:2048 -nodes -keyout "$work/m$i.key" -subj "/CN=x" \
		-out "$work/m$i.csr" 2>>"$TAP_LOG"
done
printf '# bulk list\nauthentication %s %s\nsigning %s %s 0412345678  # on a card\n\n' \
	$BOB "$work/m1.csr" $BOB "$work/m2.csr" >"$work/list-bad"
printf 'authentication %s\nsigning %s %s/missing.csr\n' $BOB $BOB "$work" >>"$work/list-bad"
n0=$(sql "SELECT count(*) FROM certificates")
out=$(op issue-certs --list "$work/list-bad" --out-dir "$work/bulk-bad" 2>&1)
tap_is "issue-certs: a bad list line is exit 5" "$?" 5
tap_like "... each bad line named with its number" "$(echo $out)" \
	"list-bad:5: expected PROFILE HOLDER CSR-FILE \[CARD\], found 2 field.*list-bad:6: cannot read .*missing.csr"
tap_is "... and nothing is issued" "$(sql \
	"SELECT count(*) FROM certificates")/$(ls "$work/bulk-bad" 2>/dev/null | wc -l)" "$n0/0"
printf 'authentication %s %s\n' $BOB "$work/m1.csr" >"$work/list-one"
"$CA" issue-certs --list "$work/list-one" --out-dir "$work/bulk-none" >>"$TAP_LOG" 2>&1
tap_is "issue-certs without an operator card: exit 9, nothing issued" \
	"$?/$(sql "SELECT count(*) FROM certificates")/$(ls "$work/bulk-none" 2>/dev/null | wc -l)" \
	"9/$n0/0"
{
	printf 'authentication %s %s\n' $BOB "$work/m1.csr"
	printf 'authentication 999999999999 %s\n' "$work/m4.csr"	# unknown holder
} >"$work/list-who"
tap_like "issue-certs: an unknown holder refuses the whole list (3), naming them" \
	"$(try op issue-certs --list "$work/list-who" --out-dir "$work/bulk-who")" \
	"^3\|.*no person 999999999999 in the registry"
tap_is "... before anything is signed" "$(sql \
	"SELECT count(*) FROM certificates")/$(ls "$work/bulk-who" 2>/dev/null | wc -l)" "$n0/0"
{
	printf 'authentication %s %s\n' $BOB "$work/m1.csr" $BOB "$work/m3.csr"
	printf 'signing %s %s 0412345678\n' $BOB "$work/m2.csr"
	printf 'signing %s %s\n' $BOB "$work/bad.csr"		# truncated: refused alone
	printf 'signing %s %s\n' $BOB "$work/m5.csr"
} >"$work/list"
out=$(op issue-certs --list "$work/list" --out-dir "$work/bulk" --batch 2 2>"$work/bulk.err")
tap_is "issue-certs: exit 5 when some requests fail" "$?" 5
tap_is "... the four good ones issued, one line each (LINE SERIAL FILE)" \
	"$(echo "$out" | awk '{ print $1 }' | tr '\n' ' ')" "1 2 3 5 "
tap_like "... the bad one named by line" "$(tr '\n' ' ' <"$work/bulk.err")" \
	"list:4: not issued: "
ok=0
for f in $(echo "$out" | awk '{ print $3 }'); do
	sn=$(openssl x509 -in "$f" -noout -serial | sed 's/serial=//')
	[ "$work/bulk/$sn.pem" = "$f" ] || ok=1
	openssl verify -x509_strict -CAfile "$root" -untrusted "$authca" -untrusted "$signca" \
		"$f" >>"$TAP_LOG" 2>&1 || ok=1
	[ "$(sql "SELECT count(*) FROM certificates WHERE serial = '$sn'")" = 1 ] || ok=1
done
tap_is "... each file named by its serial, verified by openssl, recorded" "$ok" 0
tap_is "... four rows more in the registry" \
	"$(sql "SELECT count(*) FROM certificates")" "$((n0 + 4))"
tap_is "... line 3's certificate: its request's key, on the card" \
	"$(openssl x509 -in "$work/bulk/$(echo "$out" | awk '$1 == 3 { print $2 }').pem" -noout -pubkey |
		openssl sha256)/$(sql "SELECT card FROM certificates WHERE serial = \
		'$(echo "$out" | awk '$1 == 3 { print $2 }')'")" \
	"$(openssl req -in "$work/m2.csr" -noout -pubkey | openssl sha256)/0412345678"
tap_ok "... and the audit chain verifies" "$CA" audit verify

# --- revocation and CRLs ---------------------------------------------------------
"$CA" revoke --serial "$aserial" --reason leaver >>"$TAP_LOG" 2>&1
tap_is "revoke without an operator card: exit 9, still valid" \
	"$?/$(sql "SELECT status FROM certificates WHERE serial = '$aserial'")" "9/valid"
tap_ok "revoke the authentication certificate (leaver)" op revoke --serial "$aserial" \
	--reason leaver
op revoke --serial "$aserial" --reason leaver >>"$TAP_LOG" 2>&1
tap_is "revoking twice: exit status 8" "$?" 8
tap_is "revocation audited in the operator's name" \
	"$(sql "SELECT actor FROM audit WHERE action = 'revoke' AND subject = '$aserial'")" $ALICE
# CRLs: the CA's own system account, no card.
"$CA" crl --issuer authentication --out "$work/auth.crl" >>"$TAP_LOG" 2>&1 &&
"$CA" crl --issuer signing --out "$work/sign.crl" >>"$TAP_LOG" 2>&1 &&
"$CA" crl --issuer root --out "$work/root.crl" >>"$TAP_LOG" 2>&1
tap_is "CRLs generated by the CA's system account (no card)" "$?" 0
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
"$CA" crl --issuer signing --out "$work/x.crl" --operator-reader 1 >>"$TAP_LOG" 2>&1
tap_is "crl takes no operator card: the system account's job (2)" "$?" 2

# --- a second CA: token named by URI, P-256 issuing CAs, the default policy -----
E=$work/ec
tap_ok "init with a token URI and EC issuing CAs" "$CA" init --state "$E" \
	--token-uri "pkcs11:token=carecard-ec" --key-type ec \
	--manager-uuid $ALICE --manager-name "Alice Manager" --durability normal \
	--card-module "$CC_MODULE"
tap_like "EC issuing CA" "$(openssl x509 -in "$E/certs/signing.pem" -noout -text)" \
	"Public Key Algorithm: id-ecPublicKey"
tap_like "without --policy, init installs the NHS rules" "$(cat "$E/policy.yaml")" \
	"sponsor-not-ra-agent: true"
OPR=2
cc_blank_card 2
as - alice "$CA" --state "$E" issue-card --bootstrap --holder $ALICE --reader 2 >>"$TAP_LOG" 2>&1
op --state "$E" person-add --uuid $BOB --name "Bob Holder" --documents $DOCS >>"$TAP_LOG" 2>&1
op --state "$E" issue-cert --profile signing --csr "$work/a.csr" --holder $BOB \
	--out "$work/ec-sign.pem" >>"$TAP_LOG" 2>&1
tap_ok "ECDSA-signed certificate verifies" openssl verify -x509_strict \
	-CAfile "$E/certs/root.pem" -untrusted "$E/certs/signing.pem" "$work/ec-sign.pem"
tap_like "a card of the other CA is no operator card here (9)" \
	"$(try op issue-cert --profile signing --csr "$work/a.csr" --holder $BOB \
	   --out "$work/cross.pem")" \
	"^9\|.*could not be authenticated"
OPR=1

# --- CLI conventions ---------------------------------------------------------
h=0
for c in init person-add card-add issue-cert issue-certs revoke crl audit policy-install; do
	"$CA" $c --help | grep -q "usage: carecard-ca $c" || h=1
done
tap_is "--help for every command" "$h" 0
h=0
for c in person-add card-add issue-cert issue-certs revoke policy-install; do
	"$CA" $c --help | grep -q -- "--operator-reader N \[--org ODS\]" || h=1
done
tap_is "--help of every operator command shows --operator-reader" "$h" 0
"$CA" frobnicate >>"$TAP_LOG" 2>&1
tap_is "unknown command: exit status 2" "$?" 2
chmod 0644 "$S/hsm/user.pin"
"$CA" crl --issuer signing --out "$work/x.crl" >>"$TAP_LOG" 2>&1
tap_is "group/world-readable PIN file refused: exit status 9" "$?" 9
chmod 0600 "$S/hsm/user.pin"

# --- audit --------------------------------------------------------------------
tap_ok "audit verify passes" "$CA" audit verify
last=$(sql "SELECT max(id) FROM audit")
tap_is "audit show --limit 2: the newest two entries, oldest first" \
	"$("$CA" audit show --limit 2 2>>"$TAP_LOG" | cut -f1 | tr '\n' ' ')" \
	"$((last - 1)) $last "
tap_is "audit show: every entry" "$("$CA" audit show 2>>"$TAP_LOG" | wc -l)" "$last"
cp "$S/registry.db" "$work/pristine.db"
sql "UPDATE audit SET actor = 'mallory' WHERE id = 3"
out=$("$CA" audit verify 2>&1)
tap_is "altered entry: exit status 6" "$?" 6
tap_like "altered entry: named" "$out" "BROKEN at entry 3: .*altered"
cp "$work/pristine.db" "$S/registry.db"
sql "DELETE FROM audit WHERE id = 2"
out=$("$CA" audit verify 2>&1)
tap_is "deleted entry: exit status 6" "$?" 6
tap_like "deleted entry: named" "$out" "BROKEN at entry 3: .*deleted"
cp "$work/pristine.db" "$S/registry.db"
sql "INSERT INTO audit (id, time, actor, action, subject, details,
	prev_hash, hash) SELECT (SELECT max(id) + 1 FROM audit), time, actor, action, subject,
	details, prev_hash, hash FROM audit WHERE id = 2"
out=$("$CA" audit verify 2>&1)
tap_is "inserted entry: exit status 6" "$?" 6
tap_like "inserted entry: named" "$out" "BROKEN at entry [0-9]+: .*chain"
cp "$work/pristine.db" "$S/registry.db"
rm -f "$S/registry.db-wal" "$S/registry.db-shm"

# --- issue-certs across chunks (1024 requests each, written while the next is signed)
awk -v bob=$BOB -v w="$work" 'BEGIN { for (i = 1; i <= 2100; i++)
	printf "authentication %s %s/%s.csr\n", bob, w, (i == 1500 ? "bad" : "m" (i % 5 + 1)) }' \
	>"$work/list-big"
out=$(op issue-certs --list "$work/list-big" --out-dir "$work/bulk-big" 2>"$work/big.err")
tap_is "issue-certs of 2100 requests (three chunks), one bad: exit 5" "$?" 5
tap_is "... the 2099 good lines answered once each, in order, each with its file" \
	"$(echo "$out" | awk '{ print $1 }' | cksum)/$(ls "$work/bulk-big" | wc -l)" \
	"$(seq 1 2100 | grep -vx 1500 | cksum)/2099"
tap_like "... the bad one named by its line, in the second chunk" "$(tr '\n' ' ' <"$work/big.err")" \
	"list-big:1500: not issued: "
tap_done
