#!/bin/sh
# Integration: carecard-ca serve under bad input — a table of truncated,
# oversized, non-DER, wrong-method, slow (slowloris) and pipelined-garbage
# requests sent raw (tests/integration/test-service-rawhttp.py): each gets
# the right status or a clean close and a log line, and the service keeps
# answering others. Then malformed OCSP from openssl itself, the rate limit
# per address (429), memory that stays flat over thousands of bad requests,
# and (when valgrind is here and this is not the sanitizer build) the same
# table against the service under valgrind. Under --enable-sanitizers the
# service's own exit status carries ASan/LSan's verdict.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
for t in curl python3; do command -v $t >/dev/null || tap_skip_all "$t not installed"; done
RAW="python3 $top_srcdir/tests/integration/test-service-rawhttp.py"

export CARECARD_LOG_STDERR=1

# The table: case, then what must come back (statuses in order, whether the
# server closed, the OCSP status of the body). evhttp answers what it cannot
# parse itself (400, 413, 501) and closes; the rest are ours.
cat >"$CC_WORK/table" <<'TABLE'
truncated-body          ^- closed=yes
oversized-headers       ^400 closed=yes
many-headers            ^400 closed=yes
oversized-body          ^413 closed=yes
oversized-body-declared ^413 closed=yes
huge-url                ^400 closed=yes
non-der-body            ^200 closed=no .* ocsp=1 
empty-body              ^200 closed=no .* ocsp=1 
der-not-ocsp            ^200 closed=no .* ocsp=1 
der-trailing-bytes      ^200 closed=no .* ocsp=1 
deep-nesting            ^200 closed=no .* ocsp=1 
bad-base64-get          ^200 closed=no .* ocsp=1 
base64-not-der-get      ^200 closed=no .* ocsp=1 
put-ocsp                ^405 closed=no
delete-crl              ^405 closed=no
post-crl                ^405 closed=no
get-ocsp-bare           ^405 closed=no
trace-healthz           ^405 closed=no
options-healthz         ^405 closed=no
unknown-method          ^501 closed=yes
garbage-line            ^400 closed=yes
no-version              ^400 closed=yes
unknown-path            ^404 closed=no
dot-dot-path            ^404 closed=no
http10-no-host          ^200 closed=yes
pipelined-valid         ^200 200 200 closed=no
pipelined-garbage       ^200 400 closed=yes
slowloris               ^- closed=yes seconds=[1-3]\.[0-9] 
idle                    ^- closed=yes seconds=[1-3]\.[0-9] 
TABLE
ncases=$(wc -l <"$CC_WORK/table")
valgrind=
if [ "${CC_SANITIZERS:-no}" != yes ] && command -v valgrind >/dev/null; then
	valgrind=yes
fi
tap_plan $((ncases * 2 + 11 + $([ -n "$valgrind" ] && echo $((ncases + 2)) || echo 0)))

ca_init
ca_bootstrap 1
person 200000000002 "Bob Holder"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CC_WORK/a.key" \
	-subj /CN=x -out "$CC_WORK/a.csr" 2>>"$TAP_LOG"
op issue-cert --profile authentication --csr "$CC_WORK/a.csr" \
	--holder 200000000002 --out "$CC_WORK/a.pem" >>"$TAP_LOG" 2>&1
printf 'serve:\n  limits:\n    request-timeout: 2s\n    rate: 0\n' >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" || { tap_fail "service start"; exit 1; }
svc_wait_ready 1 || tap_diag "no responses yet"
OCSP_URL=$SVC_URL/ocsp/authentication-g2
export OCSP_URL

# table [PREFIX]: every case in one client run (each followed by a health
# check on a new connection), then one TAP line per expectation
table() {
	$RAW "$SVC_PORT" $(cut -d' ' -f1 "$CC_WORK/table") >"$CC_WORK/results" 2>>"$TAP_LOG"
	while read -r name want; do
		got=$(sed -n "s/^$name //p" "$CC_WORK/results")
		tap_like "${1:-}$name: $want" "$got" "$want"
		[ -n "${1:-}" ] || tap_like "$name: the service still answers others" "$got" \
			"health=ok$"
	done <"$CC_WORK/table"
}
table

# Malformed OCSP that a real client builds: two CertIDs (RFC 5019: one).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CC_WORK/b.key" \
	-subj /CN=y -out "$CC_WORK/b.csr" 2>>"$TAP_LOG"
op issue-cert --profile authentication --csr "$CC_WORK/b.csr" \
	--holder 200000000002 --out "$CC_WORK/b.pem" >>"$TAP_LOG" 2>&1
out=$(openssl ocsp -issuer "$S/certs/authentication.pem" -cert "$CC_WORK/a.pem" \
	-cert "$CC_WORK/b.pem" -url "$OCSP_URL" -no_nonce 2>&1 | tr '\n' ' ')
tap_like "openssl ocsp with two certificates in one request: malformedRequest" "$out" \
	"Responder Error: malformedrequest \\(1\\)"
openssl ocsp -issuer "$S/certs/authentication.pem" -cert "$CC_WORK/a.pem" -reqout "$CC_WORK/r.der" \
	>>"$TAP_LOG" 2>&1
printf 'xx' | cat "$CC_WORK/r.der" - >"$CC_WORK/r2.der"
curl -s -o "$CC_WORK/resp.der" --data-binary @"$CC_WORK/r2.der" \
	-H "Content-Type: application/ocsp-request" "$OCSP_URL"
tap_is "a valid request with bytes after it: malformedRequest" \
	"$(od -An -tx1 "$CC_WORK/resp.der" | tr -d ' \n')" 30030a0101
tap_like "a request with a nonce is still answered (without one: RFC 5019)" \
	"$(openssl ocsp -issuer "$S/certs/authentication.pem" -cert "$CC_WORK/a.pem" -url \
	   "$OCSP_URL" -CAfile "$S/certs/root.pem" 2>&1 | tr '\n' ' ')" "a.pem: good"
# (all but the two cases that only ask for /healthz leave a line of their own)
tap_ok "every refusal and close was logged, one line each" \
	test "$(grep -vc '"GET /healthz"' "$SVC_LOG")" -ge $((ncases - 2))

# Memory stays flat: RSS after thousands of bad requests, against after a warm-up.
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SVC_PID/status"; }
if [ "${CC_SANITIZERS:-no}" = yes ]; then
	tap_skip "memory stays flat over 3000 bad requests" "load is kept out of the sanitizer pass"
else
	# a warm-up first: the allocator's arenas and evhttp's buffers settle.
	# A leak grows the heap in every round; the allocator's and the
	# scheduler's own noise (another worker thread taking an arena, a job
	# signing) does not repeat, so one flat round out of three is the proof.
	$RAW loop "$SVC_PORT" 2000
	flat=no
	for round in 1 2 3; do
		r0=$(rss)
		$RAW loop "$SVC_PORT" 3000
		r1=$(rss)
		tap_diag "round $round: RSS ${r0} kB before 3000 bad requests, ${r1} kB after"
		if [ -n "$r0" ] && [ -n "$r1" ] && [ $((r1 - r0)) -lt 2048 ]; then
			flat=yes
			break
		fi
	done
	tap_is "memory stays flat over 3000 bad requests (< 2 MiB growth in one of three rounds)" "$flat" yes
fi
tap_like "...and the service still answers" "$(svc_health | head -n 1)" "^status: ok"

svc_stop
tap_is "SIGTERM: exit 0 (in the sanitizer build: ASan and LSan found nothing)" "$SVC_RC" 0

# The rate limit per client address (burst 5, 5/s): 429 with Retry-After.
printf 'serve:\n  limits:\n    rate: 5\n    burst: 5\n' >"$CC_WORK/rate.yaml"
svc_start --config "$CC_WORK/rate.yaml" --no-jobs
# one curl, ten requests on one connection: faster than the bucket refills
u=$SVC_URL/healthz
codes=$(curl -s -D "$CC_WORK/rate.hdr" -w '%{http_code} ' $(for i in 0 1 2 3 4 5 6 7 8 9; do
	echo "-o /dev/null $u"; done))
tap_like "over the rate: 429" "$codes" "^200 200 200 200 200 (429 )+"
tap_is "...with Retry-After" "$(tr -d '\r' <"$CC_WORK/rate.hdr" | sed -n 's/^Retry-After: //p' |
	head -n 1)" 1
sleep 1.2
tap_like "...and served again a second later" "$(curl -s "$SVC_URL/healthz")" "^status: ok"
svc_stop
tap_is "...exit 0" "$SVC_RC" 0

if [ -n "$valgrind" ]; then
	# The same table under valgrind, serving the responses signed above
	# (no HSM in this instance: --no-jobs).
	SVC_WRAP="valgrind --error-exitcode=80 --leak-check=full --show-leak-kinds=definite \
--errors-for-leak-kinds=definite --quiet --suppressions=$top_srcdir/tests/valgrind.supp"
	SVC_START_WAIT=1200
	svc_start --config "$CC_WORK/serve.yaml" --no-jobs --workers 2
	tap_ok "valgrind: the service starts" test -n "$SVC_PORT"
	table "valgrind: "
	svc_stop
	tap_is "valgrind: no error and no leak (exit 0, not 80)" "$SVC_RC" 0
	SVC_WRAP=
fi
tap_done
