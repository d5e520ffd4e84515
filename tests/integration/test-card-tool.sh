#!/bin/sh
# Integration: carecard-card manufactures cards, moves them in and out of
# readers from a temporary configuration, lists readers and shows a
# personalised card as text and JSON; refusals exit with the documented
# statuses (2 usage, 3 config, 4 reader full/empty, 5 not a card).
. "${top_srcdir:-${srcdir:-.}}/tests/lib/tap.sh"

bld=${top_builddir:-.}
CARD="$bld/pkcs11/carecard-card"
FIXTURE="$bld/tests/integration/card-fixture"
[ -x "$CARD" ] || tap_skip_all "carecard-card not built"
[ -x "$FIXTURE" ] || tap_skip_all "card-fixture not built"

work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
TAP_LOG="$work/log"
# The passcode rules come from the policy file (issue 3), not the config.
cat >"$work/policy.yaml" <<EOF
version: 1
passcode:
  max-age: 90d
  warning: 14d
EOF
cat >"$work/carecard.yaml" <<EOF
readers:
  - name: Desk reader
    directory: $work/readers/desk
  - name: Ward reader
    directory: $work/readers/ward
policy: $work/policy.yaml
state-directory: $work/state
EOF
export CARECARD_CONF="$work/carecard.yaml"
unset CARECARD_LOG_FILE
now=1800000000
export CARECARD_NOW=$now

# run CMD...: sets $out (stdout+stderr) and $rc.
run() { out=$("$@" 2>&1); rc=$?; printf '+ %s\n%s\n' "$*" "$out" >>"$TAP_LOG"; }

tap_plan 60

run "$CARD" --help
tap_is "--help exits 0" "$rc" 0
tap_like "--help lists the commands" "$out" "manufacture.*insert|insert FILE --reader"
run "$CARD"
tap_is "no command: exit 2" "$rc" 2
run "$CARD" frobnicate
tap_is "unknown command: exit 2" "$rc" 2

# --- manufacture
run "$CARD" manufacture --serial 0412345678901234 --out "$work"
tap_is "manufacture with --serial" "$rc" 0
tap_like "prints the serial" "$out" "^serial: 0412345678901234$"
tap_like "prints the file" "$out" "^file: $work/0412345678901234.card$"
tap_is "image is mode 0600" "$(stat -c %a "$work/0412345678901234.card")" 600
run "$CARD" manufacture --serial 0412345678901234 --out "$work"
tap_is "manufacture refuses to overwrite (exit 1)" "$rc" 1
run "$CARD" manufacture --series 07 --out "$work/second.card"
tap_is "manufacture with --series" "$rc" 0
tap_like "random serial in series 07" "$out" "^serial: 07[0-9]{14}$"
serial2=$(printf '%s\n' "$out" | sed -n 's/^serial: //p')
(cd "$work" && "$CARD" manufacture >"$work/default.out" 2>&1)
tap_like "default series 04 into ./SERIAL.card" "$(cat "$work/default.out")" \
	"^file: \./04[0-9]{14}\.card$"
run "$CARD" manufacture --serial 123
tap_is "short serial: exit 2" "$rc" 2
run "$CARD" manufacture --serial 0412345678901234 --series 04
tap_is "--serial with --series: exit 2" "$rc" 2
run "$CARD" manufacture --series 100
tap_is "series out of range: exit 2" "$rc" 2

# --- personalise the first card as the module would (PIN set 80 days ago)
tap_ok "fixture personalises the card" "$FIXTURE" "$work/0412345678901234.card" $((now - 80 * 86400))

# --- insert
run "$CARD" insert "$work/0412345678901234.card" --reader 1
tap_is "insert into reader 1" "$rc" 0
tap_is "card is in the reader directory" \
	"$(ls "$work/readers/desk" | grep '\.card$')" "0412345678901234.card"
tap_fails "source file moved away" test -e "$work/0412345678901234.card"
run "$CARD" insert "$work/second.card" --reader "Desk reader"
tap_is "occupied reader refused (exit 4)" "$rc" 4
tap_like "refusal names the card already there" "$out" "already holds a card"
tap_ok "refused card left where it was" test -f "$work/second.card"
run "$CARD" insert "$work/second.card" --reader 3
tap_is "unknown reader: exit 2" "$rc" 2
printf 'not a card at all\n' >"$work/junk.card"
run "$CARD" insert "$work/junk.card" --reader 2
tap_is "non-card refused (exit 5)" "$rc" 5
run "$CARD" insert "$work/second.card" --reader "Ward reader"
tap_is "insert by reader name" "$rc" 0

# --- readers
run "$CARD" readers
tap_is "readers exits 0" "$rc" 0
tap_like "reader 1 lists its card" "$out" "0412345678901234 \"Fixture card\""
tap_like "reader 2 by name" "$out" "^reader 2: Ward reader$"

# --- show (text)
run "$CARD" show --reader 1
tap_is "show --reader exits 0" "$rc" 0
tap_like "label" "$out" "^label: Fixture card$"
tap_like "tries" "$out" "^user PIN tries left: 3 of 3$"
tap_like "not yet expired" "$out" "^user PIN expired: no$"
tap_like "due to change within the warning period" "$out" "^user PIN due to change: yes$"
tap_like "certificate subject parsed" "$out" "subject: CN=Test Holder"
tap_like "certificate notAfter parsed" "$out" "not after: 2030-01-01T00:00:00Z"
tap_like "private key listed with its type and id" "$out" "private-key \(EC\)"
tap_like "CKA_ID in hex" "$out" "id: 0102"
CARECARD_NOW=$((now + 30 * 86400)) run "$CARD" show --reader 1
tap_like "expired after max-age" "$out" "^user PIN expired: yes$"
# The same card under a policy whose passcodes never expire.
sed 's/^policy: .*/policy: never.yaml/' "$work/carecard.yaml" >"$work/never-conf.yaml"
printf 'version: 1\npasscode:\n  max-age: none\n' >"$work/never.yaml"
CARECARD_CONF="$work/never-conf.yaml" CARECARD_NOW=$((now + 30 * 86400)) \
	run "$CARD" show --reader 1
tap_like "policy max-age none: not expired" "$out" "^user PIN expired: no$"
tap_like "policy max-age none: not due" "$out" "^user PIN due to change: no$"

# --- show (JSON)
run "$CARD" show --reader Desk\ reader --json
tap_is "show --json exits 0" "$rc" 0
if command -v python3 >/dev/null; then
	got=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [o for o in d["objects"] if o["class"] == "certificate"][0]
print(d["serial"], d["user_pin"]["tries_left"], d["user_pin"]["due_to_change"],
      len(d["objects"]), c["certificate"]["subject"], c["certificate"]["serial"], c["id"])')
	tap_is "JSON parses with the right values" "$got" \
		"0412345678901234 3 True 2 CN=Test Holder 1234 0102"
else
	tap_skip "JSON parses with the right values" "python3 not installed"
fi

# --- a locked card with a label that is not valid UTF-8
"$CARD" manufacture --serial 0400000000000099 --out "$work" >/dev/null 2>&1
tap_ok "fixture: locked card, odd label" "$FIXTURE" "$work/0400000000000099.card" $now 0 \
	"$(printf 'Caf\303\251 \377"q"')"
run "$CARD" show "$work/0400000000000099.card"
tap_like "locked passcode shown" "$out" "^user PIN locked: yes$"
run "$CARD" show "$work/0400000000000099.card" --json
if command -v python3 >/dev/null; then
	got=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(ascii(d["label"]), d["user_pin"]["locked"], d["user_pin"]["tries_left"])')
	tap_is "JSON stays valid for non-UTF-8 labels" "$got" "'Caf\xe9 \ufffd\"q\"' True 0"
else
	tap_skip "JSON stays valid for non-UTF-8 labels" "python3 not installed"
fi

# --- remove
mkdir "$work/out"
run "$CARD" remove --reader 1 --to "$work/out"
tap_is "remove exits 0" "$rc" 0
tap_ok "card landed in --to DIR" test -f "$work/out/0412345678901234.card"
tap_is "reader 1 now empty" "$(ls "$work/readers/desk")" ""
run "$CARD" remove --reader 1
tap_is "remove from an empty reader: exit 4" "$rc" 4
touch "$work/taken.card"
run "$CARD" remove --reader 2 --to "$work/taken.card"
tap_is "remove never overwrites (exit 1)" "$rc" 1
tap_ok "card still in reader 2 after the refusal" test -f "$work/readers/ward/$serial2.card"

# --- across filesystems (a durable copy instead of a rename)
shm=""
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$work")" ]; then
	shm=$(mktemp -d -p /dev/shm) || shm=""
fi
if [ -n "$shm" ]; then
	"$CARD" manufacture --serial 0400000000000077 --out "$shm" >/dev/null 2>&1
	run "$CARD" insert "$shm/0400000000000077.card" --reader 1
	tap_is "insert from another filesystem" "$rc:$(ls "$shm")" "0:"
	run "$CARD" remove --reader 1 --to "$shm"
	tap_is "remove to another filesystem" "$rc:$(stat -c %a "$shm/0400000000000077.card")" "0:600"
	rm -rf "$shm"
else
	tap_skip "insert from another filesystem" "no second filesystem"
	tap_skip "remove to another filesystem" "no second filesystem"
fi

# --- bad images and configuration
head -c 200 "$work/out/0412345678901234.card" >"$work/cut.card"
run "$CARD" show "$work/cut.card"
tap_is "truncated image: exit 5" "$rc" 5
printf 'readers: 3\n' >"$work/bad.yaml"
CARECARD_CONF="$work/bad.yaml" run "$CARD" readers
tap_is "bad configuration: exit 3" "$rc" 3
tap_like "config error has file:line:col" "$out" "bad.yaml:1:10: readers: expected a list of readers"
printf 'passcode:\n  max-tries: 5\n' >"$work/old.yaml"
CARECARD_CONF="$work/old.yaml" run "$CARD" readers
tap_like "passcode: in the config: moved to the policy" "$rc:$out" \
	"^3:.*old.yaml:1:1: passcode: 'passcode' is no longer a module setting: the passcode rules \(passcode\.\*"
printf 'version: 1\npasscode:\n  max-tries: 0\n' >"$work/bad-policy.yaml"
printf 'policy: %s\n' "$work/bad-policy.yaml" >"$work/bad-policy-conf.yaml"
CARECARD_CONF="$work/bad-policy-conf.yaml" run "$CARD" readers
tap_like "bad policy: exit 3, the policy's file:line:col" "$rc:$out" \
	"^3:.*bad-policy.yaml:3:14: passcode.max-tries: "

# --- rollback: the installation has seen a newer generation of this card
mkdir -p "$work/state/generations"
printf '999\n' >"$work/state/generations/0412345678901234"
run "$CARD" show "$work/out/0412345678901234.card"
tap_like "show: an image older than the installation's record is refused as a rollback" \
	"$rc:$out" "rollback record: 999"
tap_like "show: says so" "$out" "refused as a rollback: yes"

tap_done
