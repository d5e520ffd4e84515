#!/bin/sh
# The EST benchmark (issue 12): server-side card renewals per second through
# carecard-ca serve — mutual TLS with the holder's authentication key, both
# certificates (two simplereenroll) and the confirmation with the new key —
# with concurrent clients using pre-made keys and requests, beside, in the
# same run, bench-ca's durable issuance rate (tests/bench/bench-ca issue,
# group commit, synchronous=FULL) halved: a renewal is two certificates.
# Results and how to read them: tests/bench/README-service.md.
#
# usage: make bench-est [BENCH_EST_ARGS='--holders 40 --clients 4']
#   --holders N   holders renewed, once each (default 40)
#   --clients C   concurrent clients (default 4)
#   --out FILE    also write the table there (default BUILD/tests/bench/results-est.md)
#
# Set-up shortcuts, none of them timed: the holders' current certificates
# come from issue-certs with software keys (a card's key cannot leave it, and
# driving 40 cards' modules would measure the client), and their cards are
# put in the registry as issued to them with sqlite3 (what issue-card
# records). The service runs with the CA's clock two days after issuance,
# inside the renewal window of the benchmark's policy.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?set top_builddir to the build directory}"
: "${SOFTHSM_MODULE:=/usr/lib/softhsm/libsofthsm2.so}"
holders=40 clients=4
out="$top_builddir/tests/bench/results-est.md"
while [ $# -gt 0 ]; do
	case $1 in
	--holders) holders=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "run-bench-est.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
for t in openssl sqlite3 python3; do
	command -v $t >/dev/null || { echo "bench-est: $t is not installed" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "bench-est: python3-cryptography is not installed" >&2; exit 1; }

ca="$top_builddir/ca/carecard-ca"
bench="$top_builddir/tests/bench/bench-ca"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"
cc_world
unset CARECARD_LOG_FILE CARECARD_CA_STATE CARECARD_OPERATOR_PIN_FILE CARECARD_HOLDER_PIN_FILE \
	CARECARD_CA_NOW
work=$CC_WORK
export CARECARD_LOG_SYSLOG=0
log="$work/log"
manager=100000000001
svc_pid=
stop_svc() {
	[ -n "$svc_pid" ] || return 0
	kill "$svc_pid" 2>/dev/null || true
	wait "$svc_pid" 2>/dev/null || true
	svc_pid=
}
trap 'stop_svc; cc_cleanup' EXIT
die() { echo "bench-est: $*" >&2; tail -n 20 "$log" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0" }'; }
met() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; then echo yes; else echo NO; fi; }

# Short certificates, the window open two days after issuance; the NHS key
# types (RSA-2048 requests, as bench-ca's).
cat >"$work/policy.yaml" <<'YAML'
version: 1
profiles:
  authentication: { lifetime: 100d }
  signing: { lifetime: 100d }
renewal: { window: 99d, self-renewals-before-ra: 2 }
YAML
echo "bench-est: a CA in $work/ca (RSA-2048 issuing keys in SoftHSM2, durability full) ..."
"$ca" --state "$work/ca" init --hsm-module "$SOFTHSM_MODULE" --manager-uuid $manager \
	--manager-name "Alice Manager" --card-module "$CC_MODULE" --policy "$work/policy.yaml" \
	>>"$log" 2>&1 || die "init failed"
printf '1234\n' >"$work/manager.pin"
chmod 600 "$work/manager.pin"
cc_blank_card 1 >>"$log" 2>&1 || die "blank card"
CARECARD_HOLDER_PIN_FILE="$work/manager.pin" "$ca" --state "$work/ca" issue-card --bootstrap \
	--holder $manager --reader 1 >>"$log" 2>&1 || die "bootstrap card"
export CARECARD_OPERATOR_PIN_FILE="$work/manager.pin"
sql() { sqlite3 "$work/ca/registry.db" "$1"; }

echo "bench-est: $holders holders, their cards and current certificates ..."
mkdir -p "$work/h"
: >"$work/list"
i=0
while [ $i -lt "$holders" ]; do
	i=$((i + 1))
	u=$(printf '5%011d' $i) c=$(printf '04%014d' $i) d=$work/h/$i
	mkdir -p "$d"
	"$ca" --state "$work/ca" person-add --uuid "$u" --name "Bench Holder $i" \
		--documents passport,utility-bill,driving-licence --operator-reader 1 >>"$log" 2>&1 ||
		die "person-add $u"
	sql "INSERT INTO cards (serial, series, state, holder) VALUES ('$c', '04', 'issued', '$u')"
	for k in auth sign newauth newsign; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/$k.key" 2>>"$log"
	done
	openssl req -new -key "$d/auth.key" -subj "/CN=x" -out "$d/auth.csr" 2>>"$log"
	openssl req -new -key "$d/sign.key" -subj "/CN=x" -out "$d/sign.csr" 2>>"$log"
	printf 'authentication %s %s %s\nsigning %s %s %s\n' "$u" "$d/auth.csr" "$c" \
		"$u" "$d/sign.csr" "$c" >>"$work/list"
	echo "$c" >"$d/card"
done
"$ca" --state "$work/ca" issue-certs --list "$work/list" --out-dir "$work/issued" \
	--operator-reader 1 >>"$log" 2>&1 || die "issue-certs"
T0=$(date +%s)
# Each holder's current certificates, and requests for the new ones with
# the same subject (and subjectAltName) made beforehand.
i=0
while [ $i -lt "$holders" ]; do
	i=$((i + 1))
	d=$work/h/$i c=$(cat "$work/h/$i/card")
	for p in authentication:auth signing:sign; do
		sql "SELECT writefile('$d/${p#*:}.der', der) FROM certificates WHERE card = '$c'
		     AND profile = '${p%:*}' AND status = 'valid'" >/dev/null
		openssl x509 -inform DER -in "$d/${p#*:}.der" -out "$d/${p#*:}.pem"
		subj=$(openssl x509 -in "$d/${p#*:}.pem" -noout -subject -nameopt compat |
			sed 's/^subject=//')
		san=$(openssl x509 -in "$d/${p#*:}.pem" -noout -ext subjectAltName 2>/dev/null |
			sed -n '2s/^ *//p' | sed 's/othername: UPN::/otherName:msUPN;UTF8:/g')
		openssl req -new -key "$d/new${p#*:}.key" -subj "$subj" \
			${san:+-addext "subjectAltName=$san"} -outform DER -out "$d/new${p#*:}.der" \
			2>>"$log" || die "request"
		base64 "$d/new${p#*:}.der" >"$d/new${p#*:}.b64"
	done
done

echo "bench-est: carecard-ca serve, HTTPS on embedded defaults, clock at issuance + 2 days ..."
# (its TLS certificate made first on the real clock: clients check it with theirs)
"$ca" --state "$work/ca" serve --http 127.0.0.1:0 --https 127.0.0.1:0 --access-log off \
	>"$work/serve.out" 2>>"$log" &
svc_pid=$!
n=0
until grep -q '^listening https' "$work/serve.out" 2>/dev/null; do
	n=$((n + 1)); [ $n -gt 300 ] && die "serve did not start"; sleep 0.1
done
stop_svc
CARECARD_CA_NOW=$((T0 + 2 * 86400)) "$ca" --state "$work/ca" serve --http 127.0.0.1:0 \
	--https 127.0.0.1:0 --access-log "$work/access.log" >"$work/serve.out" 2>>"$log" &
svc_pid=$!
n=0
until grep -q '^listening https' "$work/serve.out" 2>/dev/null; do
	n=$((n + 1)); [ $n -gt 300 ] && die "serve did not start"; sleep 0.1
done
url=$(sed -n 's|^listening \(https://.*\)|\1|p' "$work/serve.out")

cat >"$work/client.py" <<'PY'
import http.client, os, ssl, sys, threading, time, base64
from cryptography.hazmat.primitives.serialization import pkcs7, Encoding
url, root, hdir, first, last, clients = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
host, port = url[len("https://"):].split(":")
def conn(cert, key):
    ctx = ssl.create_default_context(cafile=root)
    ctx.load_cert_chain(cert, key)
    return http.client.HTTPSConnection(host, int(port), context=ctx)
def post(c, path, body, ctype="application/pkcs10"):
    c.request("POST", "/.well-known/est/" + path, body=body, headers={"Content-Type": ctype})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit("%s: %d %s" % (path, r.status, data[:200]))
    return data
ctx = {}
def renew(i):
    d = os.path.join(hdir, str(i))
    c = http.client.HTTPSConnection(host, int(port), context=ctx[i])	# made beforehand
    # keep-alive: both requests on one connection
    a = post(c, "simplereenroll", open(d + "/newauth.b64", "rb").read())
    post(c, "signing/simplereenroll", open(d + "/newsign.b64", "rb").read())
    c.close()
    cert = pkcs7.load_der_pkcs7_certificates(base64.b64decode(a))[0]
    open(d + "/newauth.pem", "wb").write(cert.public_bytes(Encoding.PEM))
    c = conn(d + "/newauth.pem", d + "/newauth.key")
    post(c, "confirm", b"", "text/plain")
    c.close()
todo = list(range(first, last + 1))
n = len(todo)
for i in todo:	# the current key's TLS contexts, made before the clock starts
    ctx[i] = ssl.create_default_context(cafile=root)
    ctx[i].load_cert_chain(os.path.join(hdir, str(i), "auth.pem"), os.path.join(hdir, str(i), "auth.key"))
lock = threading.Lock()
errors = []
def worker():
    while True:
        with lock:
            if not todo:
                return
            i = todo.pop()
        try:
            renew(i)
        except BaseException as e:
            errors.append(str(e))
t0 = time.monotonic()
ts = [threading.Thread(target=worker) for _ in range(clients)]
for t in ts: t.start()
for t in ts: t.join()
t1 = time.monotonic()
if errors:
    raise SystemExit("errors: %s" % errors[:3])
print("%.1f" % (n / (t1 - t0)))
PY
# One client on the first tenth: the server's own time per renewal (the
# access log's durations: nothing waits behind another request); then all
# clients on the rest: renewals per second.
one=$(((holders + 9) / 10))
python3 "$work/client.py" "$url" "$work/ca/certs/root.pem" "$work/h" 1 "$one" 1 \
	>/dev/null 2>>"$log" || die "the EST client failed"
echo "bench-est: $((holders - one)) renewals with $clients concurrent clients ..."
python3 "$work/client.py" "$url" "$work/ca/certs/root.pem" "$work/h" $((one + 1)) "$holders" \
	"$clients" >"$work/est.out" 2>>"$log" || die "the EST clients failed"
est=$(cat "$work/est.out")
# (the access log is buffered: read once the service stopped; its first
# lines are the one-client pass)
renewed=$(sql "SELECT count(*) FROM est_renewals WHERE state = 'confirmed'")
[ "$renewed" -eq "$holders" ] || die "$renewed renewals confirmed, not $holders"
stop_svc
srv=$(grep ' est-' "$work/access.log" | head -n $((3 * one)) |
	awk '{ t = $NF; sub(/us$/, "", t); s += t } END { printf "%.1f", s / 1000 / NR * 3 }')
srvrate=$(awk -v m="$srv" 'BEGIN { if (m > 0) printf "%.1f", 1000 / m; else print 0 }')

# The client's own time, reported apart (issue 12): a renewal makes two key
# pairs on the card (RSA-2048, the NHS profiles' keys) through the module,
# as carecard-card renew does; timed with pkcs11-tool on a card of our own.
echo "bench-est: the client's two on-card key generations ..."
cc_blank_card 2 >>"$log" 2>&1 || die "blank card 2"
cc_p11 --slot-index 1 --init-token --label "Bench Holder" --so-pin "$CC_SO_PIN" \
	>>"$log" 2>&1 || die "init token"
cc_p11 --slot-index 1 --login --login-type so --so-pin "$CC_SO_PIN" --init-pin \
	--new-pin "$CC_PIN" >>"$log" 2>&1 || die "init pin"
keygen_s=
for round in 1 2 3; do
	t0=$(date +%s.%N)
	for id in 11 12; do
		cc_p11 --slot-index 1 --login --pin "$CC_PIN" --keypairgen --key-type rsa:2048 \
			--id "${id}0$round" --label "bench-$id-$round" >>"$log" 2>&1 || die "keygen"
	done
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	keygen_s="$keygen_s $t"
done
keygen=$(echo $keygen_s | tr ' ' '\n' | sort -n | sed -n 2p)	# the median of 3

echo "bench-est: bench-ca's durable issuance on the same CA, 3 s ..."
"$ca" --state "$work/ca" person-add --uuid 300000000003 --name "Bench Holder" \
	--documents passport,utility-bill,driving-licence --operator-reader 1 >>"$log" 2>&1 ||
	die "person-add (bench-ca's holder)"
mkdir -p "$work/csrs"
"$bench" csrs --out "$work/csrs" --count 300 --key rsa >>"$log" 2>&1 || die "CSRs"
"$bench" issue --state "$work/ca" --csrs "$work/csrs" --seconds 3 --rounds 3 --group 64 \
	--markdown "$work/issue.md" >>"$log" 2>&1 || die "issue bench failed"
col() { awk -F'|' -v k="$1" 'index($2, k) { gsub(/ /, "", $3); print $3 }' "$work/issue.md"; }
grouped=$(col "group commit")
single=$(col "commit per certificate, synchronous=FULL")
half=$(awk -v a="$grouped" 'BEGIN { printf "%.1f", a / 2 }')
halfs=$(awk -v a="$single" 'BEGIN { printf "%.1f", a / 2 }')
mkdir -p "$(dirname "$out")"
{
	echo "| measure | result | target |"
	echo "|---|---|---|"
	echo "| EST renewals through the service ($((holders - one)) holders, $clients clients; mTLS, two simplereenroll, confirm), wall clock, clients on the same cores | $est /s | |"
	echo "| server time per renewal, one client (access log: two simplereenroll + confirm) | $srv ms = $srvrate /s serialised | |"
	echo "| bench-ca durable issuance, group commit (synchronous=FULL) ÷ 2 | $half /s ($grouped certificates/s) | |"
	echo "| bench-ca durable issuance, one commit per certificate ÷ 2 | $halfs /s ($single certificates/s) | |"
	echo "| **EST renewals ÷ durable issuance halved (group commit)** | **$(ratio "$est" "$half")** | ≥ 0.5 — $(met "$(ratio "$est" "$half")" 0.5) |"
	echo "| server time per renewal as a rate ÷ durable issuance halved (group commit) | $(ratio "$srvrate" "$half") | |"
	echo "| EST renewals ÷ per-certificate durable issuance halved | $(ratio "$est" "$halfs") | |"
	echo "| the client's own time: two on-card RSA-2048 key generations through the module (pkcs11-tool, median of 3), apart from the server's | $keygen s | |"
} | tee "$out"
