#!/bin/sh
# Process isolation: the card served by `p11-kit server` in one process and
# used through p11-kit-client.so in another. The application process never
# loads the carecard module (so never maps the card's keys), yet lists the
# card and signs with it; the signature verifies against the certificate.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v p11-kit >/dev/null || tap_skip_all "p11-kit not installed"
command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
CLIENT=$(ls /usr/lib/*/pkcs11/p11-kit-client.so 2>/dev/null | head -n 1)
[ -n "$CLIENT" ] || tap_skip_all "p11-kit-client.so (p11-kit-modules) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
tap_plan 6

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC card personalised" "$?" 0

export XDG_RUNTIME_DIR="$CC_WORK/run"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
# --name is the socket's path; the daemon's output goes to a file so no
# command substitution waits on a pipe it keeps open.
cc_client p11-kit server --sh --provider "$CC_MODULE" --name "$XDG_RUNTIME_DIR/carecard.sock" \
	"pkcs11:token=Test%20Holder%201" "pkcs11:token=Test%20Holder%202" \
	>"$CC_WORK/server.env" 2>>"$TAP_LOG"
env_out=$(cat "$CC_WORK/server.env")
echo "$env_out" >>"$TAP_LOG"
eval "$env_out"
if [ -n "${P11_KIT_SERVER_ADDRESS:-}" ] && [ -n "${P11_KIT_SERVER_PID:-}" ]; then
	tap_pass "p11-kit server serves the card ($P11_KIT_SERVER_ADDRESS)"
else
	tap_fail "p11-kit server serves the card"
	exit 1
fi
trap 'kill "$P11_KIT_SERVER_PID" 2>/dev/null; cc_cleanup' EXIT

cli() { pkcs11-tool --module "$CLIENT" "$@"; }
toks=$(cli -L 2>&1)
tap_like "the client process sees the card through p11-kit-client.so" "$toks" 'Test Holder 1'

printf 'Rx: 7 x prednisolone 5 mg\n' >"$CC_WORK/rx.txt"
LD_DEBUG=files cli --token-label "Test Holder 1" --login --pin "$CC_PIN" --sign --id 02 \
	-m SHA256-RSA-PKCS -i "$CC_WORK/rx.txt" -o "$CC_WORK/rx.sig" >"$CC_WORK/client.out" 2>"$CC_WORK/ld.out"
openssl x509 -in "$CC_WORK/pki-1-02/cert.pem" -pubkey -noout >"$CC_WORK/pub.pem"
tap_ok "a signature made through the server verifies against the certificate" \
	openssl dgst -sha256 -verify "$CC_WORK/pub.pem" -signature "$CC_WORK/rx.sig" "$CC_WORK/rx.txt"
# p11-kit 0.24's RPC forwards only the mechanisms it can marshal: CKM_ECDSA
# over a hash (what TLS stacks use), not CKM_ECDSA_SHA256.
openssl dgst -sha256 -binary "$CC_WORK/rx.txt" >"$CC_WORK/rx.sha256"
cli --token-label "Test Holder 2" --login --pin "$CC_PIN" --sign --id 02 -m ECDSA \
	--signature-format openssl -i "$CC_WORK/rx.sha256" -o "$CC_WORK/rx-ec.sig" >>"$TAP_LOG" 2>&1
openssl x509 -in "$CC_WORK/pki-2-02/cert.pem" -pubkey -noout >"$CC_WORK/pub-ec.pem"
tap_ok "an ECDSA signature made through the server verifies against the EC card's certificate" \
	openssl pkeyutl -verify -pubin -inkey "$CC_WORK/pub-ec.pem" -in "$CC_WORK/rx.sha256" \
		-sigfile "$CC_WORK/rx-ec.sig"
if grep -q 'p11-kit-client.so' "$CC_WORK/ld.out" && ! grep -q 'carecard-pkcs11' "$CC_WORK/ld.out"; then
	tap_pass "the signing process loaded p11-kit-client.so and never the carecard module"
else
	tap_fail "the signing process loaded p11-kit-client.so and never the carecard module"
fi
