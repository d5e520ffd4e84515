#!/bin/sh
# carecard-policy: exit statuses, the exact message for every malformed
# policy, show round trip, and explain's decisions on both shipped policies.
. "${top_srcdir:-.}/tests/lib/tap.sh"

bin="${top_builddir:-.}/policy/carecard-policy"
[ -x "$bin" ] || tap_skip_all "carecard-policy not built at $bin"
src=${top_srcdir:-.}
nhs="$src/policy/nhs.yaml"
alt="$src/policy/examples/renew-3-then-new-card.yaml"

work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
TAP_LOG="$work/log"

nbad=$(ls "$src"/tests/policy/bad/*.yaml | wc -l)
tap_plan $((nbad + 28))

# status CMD...: run CMD, print its exit status (output to $work/out, $work/err)
status() { "$@" >"$work/out" 2>"$work/err"; echo $?; }

tap_is "--help exits 0" "$(status "$bin" --help)" 0
tap_like "--help lists explain" "$(cat "$work/out")" "explain"
tap_is "no command is a usage error (2)" "$(status "$bin")" 2
tap_is "unknown command is a usage error (2)" "$(status "$bin" frobnicate)" 2
tap_is "check nhs.yaml exits 0" "$(status "$bin" check "$nhs")" 0
tap_is "check the example policy exits 0" "$(status "$bin" check "$alt")" 0
tap_is "check a missing file exits 1" "$(status "$bin" check "$work/none.yaml")" 1
tap_like "missing file is named" "$(cat "$work/err")" "none.yaml: cannot read: No such file"

for f in "$src"/tests/policy/bad/*.yaml; do
	want=$(sed "s|^FILE|$f|" "${f%.yaml}.expected")
	st=$(status "$bin" check "$f")
	got=$(cat "$work/err")
	if [ "$st" = 1 ] && [ "$got" = "$want" ]; then
		tap_pass "check $(basename "$f"): exit 1, exact message"
	else
		tap_fail "check $(basename "$f")" "exit $st; got '$got'; want '$want'"
	fi
done

# show: the effective policy loads back, and the built-in equals nhs.yaml
"$bin" show "$nhs" >"$work/nhs-shown.yaml" 2>>"$TAP_LOG"
tap_ok "show output of nhs.yaml passes check" "$bin" check "$work/nhs-shown.yaml"
"$bin" show "$alt" >"$work/alt-shown.yaml" 2>>"$TAP_LOG"
tap_like "show fills in defaults and marks them" "$(cat "$work/alt-shown.yaml")" \
	'max-tries: 3    # \(default\)'
tap_like "show keeps the example's own values" "$(cat "$work/alt-shown.yaml")" \
	'self-renewals-before-ra: 3$'
"$bin" show "$work/alt-shown.yaml" >"$work/alt-again.yaml" 2>>"$TAP_LOG"
tap_is "show is a fixed point" "$(sed 1d "$work/alt-shown.yaml" | sed 's/    # (default)//')" \
	"$(sed 1d "$work/alt-again.yaml")"

at=2026-11-21
card="--serial 0412345678901234 --holder 100000000001 --holder-org FXX01"
# shellcheck disable=SC2086
explain() { status "$bin" explain --at "$at" $card "$@"; }

tap_is "explain exits 0" "$(explain --policy "$nhs" --cert-expires +90d)" 0
tap_like "90 days before expiry: self-renew allowed" "$(cat "$work/out")" \
	'^self-renew +allow +renewal\.window'
explain --policy "$nhs" --cert-expires +90d --self-renewals 2 >/dev/null
tap_like "NHS: third self-renewal needs the RA" "$(cat "$work/out")" \
	'^self-renew +deny +renewal\.self-renewals-before-ra'
explain --policy "$alt" --cert-expires +30d --self-renewals 2 --renewals 2 >/dev/null
tap_like "example policy: third self-renewal allowed" "$(cat "$work/out")" \
	'^self-renew +allow .*3 of 3'
explain --policy "$alt" --cert-expires +30d --self-renewals 3 --renewals 3 >/dev/null
tap_like "example policy: then a new card" "$(cat "$work/out")" \
	'^self-renew +deny +renewal\.max-renewals .*new card'
explain --policy "$nhs" --cert-expires -1s >/dev/null
tap_like "one second after expiry: repair" "$(cat "$work/out")" \
	'self-renew +deny +renewal\.self-renew-after-expiry .*repair'
explain --policy "$nhs" --cert-expires +1y --locked --actor 3 --actor-role pharmacist \
	--actor-org FXX01 --locum >/dev/null
tap_like "locum pharmacist may not unlock" "$(cat "$work/out")" \
	'^unlock +deny +unlock\.locum-may-unlock'
explain --policy "$nhs" --cert-expires +1y --sponsor 7 --ra-agent 7 --passcode-length 9 \
	>/dev/null
tap_like "sponsor = RA agent refused" "$(cat "$work/out")" \
	'^issue +deny +separation-of-duties\.sponsor-not-ra-agent'
tap_like "9-character passcode refused" "$(cat "$work/out")" \
	'^passcode +deny +passcode\.max-length'
explain --policy "$nhs" --cert-expires +60d --passcode-changed -80d --json >/dev/null
if command -v python3 >/dev/null 2>&1; then
	tap_ok "--json is valid JSON with decisions and due" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["decisions"][0]["decision"] == "self-renew" and d["decisions"][0]["allow"] is True
assert {x["rule"] for x in d["due"]} == {"renewal.window", "passcode.warning"}
' "$work/out"
else
	tap_skip "--json is valid JSON" "python3 not installed"
fi
tap_is "explain: bad date is a usage error (2)" "$(explain --cert-expires 2026-02-30)" 2
tap_is "explain: bad role is a usage error (2)" "$(explain --actor-role wizard)" 2
tap_is "explain with an invalid policy exits 1" \
	"$(explain --policy "$src/tests/policy/bad/05-out-of-range.yaml")" 1

# $CARECARD_POLICY: the policy show and explain try out when no file is named
tap_like "show honours \$CARECARD_POLICY" \
	"$(CARECARD_POLICY=$alt "$bin" show 2>&1 | head -n 1)" "effective settings from .*renew-3-then-new-card.yaml"
explain() { CARECARD_POLICY=$alt status "$bin" explain --at "$at" $card "$@"; }
explain --cert-expires +30d --self-renewals 2 --renewals 2 >/dev/null
tap_like "explain honours \$CARECARD_POLICY" "$(cat "$work/out")" '^self-renew +allow .*3 of 3'
tap_is "an invalid \$CARECARD_POLICY is an invalid policy (1)" \
	"$(CARECARD_POLICY=$src/tests/policy/bad/05-out-of-range.yaml status "$bin" show)" 1
tap_done
