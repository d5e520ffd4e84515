#!/bin/sh
# Integration (issue 14): three "carecard-ca serve" instances sharing one CA
# (registry on a real PostgreSQL, one SoftHSM2 token) behind haproxy
# (tests/lib/scale.sh, ca/service/deploy/haproxy.cfg.in), under load for a
# fixed time:
#   * holders renewing their certificates over EST again and again through
#     haproxy's TLS passthrough (test-scale-holders.py: Python's ssl and
#     http.client; the holders' keys are files, see there);
#   * at the same time the RA at work with the CLI: people registered,
#     cards cancelled (their certificates revoked);
#   * and one card's renewal sent to two instances at once, step by step,
#     directly to their own ports.
# Asserted as a user would notice it: every certificate a client received
# has its own serial and is the registry's; each card's renewal counter
# equals the renewals its holder saw confirmed (exactly once, also in the
# race); carecard-ca audit verify passes; every cancelled card's
# certificates answer "revoked" to openssl ocsp from every instance (its own
# port) within 5 s of cancel-card returning; superseded certificates too.
#
# Load tests run in the normal pass only: the sanitizer pass skips this (and
# the valgrind pass runs only the C tests). SCALE_SECONDS (default 60) and
# SCALE_HOLDERS (default 16) size the load.
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
NH=${SCALE_HOLDERS:-16}	# holders renewing through haproxy
NV=6			# cards the RA cancels during the load
WAIT=3			# the renewal window opens 3 s after issuance

tap_plan 17

# --- a CA whose certificates send relying parties to haproxy ------------------------
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

# --- three instances behind haproxy -------------------------------------------------
tap_ok "three instances (1 worker each) and haproxy start; haproxy sees all three up" scale_start
tap_like "haproxy's HTTP front answers /healthz" "$(curl -s --max-time 5 "$SCALE_URL/healthz")" \
	"^status: ok"
jobs_at() {	# the instances that hold the jobs lease
	for _i in 1 2 3; do
		eval "_h=\$SCALE_HTTP_$_i"
		curl -s --max-time 5 "http://127.0.0.1:$_h/healthz" | grep -q '^jobs: here' &&
			printf '%s ' "$_i"
	done
}
tap_is "exactly one instance runs the jobs (pre-signing, CRLs)" "$(jobs_at | wc -w)" 1
ROOT=$S/certs/root.pem	# the service's own TLS certificate chains to the CA's root

# ocsp_at I SERIAL ISSUER: what instance I says of a serial, on its own port
ocsp_at() {
	eval "_h=\$SCALE_HTTP_$1"
	openssl ocsp -issuer "$S/certs/$3.pem" -serial "0x$2" -CAfile "$ROOT" -no_nonce \
		-url "http://127.0.0.1:$_h/ocsp/$3-g2" -timeout 5 2>&1 |
		sed -n "s/^0x$2: *//p"
}
# cancel_watch DIR T0: a relying party asking each instance, on its own
# port, about both certificates of the card in DIR from T0 on (when
# cancel-card returned): test-scale-holders.py watch, one light process
# polling every 50 ms (so the measurement does not load the machine);
# "I SERIAL SECONDS" when each first said revoked
cancel_watch() {
	python3 "$top_srcdir/tests/integration/test-scale-holders.py" watch "$2" \
		"http://127.0.0.1:$SCALE_HTTP_1,http://127.0.0.1:$SCALE_HTTP_2,http://127.0.0.1:$SCALE_HTTP_3" \
		"$S/certs" "$1/auth.pem" "$1/sign.pem" >>"$CC_WORK/cancel-watch" 2>>"$TAP_LOG" &
	WATCH="$WATCH $!"
}

# --- the load -----------------------------------------------------------------------
: >"$CC_WORK/load.out" ; : >"$CC_WORK/race.out" ; : >"$CC_WORK/cancel-watch"
python3 "$top_srcdir/tests/integration/test-scale-holders.py" load "$SCALE_EST_URL" "$ROOT" \
	"$CC_WORK/h" "$SECS" "$WAIT" "$CC_WORK/load.out" 2>>"$TAP_LOG" &
LOAD=$!
python3 "$top_srcdir/tests/integration/test-scale-holders.py" race \
	"https://127.0.0.1:$SCALE_HTTPS_1,https://127.0.0.1:$SCALE_HTTPS_2" "$ROOT" \
	"$CC_WORK/race" 5 "$CC_WORK/race.out" $((SECS / 6)) 2>>"$TAP_LOG" &
RACE=$!
# The RA meanwhile: a person registered every few seconds, and the NV cards
# cancelled spread over the run.
ra_ok=0 ra_n=0 p=900 WATCH=
for d in "$CC_WORK"/v/*; do
	sleep $(((SECS - 15) / NV))
	p=$((p + 1)); ra_n=$((ra_n + 1))
	person "$(printf '6%011d' $p)" "Walk-in $p" && ra_ok=$((ra_ok + 1))
	c=$(cat "$d/card")
	ra_n=$((ra_n + 1))
	if as alice - "$CA" cancel-card --card "$c" --reason stolen --operator-reader 1 \
		>>"$TAP_LOG" 2>&1; then
		ra_ok=$((ra_ok + 1))
		cancel_watch "$d" "$(date +%s.%N)"
	fi
done
wait $RACE
wait $LOAD
tap_is "the RA's operations during the load all succeeded" "$ra_ok" "$ra_n"
for w in $WATCH; do wait "$w"; done	# the OCSP watchers

renewed=$(grep -c '^renewed ' "$CC_WORK/load.out")
errors=$(grep -c '^error ' "$CC_WORK/load.out")
refused=$(grep -c '^refused ' "$CC_WORK/load.out")
tap_diag "load: $NH holders, ${SECS}s: $renewed renewals confirmed ($((renewed * 60 / SECS))/min), $refused refused, $errors without an answer"
grep -E '^(refused|error) ' "$CC_WORK/load.out" | head -n 5 | sed 's/^/# /'
tap_ok "holders renewed through haproxy, none refused or left without an answer" \
	test "$renewed" -ge "$NH" -a "$refused" = 0 -a "$errors" = 0

# --- no duplicate serial; every certificate a client got is the registry's -----------
sed -n 's/^issued [0-9]* [a-z]* //p' "$CC_WORK/load.out" "$CC_WORK/race.out" >"$CC_WORK/got"
cut -d' ' -f2 "$CC_WORK/issued.txt" >>"$CC_WORK/got"
dups=$(sort "$CC_WORK/got" | uniq -d | tr '\n' ' ')
tap_is "every certificate the clients received has its own serial ($(wc -l <"$CC_WORK/got") received)" \
	"$dups" ""
sql "SELECT serial FROM certificates" | sort >"$CC_WORK/reg-serials"
tap_is "...and each is in the registry" \
	"$(sort -u "$CC_WORK/got" | comm -23 - "$CC_WORK/reg-serials" | tr '\n' ' ')" ""

# --- every renewal counted once ------------------------------------------------------
bad=
for d in "$CC_WORK"/h/*; do
	c=$(cat "$d/card")
	seen=$(grep -c "^renewed $c " "$CC_WORK/load.out")
	reg=$(sql "SELECT renewals || '/' || self_renewals FROM cards WHERE serial = '$c'")
	[ "$reg" = "$seen/$seen" ] || bad="$bad $c:registry=$reg,confirmed=$seen"
	# and the card's valid certificates are the two its holder now uses
	v=$(sql "SELECT serial FROM certificates WHERE card = '$c' AND status = 'valid' ORDER BY serial" |
		tr '\n' ' ')
	mine=$(for k in auth sign; do openssl x509 -in "$d/$k.pem" -noout -serial |
		sed 's/^serial=0*//'; done | sort | tr '\n' ' ')
	[ "$v" = "$mine" ] || bad="$bad $c:valid=[$v],holder=[$mine]"
done
tap_is "each card's renewal counter is the number of renewals its holder saw confirmed; its valid certificates are the holder's" \
	"$bad" ""

# --- the race: the same renewal at two instances at once -----------------------------
rc=$(cat "$CC_WORK/race/card")
rounds=$(grep -c '^race ' "$CC_WORK/race.out")
won=$(awk '$1 == "race" && $3 >= 1' "$CC_WORK/race.out" | wc -l)
tap_diag "race rounds (confirmed, auth at 1 and 2, statuses reenroll,signing,confirm per instance):"
sed -n 's/^race /#   /p' "$CC_WORK/race.out"
tap_ok "the race: 5 rounds, each confirmed" test "$rounds" = 5 -a "$won" = 5
tap_is "...each counted once" \
	"$(sql "SELECT renewals || '/' || self_renewals FROM cards WHERE serial = '$rc'")" \
	"$won/$won"
tap_is "...the card has exactly two valid certificates, one of each" \
	"$(sql "SELECT profile FROM certificates WHERE card = '$rc' AND status = 'valid' ORDER BY profile" |
		tr '\n' ' ')" "authentication signing "

# --- revocations reach every instance -------------------------------------------------
# "good" is what an instance says until it has seen the commit (the change
# feed is read every 250 ms): at most 1 s after cancel-card, never later.
late=$(awk '($3 !~ /^[0-9.]+$/ && $3 !~ /^good-at:/) || $3 > 5 ||
	($3 ~ /^good-at:/ && substr($3, 9) > 1)' "$CC_WORK/cancel-watch" | tr '\n' ';')
goods=$(grep -c good-at "$CC_WORK/cancel-watch")
slowest=$(awk '$3 ~ /^[0-9.]+$/ && $3 > m { m = $3 } END { print m + 0 }' "$CC_WORK/cancel-watch")
tap_diag "cancel-card -> revoked in OCSP at each instance: slowest ${slowest}s; $goods still good just after"
tap_is "each cancelled card's certificates answer revoked at all 3 instances within 5 s, never good after 1 s" \
	"$(grep -vc good-at "$CC_WORK/cancel-watch") $late" "$((NV * 2 * 3)) "
# and what openssl ocsp hears from each instance now
bad=
for d in "$CC_WORK"/v/*; do
	for k in auth sign; do
		s=$(openssl x509 -in "$d/$k.pem" -noout -serial | sed 's/^serial=0*//')
		is=$(sql "SELECT issuer FROM certificates WHERE serial = '$s'")
		for i in 1 2 3; do
			st=$(ocsp_at $i "$s" "$is")
			[ "$st" = revoked ] || bad="$bad $s@$i:$st"
		done
	done
done
tap_is "...and openssl ocsp hears revoked for each from every instance" "$bad" ""
# superseded by the renewals: a sample, at every instance
sql "SELECT serial || ':' || issuer FROM certificates WHERE status = 'revoked'
     AND revocation_reason = 4 ORDER BY random() LIMIT 10" >"$CC_WORK/sup"
bad=
for s in $(cat "$CC_WORK/sup"); do
	for i in 1 2 3; do
		st=$(ocsp_at $i "${s%:*}" "${s#*:}")
		[ "$st" = revoked ] || bad="$bad ${s%:*}@$i:$st"
	done
done
tap_is "superseded certificates ($(wc -l <"$CC_WORK/sup") sampled) answer revoked at every instance" \
	"$(wc -l <"$CC_WORK/sup" | tr -d ' ')$bad" 10
scale_stop
tap_ok "the audit chain verifies (one chain, no fork)" audit_ok
tap_done
