#!/bin/sh
# The CA library never prints, prompts, reads the environment or exits: only
# the front ends (ca/cli, the service) do. This keeps it true for every
# source file under the library's folders, so a rule can never hold in one
# front end and not in another.
. "${top_srcdir:?run from make check}/tests/lib/tap.sh"

LIB="ca/core ca/registry ca/card ca/ra"
tap_plan 5
cd "$top_srcdir" || exit 99
files=$(for d in $LIB; do ls "$d"/*.c "$d"/*.h 2>/dev/null; done)
[ -n "$files" ] || { echo "Bail out! no library sources found"; exit 1; }
# grep without comments: drop /* ... */ on one line and lines inside block comments
code() { sed -e 's|/\*.*\*/||g' -e '/^[[:space:]]*\*/d' -e '/^[[:space:]]*\/\*/d' $files; }
hits() { code | grep -nE "$1" | head -n 5; }
PRINTS='\b(printf|vprintf|puts|putchar)[[:space:]]*\(|\bf(printf|puts|putc|write)[[:space:]]*\([^;]*\bstd(out|err)\b|\bperror[[:space:]]*\('

tap_is "no printing to stdout or stderr" "$(hits "$PRINTS")" ""
tap_is "no terminal" "$(hits '/dev/tty|\b(getpass|tcsetattr|isatty)[[:space:]]*\(')" ""
tap_is "no environment" "$(hits '\b(secure_)?getenv[[:space:]]*\(|\benviron\b')" ""
tap_is "no exit" "$(hits '\b(_?exit|_Exit|abort|quick_exit)[[:space:]]*\(')" ""
# The check itself: the same pipeline finds a print in a planted file.
t=$(mktemp) && printf 'int\nf(void)\n{\n\tfprintf(stderr, "x");\n\treturn 0;\n}\n' >"$t"
tap_like "the check would find a print" "$(files=$t hits "$PRINTS")" "fprintf"
rm -f "$t"
tap_done
