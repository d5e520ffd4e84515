#!/bin/sh
# The isolated mode (issue 15: "a secure element for the virtual card").
# The card images live under a card account; a holder reaches the card only
# through the PKCS#11 socket (p11-kit-client.so -> carecard-serve -> p11-kit
# remote -> the module, as the card account) and the card service socket
# (carecard-card --service). Three users who are not root: the card account,
# a holder and another holder. The holder personalises and signs through the
# socket but gets EACCES reading the image; the other holder sees only
# their own empty readers. Sockets come from systemd-socket-activate with
# Accept=yes and the connection on stdin/stdout, as the shipped units do.
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"

[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root to run the card account and two holders as other users"
for t in setpriv systemd-socket-activate pkcs11-tool openssl getent; do
	command -v $t >/dev/null || tap_skip_all "$t not installed"
done
CLIENT=$(ls /usr/lib/*/pkcs11/p11-kit-client.so 2>/dev/null | head -n 1)
[ -n "$CLIENT" ] || tap_skip_all "p11-kit-client.so (p11-kit-modules) not installed"
: "${CC_MODULE:=$top_builddir/pkcs11/.libs/carecard-pkcs11.so}"
SERVE=$top_builddir/pkcs11/carecard-serve
CARD_TOOL=$top_builddir/pkcs11/carecard-card
[ -f "$CC_MODULE" ] && [ -x "$SERVE" ] || tap_skip_all "module or carecard-serve not built"

# Three numeric ids nobody uses (no account is created or left behind),
# and one for the holders' group.
free_ids() {
	_n=0
	for _i in $(seq 64100 64999); do
		getent passwd "$_i" >/dev/null || getent group "$_i" >/dev/null || {
			printf '%s ' "$_i"; _n=$((_n + 1)); [ $_n -eq 4 ] && return 0; }
	done
	return 1
}
set -- $(free_ids) || tap_skip_all "no free uids in 64100..64999"
CARD=$1 HOLDER=$2 OTHER=$3 HOLDERS_GID=$4

work=$(mktemp -d "${TMPDIR:-/tmp}/carecard-isolated.XXXXXX") || exit 99
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	if [ "${tap_failed:-0}" -gt 0 ]; then
		sed 's/^/# /' "$TAP_LOG" | tail -n 60
		[ -f "$work/var/module.log" ] && sed 's/^/# module: /' "$work/var/module.log" | tail -n 20
	fi
	rm -rf "$work"
}
trap cleanup EXIT
TAP_LOG=$work/test.log
chmod 711 "$work"
mkdir -p "$work/var/holders" "$work/var/state" "$work/run" "$work/home-holder" "$work/home-other"
chown -R "$CARD:$CARD" "$work/var"
chmod 700 "$work/var" "$work/var/holders" "$work/var/state"
chown "$HOLDER:$HOLDER" "$work/home-holder"
chown "$OTHER:$OTHER" "$work/home-other"
# The mode's module configuration (pkcs11/isolated/isolated.yaml.in), with
# the test builds' fast KDF switch.
cat >"$work/isolated.yaml" <<YAML
readers:
  - name: Carecard Reader 1
    directory: ~/reader-1
  - name: Carecard Reader 2
    directory: ~/reader-2
state-directory: $work/var/state
kdf: { n: 1024, r: 8, p: 1 }
YAML
chmod 644 "$work/isolated.yaml"

# The sanitizer build's module needs its runtime in p11-kit remote. The
# holders' processes never load the module (that is the point), so they run
# without it: p11-kit 0.24.1's client reads one element past the caller's
# array when it drops mechanisms it cannot forward (mechanism_list_purge),
# which ASan would report in pkcs11-tool's --keypairgen.
preload=
if [ "${CC_SANITIZERS:-no}" = yes ]; then
	preload="$(${CC_COMPILER:-cc} -print-file-name=libasan.so) $(${CC_COMPILER:-cc} -print-file-name=libubsan.so)"
fi

# serve SOCKET MODE: what carecard-pkcs11.socket / carecard-card.socket do.
serve() {
	systemd-socket-activate --inetd -a -l "$1" \
		-E CARECARD_LOG_FILE="$work/var/module.log" -E CARECARD_LOG_SYSLOG=0 \
		${preload:+-E "LD_PRELOAD=$preload"} \
		${preload:+-E ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0} \
		setpriv --reuid="$CARD" --regid="$CARD" --clear-groups \
		"$SERVE" --holders "$work/var/holders" --config "$work/isolated.yaml" \
		--module "$CC_MODULE" --card-tool "$CARD_TOOL" "$2" >>"$work/serve.log" 2>&1 &
	pids="$pids $!"
}
serve "$work/run/pkcs11.sock" pkcs11
serve "$work/run/card.sock" card
for _i in $(seq 50); do
	[ -S "$work/run/pkcs11.sock" ] && [ -S "$work/run/card.sock" ] && break
	sleep 0.1
done
# Shared sockets with group access, as the units set them.
chgrp "$HOLDERS_GID" "$work/run/pkcs11.sock" "$work/run/card.sock"
chmod 660 "$work/run/pkcs11.sock" "$work/run/card.sock"

# as USER CMD...: run as a holder (member of the holders' group), with
# their own HOME and the PKCS#11 socket as p11-kit-client.so's server.
as() {
	_u=$1; shift
	_h=$work/home-holder
	[ "$_u" = "$OTHER" ] && _h=$work/home-other
	timeout -k 5 120 setpriv --reuid="$_u" --regid="$_u" --groups="$HOLDERS_GID" \
		env HOME="$_h" P11_KIT_SERVER_ADDRESS="unix:path=$work/run/pkcs11.sock" "$@"
}
p11() { _u=$1; shift; as "$_u" pkcs11-tool --module "$CLIENT" "$@"; }
card() { _u=$1; shift; as "$_u" "$CARD_TOOL" --service="$work/run/card.sock" "$@"; }

tap_plan 14

out=$(card "$HOLDER" readers 2>&1)
tap_like "the card service lists the holder's two readers" "$out" 'Carecard Reader 2'

# An administrator delivers a blank card into the holder's wallet.
SERIAL=0477777700000001
wallet=$work/var/holders/$HOLDER/cards
setpriv --reuid="$CARD" --regid="$CARD" --clear-groups \
	"$CARD_TOOL" manufacture --serial "$SERIAL" --out "$wallet" >>"$TAP_LOG" 2>&1
tap_ok "the holder inserts it from the wallet through the card service" \
	card "$HOLDER" insert "$SERIAL.card" --reader 1
img=$work/var/holders/$HOLDER/reader-1/$SERIAL.card

# Personalise and sign through the PKCS#11 socket, as the holder.
p11 "$HOLDER" --slot-index 0 --init-token --label "Isolated Holder" --so-pin 87654321 \
	>>"$TAP_LOG" 2>&1 &&
p11 "$HOLDER" --slot-index 0 --login --login-type so --so-pin 87654321 --init-pin \
	--new-pin 1234 >>"$TAP_LOG" 2>&1 &&
p11 "$HOLDER" --slot-index 0 --login --pin 1234 --keypairgen --key-type EC:prime256v1 \
	--id 02 --label signing >>"$TAP_LOG" 2>&1
tap_is "the holder personalises the card through the socket" "$?" 0
printf 'Rx: 28 x metformin 500 mg\n' >"$work/rx.txt"
openssl dgst -sha256 -binary "$work/rx.txt" >"$work/rx.sha256"
chmod 644 "$work/rx.txt" "$work/rx.sha256"
hh=$work/home-holder	# what the holder writes, root reads
p11 "$HOLDER" --slot-index 0 --login --pin 1234 --sign --id 02 -m ECDSA \
	--signature-format openssl -i "$work/rx.sha256" -o "$hh/rx.sig" >>"$TAP_LOG" 2>&1
p11 "$HOLDER" --slot-index 0 --read-object --type pubkey --id 02 -o "$hh/pub.der" \
	>>"$TAP_LOG" 2>&1
openssl pkey -pubin -inform DER -in "$hh/pub.der" -out "$work/pub.pem" >>"$TAP_LOG" 2>&1
tap_ok "a signature made through the socket verifies" \
	openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -in "$work/rx.sha256" \
	-sigfile "$hh/rx.sig"

# The image belongs to the card account: the holder cannot read, copy or replace it.
out=$(as "$HOLDER" cat "$img" 2>&1 >/dev/null)
tap_like "the holder gets EACCES reading the image" "$out" 'Permission denied'
tap_fails "the holder cannot list their own readers' directory" \
	as "$HOLDER" ls "$work/var/holders/$HOLDER/reader-1"
tap_fails "nor the installation's rollback records" as "$HOLDER" ls "$work/var/state"
tap_is "the image is the card account's, mode 0600" "$(stat -c '%u %a' "$img")" "$CARD 600"
tap_like "the rollback record of the card exists" \
	"$(cat "$work/var/state/generations/$SERIAL" 2>&1)" '^[0-9]+$'

out=$(card "$HOLDER" show --reader 1 2>&1)
tap_like "carecard-card --service show: the holder sees the card's state" "$out" "$SERIAL"
tap_fails "the card service refuses paths" card "$HOLDER" show /etc/shadow

# Another holder: their own empty readers, not the first holder's card.
out=$(p11 "$OTHER" -L 2>&1)
if printf '%s' "$out" | grep -q 'Carecard Reader 1' &&
   ! printf '%s' "$out" | grep -q 'Isolated Holder'; then
	tap_pass "another holder sees only their own (empty) readers"
else
	tap_fail "another holder sees only their own (empty) readers" "$out"
fi
p11 "$OTHER" --slot-index 0 --login --pin 0000 >>"$TAP_LOG" 2>&1
p11 "$OTHER" --slot-index 0 --login --pin 0000 >>"$TAP_LOG" 2>&1
tap_ok "their wrong passcodes cannot touch the holder's card" \
	p11 "$HOLDER" --slot-index 0 --login --pin 1234 --list-objects

tap_like "the module's audit names the card, as the card account" \
	"$(cat "$work/var/module.log" 2>&1)" "audit: card=$SERIAL .*user logged in"
tap_done
