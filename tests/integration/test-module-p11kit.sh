#!/bin/sh
# Through p11-kit, registered by a test-local module config (never the
# system one): p11-kit lists the module, GnuTLS's p11tool lists the tokens
# and both certificates, and signatures made through p11-kit's proxy with
# RSA-PKCS, RSA-PSS and ECDSA verify with openssl against the certificate.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v p11-kit >/dev/null || tap_skip_all "p11-kit not installed"
command -v p11tool >/dev/null || tap_skip_all "p11tool (gnutls-bin) not installed"
command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
PROXY=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null)
[ -f "$PROXY" ] || PROXY=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
[ -f "$PROXY" ] || tap_skip_all "p11-kit-proxy.so not found"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
# p11-kit skips user configuration in a process running as root (CI does):
# there, run p11-kit's clients as an unprivileged user in a user namespace,
# which still reads the private HOME config and never the system one.
as_user=
if [ "$(id -u)" -eq 0 ]; then
	unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null ||
		tap_skip_all "running as root, where p11-kit ignores user config, and unshare --user is not permitted"
	as_user="unshare --user --map-user=1000 --map-group=1000"
fi
pk() { cc_client $as_user "$@"; }
tap_plan 14

# Register the module the way `make install` does, but in the private HOME.
mkdir -p "$XDG_CONFIG_HOME/pkcs11/modules"
sed "s|^module:.*|module: $CC_MODULE|" "$top_srcdir/pkcs11/carecard.module" \
	>"$XDG_CONFIG_HOME/pkcs11/modules/carecard.module"

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "two cards personalised" "$?" 0

mods=$(pk p11-kit list-modules 2>&1)
tap_like "p11-kit list-modules shows the carecard module" "$mods" '^carecard: '
tap_like "p11-kit list-modules shows the card in reader 1" "$mods" 'token: Test Holder 1'

toks=$(pk p11tool --list-tokens 2>&1)
tap_like "p11tool --list-tokens lists reader 1's card" "$toks" 'Label: Test Holder 1'
tap_like "p11tool --list-tokens lists reader 2's card" "$toks" 'Label: Test Holder 2'

certs=$(GNUTLS_PIN=$CC_PIN pk p11tool --list-all-certs --login "pkcs11:token=Test%20Holder%201" 2>&1)
echo "$certs" >>"$TAP_LOG"
n=$(printf '%s\n' "$certs" | grep -c 'Type: X.509 Certificate')
tap_is "p11tool --list-all-certs --login lists both certificates" "$n" 2
tap_like "the authentication certificate is listed by label" "$certs" 'Label: authentication'

printf 'Prescription 1: amoxicillin 500mg, 21 capsules\n' >"$CC_WORK/rx.txt"

# sign_and_verify DESC TOKEN ID MECH "PKCS11-TOOL-OPTS" "OPENSSL-DGST-OPTS"
sign_and_verify() {
	desc=$1 tok=$2 id=$3 mech=$4 popts=$5 oopts=$6
	d=$CC_WORK/pki-$( [ "$tok" = "Test Holder 1" ] && echo 1 || echo 2)-$id
	sig=$CC_WORK/sig.$$.bin
	rm -f "$sig"
	# shellcheck disable=SC2086
	if ! pk pkcs11-tool --module "$PROXY" --token-label "$tok" --login --pin "$CC_PIN" \
		--sign --id "$id" -m "$mech" $popts -i "$CC_WORK/rx.txt" -o "$sig" >>"$TAP_LOG" 2>&1; then
		tap_fail "$desc" "pkcs11-tool could not sign through p11-kit"
		return
	fi
	openssl x509 -in "$d/cert.pem" -pubkey -noout >"$d/cert-pub.pem"
	# shellcheck disable=SC2086
	if openssl dgst -sha256 $oopts -verify "$d/cert-pub.pem" -signature "$sig" \
		"$CC_WORK/rx.txt" >>"$TAP_LOG" 2>&1; then
		tap_pass "$desc"
	else
		tap_fail "$desc" "openssl does not verify the signature against the certificate"
	fi
}

sign_and_verify "RSA PKCS#1 v1.5 (SHA256-RSA-PKCS) verifies with openssl" \
	"Test Holder 1" 02 SHA256-RSA-PKCS "" ""
sign_and_verify "RSA-PSS (SHA256-RSA-PKCS-PSS, salt 32) verifies with openssl" \
	"Test Holder 1" 02 SHA256-RSA-PKCS-PSS "--mgf MGF1-SHA256 --salt-len 32" \
	"-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32"
sign_and_verify "RSA-PSS with the maximum salt (222) verifies with openssl" \
	"Test Holder 1" 01 SHA256-RSA-PKCS-PSS "--mgf MGF1-SHA256 --salt-len 222" \
	"-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:222"
sign_and_verify "ECDSA P-256 (ECDSA-SHA256) verifies with openssl" \
	"Test Holder 2" 02 ECDSA-SHA256 "--signature-format openssl" ""

# Raw CKM_RSA_PKCS over a caller-built DigestInfo, as TLS and CMS stacks use it.
openssl dgst -sha256 -binary "$CC_WORK/rx.txt" >"$CC_WORK/rx.sha256"
{ printf '\060\061\060\015\006\011\140\206\110\001\145\003\004\002\001\005\000\004\040'; cat "$CC_WORK/rx.sha256"; } >"$CC_WORK/rx.di"
if pk pkcs11-tool --module "$PROXY" --token-label "Test Holder 1" --login --pin "$CC_PIN" \
	--sign --id 01 -m RSA-PKCS -i "$CC_WORK/rx.di" -o "$CC_WORK/raw.sig" >>"$TAP_LOG" 2>&1 &&
   openssl x509 -in "$CC_WORK/pki-1-01/cert.pem" -pubkey -noout >"$CC_WORK/p101.pem" &&
   openssl pkeyutl -verifyrecover -pubin -inkey "$CC_WORK/p101.pem" -in "$CC_WORK/raw.sig" \
	-out "$CC_WORK/raw.rec" >>"$TAP_LOG" 2>&1 && cmp -s "$CC_WORK/raw.rec" "$CC_WORK/rx.di"; then
	tap_pass "raw RSA-PKCS over a DigestInfo recovers the DigestInfo with openssl"
else
	tap_fail "raw RSA-PKCS over a DigestInfo recovers the DigestInfo with openssl"
fi

# GnuTLS's own signing test through the proxy, on each card's authentication key.
out=$(GNUTLS_PIN=$CC_PIN pk p11tool --login --test-sign \
	"pkcs11:token=Test%20Holder%201;id=%01;type=private" 2>&1)
echo "$out" >>"$TAP_LOG"
tap_like "p11tool --test-sign (RSA) verifies against the token's public key" "$out" 'Verifying against public key in the token\.\.\. ok'
out=$(GNUTLS_PIN=$CC_PIN pk p11tool --login --test-sign \
	"pkcs11:token=Test%20Holder%202;id=%01;type=private" 2>&1)
echo "$out" >>"$TAP_LOG"
tap_like "p11tool --test-sign (EC) verifies against the token's public key" "$out" 'Verifying against public key in the token\.\.\. ok'
