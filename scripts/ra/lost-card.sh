#!/bin/sh
# lost-card: cancel a lost card (reason lost) and activate a Temporary
# Access Card for its holder until the replacement arrives.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --holder UUID --card SERIAL --tac-reader N --operator-reader M
         [--org ODS] [--pin-file F] [--period 7d]
         [--tac-operator-reader M2] [--tac-org ODS] [--tac-pin-file F2]
         [--state DIR] [--ca PATH]

  1. carecard-ca cancel-card --reason lost   (revokes at once; the CA's policy says who may:
                                              separation-of-duties.operations.revoke,
                                              NHS: an RA agent or manager)
  2. carecard-ca tac-activate                (the TAC in --tac-reader; the policy says who:
                                              separation-of-duties.operations.tac-activate,
                                              NHS: a sponsor or LSA at the TAC's organisation)
Each operator authenticates with their own card: the first in --operator-reader (--org: the
position they act in, --pin-file: a 0600 file with their passcode), the second in
--tac-operator-reader (default the same reader; --tac-org, --tac-pin-file). When the policy
lets one person do both, give only the first. With two readers the second operator's card
goes where the first one's was: the script says when to swap and waits for Enter.
The holder sets a passcode on the TAC (\$CARECARD_HOLDER_PIN_FILE or the terminal).
USAGE
}

holder='' card='' treader='' oreader='' org='' period=7d pin=${CARECARD_OPERATOR_PIN_FILE:-}
toreader='' torg='' tpin=''
while [ $# -gt 0 ]; do
	case $1 in --help|-h) usage; exit 0 ;; esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--holder) holder=$2 ;; --card) card=$2 ;; --tac-reader) treader=$2 ;;
	--operator-reader) oreader=$2 ;; --org) org=$2 ;; --period) period=$2 ;;
	--pin-file) pin=$2 ;; --tac-operator-reader) toreader=$2 ;; --tac-org) torg=$2 ;;
	--tac-pin-file) tpin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need holder "$holder"; need card "$card"; need tac-reader "$treader"
need operator-reader "$oreader"
[ -n "$toreader" ] || toreader=$oreader
# One operator for both steps unless a second one is named.
if [ -z "$tpin" ] && [ -z "$torg" ] && [ "$toreader" = "$oreader" ]; then
	tpin=$pin torg=$org second=''
else
	[ -n "$tpin" ] || tpin=$pin
	second=yes
fi
[ "$treader" != "$toreader" ] || die "--tac-reader and the operator's reader must differ"

step "cancel-card $card (lost)" as_operator "$pin" "$CA" cancel-card --card "$card" \
	--reason lost --operator-reader "$oreader" ${org:+--org "$org"}
[ -z "$second" ] || [ "$toreader" != "$oreader" ] ||
	swap "take the first operator's card out of reader $oreader and put in the card of" \
	     "the sponsor or LSA who activates the TAC"
step "tac-activate for $holder ($period)" as_operator "$tpin" "$CA" tac-activate \
	--holder "$holder" --reader "$treader" --operator-reader "$toreader" --period "$period" \
	--reason "card $card lost" ${torg:+--org "$torg"}
echo "lost card $card cancelled; TAC active for $holder"
