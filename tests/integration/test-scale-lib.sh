# tests/integration/test-scale-lib.sh: shared by test-scale-pg.sh and
# test-scale-fault-pg.sh (sourced, not a test itself): the skips (normal
# pass only; haproxy, psql, python3-cryptography), a throw-away PostgreSQL
# (tests/lib/pg.sh), and
#   scale_ca        a CA on it whose policy sends relying parties to haproxy
#                   (one TAP test: the registry is on PostgreSQL)
#   scale_holders   $NH holders in $CC_WORK/h, $NV in $CC_WORK/v, one in
#                   $CC_WORK/race: people, cards, current certificates (one test)
#   jobs_at         the instances holding the jobs lease
#   ocsp_at I SERIAL ISSUER    openssl ocsp at instance I's own port
#   cancel_watch DIR T0        time until each instance says revoked
# Set NH, NV before sourcing.
set -u
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/pg.sh"
. "$top_srcdir/tests/lib/scale.sh"

[ "${CC_SANITIZERS:-no}" = yes ] &&
	tap_skip_all "load test: normal pass only (fixed duration; the sanitizer pass skips it)"
[ -n "${CC_UNDER_VALGRIND:-}" ] && tap_skip_all "load test: normal pass only"
for t in haproxy psql python3 curl; do
	command -v $t >/dev/null || tap_skip_all "$t not installed (scripts/install-deps.sh test)"
done
python3 -c 'import cryptography' 2>/dev/null || tap_skip_all "python3-cryptography not installed"

. "$top_srcdir/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
# On failure, what PostgreSQL refused (its log goes with the server's directory).
pg_errors() {
	[ -n "${PG_DIR:-}" ] && [ "${tap_failed:-0}" -gt 0 ] &&
		grep -A1 ' ERROR: ' "$PG_DIR/server.log" | tail -n 20 | sed 's/^/# postgresql: /'
	return 0
}
trap 'scale_stop; pg_errors; pg_stop; cc_cleanup' EXIT
pg_start || tap_skip_all "$PG_SKIP"
CC_TEST_PG_URI=$PG_URI
SCALE_DIR=$CC_WORK/scale
mkdir -p "$SCALE_DIR"
SECS=${SCALE_SECONDS:-60}
NH=${NH:-${SCALE_HOLDERS:-16}}	# holders renewing through haproxy
NV=${NV:-6}			# cards the RA cancels during the load
WAIT=3			# the renewal window opens 3 s after issuance

scale_ca() {
	scale_ports 3 || { tap_fail "ports"; exit 1; }
	SVC_URL=$SCALE_URL
	svc_policy "$CC_WORK/policy.yaml"
	# Certificates of a day, renewable 3 s after issuance, 100 self-renewals in a
	# row; EC P-256 keys (the holders' and the CA's).
	sed -i 's#^  \(authentication\|signing\):$#  \1:\n    lifetime: 1d\n    key-type: ec\n    key-bits: 256#' \
		"$CC_WORK/policy.yaml"
	printf 'renewal: { window: %ss, self-renewals-before-ra: 100, confirm-timeout: 600s }\n' \
		$((86400 - WAIT)) >>"$CC_WORK/policy.yaml"
	CARD_POLICY=$CC_WORK/policy.yaml ca_init || { tap_fail "CA init on PostgreSQL"; exit 1; }
	tap_is "the CA's registry is on PostgreSQL" "$(cat "$S/registry.uri" 2>/dev/null)" "$PG_URI"
	ca_bootstrap 1 || { tap_fail "the RA manager's card"; exit 1; }
}

# --- the holders: registered people, their cards, current certificates -------------
# (set-up, not timed: person-add and card-add by the RA manager, one
# issue-certs run for all their requests)
mkdir -p "$CC_WORK/h" "$CC_WORK/v" "$CC_WORK/race"
: >"$CC_WORK/list"
holder_make() {	# holder_make DIR N
	_d=$1 _u=$(printf '5%011d' "$2") _c=$(printf '04%014d' "$2")
	mkdir -p "$_d"
	echo "$_c" >"$_d/card"
	person "$_u" "Holder $2" &&
	op card-add --serial "$_c" --holder "$_u" >>"$TAP_LOG" 2>&1 || return 1
	for _k in auth sign; do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$_d/$_k.key" -subj /CN=x -out "$_d/$_k.csr" 2>>"$TAP_LOG" || return 1
	done
	printf 'authentication %s %s %s\nsigning %s %s %s\n' "$_u" "$_d/auth.csr" "$_c" \
		"$_u" "$_d/sign.csr" "$_c" >>"$CC_WORK/list"
}
scale_holders() {
	n=0 ok=yes T_SETUP=$(date +%s)
	for i in $(seq "$NH"); do n=$((n + 1)); holder_make "$CC_WORK/h/$n" $n || ok=no; done
	for i in $(seq "$NV"); do n=$((n + 1)); holder_make "$CC_WORK/v/$n" $n || ok=no; done
	n=$((n + 1)); holder_make "$CC_WORK/race" $n || ok=no
	op issue-certs --list "$CC_WORK/list" --out-dir "$CC_WORK/issued" >"$CC_WORK/issued.txt" \
		2>>"$TAP_LOG" || ok=no
	# "LINE SERIAL FILE": line 2k-1 is a holder's authentication, 2k its signing
	for d in $(sed -n 's/^authentication [0-9]* \(.*\)\/auth.csr .*/\1/p' "$CC_WORK/list"); do
		for k in auth sign; do
			l=$(grep -n " $d/$k.csr " "$CC_WORK/list" | cut -d: -f1)
			f=$(awk -v l="$l" '$1 == l { print $3 }' "$CC_WORK/issued.txt")
			openssl x509 -in "$f" -out "$d/$k.pem" 2>>"$TAP_LOG" || ok=no
		done
	done
	tap_diag "set-up took $(($(date +%s) - T_SETUP)) s"
	tap_is "set-up: $NH holders, $NV cards to cancel, one to race, each with its two certificates" \
		"$ok $(grep -c . "$CC_WORK/issued.txt")" "yes $((2 * (NH + NV + 1)))"
}

jobs_at() {	# the instances that hold the jobs lease
	for _i in 1 2 3; do
		eval "_h=\$SCALE_HTTP_$_i"
		curl -s --max-time 5 "http://127.0.0.1:$_h/healthz" | grep -q '^jobs: here' &&
			printf '%s ' "$_i"
	done
}
ROOT=$S/certs/root.pem	# the service's own TLS certificate chains to the CA's root

# ocsp_at I SERIAL ISSUER: what instance I says of a serial, on its own port
ocsp_at() {
	eval "_h=\$SCALE_HTTP_$1"
	openssl ocsp -issuer "$S/certs/$3.pem" -serial "0x$2" -CAfile "$ROOT" -no_nonce \
		-url "http://127.0.0.1:$_h/ocsp/$3-g2" -timeout 5 2>&1 |
		sed -n "s/^0x$2: *//p"
}
# cancel_watch DIR: a relying party ready to ask each instance, on its own
# port, about both certificates of the card in DIR: test-scale-holders.py
# watch, one light process polling every 50 ms (so the measurement does not
# load the machine), started before the cancellation so that its own
# start-up is not counted; cancel_watch_t0 DIR then gives it T0 (when
# cancel-card returned, or "none" if it failed). "I SERIAL SECONDS" when
# each instance first said revoked.
cancel_watch() {
	rm -f "$1/t0"
	python3 "$top_srcdir/tests/integration/test-scale-holders.py" watch "$1/t0" \
		"http://127.0.0.1:$SCALE_HTTP_1,http://127.0.0.1:$SCALE_HTTP_2,http://127.0.0.1:$SCALE_HTTP_3" \
		"$S/certs" "$1/auth.pem" "$1/sign.pem" >>"$CC_WORK/cancel-watch" 2>>"$TAP_LOG" &
	WATCH="$WATCH $!"
}
cancel_watch_t0() {
	printf '%s\n' "$2" >"$1/t0.tmp" && mv "$1/t0.tmp" "$1/t0"
}
