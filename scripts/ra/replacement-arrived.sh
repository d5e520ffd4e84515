#!/bin/sh
# replacement-arrived: issue the holder's replacement card and restore the
# Temporary Access Card they used to blank.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --holder UUID --reader N --operator-reader M [--locked]
         [--org ODS] [--pin-file F] [--tac-reader T]
         [--tac-operator-reader M2] [--tac-org ODS] [--tac-pin-file F2]
         [--state DIR] [--ca PATH]

  1. carecard-ca issue-card   (the replacement, a blank card in --reader; the holder types a
                               passcode, or --locked if it is sent out locked; the policy says
                               who: separation-of-duties.operations.issue, NHS: an RA agent
                               or manager)
  2. carecard-ca tac-restore  (the TAC in --tac-reader, default --reader, back to blank; the
                               policy says who: separation-of-duties.operations.tac-activate,
                               NHS: a sponsor or LSA at the TAC's organisation)
Each operator authenticates with their own card: the first in --operator-reader (--org,
--pin-file), the second in --tac-operator-reader (default the same reader; --tac-org,
--tac-pin-file). When the policy lets one person do both, give only the first. With two
readers the script says which cards to swap before the second step and waits for Enter.
USAGE
}

holder='' reader='' treader='' oreader='' org='' locked='' pin=${CARECARD_OPERATOR_PIN_FILE:-}
toreader='' torg='' tpin=''
while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--locked) locked=--locked; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--holder) holder=$2 ;; --reader) reader=$2 ;; --tac-reader) treader=$2 ;;
	--operator-reader) oreader=$2 ;; --org) org=$2 ;; --pin-file) pin=$2 ;;
	--tac-operator-reader) toreader=$2 ;; --tac-org) torg=$2 ;; --tac-pin-file) tpin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need holder "$holder"; need reader "$reader"; need operator-reader "$oreader"
[ -n "$treader" ] || treader=$reader
[ -n "$toreader" ] || toreader=$oreader
if [ -z "$tpin" ] && [ -z "$torg" ] && [ "$toreader" = "$oreader" ]; then
	tpin=$pin torg=$org second=''
else
	[ -n "$tpin" ] || tpin=$pin
	second=yes
fi
[ "$reader" != "$oreader" ] && [ "$treader" != "$toreader" ] ||
	die "the card worked on and the operator's card need readers of their own"

step "issue-card for $holder" as_operator "$pin" "$CA" issue-card --holder "$holder" \
	--reader "$reader" --operator-reader "$oreader" ${org:+--org "$org"} $locked
what=''
[ "$treader" != "$reader" ] ||
	what="take the replacement card out of reader $reader and put the TAC in"
[ -z "$second" ] || [ "$toreader" != "$oreader" ] ||
	what="${what:+$what; }put the card of the sponsor or LSA who restores the TAC in reader $oreader"
[ -z "$what" ] || swap "$what"
step "tac-restore" as_operator "$tpin" "$CA" tac-restore --reader "$treader" \
	--operator-reader "$toreader" ${torg:+--org "$torg"}
echo "replacement issued to $holder; TAC restored"
