#!/bin/sh
# The CA benchmark (issue 5): durable issuances per second against the bare
# C_Sign rate of the same SoftHSM2-held key and against `openssl ca`, and
# CRL generation for large revocation lists against `openssl ca -gencrl`,
# in one run, printed as one markdown table (see tests/bench/README-ca.md).
# The command-line rows are run by an RA operator (the first RA manager's
# card, in a reader of a private carecard world, with the shipped KDF): each
# carecard-ca process logs them in, as in production.
#
# usage: make bench-ca [BENCH_CA_ARGS='--seconds 9 --entries "100000 1000000"']
#    or: top_builddir=BUILD top_srcdir=SRC tests/bench/run-bench-ca.sh [options]
#   --seconds S     in-process issuance: seconds per mode (default 9), in S rounds
#   --group K       certificates per commit in the group-commit row (default 64, as issue-certs)
#   --loop N        `openssl ca` / `carecard-ca issue-cert` invocations (default 200)
#   --bulk "N.."    requests in the bulk rows, issue-certs ÷ -infiles (default "1000 5000";
#                   past 1000 the same 1000 requests are sent again, each a new certificate)
#   --entries "N.." CRL sizes (default "100000 1000000")
#   --out FILE      also write the table to FILE (default $top_builddir/tests/bench/results-ca.md)
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?set top_builddir to the build directory}"
: "${SOFTHSM_MODULE:=/usr/lib/softhsm/libsofthsm2.so}"
secs=9 group=64 loop=200 bulk="1000 5000" entries="100000 1000000"
out="$top_builddir/tests/bench/results-ca.md"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--group) group=$2; shift 2 ;;
	--loop) loop=$2; shift 2 ;;
	--bulk) bulk=$2; shift 2 ;;
	--entries) entries=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "run-bench-ca.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

ca="$top_builddir/ca/carecard-ca"
bench="$top_builddir/tests/bench/bench-ca"
# A private carecard world (readers, HOME): removed on exit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
cc_world
# The shipped KDF, not the tests' fast one: the operator's login is part of
# every carecard-ca process, as users get it.
sed -i '/^kdf:/d' "$CARECARD_CONF"
unset CARECARD_LOG_FILE CARECARD_CA_STATE CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE
work=$CC_WORK
export CARECARD_LOG_SYSLOG=0
log="$work/log"
ossl="$work/openssl-ca"
manager=100000000001
holder=300000000003

now() { date +%s.%N; }
# rate COUNT START END -> per second; secs START END -> seconds
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
met() { if ge "$1" "$2"; then echo yes; else echo NO; fi; }
die() { echo "bench-ca: $*" >&2; tail -n 20 "$log" >&2; exit 1; }

echo "bench-ca: a CA in $work/ca (RSA-2048 issuing keys in SoftHSM2, durability full) ..."
"$ca" --state "$work/ca" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid 100000000001 \
	--manager-name "Alice Manager" --card-module "$CC_MODULE" >>"$log" 2>&1 ||
	die "init failed"
echo "bench-ca: the RA manager's card (bootstrap); they register the holder ..."
printf '1234\n' >"$work/manager.pin"
chmod 600 "$work/manager.pin"
cc_blank_card 1 >>"$log" 2>&1 || die "blank card"
CARECARD_HOLDER_PIN_FILE="$work/manager.pin" "$ca" --state "$work/ca" issue-card --bootstrap \
	--holder $manager --reader 1 >>"$log" 2>&1 || die "bootstrap card"
export CARECARD_OPERATOR_PIN_FILE="$work/manager.pin"
"$ca" --state "$work/ca" person-add --uuid $holder --name "Bench Holder" \
	--documents passport,utility-bill,driving-licence --operator-reader 1 >>"$log" 2>&1 ||
	die "person-add"
mkdir "$work/csrs"
"$bench" csrs --out "$work/csrs" --count 1000 --key rsa || die "CSRs"

echo "bench-ca: in-process issuance, $secs s per mode ..."
"$bench" issue --state "$work/ca" --csrs "$work/csrs" --seconds "$secs" --rounds "$secs" \
	--group "$group" --markdown "$work/issue.md" >>"$log" 2>&1 || die "issue bench failed"
# col KEY [FIELD]: a number from bench-ca's table (3 = per second, 5 = CPU ms each).
col() { awk -F'|' -v k="$1" -v f="${2:-3}" 'index($2, k) { gsub(/ /, "", $f); print $f }' \
	"$work/issue.md"; }
bare=$(col "bare C_Sign, CA key")
bare_cpu=$(col "bare C_Sign, CA key" 5)
bare2=$(col "bare C_Sign on two sessions")
grouped_cpu=$(col "group commit" 5)
normal=$(col "synchronous=NORMAL")
full=$(col "commit per certificate, synchronous=FULL")
grouped=$(col "group commit")

# openssl ca with an on-disk key of the same type, the same profile
# (extensions as the installed NHS policy's "authentication") and the same requests.
mkdir -p "$ossl/newcerts"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$ossl/key.pem" 2>>"$log"
cat >"$ossl/openssl.cnf" <<EOF
[ ca ]
default_ca = bench
[ bench ]
dir = $ossl
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/cacert.pem
private_key = \$dir/key.pem
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 730
default_crl_days = 7
policy = anything
unique_subject = no
x509_extensions = ee
crl_extensions = crlext
copy_extensions = none
[ anything ]
commonName = supplied
[ ee ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://pki.carecard.invalid/crl/authentication-g2.crl
authorityInfoAccess = OCSP;URI:http://pki.carecard.invalid/ocsp/authentication-g2
[ crlext ]
authorityKeyIdentifier = keyid:always
[ req ]
distinguished_name = dn
[ dn ]
[ v3ca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
openssl req -new -x509 -config "$ossl/openssl.cnf" -extensions v3ca -key "$ossl/key.pem" \
	-subj "/CN=openssl bench CA" -days 3650 -out "$ossl/cacert.pem" 2>>"$log"
ossl_reset() {
	: >"$ossl/index.txt"
	echo 1000 >"$ossl/serial"
	echo 1000 >"$ossl/crlnumber"
	rm -f "$ossl/newcerts/"*
}

# reqs N: N request files, the 1000 over again as often as needed
reqs() {
	ls "$work/csrs" | awk -v n="$1" -v d="$work/csrs" '{ f[NR] = $0 }
		END { for (i = 0; i < n; i++) print d "/" f[i % NR + 1] }'
}
# infiles_rate N: `openssl ca -infiles` on N requests, one process
infiles_rate() {
	ossl_reset
	set -- "$1" $(reqs "$1")
	_n=$1; shift
	_t0=$(now)
	openssl ca -batch -config "$ossl/openssl.cnf" -notext -out "$work/o.pem" -infiles "$@" \
		2>>"$log" || die "openssl ca -infiles ($_n requests) failed"
	rate "$_n" "$_t0" "$(now)"
}
# issue_certs_rate N: `carecard-ca issue-certs` on the same N requests, one process
issue_certs_rate() {
	reqs "$1" | sed "s|^|authentication $holder |" >"$work/list"
	rm -rf "$work/bulk"
	_t0=$(now)
	"$ca" --state "$work/ca" issue-certs --list "$work/list" --out-dir "$work/bulk" \
		--batch "$group" --operator-reader 1 >>"$log" 2>&1 || die "issue-certs ($1 requests) failed"
	_r=$(rate "$1" "$_t0" "$(now)")
	[ "$(ls "$work/bulk" | wc -l)" -eq "$1" ] ||
		die "issue-certs wrote $(ls "$work/bulk" | wc -l) files, not $1"
	echo "$_r"
}

echo "bench-ca: openssl ca, $loop invocations (one request each) and one -infiles batch ..."
ossl_reset
csrs=$(ls "$work/csrs" | head -n "$loop")
t0=$(now)
for f in $csrs; do
	openssl ca -batch -config "$ossl/openssl.cnf" -notext -in "$work/csrs/$f" \
		-out "$work/o.pem" 2>>"$log" || die "openssl ca failed"
done
t1=$(now)
ossl_loop=$(rate "$loop" "$t0" "$t1")
ossl_batch=$(infiles_rate "$loop")

echo "bench-ca: carecard-ca issue-cert, $loop invocations ..."
t0=$(now)
for f in $csrs; do
	"$ca" --state "$work/ca" issue-cert --profile authentication --holder $holder \
		--csr "$work/csrs/$f" --out "$work/c.pem" --operator-reader 1 >>"$log" 2>&1 ||
		die "issue-cert failed"
done
t1=$(now)
cli_loop=$(rate "$loop" "$t0" "$t1")

echo "bench-ca: carecard-ca issue-certs, the same $loop requests in one process ..."
cli_batch=$(issue_certs_rate "$loop")

# The bulk row: a batch as an RA office sends it (hundreds to thousands), where
# the fixed costs of one process (start, HSM login, the operator's card login
# through the shipped KDF) no longer decide the ratio.
bulk_rows=""
for n in $bulk; do
	echo "bench-ca: bulk, $n requests: openssl ca -infiles, then carecard-ca issue-certs ..."
	o=$(infiles_rate "$n")
	c=$(issue_certs_rate "$n")
	bulk_rows="$bulk_rows$n $c $o
"
done
ossl_reset

crl_rows=""
for n in $entries; do
	echo "bench-ca: CRL with $n revoked entries ..."
	"$bench" crl --state "$work/ca" --entries "$n" --index "$ossl/index.txt" \
		--markdown "$work/crl.txt" >>"$log" 2>&1 || die "CRL bench failed"
	inproc=$(cut -d' ' -f1 "$work/crl.txt")
	t0=$(now)
	"$ca" --state "$work/ca" crl --issuer authentication --out "$work/c.crl" \
		>>"$log" 2>&1 || die "carecard-ca crl failed"
	t1=$(now)
	ours=$(elapsed "$t0" "$t1")
	t0=$(now)
	openssl ca -gencrl -config "$ossl/openssl.cnf" -out "$work/o.crl" 2>>"$log" ||
		die "openssl ca -gencrl failed"
	t1=$(now)
	theirs=$(elapsed "$t0" "$t1")
	# Both lists must really hold n entries.
	got=$(openssl crl -in "$work/c.crl" -noout -text | grep -c "Serial Number:" || true)
	[ "$got" -eq "$n" ] || die "carecard CRL has $got entries, not $n"
	got=$(openssl crl -in "$work/o.crl" -noout -text | grep -c "Serial Number:" || true)
	[ "$got" -eq "$n" ] || die "openssl CRL has $got entries, not $n"
	speed=$(ratio "$theirs" "$ours")
	crl_rows="$crl_rows$n $inproc $ours $theirs $speed
"
done

{
	echo "carecard CA benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| measure | carecard | comparison | ratio | target | met |"
	echo "|---|---|---|---|---|---|"
	echo "| durable issuance (group commit of $group, synchronous=FULL; a signing session per core and one more) ÷ bare C_Sign on two sessions at once | $grouped/s | $bare2/s | $(ratio "$grouped" "$bare2") | ≥ 0.80 | $(met "$(ratio "$grouped" "$bare2")" 0.8) |"
	echo "| durable issuance ÷ bare C_Sign on one session | $grouped/s | $bare/s | $(ratio "$grouped" "$bare") | ≥ 0.80 | $(met "$(ratio "$grouped" "$bare")" 0.8) |"
	echo "| CPU per bare C_Sign ÷ CPU per durable issuance, all threads (the bookkeeping runs on the second core, beside the signer) | $grouped_cpu ms | $bare_cpu ms | $(ratio "$bare_cpu" "$grouped_cpu") | — | — |"
	echo "| durable issuance ÷ \`openssl ca\`, one invocation per request | $grouped/s | $ossl_loop/s | $(ratio "$grouped" "$ossl_loop") | ≥ 10 | $(met "$(ratio "$grouped" "$ossl_loop")" 10) |"
	echo "| durable issuance ÷ \`openssl ca -infiles\` ($loop requests, one process) | $grouped/s | $ossl_batch/s | $(ratio "$grouped" "$ossl_batch") | — | — |"
	echo "| issuance, commit per certificate, synchronous=FULL ÷ bare C_Sign | $full/s | $bare/s | $(ratio "$full" "$bare") | — | — |"
	echo "| issuance, commit per certificate, synchronous=NORMAL ÷ bare C_Sign | $normal/s | $bare/s | $(ratio "$normal" "$bare") | — | — |"
	echo "| \`carecard-ca issue-cert\` (one process and one operator card login per request) ÷ \`openssl ca\` | $cli_loop/s | $ossl_loop/s | $(ratio "$cli_loop" "$ossl_loop") | — | — |"
	echo "| \`carecard-ca issue-certs\` ($loop requests, one process, group commit, durable) ÷ \`openssl ca -infiles\` (not durable) | $cli_batch/s | $ossl_batch/s | $(ratio "$cli_batch" "$ossl_batch") | — | — |"
	echo "$bulk_rows" | while read -r n c o; do
		[ -n "$n" ] || continue
		echo "| **bulk: \`carecard-ca issue-certs\` ($n requests, one process, durable) ÷ \`openssl ca -infiles\` (not durable)** | $c/s | $o/s | $(ratio "$c" "$o") | ≥ 1.5 | $(met "$(ratio "$c" "$o")" 1.5) |"
	done
	echo "$crl_rows" | while read -r n inproc ours theirs speed; do
		[ -n "$n" ] || continue
		echo "| CRL, $n entries: \`carecard-ca crl\` vs \`openssl ca -gencrl\` (s, whole process; ratio = speed-up) | ${ours} s (in process ${inproc} s) | ${theirs} s | ${speed}× | $( [ "$n" -eq 100000 ] && echo "≥ 2×" || echo "—") | $( [ "$n" -eq 100000 ] && met "$speed" 2 || echo "—") |"
		if [ "$n" -eq 1000000 ]; then
			echo "| CRL, 1M entries, \`carecard-ca crl\` wall time | ${ours} s | | | < 3 s | $(ge 3 "$ours" && echo yes || echo NO) |"
		fi
	done
} >"$work/table.md"
cat "$work/table.md"
cp "$work/table.md" "$out"
echo "bench-ca: table written to $out"
