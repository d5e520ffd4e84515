#!/bin/sh
# replacement-arrived: issue the holder's replacement card and restore the
# Temporary Access Card they used to blank.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --holder UUID --reader N --tac-reader T --operator-reader M [--locked]
         [--org ODS] [--pin-file F] [--state DIR] [--ca PATH]

  1. carecard-ca issue-card   (the replacement, blank card in --reader; the holder types a
                               passcode, or --locked if it is sent out locked)
  2. carecard-ca tac-restore  (the TAC in --tac-reader back to blank)
The operator authenticates with their own card in --operator-reader (--org: the position
they act in).
USAGE
}

holder='' reader='' treader='' oreader='' org='' locked='' pin=${CARECARD_OPERATOR_PIN_FILE:-}
while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--locked) locked=--locked; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--holder) holder=$2 ;; --reader) reader=$2 ;; --tac-reader) treader=$2 ;;
	--operator-reader) oreader=$2 ;; --org) org=$2 ;; --pin-file) pin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need holder "$holder"; need reader "$reader"; need tac-reader "$treader"
need operator-reader "$oreader"

step "issue-card for $holder" as_operator "$pin" "$CA" issue-card --holder "$holder" \
	--reader "$reader" --operator-reader "$oreader" ${org:+--org "$org"} $locked
step "tac-restore" as_operator "$pin" "$CA" tac-restore --reader "$treader" \
	--operator-reader "$oreader" ${org:+--org "$org"}
echo "replacement issued to $holder; TAC restored"
