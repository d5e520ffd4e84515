#!/bin/sh
# The whole test suite, from a clean clone: install what is missing, build,
# run `make check` normally, again with AddressSanitizer + UBSan, and the C
# tests under valgrind memcheck. Ends with one line "N passed, N failed,
# N skipped" summed over every run; exits non-zero on any failure.
#
# Usage: scripts/test.sh [--quick]   (--quick: the normal run only)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${CARECARD_TEST_DIR:-$top/build-test}
quick=no
[ "${1:-}" = --quick ] && quick=yes

"$top/scripts/install-deps.sh" test || { echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0 skip=0 status=0

# Add up one run's counts from automake's test-suite.log.
tally() {
	log=$1/test-suite.log
	if [ ! -f "$log" ]; then
		echo "carecard: $2: no test-suite.log (build or harness failed)"
		fail=$((fail + 1)); status=1
		return
	fi
	get() { sed -n "s/^# $1: *\([0-9][0-9]*\).*/\1/p" "$log" | head -n 1; }
	p=$(get PASS); f=$(get FAIL); e=$(get ERROR); s=$(get SKIP); xp=$(get XPASS); xf=$(get XFAIL)
	p=${p:-0}; f=${f:-0}; e=${e:-0}; s=${s:-0}; xp=${xp:-0}; xf=${xf:-0}
	echo "carecard: $2: $p passed, $((f + e + xp)) failed, $s skipped"
	pass=$((pass + p + xf)); fail=$((fail + f + e + xp)); skip=$((skip + s))
	if [ $((f + e + xp)) -gt 0 ]; then
		status=1
		# Show what failed, so a CI log is enough to start debugging.
		grep -E '^(FAIL|ERROR|XPASS):' "$log" | head -n 40
		# ... and each failing test's own diagnostics (its "# " lines).
		sed -n 's/^\(FAIL\|ERROR\): \([^ ]*\).*/\2/p' "$log" | sed 's/\.sh$//' | sort -u | head -n 5 |
		while read -r t; do
			tl=$1/${t%.sh}.log
			[ -f "$tl" ] || continue
			echo "carecard: --- $t (end of $tl):"
			grep '^#' "$tl" | tail -n 25
		done
	fi
}

run() {	# run NAME BUILDDIR MAKE-TARGET CONFIGURE-ARGS...
	name=$1 dir=$2 target=$3; shift 3
	echo "carecard: === $name: building in $dir"
	if ! "$top/scripts/build.sh" "$dir" "$@" >"$out-$name-build.log" 2>&1; then
		tail -n 40 "$out-$name-build.log"
		echo "carecard: $name: build failed"
		fail=$((fail + 1)); status=1
		return
	fi
	rm -f "$dir/test-suite.log"
	echo "carecard: === $name: make $target"
	make -C "$dir" -j2 "$target" >"$out-$name-check.log" 2>&1
	tally "$dir" "$name"
}

mkdir -p "$(dirname "$out")"
run check "$out/normal" check --enable-test-hooks
if [ "$quick" = no ]; then
	run sanitizers "$out/asan" check --enable-test-hooks --enable-sanitizers
	run valgrind "$out/normal" memcheck --enable-test-hooks
fi

echo "$pass passed, $fail failed, $skip skipped"
exit $status
