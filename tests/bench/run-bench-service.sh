#!/bin/sh
# The service benchmark (issue 11): OCSP responses per second over loopback
# HTTP/1.1 keep-alive (wrk), carecard-ca serve with one worker per core
# against, in the same run, the OpenSSL responder answering the same
# requests (openssl ocsp -index ... -multi, signing each response) and
# nginx serving one pre-signed response as a static file (the practical
# ceiling); latency p50/p99 at half our maximum rate at a constant rate
# (h2load --rps); and downloads of a 100k-entry CRL, ours against nginx
# serving the same file. One markdown table (tests/bench/README-service.md).
#
# usage: make bench-service [BENCH_SERVICE_ARGS='--seconds 10 --rounds 3']
#    or: top_builddir=BUILD top_srcdir=SRC tests/bench/run-bench-service.sh [options]
#   --seconds S      each wrk run (default 10)
#   --rounds R       interleaved rounds, best of R reported (default 2)
#   --connections C  wrk connections (default 64), threads = cores
#   --certs N        certificates issued and pre-signed (default 1000)
#   --crl N          revoked entries in the CRL row (default 100000)
#   --out FILE       also write the table there (default BUILD/tests/bench/results-service.md)
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?set top_builddir to the build directory}"
: "${SOFTHSM_MODULE:=/usr/lib/softhsm/libsofthsm2.so}"
secs=10 rounds=2 conns=64 certs=1000 crl=100000
out="$top_builddir/tests/bench/results-service.md"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--certs) certs=$2; shift 2 ;;
	--crl) crl=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "run-bench-service.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
for t in wrk h2load nginx openssl curl sqlite3; do
	command -v $t >/dev/null || { echo "bench-service: $t is not installed" >&2; exit 1; }
done

ca="$top_builddir/ca/carecard-ca"
cores=$(nproc)
# A private carecard world (readers for the RA manager's card, HOME)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
cc_world
unset CARECARD_LOG_FILE CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE
work=$CC_WORK
ossl_pid=
chmod 755 "$work"		# nginx's workers read the static files
pids=
cleanup() {
	[ -n "${ossl_pid:-}" ] && ossl_stop
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	cc_cleanup
}
trap cleanup EXIT
export CARECARD_LOG_SYSLOG=0 CARECARD_CA_STATE="$work/ca"
unset CARECARD_POLICY
log="$work/log"
die() { echo "bench-service: $*" >&2; tail -n 20 "$log" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0" }'; }
met() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; then echo yes; else echo NO; fi; }
best() { tr ' ' '\n' | awk 'NF && $1 > m { m = $1 } END { printf "%.0f", m }'; }
port() {	# a free loopback port, by asking the kernel
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {	# wait_http URL: until it answers
	_i=0
	until curl -s -o /dev/null "$1"; do
		_i=$((_i + 1)); [ $_i -gt 300 ] && return 1; sleep 0.1
	done
}
# wrk_rate URL [wrk options]: successful (2xx) responses per second
wrk_rate() {
	_u=$1; shift
	wrk -t "$cores" -c "$conns" -d "${secs}s" "$@" "$_u" >"$work/wrk.out" 2>&1 || true
	cat "$work/wrk.out" >>"$log"
	if grep -q -e "Non-2xx" -e "Socket errors" "$work/wrk.out"; then
		sed -n 's/^ *\(Non-2xx.*\|Socket errors.*\)/  (\1)/p' "$work/wrk.out" >&2
	fi
	awk '/ requests in / { n = $1; t = $4; sub(/s,$/, "", t) }
	     /Non-2xx or 3xx responses:/ { bad = $NF }
	     END { if (t > 0) printf "%.0f", (n - bad) / t; else print 0 }' "$work/wrk.out"
}

echo "bench-service: $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-service: a CA (RSA-2048 issuing keys in SoftHSM2) with $certs certificates ..."
"$ca" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid 100000000001 \
	--manager-name "Alice Manager" --durability normal --card-module "$CC_MODULE" \
	>>"$log" 2>&1 || die "init"
# the RA manager's card (bootstrap): every later change has an operator
printf '1234\n' >"$work/manager.pin"
chmod 600 "$work/manager.pin"
cc_blank_card 1 >>"$log" 2>&1 || die "blank card"
CARECARD_HOLDER_PIN_FILE="$work/manager.pin" "$ca" issue-card --bootstrap \
	--holder 100000000001 --reader 1 >>"$log" 2>&1 || die "bootstrap card"
export CARECARD_OPERATOR_PIN_FILE="$work/manager.pin"
"$ca" person-add --uuid 200000000002 --name "Bob Holder" \
	--documents passport,utility-bill,driving-licence --operator-reader 1 >>"$log" 2>&1 ||
	die "person-add"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
	-subj /CN=x -out "$work/r.csr" 2>>"$log"
i=0; while [ $i -lt "$certs" ]; do echo "authentication 200000000002 $work/r.csr"; i=$((i + 1)); done \
	>"$work/list"
"$ca" issue-certs --list "$work/list" --out-dir "$work/certs" --operator-reader 1 \
	>"$work/issued" 2>>"$log" ||
	die "issue-certs"

P=$(port)
# One client address sends everything: the per-address rate limit (on by
# default) would cap the benchmark at its own setting, so it is off here.
printf 'serve:\n  limits:\n    rate: 0\n' >"$work/serve.yaml"
"$ca" serve --config "$work/serve.yaml" --http "127.0.0.1:$P" --workers "$cores" \
	--access-log "$work/access.log" >"$work/serve.out" 2>>"$log" &
pids="$pids $!"
wait_http "http://127.0.0.1:$P/healthz" || die "the service did not start"
i=0
# every certificate has its responses: these and the RA manager's card's
until curl -s "http://127.0.0.1:$P/healthz" | awk '/^certificates:/ { c = $2 } /^ready:/ { r = $2 }
	END { exit !(c >= '"$certs"' && r == c) }'; do
	i=$((i + 1)); [ $i -gt 3000 ] && die "pre-signing did not finish"; sleep 0.1
done
echo "bench-service: $certs certificates pre-signed"

# The requests: 100 certificates' SHA-1 CertIDs, as openssl ocsp builds them.
mkdir "$work/req"
head -n 100 "$work/issued" | while read -r line serial file; do
	openssl ocsp -issuer "$work/ca/certs/authentication.pem" -cert "$file" -no_nonce \
		-reqout "$work/req/$serial.der" >>"$log" 2>&1
done
export OCSP_REQ_DIR="$work/req"	# read by tests/bench/ocsp-post.lua
first=$(sed -n '1s/^[0-9]* \([0-9A-F]*\) .*/\1/p' "$work/issued").der
enc=$(base64 -w0 "$work/req/$first" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))')
curl -s -o "$work/static.der" "http://127.0.0.1:$P/ocsp/authentication-g2/$enc"
openssl ocsp -respin "$work/static.der" -CAfile "$work/ca/certs/root.pem" \
	-issuer "$work/ca/certs/authentication.pem" -cert "$(sed -n '1s/^[0-9]* [0-9A-F]* //p' \
	"$work/issued")" 2>&1 | grep -q ": good" || die "the GET response does not verify"

# The OpenSSL responder: the same CA's certificates in its index, a responder
# key and certificate of the same type as ours (RSA-2048), signing per request.
awk -v d="$(date -u -d '+2 years' +%y%m%d%H%M%SZ)" '{ printf "V\t%s\t\t%s\tunknown\t/CN=x\n", d, $2 }' \
	"$work/issued" >"$work/index.txt"
echo "unique_subject = no" >"$work/index.txt.attr"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/rkey.pem" -out "$work/rcert.pem" \
	-subj "/CN=OpenSSL responder" -days 2 2>>"$log"
# It does not always survive a wrk run (children stuck or gone, answers
# stop), so each round gets a fresh one.
ossl_start() {
	OP=$(port)
	openssl ocsp -index "$work/index.txt" -port "$OP" -rsigner "$work/rcert.pem" \
		-rkey "$work/rkey.pem" -CA "$work/ca/certs/authentication.pem" -multi "$cores" \
		-nmin 5 >>"$log" 2>&1 &
	ossl_pid=$!
	# (a GET of "/" upsets it: one of its children dies and is not replaced)
	_i=0
	until curl -s -o /dev/null --data-binary @"$work/req/$first" \
		-H "Content-Type: application/ocsp-request" "http://127.0.0.1:$OP/"; do
		_i=$((_i + 1)); [ $_i -gt 300 ] && die "openssl ocsp did not start"; sleep 0.1
	done
}
ossl_stop() {	# it leaves its children running when it is killed
	_kids=$(ps -o pid= --ppid "$ossl_pid" 2>/dev/null || true)
	kill "$ossl_pid" $_kids 2>/dev/null || true
	wait "$ossl_pid" 2>/dev/null || true
	ossl_pid=
}

# nginx serving the same response bytes, and later the same CRL, statically.
NP=$(port)
mkdir -p "$work/www" "$work/nginx"
cp "$work/static.der" "$work/www/ocsp.der"
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes $cores;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
	# static serving as tuned as it gets: no open()/fstat() per request
	open_file_cache max=64 inactive=60s;
	open_file_cache_valid 60s;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	access_log $work/nginx/access.log;
	client_body_temp_path $work/nginx;
	proxy_temp_path $work/nginx;
	fastcgi_temp_path $work/nginx;
	uwsgi_temp_path $work/nginx;
	scgi_temp_path $work/nginx;
	server {
		listen 127.0.0.1:$NP;
		location / { root $work/www; types { } default_type application/octet-stream; }
	}
}
NGINX
nginx -c "$work/nginx.conf" -g "daemon off;" >>"$log" 2>&1 &
pids="$pids $!"
wait_http "http://127.0.0.1:$NP/ocsp.der" || die "nginx did not start"

echo "bench-service: OCSP, $rounds interleaved rounds of $secs s each ($cores wrk threads, $conns connections) ..."
ours_post= ours_get= ossl= ngx=
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	ours_post="$ours_post $(wrk_rate "http://127.0.0.1:$P/ocsp/authentication-g2" -s "$top_srcdir/tests/bench/ocsp-post.lua")"
	ossl_start
	ossl="$ossl $(wrk_rate "http://127.0.0.1:$OP/" -s "$top_srcdir/tests/bench/ocsp-post.lua")"
	ossl_stop
	ngx="$ngx $(wrk_rate "http://127.0.0.1:$NP/ocsp.der")"
	ours_get="$ours_get $(wrk_rate "http://127.0.0.1:$P/ocsp/authentication-g2/$enc")"
	echo "  round $r: ours POST $(echo $ours_post | awk '{print $NF}'), openssl $(echo $ossl | awk '{print $NF}'), nginx $(echo $ngx | awk '{print $NF}'), ours GET $(echo $ours_get | awk '{print $NF}') /s"
done
ours_post_b=$(echo $ours_post | best) ossl_b=$(echo $ossl | best)
ngx_b=$(echo $ngx | best) ours_get_b=$(echo $ours_get | best)
sed -n '/Latency Distribution/,/99%/p' "$work/wrk.out" >"$work/closed-loop.txt"

# Latency at half our maximum POST rate, at a constant rate: h2load's --rps
# per connection (HTTP/1.1), every request logged with its duration.
half=$((ours_post_b / 2))
c=32
rps=$(( (half + c - 1) / c ))
h2load --h1 -c "$c" -t "$cores" --rps "$rps" -D "$secs" -d "$work/req/$first" \
	-H "Content-Type: application/ocsp-request" --log-file "$work/h2load.log" \
	"http://127.0.0.1:$P/ocsp/authentication-g2" >"$work/h2load.out" 2>&1 || true
cat "$work/h2load.out" >>"$log"
pct() { awk -v p="$1" '$2 == 200 { print $3 }' "$work/h2load.log" | sort -n |
	awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100); if (i < 1) i = 1;
	printf "%.2f", v[i] / 1000 }'; }
p50=$(pct 50) p99=$(pct 99)
sent=$(awk '$2 == 200' "$work/h2load.log" | wc -l)
achieved=$(awk -v n="$sent" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')

# A CRL of $crl revoked entries: old revocations added to the registry, one
# live certificate revoked so the service publishes it at once.
echo "bench-service: a CRL of $crl entries ..."
sqlite3 "$work/ca/registry.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	WHERE i < $crl - 1) INSERT INTO certificates (serial, holder, profile, issuer, not_before,
	not_after, status, revocation_reason, revocation_time, der) SELECT printf('7%031X', i),
	'200000000002', 'authentication', 'authentication', 1000000000, 1100000000, 'revoked', 1,
	1050000000 + i, x'00' FROM n" || die "CRL rows"
"$ca" revoke --serial "$(sed -n '1s/^[0-9]* \([0-9A-F]*\) .*/\1/p' "$work/issued")" \
	--reason leaver --operator-reader 1 >>"$log" 2>&1 || die "revoke"
i=0
until [ "$(curl -s "http://127.0.0.1:$P/crl/authentication-g2.crl" |
	openssl crl -inform DER -noout -text 2>/dev/null | grep -c 'Serial Number')" -ge "$crl" ]; do
	i=$((i + 1)); [ $i -gt 600 ] && die "the big CRL was not published"; sleep 0.1
done
curl -s -o "$work/www/big.crl" "http://127.0.0.1:$P/crl/authentication-g2.crl"
chmod a+r "$work/www/big.crl"
crlsize=$(wc -c <"$work/www/big.crl")
crl_ours= crl_ngx=
ocsp_conns=$conns
conns=16
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	crl_ours="$crl_ours $(wrk_rate "http://127.0.0.1:$P/crl/authentication-g2.crl")"
	crl_ngx="$crl_ngx $(wrk_rate "http://127.0.0.1:$NP/big.crl")"
done
conns=$ocsp_conns
crl_ours_b=$(echo $crl_ours | best) crl_ngx_b=$(echo $crl_ngx | best)

# The table.
mbs() { awk -v n="$1" -v b="$crlsize" 'BEGIN { printf "%.0f", n * b / 1048576 }'; }
{
	echo "## make bench-service ($(date -u +%Y-%m-%d), $cores cores, load average at start $(cut -d' ' -f1 /proc/loadavg | head -n 1))"
	echo
	echo "wrk: $cores threads, $conns connections, HTTP/1.1 keep-alive, ${secs} s per run, best of $rounds interleaved rounds."
	echo "carecard-ca serve: $cores workers, access log on (a file); nginx: $cores workers, access log on,"
	echo "open_file_cache, sendfile, unlimited keep-alive requests."
	echo
	echo "| measure | result | target |"
	echo "|---|---|---|"
	echo "| OCSP POST, carecard-ca serve (pre-signed, 100 certificates round robin) | $ours_post_b /s (rounds: $(echo $ours_post)) | |"
	echo "| OCSP POST, openssl ocsp -index -multi $cores (signs each response) | $ossl_b /s (rounds: $(echo $ossl)) | |"
	echo "| OCSP GET of one response, carecard-ca serve | $ours_get_b /s (rounds: $(echo $ours_get)) | |"
	echo "| the same response bytes as a static file, nginx | $ngx_b /s (rounds: $(echo $ngx)) | |"
	echo "| **ours POST ÷ OpenSSL responder** | **$(ratio "$ours_post_b" "$ossl_b")×** | ≥ 20× — $(met "$(ratio "$ours_post_b" "$ossl_b")" 20) |"
	echo "| **ours GET ÷ nginx static, same bytes** | **$(ratio "$ours_get_b" "$ngx_b")×** | ≥ 0.5× — $(met "$(ratio "$ours_get_b" "$ngx_b")" 0.5) |"
	echo "| ours POST ÷ nginx static | $(ratio "$ours_post_b" "$ngx_b")× | |"
	echo "| **latency at half our max POST rate, constant rate** (h2load --rps, $c connections, target $half/s, achieved $achieved/s) | **p50 $p50 ms, p99 $p99 ms** | p99 < 10 ms — $(awk -v p="$p99" 'BEGIN { print (p < 10) ? "yes" : "NO" }') |"
	echo "| CRL of $crl entries ($crlsize bytes), carecard-ca serve, 16 connections | $crl_ours_b /s = $(mbs "$crl_ours_b") MiB/s | |"
	echo "| the same CRL file, nginx | $crl_ngx_b /s = $(mbs "$crl_ngx_b") MiB/s | |"
	echo "| CRL download, ours ÷ nginx | $(ratio "$crl_ours_b" "$crl_ngx_b")× | |"
	echo
	echo "Closed-loop latency of the last OCSP GET run (wrk --latency is not constant-rate; for information):"
	echo '```'
	wrk -t "$cores" -c "$conns" -d 3s --latency "http://127.0.0.1:$P/ocsp/authentication-g2/$enc" 2>&1 |
		sed -n '/Latency Distribution/,/99%/p'
	echo '```'
} >"$work/table.md"
mkdir -p "$(dirname "$out")"
cp "$work/table.md" "$out"
cat "$work/table.md"
