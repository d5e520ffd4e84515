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
. "${top_srcdir:?run from make check}/tests/integration/test-scale-lib.sh"
tap_plan 18
scale_ca
scale_holders

# --- three instances behind haproxy -------------------------------------------------
tap_ok "three instances (1 worker each) and haproxy start; haproxy sees all three up" scale_start
tap_like "haproxy's HTTP front answers /healthz" "$(curl -s --max-time 5 "$SCALE_URL/healthz")" \
	"^status: ok"
tap_is "exactly one instance runs the jobs (pre-signing, CRLs)" "$(jobs_at | wc -w)" 1

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
	cancel_watch "$d"
	if as alice - "$CA" cancel-card --card "$c" --reason stolen --operator-reader 1 \
		>>"$TAP_LOG" 2>&1; then
		cancel_watch_t0 "$d" "$(date +%s.%N)"
		ra_ok=$((ra_ok + 1))
	else
		cancel_watch_t0 "$d" none
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
tap_diag "the race's refusals (count, instance, step, status, body):"
sed -n 's/^race-refused [0-9]* //p' "$CC_WORK/race.out" | sort | uniq -c | sed 's/^ */#   /'
tap_ok "the race: 5 rounds, each confirmed" test "$rounds" = 5 -a "$won" = 5
# The loser hears why: its request was replaced by the other (est-superseded),
# or the certificate it would confirm with was revoked by that; never a 5xx.
odd=$(sed -n 's/^race-refused [0-9]* //p' "$CC_WORK/race.out" |
	grep -v -e ' 403 card_[0-9]*:_another_renewal_request_of_this_card_started' \
		-e ' confirm 403 .*certificate_revoked' -e ' confirm 0 no-certificate$')
tap_is "...each refusal the loser saw says why (replaced by the other request)" "$odd" ""
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
