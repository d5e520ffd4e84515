#!/bin/sh
# Integration: the one authorization gate, command by command. Every command
# that changes the registry, issues or revokes is tried three ways:
#   - without an operator card: exit 9;
#   - with an operator card whose roles the policy does not allow: exit 8,
#     the message naming the rule;
#   - with the right operator: it succeeds.
# The first two change nothing — registry, HSM token, the card in the
# reader — but write exactly one refusal entry to the audit log. Then a
# failed login (9) and an empty reader (3), and the flags and variables
# that used to choose the actor or the rules: --actor, $CARECARD_CA_ACTOR,
# --policy, $CARECARD_POLICY change nothing for a sponsor who must be
# refused; a policy replacement by the RA manager is audited with its hash.
. "${top_srcdir:?run from make check}/tests/integration/test-ca-card-lib.sh"

ALICE=100000000001 BOB=200000000002 DAVE=400000000004 FRANK=600000000006
HANK=800000000008 IVY=900000000009
ROWS=32
tap_plan $((ROWS * 3 + 12))

ca_init || { tap_fail "CA init"; exit 1; }
pin bob 5678; pin dave 1357; pin frank 9753; pin hank 2468; pin wrong 0000
ca_bootstrap 1
person $BOB "Bob Holder"
person $DAVE "Dave Agent" --ra-role ra-agent
person $FRANK "Frank Sponsor" --ra-role sponsor
person $HANK "Hank Holder"
op org-add --ods FA123 --name "High Street Pharmacy" >>"$TAP_LOG" 2>&1
op org-add --ods FB456 --name "Other Pharmacy" >>"$TAP_LOG" 2>&1
op position-add --holder $BOB --role dispenser --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $FRANK --role pharmacist --ods FA123 >>"$TAP_LOG" 2>&1
op position-add --holder $HANK --role dispenser --ods FB456 >>"$TAP_LOG" 2>&1
park() { "$CC_CARD_TOOL" remove --reader "$1" --to "$CC_WORK/$2.card" >>"$TAP_LOG" 2>&1; }
put() { "$CC_CARD_TOOL" insert "$CC_WORK/$2.card" --reader "$1" >>"$TAP_LOG" 2>&1; }
# Every operator's card, issued by Alice in reader 2, then kept aside.
for who in "bob $BOB" "dave $DAVE" "frank $FRANK"; do
	set -- $who
	cc_blank_card 2 && as alice "$1" "$CA" issue-card --holder "$2" --reader 2 \
		--operator-reader 1 >>"$TAP_LOG" 2>&1 && park 2 "$1"
done
park 1 alice
CUR=
# card NAME: NAME's card is the one in reader 1 (the operator's reader)
card() {
	[ "$CUR" = "$1" ] && return 0
	[ -z "$CUR" ] || park 1 "$CUR"
	put 1 "$1" && CUR=$1
}

# What must not change: every registry table but the audit log, the
# policy, the HSM token's objects (SoftHSM2 rewrites its token.object, the
# token's own state, at every login), the card in reader 2 (the operator's
# own card in reader 1 counts its passcode tries, like any card).
snap() {
	{
		sqlite3 "$S/registry.db" .dump | grep -v -e '^INSERT INTO audit' -e sqlite_sequence
		sha256sum "$S/policy.yaml"
		find "$S/hsm/tokens" -type f ! -name token.object -exec sha256sum {} + | sort
		find "$CC_WORK/r2" -name '*.card' -exec sha256sum {} +
	} | sha256sum
}
audit_n() { sql "SELECT count(*) FROM audit"; }
last() { sql "SELECT actor || ' ' || action FROM audit ORDER BY id DESC LIMIT 1"; }

# row NAME WRONG RIGHT CMD ARGS...: CMD without a card, with WRONG's card,
# with RIGHT's card (the operator's passcode file is their name). The
# refusals are audited as "<operation>-refused": the command's name, or
# $NOCARD / $DENIED where the gate names the operation otherwise.
row() {
	_name=$1 _wrong=$2 _right=$3
	shift 3
	_s0=$(snap) _n0=$(audit_n)
	as - "${HOLDER_PIN:--}" "$CA" "$@" >>"$TAP_LOG" 2>&1
	_rc=$?
	tap_is "$_name: without a card, exit 9, nothing changed, one refusal on record" \
		"$_rc $([ "$(snap)" = "$_s0" ] && echo same) $(($(audit_n) - _n0)) $(last)" \
		"9 same 1 nobody ${NOCARD:-$1}-refused"
	card "$_wrong"
	_s0=$(snap) _n0=$(audit_n)
	_out=$(as "$_wrong" "${HOLDER_PIN:--}" "$CA" "$@" --operator-reader 1 2>&1)
	_rc=$?
	echo "$_out" >>"$TAP_LOG"
	tap_is "$_name: $_wrong may not, exit 8, nothing changed, one refusal on record" \
		"$_rc $([ "$(snap)" = "$_s0" ] && echo same) $(($(audit_n) - _n0)) $(last | cut -d' ' -f2) $(echo "$_out" | grep -c 'refused by [a-z]')" \
		"8 same 1 ${DENIED:-$1}-refused 1"
	card "$_right"
	tap_ok "$_name: $_right may" as "$_right" "${HOLDER_PIN:--}" "$CA" "$@" --operator-reader 1
}

# --- people, roles, cards, organisations --------------------------------------------
row "person-add" bob dave person-add --uuid 810000000001 --name "Kim New" --documents $DOCS
for role in ra-agent sponsor lsa; do
	u=82000000000$(echo "ra-manager ra-agent sponsor lsa" | tr ' ' '\n' | grep -n "^$role$" | cut -d: -f1)
	DENIED=ra-role-grant row "person-add --ra-role $role" dave alice person-add --uuid "$u" --name "Role $role" \
		--documents $DOCS --ra-role "$role"
done
# An RA manager acts with their own card, which a new person does not hold.
card alice
_s0=$(snap) _n0=$(audit_n)
_out=$(as alice - "$CA" person-add --uuid 820000000001 --name "Role ra-manager" --documents $DOCS \
	--ra-role ra-manager --operator-reader 1 2>&1)
_rc=$?
tap_is "person-add --ra-role ra-manager: refused even to the RA manager, nothing changed, one refusal" \
	"$_rc $([ "$(snap)" = "$_s0" ] && echo same) $(($(audit_n) - _n0)) $(last) $(echo "$_out" | grep -c 'refused by ra.ra-manager-card')" \
	"8 same 1 $ALICE ra-role-grant-refused 1"
row "card-add" bob dave card-add --serial 0499000000000001
row "org-add" dave alice org-add --ods FC789 --name "New Surgery"
row "position-add" bob frank position-add --holder $HANK --role dispenser --ods FA123
row "position-remove" bob frank position-remove --holder $HANK --role dispenser --ods FA123
row "ods-change" dave alice ods-change --from FB456 --to FD000
row "register" bob frank register --uuid $IVY --name "Ivy Starter" --position dispenser@FA123
REQ=$(sql "SELECT max(id) FROM requests")
row "verify-identity" frank dave verify-identity --request "$REQ" --documents $DOCS
card frank
as frank - "$CA" register --uuid 860000000001 --name "Jo Starter" --position dispenser@FA123 \
	--operator-reader 1 >>"$TAP_LOG" 2>&1
REQ=$(sql "SELECT max(id) FROM requests")
NOCARD=request-reject DENIED=request-reject row "request reject" bob dave request reject "$REQ" \
	--reason "a duplicate"
NOCARD=person-update DENIED=person-update row "person update" bob dave person update $HANK \
	--mobile +447700900999
NOCARD=ra-role-grant DENIED=ra-role-grant row "ra-role grant" dave alice ra-role grant $HANK lsa
NOCARD=ra-role-revoke DENIED=ra-role-revoke row "ra-role revoke" dave alice ra-role revoke $HANK lsa

# --- certificates from requests; revocation; batch; policy --------------------------------
openssl req -new -newkey rsa:2048 -nodes -keyout "$CC_WORK/k.pem" -subj /CN=x \
	-out "$CC_WORK/r.csr" >>"$TAP_LOG" 2>&1
row "issue-cert" bob dave issue-cert --profile authentication --csr "$CC_WORK/r.csr" \
	--holder $HANK --out "$CC_WORK/hank.pem"
HSER=$(openssl x509 -in "$CC_WORK/hank.pem" -noout -serial | cut -d= -f2)
printf 'signing %s %s\n' $HANK "$CC_WORK/r.csr" >"$CC_WORK/list"
NOCARD=issue-cert DENIED=issue-cert row "issue-certs" bob dave issue-certs --list "$CC_WORK/list" --out-dir "$CC_WORK/out"
row "revoke" bob dave revoke --serial "$HSER" --reason superseded
SSER=$(sql "SELECT serial FROM certificates WHERE holder = '$HANK' AND profile = 'signing'")
row "hold" bob dave hold --serial "$SSER"
row "release" bob dave release --serial "$SSER"
printf 'uuid,name,role,ods\n830000000001,Lee Batch,dispenser,FA123\n' >"$CC_WORK/b.csv"
row "batch import" dave alice batch import "$CC_WORK/b.csv"
cp "$top_srcdir/policy/nhs.yaml" "$CC_WORK/p.yaml"
row "policy-install" dave alice policy-install "$CC_WORK/p.yaml"

# --- the card in reader 2: issue, unlock, repair, renew, cancel -----------------------------
cc_blank_card 2
HOLDER_PIN=hank row "issue-card" bob dave issue-card --holder $HANK --reader 2
H=$(card_serial 2)
for i in 1 2 3; do cc_p11 --slot-index 1 --login --pin 0000 -O >/dev/null 2>&1; done
HOLDER_PIN=hank row "unlock" bob dave unlock --reader 2
HOLDER_PIN=hank row "passcode-reset" bob dave passcode-reset --reader 2
HOLDER_PIN=hank row "repair" bob dave repair --reader 2
CARECARD_CA_NOW=$(( $(date +%s) + 700 * 86400 )) HOLDER_PIN=hank \
	row "renew" bob dave renew --reader 2
row "cancel-card" bob dave cancel-card --card "$H" --reason damaged

# --- Temporary Access Cards ------------------------------------------------------------
park 2 hank
cc_blank_card 2
T=$(card_serial 2)
card alice
as alice - "$CA" card-add --serial "$T" --tac --operator-reader 1 >>"$TAP_LOG" 2>&1
row "tac-add" dave alice tac-add --serial "$T" --custodian $FRANK --positions pharmacist@FA123
HOLDER_PIN=bob row "tac-activate" bob frank tac-activate --holder $BOB --reader 2 --period 1d \
	--reason "card lost"
row "tac-use" bob frank tac-use --serial "$T" --holder $BOB --note "morning shift"
row "tac-restore" bob frank tac-restore --reader 2

# --- failed logins ------------------------------------------------------------------------
card dave
n0=$(audit_n)
tap_exit "a wrong operator passcode: exit 9" 9 \
	as wrong - "$CA" person-add --uuid 840000000001 --name X --documents $DOCS --operator-reader 1
tap_is "one refused login on record, nothing else" "$(($(audit_n) - n0)) $(last)" \
	"1 unknown operator-login"
tap_exit "an empty operator reader: exit 3" 3 \
	as dave - "$CA" person-add --uuid 840000000001 --name X --documents $DOCS --operator-reader 3

# --- who acts and which rules apply cannot be chosen -------------------------------------
card frank
cat >"$CC_WORK/lax.yaml" <<'YAML'
version: 1
separation-of-duties:
  operations:
    register-person: [sponsor, ra-agent, ra-manager]
YAML
try() { as frank - "$@" >>"$TAP_LOG" 2>&1; echo $?; }
args="person-add --uuid 850000000001 --name Sneaky --documents $DOCS --operator-reader 1"
tap_is "a sponsor may not register a person directly" "$(try "$CA" $args)" 8
tap_like "--actor naming the RA manager: not an option any more" \
	"$(try "$CA" $args --actor $ALICE) $(try "$CA" --actor $ALICE $args)" "^2 2$"
tap_is "\$CARECARD_CA_ACTOR naming the RA manager: still refused" \
	"$(CARECARD_CA_ACTOR=$ALICE try "$CA" $args)" 8
tap_is "--policy with a lax copy: not an option" "$(try "$CA" $args --policy "$CC_WORK/lax.yaml")" 2
tap_is "\$CARECARD_POLICY with a lax copy: still refused" \
	"$(CARECARD_POLICY=$CC_WORK/lax.yaml try "$CA" $args)" 8
tap_is "and nobody called Sneaky was registered" \
	"$(sql "SELECT count(*) FROM people WHERE name = 'Sneaky'")" 0
new=$(sha256sum "$CC_WORK/p.yaml" | cut -c1-64)
tap_like "the policy replacement above is audited with its hash" \
	"$(sql "SELECT actor, details FROM audit WHERE action = 'policy-install'")" \
	"^$ALICE\|.*\"policy-new\":\"$new\""
tap_ok "audit chain verifies" audit_ok
tap_done
