#!/bin/sh
# Run the module benchmarks: C_Sign rate through the carecard module
# against raw OpenSSL and SoftHSM2 (same key as raw OpenSSL) for RSA-2048
# and P-256 with 1 and 2 threads, plus C_Login and C_Initialize latency,
# and what one offline passcode guess costs with the cards' KDF (bench-kdf).
# Cards use the NHS policy's KDF (passcode.kdf), as users get them.
#
# usage: make bench   (or: top_builddir=BUILD top_srcdir=SRC tests/bench/run-bench.sh [SECONDS])
# BENCH_ARGS in the environment is passed on to bench-sign (e.g. --cpu).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?set top_builddir to the build directory}"
: "${SOFTHSM_MODULE:=/usr/lib/softhsm/libsofthsm2.so}"
secs=${1:-3}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

cc_world
# The policy's KDF, not the tests' fast one (a test-build switch): C_Login
# latency is measured.
sed -i '/^kdf:/d' "$CARECARD_CONF"
TAP_LOG=$CC_WORK/setup.log

echo "bench: personalising a RSA-2048 card and a P-256 card ..."
cc_blank_card 1 && cc_personalise 1 rsa && cc_blank_card 2 && cc_personalise 2 ec || {
	cat "$TAP_LOG"; exit 1; }

echo "bench: SoftHSM2 token holding the raw OpenSSL keys ..."
mkdir -p "$CC_WORK/softhsm/tokens"
printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\n' "$CC_WORK" \
	>"$CC_WORK/softhsm/softhsm2.conf"
export SOFTHSM2_CONF="$CC_WORK/softhsm/softhsm2.conf"
softhsm2-util --init-token --free --label bench --so-pin 12345678 --pin 1234 >>"$TAP_LOG"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CC_WORK/rsa.pem" 2>>"$TAP_LOG"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CC_WORK/ec.pem" 2>>"$TAP_LOG"
softhsm2-util --import "$CC_WORK/rsa.pem" --token bench --label rsa --id 01 --pin 1234 >>"$TAP_LOG"
softhsm2-util --import "$CC_WORK/ec.pem" --token bench --label ec --id 02 --pin 1234 >>"$TAP_LOG"

# The KDF the cards got, as carecard-card shows it: "scrypt N=.. r=.. p=..".
kdf=$("$CC_CARD_TOOL" show --reader 1 | sed -n 's/^user PIN KDF: //p')
set -- $(printf '%s\n' "$kdf" | sed 's/[^0-9 ]//g')
kdf_n=$1 kdf_r=$2 kdf_p=$3

echo "bench: measuring, $secs s per cell ..."
# Measure the deployed configuration: audit lines go to syslog only, not
# also to the tests' log file (a debugging mirror that opens the file per line).
unset CARECARD_LOG_FILE
"$top_builddir/tests/bench/bench-sign" --module "$CC_MODULE" \
	--card-rsa "Test Holder 1" --card-ec "Test Holder 2" --pin "$CC_PIN" \
	--softhsm "$SOFTHSM_MODULE" --hsm-label bench --hsm-pin 1234 \
	--rsa-key "$CC_WORK/rsa.pem" --ec-key "$CC_WORK/ec.pem" --seconds "$secs" \
	--kdf "$kdf" --markdown "$top_builddir/tests/bench/results.md" ${BENCH_ARGS:-}
"$top_builddir/tests/bench/bench-kdf" --n "$kdf_n" --r "$kdf_r" --p "$kdf_p" \
	--seconds "$secs" --markdown "$top_builddir/tests/bench/results.md"
echo "bench: table written to $top_builddir/tests/bench/results.md"
