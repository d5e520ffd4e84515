# tests/lib/tap.sh: the small TAP vocabulary shared by the shell tests.
# Source it; then tap_plan N, and one tap_* call per test case.
# Output of commands run by tap_ok/tap_fails goes to $TAP_LOG (default:
# stderr, which the automake driver keeps in the test's .log file).

tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }

# Skip the whole script (the driver reports SKIP with the reason).
tap_skip_all() { echo "1..0 # SKIP $*"; exit 0; }

tap_diag() { printf '# %s\n' "$*"; }

tap_pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }

tap_fail() {
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	[ $# -gt 0 ] && tap_diag "$*"
	return 0
}

tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

_tap_run() {
	if [ -n "${TAP_LOG:-}" ]; then
		echo "+ $*" >>"$TAP_LOG"
		"$@" >>"$TAP_LOG" 2>&1
	else
		echo "+ $*" >&2
		"$@" >&2
	fi
}

# tap_ok DESC CMD...: passes when CMD exits 0.
tap_ok() {
	desc=$1; shift
	if _tap_run "$@"; then tap_pass "$desc"; else tap_fail "$desc" "exit $? from: $*"; fi
}

# tap_fails DESC CMD...: passes when CMD exits non-zero.
tap_fails() {
	desc=$1; shift
	if _tap_run "$@"; then tap_fail "$desc" "expected failure from: $*"; else tap_pass "$desc"; fi
}

# tap_exit DESC STATUS CMD...: passes when CMD exits with STATUS.
tap_exit() {
	desc=$1 want=$2; shift 2
	_tap_run "$@"
	got=$?
	if [ "$got" -eq "$want" ]; then tap_pass "$desc"; else tap_fail "$desc" "exit $got, want $want from: $*"; fi
}

# tap_is DESC GOT WANT
tap_is() {
	if [ "$2" = "$3" ]; then tap_pass "$1"; else tap_fail "$1" "got '$2', want '$3'"; fi
}

# tap_like DESC TEXT REGEX (grep -E)
tap_like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then tap_pass "$1"
	else tap_fail "$1" "no match for /$3/ in: $(printf '%s' "$2" | head -c 400)"; fi
}

tap_done() { [ "$tap_failed" -eq 0 ]; }
