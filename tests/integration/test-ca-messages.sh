#!/bin/sh
# Every refusal the CA library words itself comes from its one table
# (ca/ra/refusal.c, held to the standard by tests/unit/test-ca-refusal):
# no operation writes a refusal of its own — no ca_result_fail with a
# refusal's code and a sentence, no free-text refusal through the gate or
# the policy's pol_say — and every table entry is used.
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"

tap_plan 5
cd "$top_srcdir" || exit 99
# grep without comments, as test-ca-library-purity.sh does
code() { sed -e 's|/\*.*\*/||g' -e '/^[[:space:]]*\*/d' -e '/^[[:space:]]*\/\*/d' "$@"; }
ops=$(ls ca/ra/*.c | grep -v '/refusal\.c$')
WORDED='ca_result_fail\([^,]*, *CA_ERR_(DENIED|STATE|NOT_FOUND|EXISTS), *[^,]*, *"[^"]*[A-Za-z]{2}'
hits() { for f in $ops; do code "$f" | grep -nE "$1" | sed "s|^|$f:|"; done | head -n 5; }

tap_is "no operation words a refusal itself" "$(hits "$WORDED")" ""
tap_is "no free-text refusal through the gate" "$(hits '\bra_refuse[[:space:]]*\(|pol_say\([^,]*, *false')" ""
unused=$(sed -n 's/^[[:space:]]*\(CA_RF_[A-Z_]*\),.*/\1/p' ca/ra/refusal.h | grep -v '^CA_RF_COUNT$' |
	while read -r id; do
		cat $ops ca/ra/refusal.c | grep -v '^[[:space:]]*E(' | grep -q "\b$id\b" ||
			echo "$id"
	done)
tap_is "every entry of the table is used" "$unused" ""
tap_is "the table has an entry for each" \
	"$(sed -n 's/^[[:space:]]*\(CA_RF_[A-Z_]*\),.*/\1/p' ca/ra/refusal.h | grep -vc '^CA_RF_COUNT$')" \
	"$(grep -c '^[[:space:]]*E(CA_RF_' ca/ra/refusal.c)"
# The check itself: the same pipeline finds a refusal worded in a planted file.
t=$(mktemp) && printf 'int\nf(void)\n{\n\treturn ca_result_fail(res, CA_ERR_STATE, NULL, "card %%s is odd", s);\n}\n' >"$t"
tap_like "the check would find one" "$(ops=$t hits "$WORDED")" "card %s is odd"
rm -f "$t"
tap_done
