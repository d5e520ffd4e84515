# tests/bench/bench-scale-ocsp.sh, sourced by run-bench-scale.sh after the
# issuance rows: OCSP through haproxy with 1, 2 and 3 instances of
# "carecard-ca serve" (one worker each) on the PostgreSQL CA ($work/pg, which
# the issuance rows filled with certificates). Sets ocsp_rows (markdown table
# rows). Uses from the caller: ca, work, log, osecs, die, ratio, met, best.

echo "bench-scale: OCSP through haproxy, 3 instances of one worker on the PostgreSQL CA ..."
CA=$ca S=$work/pg SCALE_DIR=$work/scale SCALE_WORKERS=1
mkdir -p "$SCALE_DIR"
# One client address sends everything: the per-address rate limit would cap
# the benchmark at its own setting.
printf 'serve:\n  limits:\n    rate: 0\n' >"$work/serve.yaml"
scale_ports 3 || die "no free loopback ports"
# The pipelined rows' own front: haproxy in TCP mode to the same instances'
# HTTP ports (the deployment's HTTPS front is TCP mode too), so that neither
# the load balancer nor the load generator parse each request again.
tcp_port=$(scale_free_port) || die "no free loopback port"
SCALE_HAPROXY_EXTRA="frontend bench_tcp
	mode tcp
	bind 127.0.0.1:$tcp_port
	default_backend bench_tcp
backend bench_tcp
	mode tcp
	balance roundrobin
	server ca1 127.0.0.1:$SCALE_HTTP_1 check
	server ca2 127.0.0.1:$SCALE_HTTP_2 check
	server ca3 127.0.0.1:$SCALE_HTTP_3 check"
scale_start --config "$work/serve.yaml" >>"$log" 2>&1 || die "the scale-out set-up did not start"

# Every instance serves from its own store of pre-signed responses: wait until
# each holds one for every certificate (the pre-signing itself is shared
# through the registry's leases).
_i=1
while [ $_i -le 3 ]; do
	eval "_p=\$SCALE_HTTP_$_i"
	_w=0
	until curl -s "http://127.0.0.1:$_p/healthz" >"$work/hz" &&
		awk '/^certificates:/ { c = $2 } /^ready:/ { r = $2 }
		     END { exit !(c > 0 && r == c) }' "$work/hz"; do
		_w=$((_w + 1)); [ $_w -gt 3000 ] && die "instance $_i: pre-signing did not finish ($(tr '\n' ' ' <"$work/hz"))"
		sleep 0.1
	done
	_i=$((_i + 1))
done
echo "bench-scale: every instance has $(sed -n 's/^ready: //p' "$work/hz") responses ready"

# The requests: 100 valid certificates' SHA-1 CertIDs, as openssl ocsp builds
# them, POSTed to the URL in the certificates' own AIA extension, through
# haproxy's HTTP front.
_uri=$(cat "$work/pg/registry.uri")
psql -XAtq "$_uri" -c "SELECT serial FROM certificates WHERE status = 'valid' AND
	profile = 'authentication' ORDER BY serial LIMIT 100" >"$work/serials" || die "psql"
[ "$(wc -l <"$work/serials")" -eq 100 ] || die "fewer than 100 authentication certificates"
psql -XAtq "$_uri" -c "SELECT encode(der, 'base64') FROM certificates
	WHERE serial = '$(head -n 1 "$work/serials")'" | base64 -d >"$work/one.der" || die "psql der"
_aia=$(openssl x509 -inform DER -in "$work/one.der" -noout -ocsp_uri)
_path=/${_aia#http*://*/}
[ -n "$_aia" ] && [ "$_path" != "/$_aia" ] || die "no OCSP URL in the certificates ($_aia)"
_iss=$work/pg/certs/authentication.pem
mkdir -p "$work/req"
while read -r _s; do
	openssl ocsp -issuer "$_iss" -serial "0x$_s" -no_nonce -reqout "$work/req/$_s.der" \
		>>"$log" 2>&1 || die "openssl ocsp -reqout"
done <"$work/serials"
_s=$(head -n 1 "$work/serials")
curl -s -o "$work/resp.der" --data-binary @"$work/req/$_s.der" \
	-H "Content-Type: application/ocsp-request" "$SCALE_URL$_path" &&
	openssl ocsp -respin "$work/resp.der" -CAfile "$work/pg/certs/root.pem" -issuer "$_iss" \
		-serial "0x$_s" 2>&1 | tee -a "$log" | grep -q ": good" ||
	die "the answer through haproxy does not verify as good"
export OCSP_REQ_DIR="$work/req"	# read by tests/bench/ocsp-post.lua
# The pipelined path answers each request in order: three requests for
# three certificates in one write through the TCP front, each answer
# checked by openssl ocsp against its own serial.
python3 - "$tcp_port" "$_path" "$work" $(head -n 3 "$work/serials") <<'PY' >>"$log" 2>&1 ||
import socket, sys
port, path, work, serials = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
out = b""
for s in serials:
    body = open("%s/req/%s.der" % (work, s), "rb").read()
    out += (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
            b"Content-Length: %d\r\n\r\n" % (path.encode(), len(body))) + body
c = socket.create_connection(("127.0.0.1", port), timeout=10)
c.sendall(out)
f = c.makefile("rb")
for s in serials:
    status = f.readline()
    assert status.startswith(b"HTTP/1.1 200"), status
    n = None
    while True:
        h = f.readline().strip()
        if not h:
            break
        k, v = h.split(b":", 1)
        if k.lower() == b"content-length":
            n = int(v)
    open("%s/piped-%s.der" % (work, s), "wb").write(f.read(n))
PY
	die "three pipelined requests did not get their three answers"
for _s in $(head -n 3 "$work/serials"); do
	openssl ocsp -respin "$work/piped-$_s.der" -CAfile "$work/pg/certs/root.pem" -issuer "$_iss" \
		-serial "0x$_s" 2>&1 | tee -a "$log" | grep -q "^0x$_s: good" ||
		die "the pipelined answer for $_s does not verify as good for it"
done

# ocsp_rate URL [SCRIPT]: successful (2xx) OCSP answers per second, wrk with
# one thread per core and 64 connections for osecs seconds; SCRIPT
# ocsp-pipeline.lua for the pipelined rows (default ocsp-post.lua).
ocsp_rate() {
	# (wrk under python3 to read its CPU time: getrusage of the child)
	python3 -c 'import resource, subprocess, sys
subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.0f" % ((r.ru_utime + r.ru_stime) * '"$(getconf CLK_TCK)"'))' \
		"$work/wrk.out" wrk -t "$(nproc)" -c 64 -d "${osecs}s" -s "$top_srcdir/tests/bench/${2:-ocsp-post.lua}" "$1" \
		>"$work/wrk.ticks" || true
	cat "$work/wrk.out" >>"$log"
	awk '/ requests in / { n = $1; t = $4; sub(/s,$/, "", t) }
	     /Non-2xx or 3xx responses:/ { bad = $NF }
	     END { if (t > 0) printf "%.0f", (n - bad) / t; else print 0 }' "$work/wrk.out"
}
# in_service N: instances 1..N ready in haproxy, the rest in maintenance.
in_service() {
	_i=1
	while [ $_i -le 3 ]; do
		if [ $_i -le "$1" ]; then _st=ready; else _st=maint; fi
		scale_haproxy_cmd "set server carecard_http/ca$_i state $_st" >/dev/null
		scale_haproxy_cmd "set server bench_tcp/ca$_i state $_st" >/dev/null
		_i=$((_i + 1))
	done
	sleep 1
}
# pin CPUS...: instance I's threads on CPUS_I ("0", "1", "0-1").
pin() {
	_i=1
	for _c in "$@"; do
		eval "_p=\$SCALE_PID_$_i"
		taskset -a -pc "$_c" "$_p" >/dev/null || die "taskset $_c $_p"
		_i=$((_i + 1))
	done
}
# ticks PID...: CPU time (user + system, clock ticks) the processes used so far
ticks() {
	for _p in "$@"; do cat "/proc/$_p/stat" 2>/dev/null; done |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}
all_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
last=$(($(nproc) - 1))
r1= r2= r3= direct= pl1= pl2= pldirect=
export OCSP_DEPTH=16	# read by tests/bench/ocsp-pipeline.lua
for r in $(seq "$rounds"); do
	pin 0 "$last" "0-$last"
	in_service 1; r1="$r1 $(ocsp_rate "$SCALE_URL$_path")"
	pl1="$pl1 $(ocsp_rate "http://127.0.0.1:$tcp_port$_path" ocsp-pipeline.lua)"
	pldirect="$pldirect $(ocsp_rate "http://127.0.0.1:$SCALE_HTTP_1$_path" ocsp-pipeline.lua)"
	in_service 2
	_hp="$SCALE_HAPROXY_PID $(pgrep -P "$SCALE_HAPROXY_PID" | tr '\n' ' ')"
	_i0=$(ticks "$SCALE_PID_1" "$SCALE_PID_2") _h0=$(ticks $_hp) _a0=$(all_ticks)
	r2="$r2 $(ocsp_rate "$SCALE_URL$_path")"
	_i1=$(ticks "$SCALE_PID_1" "$SCALE_PID_2") _h1=$(ticks $_hp) _a1=$(all_ticks)
	pl2="$pl2 $(ocsp_rate "http://127.0.0.1:$tcp_port$_path" ocsp-pipeline.lua)"
	cpu_split=$(awk -v i=$((_i1 - _i0)) -v h=$((_h1 - _h0)) -v a=$((_a1 - _a0)) \
		-v w="$(cat "$work/wrk.ticks")" 'BEGIN {
		if (a > 0) printf "instances %.0f%%, haproxy %.0f%%, wrk %.0f%%, other processes %.0f%%",
			100 * i / a, 100 * h / a, 100 * w / a, 100 * (a - i - h - w) / a }')
	direct="$direct $(ocsp_rate "http://127.0.0.1:$SCALE_HTTP_1$_path")"
	pin "0-$last" "0-$last" "0-$last"
	in_service 3; r3="$r3 $(ocsp_rate "$SCALE_URL$_path")"
done
scale_stop
r1b=$(best $r1) r2b=$(best $r2) r3b=$(best $r3) db=$(best $direct)
pl1b=$(best $pl1) pl2b=$(best $pl2) pldb=$(best $pldirect)
ocsp_rows="| OCSP, one instance (1 worker, pinned to core 0) straight, no haproxy | $db /s (rounds:$direct) | |
| OCSP through haproxy, 1 instance (1 worker, pinned to core 0) | $r1b /s (rounds:$r1) | |
| OCSP through haproxy, 2 instances (1 worker each, pinned to cores 0 and $last) | $r2b /s (rounds:$r2) | |
| **OCSP through haproxy, 2 pinned instances ÷ 1** | **$(ratio "$r2b" "$r1b")** | ≥ 1.6 — $(met "$(ratio "$r2b" "$r1b")" 1.6) |
| OCSP through haproxy, 3 instances (1 worker each, unpinned) | $r3b /s (rounds:$r3) | |
| OCSP through haproxy, 3 ÷ 1 | $(ratio "$r3b" "$r1b") | |
| OCSP through haproxy ÷ the same instance straight | $(ratio "$r1b" "$db") | |
| where the CPU went, 2 pinned instances through haproxy (all cores = 100%) | $cpu_split | |
| pipelined (16 requests a write), one instance (pinned to core 0) straight | $pldb /s (rounds:$pldirect) | |
| pipelined, through haproxy in TCP mode, 1 instance (pinned to core 0) | $pl1b /s (rounds:$pl1) | |
| pipelined, through haproxy in TCP mode, 2 instances (pinned to cores 0 and $last) | $pl2b /s (rounds:$pl2) | |
| **pipelined through haproxy (TCP), 2 pinned instances ÷ 1** | **$(ratio "$pl2b" "$pl1b")** | ≥ 1.6 — $(met "$(ratio "$pl2b" "$pl1b")" 1.6) |
"
