#!/bin/sh
# Integration: the person page's actions through the portal API (issue 17)
# on real components — carecard-ca serve over HTTPS, curl authenticating
# with each card's key through OpenSSL's PKCS#11 engine. Alice (RA manager),
# Bob (a sponsor, dispenser at FA123) and Carol (dispenser at FA123) hold
# cards. GET /api/v1/people/UUID lists the actions the gate allows the
# viewer and no other: Alice's include cancelling Carol's card and revoking
# her certificates; Bob's only the positions at his organisation. Bob adds
# and removes Carol's position at FA123 (the registry changes), is refused
# 403 with the rule at another organisation, and for revoking or cancelling;
# malformed bodies are 400 and change nothing; without a client certificate
# 401; a cross-origin POST 403. Alice revokes Carol's signing certificate
# and cancels her card (lost) through the API; Carol's card is then refused.
# Then a service with a low per-certificate rate: one card hammering the API
# gets 429 (JSON, Retry-After) while another card still gets 200.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"
. "$top_srcdir/tests/integration/test-service-lib.sh"

command -v curl >/dev/null || tap_skip_all "curl not installed"
ENGINE=$CC_ENGINE
[ -n "$ENGINE" ] || tap_skip_all "libengine-pkcs11-openssl not installed"
tap_plan 40
BOB=200000000002
CAROL=300000000003
ORIGIN=https://portal.test.invalid:8443

trap 'svc_stop; cc_cleanup' EXIT
trap '' PIPE

ca_init
pin bob 5678
pin carol 4321
ca_bootstrap 1 >>"$TAP_LOG" 2>&1
person $BOB "Bob Sponsor"
person $CAROL "Carol Colleague"
op org-add --ods FA123 --name "Pharmacy A" >>"$TAP_LOG" 2>&1
op org-add --ods FB456 --name "Pharmacy B" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $CAROL --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op ra-role grant $BOB sponsor >>"$TAP_LOG" 2>&1
cc_blank_card 2
cc_blank_card 3
as alice bob "$CA" issue-card --holder $BOB --reader 2 --operator-reader 1 >>"$TAP_LOG" 2>&1
as alice carol "$CA" issue-card --holder $CAROL --reader 3 --operator-reader 1 >>"$TAP_LOG" 2>&1
A=$(card_serial 1) B=$(card_serial 2) C=$(card_serial 3)
tap_ok "Bob's and Carol's cards issued" test -n "$B" -a -n "$C"
CSIGN=$(sql "SELECT serial FROM certificates WHERE card = '$C' AND profile = 'signing' AND status = 'valid'")
CAUTH=$(sql "SELECT serial FROM certificates WHERE card = '$C' AND profile = 'authentication' AND status = 'valid'")

printf 'serve:\n  public-url: %s/\n' "$ORIGIN" >"$CC_WORK/serve.yaml"
svc_start --config "$CC_WORK/serve.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
ROOT=$S/certs/root.pem
cc_engine_conf "$CC_WORK/openssl-alice.cnf" 1234
cc_engine_conf "$CC_WORK/openssl-bob.cnf" 5678
cc_engine_conf "$CC_WORK/openssl-carol.cnf" 4321

# api WHO METHOD PATH [curl options...]: as alice, bob or carol (their
# card's key and certificate); body in $CC_WORK/body; prints "STATUS TYPE"
api() {
	_who=$1 _m=$2 _p=$3
	shift 3
	case $_who in alice) _c=$A ;; bob) _c=$B ;; carol) _c=$C ;; esac
	card_curl "$_c" "$CC_WORK/openssl-$_who.cnf" -X "$_m" "$@" "$SERVER$_p"
}
# post WHO METHOD PATH JSON: a state-changing call from the portal's own origin;
# prints "STATUS/ERROR-OR-STATUS-WORD/RULE"
post() {
	_st=$(api "$1" "$2" "$3" -H "Origin: $ORIGIN" -H 'Content-Type: application/json' \
		--data "$4" | cut -d' ' -f1)
	echo "$_st/$(json 'j.get("error") or j.get("status")')/$(json 'j.get("rule") or ""')"
}
# The actions of the last person answer: "action:subject", sorted, one line.
actions() { json '" ".join(sorted(a["action"] + ":" + (a["subject"] or "") for a in j["actions"]))'; }
positions() {
	sql "SELECT role || '@' || org FROM positions WHERE person = '$CAROL' ORDER BY 1" | tr '\n' ' '
}

# --- what each viewer may do ---------------------------------------------
tap_is "Alice (RA manager) opens Carol: 200" "$(api alice GET /api/v1/people/$CAROL | cut -d' ' -f1)" 200
# (no unlock: the policy's unlock roles leave out the RA manager; no renew:
# the card is not inside its renewal window)
tap_is "... her actions: positions, issue, cancel, revoke (the gate's)" "$(actions)" \
	"$(printf '%s\n' cancel-card:$C issue-card:$CAROL position-add: position-remove:dispenser@FA123 \
		revoke:$CAUTH revoke:$CSIGN | sort | tr '\n' ' ' | sed 's/ $//')"
tap_is "... issuing a card needs a reader, the others not" \
	"$(json '",".join(sorted(a["action"] + "=" + a["reader"] for a in j["actions"]))')" \
	"cancel-card=no,issue-card=yes,position-add=no,position-remove=no,revoke=no,revoke=no"
tap_is "... and asking wrote no refusal to the audit log" \
	"$(sql "SELECT count(*) FROM audit WHERE action LIKE '%-refused'")" 0
tap_is "Bob (sponsor at FA123) opens Carol: 200" "$(api bob GET /api/v1/people/$CAROL | cut -d' ' -f1)" 200
tap_is "... his actions: the positions at FA123 and unlocking her card (no cancel, no revoke)" \
	"$(actions)" "position-add:FA123 position-remove:dispenser@FA123 unlock:$C"
tap_is "... the unlock at a reader, with the rule that allows it" \
	"$(json '[a["reader"] + " " + a["rule"] for a in j["actions"] if a["action"] == "unlock"][0]')" \
	"yes unlock.roles"

# --- positions ---------------------------------------------------------
tap_is "Bob adds pharmacist@FA123 to Carol: 200" \
	"$(post bob POST /api/v1/people/$CAROL/positions '{"role":"pharmacist","ods":"FA123"}')" \
	"200/position-added/"
tap_is "... the registry holds it" "$(positions)" "dispenser@FA123 pharmacist@FA123 "
tap_is "... twice: 409, already held" \
	"$(post bob POST /api/v1/people/$CAROL/positions '{"role":"pharmacist","ods":"FA123"}' | cut -d/ -f1,2)" \
	409/conflict
tap_is "Bob adds a position at FB456 (not his organisation): 403 with the rule" \
	"$(post bob POST /api/v1/people/$CAROL/positions '{"role":"dispenser","ods":"FB456"}')" \
	"403/refused/separation-of-duties.same-organisation"
tap_is "... nothing changed" "$(positions)" "dispenser@FA123 pharmacist@FA123 "
tap_is "Bob removes it (DELETE): 200" \
	"$(post bob DELETE /api/v1/people/$CAROL/positions '{"role":"pharmacist","ods":"FA123"}')" \
	"200/position-removed/"
tap_is "... gone" "$(positions)" "dispenser@FA123 "
tap_is "POST .../positions/remove of a position she does not hold: 404" \
	"$(post bob POST /api/v1/people/$CAROL/positions/remove '{"role":"pharmacist","ods":"FA123"}' | cut -d/ -f1)" 404
tap_is "POST .../positions/remove (for clients without DELETE) of a held one: 200, gone" \
	"$(post bob POST /api/v1/people/$CAROL/positions '{"role":"pharmacist","ods":"FA123"}' | cut -d/ -f1)/$(post bob POST /api/v1/people/$CAROL/positions/remove '{"role":"pharmacist","ods":"FA123"}' | cut -d/ -f1,2)/$(positions)" \
	"200/200/position-removed/dispenser@FA123 "
tap_is "GET on positions: 405, POST and DELETE allowed" \
	"$(api bob GET /api/v1/people/$CAROL/positions -D "$CC_WORK/hdr" | cut -d' ' -f1)/$(hdr "$CC_WORK/hdr" Allow)" \
	"405/POST, DELETE"
tap_is "in the audit log: Bob's add and remove" \
	"$(sql "SELECT action FROM audit WHERE actor = '$BOB' AND subject = '$CAROL' AND action LIKE 'position-%' AND action NOT LIKE '%refused' ORDER BY id" | tr '\n' ' ')" \
	"position-add position-remove position-add position-remove "

# --- refusals and malformed -------------------------------------------
tap_is "Bob revokes Carol's signing certificate: 403 with the rule" \
	"$(post bob POST /api/v1/certificates/$CSIGN/revoke '{"reason":"keyCompromise"}')" \
	"403/refused/separation-of-duties.operations.revoke"
tap_is "Bob cancels Carol's card: 403 with the rule" \
	"$(post bob POST /api/v1/cards/$C/cancel '{"reason":"lost"}')" \
	"403/refused/separation-of-duties.operations.revoke"
tap_is "... her certificates and card as they were" \
	"$(status_of "$CSIGN")/$(sql "SELECT state FROM cards WHERE serial = '$C'")" "valid/issued"
tap_is "a body without the reason: 400" \
	"$(post alice POST /api/v1/cards/$C/cancel '{}' | cut -d/ -f1,2)" "400/bad-request"
tap_is "an unknown reason: 400" \
	"$(post alice POST /api/v1/cards/$C/cancel '{"reason":"bored"}' | cut -d/ -f1,2)" "400/bad-request"
tap_is "malformed JSON: 400" \
	"$(post alice POST /api/v1/certificates/$CSIGN/revoke '{"reason":' | cut -d/ -f1,2)" "400/bad-request"
tap_is "a malformed role: 400" \
	"$(post alice POST /api/v1/people/$CAROL/positions '{"role":"Bad Role!","ods":"FA123"}' | cut -d/ -f1,2)" \
	"400/bad-request"
tap_is "an unknown certificate: 404" \
	"$(post alice POST /api/v1/certificates/ABCDEF0123/revoke '{"reason":"superseded"}' | cut -d/ -f1)" 404
tap_is "an unknown endpoint under a card: 404" \
	"$(post alice POST /api/v1/cards/$C/explode '{"reason":"lost"}' | cut -d/ -f1)" 404
tap_is "GET on an action: 405" "$(api alice GET /api/v1/cards/$C/cancel | cut -d' ' -f1)" 405
tap_is "... nothing changed by any of them" \
	"$(status_of "$CSIGN")/$(sql "SELECT state FROM cards WHERE serial = '$C'")/$(positions)" \
	"valid/issued/dispenser@FA123 "
out=$(curl -sS --max-time 30 --cacert "$ROOT" -o "$CC_WORK/body" -w '%{http_code}' \
	-H "Origin: $ORIGIN" -H 'Content-Type: application/json' --data '{"reason":"lost"}' \
	"$SERVER/api/v1/cards/$C/cancel" 2>>"$TAP_LOG")
tap_is "without a client certificate: 401" "$out/$(json 'j["error"]')" "401/no-client-cert"
tap_is "Alice's cancel from another origin (text/plain, JSON-shaped): 403 cross-origin" \
	"$(api alice POST /api/v1/cards/$C/cancel -H 'Origin: https://evil.example' \
		-H 'Content-Type: text/plain' --data '{"reason":"lost"}' | cut -d' ' -f1)/$(json 'j["error"]')" \
	"403/cross-origin"

# --- allowed: Alice revokes and cancels ---------------------------------
tap_is "Alice revokes Carol's signing certificate: 200" \
	"$(post alice POST /api/v1/certificates/$CSIGN/revoke '{"reason":"keyCompromise"}')" \
	"200/certificate-revoked/"
tap_is "... revoked in the registry, keyCompromise (1)" \
	"$(sql "SELECT status || ':' || revocation_reason FROM certificates WHERE serial = '$CSIGN'")" "revoked:1"
tap_is "Carol still logs in with her card (authentication certificate valid)" \
	"$(api carol GET /api/v1/me | cut -d' ' -f1)" 200
tap_is "Alice cancels Carol's card as lost: 200, card cancelled, certificates revoked" \
	"$(post alice POST /api/v1/cards/$C/cancel '{"reason":"lost"}')|$(sql "SELECT state FROM cards WHERE serial = '$C'")|$(status_of "$CAUTH")" \
	"200/card-cancelled/|cancelled|revoked"
out=$(api carol GET /api/v1/me)
case $out in 000*) st=tls-refused ;; 403*) st=$(json 'j["error"]') ;; *) st=$out ;; esac
tap_like "Carol's cancelled card: refused (TLS alert or 403)" "$st" "^(tls-refused|refused)$"
tap_ok "the audit chain verifies" audit_ok

# --- per-certificate rate limit -----------------------------------------
svc_stop
printf 'serve:\n  public-url: %s/\n  limits:\n    cert-rate: 1\n    cert-burst: 3\n' "$ORIGIN" \
	>"$CC_WORK/serve-rl.yaml"
svc_start --config "$CC_WORK/serve-rl.yaml" --https 127.0.0.1:0 || { tap_fail "service start"; exit 1; }
SERVER=$(sed -n 's|^listening \(https://.*\)|\1|p' "$SVC_OUT")
seen=
for _i in 1 2 3 4 5 6 7 8; do
	seen="$seen $(api bob GET /api/v1/me -D "$CC_WORK/rl.hdr" | cut -d' ' -f1)"
	case $seen in *429*) cp "$CC_WORK/body" "$CC_WORK/rl.body"; cp "$CC_WORK/rl.hdr" "$CC_WORK/rl.h429"; break ;; esac
done
echo "# Bob's statuses:$seen" >>"$TAP_LOG"
cp "$CC_WORK/rl.body" "$CC_WORK/body" 2>/dev/null
tap_is "Bob's card hammering the API: 200s, then 429 JSON with Retry-After" \
	"$(echo "$seen" | cut -d' ' -f2)|$(echo "$seen" | awk '{print $NF}')|$(json 'j["error"]')|$(hdr "$CC_WORK/rl.h429" Retry-After)" \
	"200|429|rate-limited|1"
tap_is "... while Alice's card still gets 200" "$(api alice GET /api/v1/me | cut -d' ' -f1)" 200
