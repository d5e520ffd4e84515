#!/bin/sh
# The README's main command ends in scripts/demo.sh: it must keep working,
# and it must show what it claims (a verified prescription, a revoked
# certificate on the CRL, an intact audit log, every registry change made by
# someone who proved who they are with their own card).
. "$top_srcdir/tests/lib/tap.sh"

for t in pkcs11-tool openssl sqlite3; do command -v $t >/dev/null || tap_skip_all "$t not installed"; done
[ -f /usr/lib/softhsm/libsofthsm2.so ] || tap_skip_all "SoftHSM2 not installed"
ls /usr/lib/*/engines-3/pkcs11.so >/dev/null 2>&1 || tap_skip_all "libengine-pkcs11-openssl not installed"
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "the demo's openssl cannot load an ASan-built module"

tap_plan 10
out=$(sh "$top_srcdir/scripts/demo.sh" "$top_builddir" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /' | tail -n 60 >&2
tap_is "scripts/demo.sh exits 0" "$rc" 0
tap_like "the prescription's CMS signature verifies" "$out" '^CMS Verification successful'
tap_like "the verified content is the prescription" "$out" '^content matches'
tap_like "the cancelled card's signing certificate is on the CRL" "$out" "signing certificate [0-9A-F]+ is on the CRL"
tap_like "the audit log verifies" "$out" '^audit log OK'
who() {
	sqlite3 "$top_builddir/demo/ca/registry.db" "SELECT group_concat(a, ' ') FROM
		(SELECT actor || ':' || action AS a FROM audit WHERE action IN ($1) ORDER BY id)" 2>&1
}
tap_is "people and the card life in the names of Alice, Sam and Rita" \
	"$(who "'person-add', 'register', 'verify-identity', 'issue-card', 'cancel-card'")" \
	"100000000001:issue-card 100000000001:person-add 100000000001:person-add 100000000001:issue-card 100000000001:issue-card 100000000002:register 100000000003:verify-identity 100000000003:issue-card 100000000003:cancel-card"
# The demo's own crl and the service's CRL jobs: all the system account's.
tap_like "every CRL by the CA's own account" "$(who "'crl'")" "^system:crl( system:crl)*$"
# issue 11: the service on its embedded defaults, a relying party over OCSP
tap_like "the service starts on its embedded defaults" "$out" '^serving at http://127\.0\.0\.1:'
tap_like "before the cancellation, OCSP says good (verified)" "$(printf '%s' "$out" | tr '\n' ' ')" \
	'Response verify OK [^ ]*bob-auth.pem: good'
tap_like "after it, revoked" "$(printf '%s' "$out" | tr '\n' ' ')" 'Response verify OK [^ ]*bob-auth.pem: revoked'
