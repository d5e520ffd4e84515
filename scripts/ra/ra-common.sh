# scripts/ra/ra-common.sh: sourced by the RA workflow scripts. Finds
# carecard-ca ($CARECARD_CA, else on PATH), parses the options every script
# shares, and runs steps showing what they do.
#
# Who acts is never an option: carecard-ca authenticates the operator with
# their own card (--operator-reader N, and --org ODS for the position they
# act in), or, for the unattended jobs, runs as the CA's own system account
# (the owner of the state directory). The CA's policy and card module are
# the ones recorded at init (policy-install replaces the policy).

CA=${CARECARD_CA:-carecard-ca}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 2; }

# need NAME VALUE: a required option
need() { [ -n "$2" ] || die "--$1 is required (see --help)"; }

# swap WHAT...: an office with two readers changes cards between two steps
# (the next operator's card, the next card to work on): say what to put
# where, on standard output, and wait for Enter on standard input.
swap() {
	printf '== swap: %s; then press Enter\n' "$*"
	read -r _answer || { printf '%s: stopped: no answer on standard input before the next step\n' \
		"${0##*/}" >&2; exit 1; }
}

# step DESCRIPTION CMD...: run one carecard-ca step; stop the workflow at the
# first failure with carecard-ca's exit status (its message says why).
step() {
	_what=$1; shift
	printf '== %s\n' "$_what"
	"$@" || { _rc=$?; printf '%s: stopped: %s failed (exit %s)\n' "${0##*/}" "$_what" \
		"$_rc" >&2; exit "$_rc"; }
}

# as_operator PINFILE CMD...: run CMD with the operator passcode read from
# PINFILE (a 0600 file) when one is given, else from the terminal.
as_operator() {
	_pf=$1; shift
	if [ -n "$_pf" ]; then CARECARD_OPERATOR_PIN_FILE=$_pf "$@"; else "$@"; fi
}

# Options shared by every script: --state DIR, --ca PATH (CA is used by
# the sourcing script).
# shellcheck disable=SC2034
common_opt() {
	case $1 in
	--state) export CARECARD_CA_STATE="$2" ;;
	--ca) CA=$2 ;;
	*) return 1 ;;
	esac
}
