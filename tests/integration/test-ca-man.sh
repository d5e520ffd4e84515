#!/bin/sh
# The carecard-ca manual says what the program does: every command has its
# manual entry (carecard-ca(1) for the foundation commands, a
# carecard-ca-<command>(1) page for the others), each entry documents
# exactly the options `carecard-ca COMMAND --help` shows, no page offers an
# option carecard-ca no longer has (--actor, --module) or its environment
# variables, carecard-ca(1) lists every command with the summary --help gives
# and documents the options every command takes (--state, --verbose, --help),
# and every page renders without groff warnings.
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"

CA=${top_builddir:?}/ca/carecard-ca
[ -x "$CA" ] || tap_skip_all "carecard-ca not built"
MAN=$top_srcdir/ca/cli/man
FOUNDATION="init person-add card-add issue-cert issue-certs revoke crl audit"

# The command names, from carecard-ca --help.
commands=$("$CA" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
n=$(echo $commands | wc -w)
tap_plan $((n + 7))

# The options (without the common --state, --verbose and --help, documented
# once in carecard-ca(1)), one line, sorted.
norm() { sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]*' | grep -vxE -- '--(state|verbose|help)' |
	sort -u | tr '\n' ' '; }
help_opts() { "$CA" "$1" --help | norm; }
# The tags of an option list: the line after each .TP in the section that
# starts with ".SH OPTIONS" (a page) or ".SS COMMAND" (carecard-ca(1)).
page_opts() {
	awk -v want="$2" '
		/^\.S[HS] / { t = $0; sub(/^\.S[HS] /, "", t); gsub(/\\-/, "-", t); gsub(/"/, "", t)
			      in_s = (t == want) }
		in_s && (prev == ".TP" || prev == ".TQ") { print }
		{ prev = $0 }' "$1" | norm
}

for c in $commands; do
	case " $FOUNDATION " in
	*" $c "*) page=$MAN/carecard-ca.1 section=$c where="carecard-ca(1) $c" ;;
	*) page=$MAN/carecard-ca-$c.1 section=OPTIONS where="carecard-ca-$c(1) OPTIONS" ;;
	esac
	if [ ! -f "$page" ]; then
		tap_fail "$where: no manual page"
		continue
	fi
	tap_is "$where = $c --help" "$(page_opts "$page" "$section")" "$(help_opts "$c")"
done

# carecard-ca(1) COMMAND LIST: ".TP" ".B name" "summary" for each command.
listed=$(awk '/^\.SH / { in_s = ($0 == ".SH COMMAND LIST") }
	in_s && p2 ~ /^\.TP/ && p1 ~ /^\.B / { n = p1; sub(/^\.B /, "", n); print n "|" $0 }
	{ p2 = p1; p1 = $0 }' "$MAN/carecard-ca.1" | sed 's/\\-/-/g; s/\\e/\\/g')
tap_is "carecard-ca(1) lists every command with its --help summary, and no other" "$listed" \
	"$("$CA" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) *\(.*\)/\1|\2/p')"
common=$(awk '/^\.S[HS] / { in_s = ($0 == ".SS Common options") }
	in_s && (prev == ".TP" || prev == ".TQ") { print } { prev = $0 }' "$MAN/carecard-ca.1" |
	sed 's/\\-/-/g' | grep -oE -- '--[a-z-]+' | sort | tr '\n' ' ')
tap_is "carecard-ca(1) documents the options every command takes" "$common" \
	"--help --state --verbose "
tap_is "every command's --help offers them" \
	"$(for c in $commands; do "$CA" "$c" --help | head -n 1 |
		grep -q -- "^usage: carecard-ca $c \[--state DIR\] \[--verbose\]" || echo "$c"; done)" ""
tap_is "every page is a command's (or carecard-ca(1))" \
	"$(cd "$MAN" && for f in carecard-ca-*.1; do c=${f#carecard-ca-}; c=${c%.1}
		echo " $commands " | tr '\n' ' ' | grep -q " $c " || echo "$f"; done)" ""
tap_is "the man pages are all installed (ca/cli/local.mk)" \
	"$(cd "$MAN" && for f in *.1; do grep -q "man/$f" "$top_srcdir/ca/cli/local.mk" ||
		echo "$f"; done)" ""
tap_is "no page offers --actor, --module or their environment variables" \
	"$(grep -lE '\\-\\-actor|\\-\\-module|CARECARD_CA_ACTOR|CARECARD_PKCS11_MODULE' "$MAN"/*.1)" ""
if command -v groff >/dev/null; then
	tap_is "every page renders without groff warnings" \
		"$(for f in "$MAN"/*.1; do LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$f" 2>&1 |
			sed "s|^|${f##*/}: |"; done)" ""
else
	tap_skip "every page renders without groff warnings" "groff not installed"
fi
tap_done
