#!/bin/sh
# The scale-out benchmark (issue 14): durable issuance with the registry on
# PostgreSQL against the same on SQLite, in one run, printed as one markdown
# table (see tests/bench/README-scale.md).
#
# Two CAs made by `carecard-ca init` in one private carecard world, RSA-2048
# issuing keys in SoftHSM2: one on the embedded SQLite registry (durability
# full), one on a PostgreSQL 15 started for the run (tests/lib/pg.sh: initdb
# in a temporary directory, Unix socket only) with fsync and
# synchronous_commit on, so both are power-loss durable. The same 1000
# requests; `bench-ca issue --only` runs the group-commit mode (the path of
# issue-certs and of the service's requests) and the per-certificate commit
# mode on each, alternating in rounds so load from other processes hits
# both alike; the best round of each is reported.
#
# usage: make bench-scale [BENCH_SCALE_ARGS='--seconds 3 --rounds 3']
#    or: top_builddir=BUILD top_srcdir=SRC tests/bench/run-bench-scale.sh [options]
#   --seconds S     seconds per mode and round (default 3)
#   --rounds R      rounds (default 3)
#   --ocsp-seconds S  each wrk run of the OCSP rows (default 5)
#   --no-ocsp       skip the OCSP-through-haproxy rows
#   --out FILE      also write the table to FILE (default $top_builddir/tests/bench/results-scale.md)
#
# The OCSP rows: the PostgreSQL CA's service as 3 instances of one worker
# behind haproxy (tests/lib/scale.sh, the deployment's template); wrk POSTs
# 100 certificates' requests to haproxy's HTTP front with 1, 2 and 3
# instances in service (the others in maintenance through haproxy's admin
# socket). For "2 ÷ 1" each instance is pinned to its own core (taskset);
# wrk and haproxy share both cores with them, as on any one machine.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?set top_builddir to the build directory}"
: "${SOFTHSM_MODULE:=/usr/lib/softhsm/libsofthsm2.so}"
secs=3 rounds=3 osecs=5 ocsp=yes
out="$top_builddir/tests/bench/results-scale.md"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--ocsp-seconds) osecs=$2; shift 2 ;;
	--no-ocsp) ocsp=no; shift ;;
	--out) out=$2; shift 2 ;;
	*) echo "run-bench-scale.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

ca="$top_builddir/ca/carecard-ca"
bench="$top_builddir/tests/bench/bench-ca"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
. "$top_srcdir/tests/lib/pg.sh"
. "$top_srcdir/tests/lib/scale.sh"
if [ "$ocsp" = yes ]; then
	for t in haproxy wrk taskset python3 curl openssl; do
		command -v $t >/dev/null ||
			{ echo "bench-scale: $t is not installed (or use --no-ocsp)" >&2; exit 1; }
	done
fi
cc_world
unset CARECARD_LOG_FILE CARECARD_CA_STATE CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE
export CARECARD_LOG_SYSLOG=0
work=$CC_WORK
log="$work/log"
trap 'scale_stop; pg_stop; cc_cleanup' EXIT

die() { echo "bench-scale: $*" >&2; tail -n 20 "$log" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0" }'; }
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "yes" : "NO" }'; }
best() { printf '%s\n' "$@" | sort -n | tail -n 1; }

echo "bench-scale: PostgreSQL for the run (fsync on, synchronous_commit on) ..."
pg_start >>"$log" 2>&1 || die "${PG_SKIP:-PostgreSQL did not start}"
# pg.sh turns fsync off for tests; a durable comparison needs it back.
psql -XAtq -v ON_ERROR_STOP=1 "$PG_URI" \
	-c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" \
	-c "SELECT pg_reload_conf()" >>"$log" 2>&1 || die "cannot turn fsync on"
sleep 1
[ "$(psql -XAtq "$PG_URI" -c "SHOW fsync")" = on ] || die "fsync is not on"
pgver=$(psql -XAtq "$PG_URI" -c "SHOW server_version" | sed 's/ .*//')

echo "bench-scale: two CAs (SQLite, PostgreSQL $pgver), RSA-2048 keys in SoftHSM2 ..."
"$ca" --state "$work/sqlite" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid 100000000001 \
	--manager-name "Alice Manager" --card-module "$CC_MODULE" >>"$log" 2>&1 ||
	die "init (SQLite) failed"
"$ca" --state "$work/pg" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid 100000000001 \
	--manager-name "Alice Manager" --card-module "$CC_MODULE" --registry "$PG_URI" \
	>>"$log" 2>&1 || die "init (PostgreSQL) failed"
[ -f "$work/pg/registry.uri" ] && [ ! -e "$work/pg/registry.db" ] ||
	die "the PostgreSQL CA has no registry URI"
mkdir "$work/csrs"
"$bench" csrs --out "$work/csrs" --count 1000 --key rsa >>"$log" 2>&1 || die "CSRs"

# one STATE MODE: bench-ca's rate for mode MODE (3 group commit, 2 commit per
# certificate, 0 bare) on the CA in STATE, one round.
one() {
	"$bench" issue --state "$work/$1" --csrs "$work/csrs" --seconds "$secs" --rounds 1 \
		--only "$2" --markdown "$work/one.md" >>"$log" 2>&1 || die "bench-ca on $1 failed"
	awk -F'|' -v m="$2" 'NR == 3 + m { gsub(/ /, "", $3); print $3 }' "$work/one.md"
}

echo "bench-scale: durable issuance, $rounds rounds of $secs s per mode and registry ..."
sg= pg= s1= p1= bare=
for r in $(seq "$rounds"); do
	sg="$sg $(one sqlite 3)"
	pg="$pg $(one pg 3)"
	s1="$s1 $(one sqlite 2)"
	p1="$p1 $(one pg 2)"
	bare="$bare $(one sqlite 0)"
done
sgb=$(best $sg) pgb=$(best $pg) s1b=$(best $s1) p1b=$(best $p1) bareb=$(best $bare)
n_sq=$(sqlite3 "$work/sqlite/registry.db" "SELECT count(*) FROM certificates WHERE status = 'valid'")
n_pg=$(psql -XAtq "$(cat "$work/pg/registry.uri")" \
	-c "SELECT count(*) FROM certificates WHERE status = 'valid'")

ocsp_rows=
[ "$ocsp" = yes ] && . "$top_srcdir/tests/bench/bench-scale-ocsp.sh"

{
	echo "carecard scale-out benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $pgver (fsync on)"
	echo
	echo "| measure | result | target |"
	echo "|---|---|---|"
	echo "| durable issuance, group commit, SQLite (synchronous=FULL) | $sgb /s (rounds:$sg) | |"
	echo "| durable issuance, group commit, PostgreSQL (fsync, synchronous_commit on) | $pgb /s (rounds:$pg) | |"
	echo "| **PostgreSQL ÷ SQLite, group commit** | **$(ratio "$pgb" "$sgb")** | ≥ 0.5 — $(met "$(ratio "$pgb" "$sgb")" 0.5) |"
	echo "| issuance, one commit per certificate, SQLite | $s1b /s (rounds:$s1) | |"
	echo "| issuance, one commit per certificate, PostgreSQL | $p1b /s (rounds:$p1) | |"
	echo "| PostgreSQL ÷ SQLite, one commit per certificate | $(ratio "$p1b" "$s1b") | |"
	echo "| bare C_Sign on the SQLite CA's key, for scale | $bareb /s | |"
	echo "| valid certificates afterwards, SQLite / PostgreSQL registry | $n_sq / $n_pg | |"
	printf '%s' "$ocsp_rows"
} >"$work/table.md"
mkdir -p "$(dirname "$out")"
cp "$work/table.md" "$out"
cat "$out"
echo "bench-scale: table written to $out"
