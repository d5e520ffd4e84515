#!/bin/sh
# Integration: carecard-card doctor checks a holder's workstation the way a
# support desk would — one line per check, the fix under each failure, exit
# 0 only when nothing failed. Each check is broken on purpose and mended:
# p11-kit registration, the card, Chromium's NSS database, the service
# (unreachable, then a real carecard-ca serve), the policy (the CA's, then a
# workstation policy that differs).
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

# p11-kit reads no per-user registration in a process running as root (CI
# does): there the doctor runs as an unprivileged user in a user namespace,
# as in test-module-p11kit.sh.
as_user=
if [ "$(id -u)" -eq 0 ]; then
	unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null ||
		tap_skip_all "running as root, where p11-kit ignores user config, and unshare --user is not permitted"
	as_user="unshare --user --map-user=1000 --map-group=1000"
fi
tap_plan 19
doctor() {
	# cc_client: in the sanitizer build, modutil (which doctor runs, and
	# which loads the module) needs the sanitizer runtimes preloaded
	out=$(cc_client $as_user "$CC_CARD_TOOL" doctor --module "$CC_MODULE" "$@" 2>>"$TAP_LOG")
	rc=$?
	printf '+ doctor %s\n%s\n' "$*" "$out" >>"$TAP_LOG"
}
line() { printf '%s\n' "$out" | grep -E "^[a-zA-Z]+ +$1:" | head -n 1; }
fix_after() { printf '%s\n' "$out" | grep -A1 -E "^FAIL +$1:" | sed -n 's/^ *fix: //p'; }

# A closed port: nothing listens there.
dead=$(svc_port_pick)
doctor --server "http://127.0.0.1:$dead"
tap_is "no card, no registration, no service: exit 7" "$rc" 7
tap_like "p11-kit registration missing: FAIL" "$(line p11-kit)" "^FAIL +p11-kit: carecard is not registered"
tap_like "...with the fix: the module file to write" "$(fix_after p11-kit)" \
	"~/.config/pkcs11/modules/carecard.module"
tap_like "no card: FAIL, with 'insert your card'" "$(fix_after card)" "^insert your card"
tap_like "service unreachable: FAIL naming the URL" "$(line service)" \
	"^FAIL +service: http://127.0.0.1:$dead cannot be reached"
tap_like "...with the fix" "$(fix_after service)" "check the URL, that the service runs"
tap_like "the policy cannot be compared: skip, said why" "$(line policy)" \
	"^skip +policy: the service could not be asked"

# Mend: register the module the way the fix says, a card with certificates.
mkdir -p "$HOME/.config/pkcs11/modules"
echo "module: $CC_MODULE" >"$HOME/.config/pkcs11/modules/carecard.module"
cc_blank_card 1 && cc_personalise 1 ec
ca_init
svc_start --no-jobs
doctor --server "$SVC_URL"
tap_like "registered: ok" "$(line p11-kit)" "^ok +p11-kit: carecard is registered"
tap_like "the card: ok, with its serial and reader" "$(line card)" \
	"^ok +card: [0-9]{16} in reader 'Test Reader 1'"
tap_like "the certificate: OpenSSL reads it" "$(line certificate)" \
	"^ok +certificate: OpenSSL reads 'Test Holder 1', valid until"
tap_like "the service answers" "$(line service)" "^ok +service: $SVC_URL answers"
tap_like "the policy is the CA's (built-in NHS rules here, nhs.yaml at the CA)" "$(line policy)" \
	"^ok +policy: the same as the CA's"
# Chromium's database: broken (none) unless NSS tools are missing.
if command -v modutil >/dev/null; then
	tap_like "no browser database: FAIL with the modutil command" "$(fix_after NSS)" \
		"^with Chromium closed: modutil -dbdir sql:$HOME/.pki/nssdb -add carecard"
	mkdir -p "$HOME/.pki/nssdb"
	certutil -N -d "sql:$HOME/.pki/nssdb" --empty-password >>"$TAP_LOG" 2>&1
	cc_client modutil -dbdir "sql:$HOME/.pki/nssdb" -add carecard -libfile "$CC_MODULE" -force \
		>>"$TAP_LOG" 2>&1
	doctor --server "$SVC_URL"
	tap_like "...added as the fix says: ok" "$(line NSS)" "^ok +NSS: Chromium's database loads carecard"
	tap_is "every check passes: exit 0" "$rc" 0
	tap_like "...and says so" "$out" "All checks passed\.$"
else
	for t in 1 2 3 4; do tap_skip "NSS database checks" "modutil not installed"; done
fi

# The policy served is the CA's canonical policy, and its hash.
curl -s "$SVC_URL/policy.yaml" >"$CC_WORK/served.yaml"
tap_is "/policy.yaml.sha256 is the SHA-256 of /policy.yaml" \
	"$(curl -s "$SVC_URL/policy.yaml.sha256")" "$(sha256sum <"$CC_WORK/served.yaml" | sed 's/-$/policy.yaml/')"

# A workstation whose policy differs (a longer minimum passcode).
printf 'version: 1\npasscode:\n  min-length: 6\n' >"$CC_WORK/other.yaml"
echo "policy: $CC_WORK/other.yaml" >>"$CARECARD_CONF"
doctor --server "$SVC_URL"
tap_like "another policy on the workstation: FAIL" "$(line policy)" \
	"^FAIL +policy: this workstation's \($CC_WORK/other.yaml\) differs from the CA's"
tap_like "...with the fix: fetch the CA's" "$(fix_after policy)" "curl -o policy.yaml $SVC_URL/policy.yaml"
svc_stop
tap_done
