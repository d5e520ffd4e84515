#!/bin/sh
# lost-card: cancel a lost card (reason lost) and activate a Temporary
# Access Card for its holder until the replacement arrives.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --holder UUID --card SERIAL --tac-reader N --operator-reader M
         [--org ODS] [--period 7d] [--pin-file F] [--state DIR] [--ca PATH]

  1. carecard-ca cancel-card --reason lost   (an RA agent or manager; revokes at once)
  2. carecard-ca tac-activate                (a sponsor or LSA at the TAC's organisation,
                                              the TAC in --tac-reader)
The holder sets a passcode on the TAC (\$CARECARD_HOLDER_PIN_FILE or the terminal).
The operator authenticates with their own card in --operator-reader (--org: the position
they act in). If one person may not do both, run the steps with two operators: this script
stops at the refusal, which names the rule.
USAGE
}

holder='' card='' treader='' oreader='' org='' period=7d pin=${CARECARD_OPERATOR_PIN_FILE:-}
while [ $# -gt 0 ]; do
	case $1 in --help|-h) usage; exit 0 ;; esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--holder) holder=$2 ;; --card) card=$2 ;; --tac-reader) treader=$2 ;;
	--operator-reader) oreader=$2 ;; --org) org=$2 ;; --period) period=$2 ;;
	--pin-file) pin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need holder "$holder"; need card "$card"; need tac-reader "$treader"
need operator-reader "$oreader"

step "cancel-card $card (lost)" as_operator "$pin" "$CA" cancel-card --card "$card" \
	--reason lost --operator-reader "$oreader" ${org:+--org "$org"}
step "tac-activate for $holder ($period)" as_operator "$pin" "$CA" tac-activate \
	--holder "$holder" --reader "$treader" --operator-reader "$oreader" --period "$period" \
	--reason "card $card lost" ${org:+--org "$org"}
echo "lost card $card cancelled; TAC active for $holder"
