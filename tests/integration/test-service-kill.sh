#!/bin/sh
# Integration: SIGKILL during pre-signing and during CRL generation leaves
# the registry and the published files consistent — every stored response
# whole and verifiable, both CertID flavours or neither, the feed cursor
# behind what is stored, every CRL file a complete CRL signed by its CA
# (old or new, never partial) — and a restart resumes: every certificate
# signed, every revocation on the CRLs. Kills land at random moments of a
# long pre-signing run and of large CRL generations; in a test build
# (CC_TEST_HOOKS) also exactly at the steps between signing and storing,
# and between the CRL's commit and its file.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"
command -v curl >/dev/null || tap_skip_all "curl not installed"
hooks=
"$CA" --version | grep -q "test hooks" && hooks=yes

export CARECARD_LOG_STDERR=1
N=200
T=$((N + 2))	# and the two of the RA manager's own card
tap_plan $((13 + $([ -n "$hooks" ] && echo 8 || echo 0)))


# consistent: the registry and the published tree after a kill
# (SQLite checks its file; PostgreSQL's pages are its own business: a kill of
# a client cannot touch them)
pg() { [ -n "${CC_TEST_PG_URI:-}" ]; }
consistent() {
	pg || [ "$(sql 'PRAGMA integrity_check')" = ok ] || { echo "integrity_check failed"; return 1; }
	_odd=$(sql "SELECT count(*) FROM (SELECT serial FROM ocsp_responses GROUP BY issuer, serial
		HAVING count(*) <> 2) AS o")
	[ "$_odd" = 0 ] || { echo "$_odd certificates with one response of two"; return 1; }
	_cur=$(sql "SELECT coalesce((SELECT value FROM config WHERE key = 'ocsp.cursor'), '0')")
	_last=$(sql "SELECT coalesce(max(seq), 0) FROM ocsp_changes")
	[ "$_cur" -le "$_last" ] || { echo "cursor $_cur ahead of the feed ($_last)"; return 1; }
	for _f in "$S"/public/crl/*.crl; do
		[ -e "$_f" ] || continue
		case $_f in *root*) _is=root ;; *signing*) _is=signing ;; *) _is=authentication ;; esac
		openssl crl -inform DER -in "$_f" -noout -CAfile "$S/certs/$_is.pem" 2>/dev/null ||
			{ echo "$_f is not a whole CRL of $_is"; return 1; }
	done
	return 0
}

# responses_verify K: K random stored responses verify as openssl sees them
responses_verify() {
	rm -rf "$CC_WORK/resp"; mkdir -p "$CC_WORK/resp"
	if pg; then
		sql "SELECT serial || '-' || hash || ' ' || translate(encode(der, 'base64'), E'\n', '')
			FROM ocsp_responses WHERE issuer = 'authentication' ORDER BY random() LIMIT $1" |
			while read -r _n _b; do
				printf '%s' "$_b" | base64 -d >"$CC_WORK/resp/$_n.der"
			done
	else
		sql "SELECT writefile('$CC_WORK/resp/' || serial || '-' || hash || '.der', der)
			FROM ocsp_responses WHERE issuer = 'authentication' ORDER BY random() LIMIT $1" >/dev/null
	fi
	for _f in "$CC_WORK"/resp/*.der; do
		[ -e "$_f" ] || return 1
		openssl ocsp -respin "$_f" -issuer "$S/certs/authentication.pem" \
			-CAfile "$S/certs/root.pem" 2>&1 | grep -q "^Response verify OK" ||
			{ echo "$_f does not verify"; return 1; }
	done
}

# crl_lists SERIAL: the served CRL of the Authentication CA lists it
crl_lists() {
	curl -s "$SVC_URL/crl/authentication-g2.crl" | openssl crl -inform DER -noout -text 2>/dev/null |
		grep -q "Serial Number: $1"
}

ca_init --key-type rsa --root-key-type rsa2048
ca_bootstrap 1
person 200000000002 "Bob Holder"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CC_WORK/a.key" \
	-subj /CN=x -out "$CC_WORK/a.csr" 2>>"$TAP_LOG"
i=0; while [ $i -lt $N ]; do echo "authentication 200000000002 $CC_WORK/a.csr"; i=$((i + 1)); done \
	>"$CC_WORK/list"
op issue-certs --list "$CC_WORK/list" --out-dir "$CC_WORK/certs" >"$CC_WORK/issued" 2>>"$TAP_LOG"
tap_is "$N certificates issued" \
	"$(sql "SELECT count(*) FROM certificates WHERE holder = '200000000002'")" $N

# --- pre-signing killed at a random moment -----------------------------------------------
svc_start || { tap_fail "service start"; exit 1; }
_w=0
until [ "$(sql 'SELECT count(*) FROM ocsp_responses')" -ge 40 ] || [ $_w -gt 600 ]; do
	sleep 0.05; _w=$((_w + 1))
done
kill -KILL "$SVC_PID"; wait "$SVC_PID" 2>/dev/null; SVC_PID=
n=$(sql 'SELECT count(*) FROM ocsp_responses')
tap_diag "killed with $n of $((2 * T)) responses stored"
tap_ok "killed while pre-signing (some stored, not all)" test "$n" -gt 0 -a "$n" -lt $((2 * T))
tap_ok "...the registry and the published files are consistent" consistent
tap_ok "...every stored response verifies (20 at random)" responses_verify 20
svc_start
tap_ok "restart: the pre-signing resumes, every certificate gets its responses" svc_wait_ready $T
tap_is "...$((2 * T)) responses, two per certificate" "$(sql 'SELECT count(*) FROM ocsp_responses')" \
	$((2 * T))
first=$(sed -n '1s/^[0-9]* [0-9A-F]* //p' "$CC_WORK/issued")
out=$(OCSP_URL=$SVC_URL/ocsp/authentication-g2 ocsp "$first" authentication)
tap_like "...and answers good" "$out" "good"
svc_stop

# --- CRL generation killed at random moments ------------------------------------------
# 100k old revocations make each Authentication CRL several MB: generating it
# takes a while, and a kill lands inside.
if pg; then
	sql "INSERT INTO certificates (serial, holder, profile, issuer, not_before, not_after, status,
	revocation_reason, revocation_time, der)
	SELECT '7' || lpad(upper(to_hex(i)), 31, '0'), '200000000002', 'authentication',
	'authentication', 1000000000, 1100000000, 'revoked', 1, 1050000000, '\x00'::bytea
	FROM generate_series(1, 100000) AS i"
else
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
	INSERT INTO certificates (serial, holder, profile, issuer, not_before, not_after, status,
	revocation_reason, revocation_time, der)
	SELECT printf('7%031X', i), '200000000002', 'authentication', 'authentication',
	1000000000, 1100000000, 'revoked', 1, 1050000000, x'00' FROM n"
fi
tap_is "100000 old revocations added" \
	"$(sql "SELECT count(*) FROM certificates WHERE status = 'revoked'")" 100000
svc_start
old=$(printf '7%031X' 1)
_w=0; until crl_lists "$old" || [ $_w -gt 300 ]; do sleep 0.1; _w=$((_w + 1)); done
tap_ok "the service publishes them (expired: on the CRL, never signed for)" \
	test "$(sql 'SELECT count(*) FROM ocsp_responses')" = $((2 * T)) -a $_w -le 300
ok=yes
k=1
for delay in 0.05 0.15 0.3 0.6; do
	k=$((k + 1))
	s=$(sed -n "${k}s/^[0-9]* \([0-9A-F]*\) .*/\1/p" "$CC_WORK/issued")
	op revoke --serial "$s" --reason leaver >>"$TAP_LOG" 2>&1
	sleep "$delay"
	kill -KILL "$SVC_PID"; wait "$SVC_PID" 2>/dev/null; SVC_PID=
	why=$(consistent) || { ok=no; tap_diag "after a kill ${delay}s into a CRL run: $why"; }
	svc_start || ok=no
	_w=0; until crl_lists "$s" || [ $_w -gt 300 ]; do sleep 0.1; _w=$((_w + 1)); done
	crl_lists "$s" || { ok=no; tap_diag "revocation of $s not on the CRL after restart"; }
done
tap_is "four kills during CRL generation: consistent each time, and restart publishes the revocation" \
	"$ok" yes
tap_is "no temporary file of a killed write is left behind (the restart sweeps them)" \
	"$(ls -a "$S/public/crl" | grep -c '\.tmp\.')" 0
# SIGTERM while a slow client downloads the big CRL: its response is finished
curl -s --limit-rate 2M -D "$CC_WORK/slow.hdr" -o "$CC_WORK/slow.crl" \
	"$SVC_URL/crl/authentication-g2.crl" &
curl_pid=$!
sleep 0.5
svc_stop
wait "$curl_pid"
tap_is "SIGTERM during a slow download: the response in flight is finished, then exit 0" \
	"$SVC_RC $(wc -c <"$CC_WORK/slow.crl" | tr -d ' ') $(openssl crl -inform DER \
	 -in "$CC_WORK/slow.crl" -noout 2>/dev/null && echo crl)" \
	"0 $(tr -d '\r' <"$CC_WORK/slow.hdr" | sed -n 's/^Content-Length: //p') crl"
# The 100000 rows were put in by hand, not issued: the CA's own audit check
# (every certificate against the chain) would rightly report them.
if pg; then
	sql "DELETE FROM certificates WHERE serial LIKE '7%' AND der = '\x00'::bytea"
else
	sql "DELETE FROM certificates WHERE serial LIKE '7%' AND der = x'00'"
fi
tap_ok "the audit chain verifies (every CRL number and responder on record)" \
	"$CA" audit verify

# --- exactly between the steps (test builds only) ------------------------------------
if [ -n "$hooks" ]; then
	op issue-cert --profile authentication --csr "$CC_WORK/a.csr" --holder 200000000002 \
		--out "$CC_WORK/late.pem" >>"$TAP_LOG" 2>&1
	late=$(openssl x509 -in "$CC_WORK/late.pem" -noout -serial | cut -d= -f2)
	before=$(sql 'SELECT count(*) FROM ocsp_responses')
	CARECARD_CA_TEST_KILL_AT=presign:signed svc_start
	wait "$SVC_PID" 2>/dev/null; rc=$?; SVC_PID=
	tap_is "kill point presign:signed: killed (SIGKILL)" "$rc" 137
	tap_is "...nothing of that batch stored" "$(sql 'SELECT count(*) FROM ocsp_responses')" "$before"
	tap_ok "...consistent" consistent
	# a starting holder makes every CRL, the root's first
	num=$(sql "SELECT value FROM config WHERE key = 'crl.root.number'")
	CARECARD_CA_TEST_KILL_AT=crl:committed svc_start
	wait "$SVC_PID" 2>/dev/null; rc=$?; SVC_PID=
	tap_is "kill point crl:committed: killed" "$rc" 137
	now=$(sql "SELECT value FROM config WHERE key = 'crl.root.number'")
	file=$(printf '%d' "$(openssl crl -inform DER -in "$S/public/crl/root-g2.crl" -noout \
		-crlnumber | sed 's/^crlNumber=//')")
	tap_is "...the CRL number moved on, the published file is still the old CRL" \
		"$now $file" "$((num + 1)) $num"
	tap_ok "...consistent" consistent
	svc_start
	tap_ok "restart: the late certificate is signed" svc_wait_ready $((T + 1))
	tap_like "...and answers good" "$(OCSP_URL=$SVC_URL/ocsp/authentication-g2 \
		ocsp "$CC_WORK/late.pem" authentication)" "late.pem: good"
	svc_stop
fi
tap_done
