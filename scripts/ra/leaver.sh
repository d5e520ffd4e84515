#!/bin/sh
# leaver: cancel a leaver's card (reason leaver) and remove their positions.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --holder UUID --card SERIAL --positions ROLE@ODS[,ROLE@ODS...]
         --operator-reader N [--org ODS] [--pin-file F] [--state DIR] [--ca PATH]

  1. carecard-ca cancel-card --reason leaver   (revokes the card's certificates)
  2. carecard-ca position-remove               (each position given)
The operator (an RA agent or manager) authenticates with their own card in
--operator-reader (--org: the position they act in).
USAGE
}

holder='' card='' positions='' oreader='' org='' pin=${CARECARD_OPERATOR_PIN_FILE:-}
while [ $# -gt 0 ]; do
	case $1 in --help|-h) usage; exit 0 ;; esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--holder) holder=$2 ;; --card) card=$2 ;; --positions) positions=$2 ;;
	--operator-reader) oreader=$2 ;; --org) org=$2 ;; --pin-file) pin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need holder "$holder"; need card "$card"; need positions "$positions"
need operator-reader "$oreader"

step "cancel-card $card (leaver)" as_operator "$pin" "$CA" cancel-card --card "$card" \
	--reason leaver --operator-reader "$oreader" ${org:+--org "$org"}
old_ifs=$IFS; IFS=,
for p in $positions; do
	IFS=$old_ifs
	step "position-remove $p" as_operator "$pin" "$CA" position-remove --holder "$holder" \
		--role "${p%@*}" --ods "${p#*@}" --operator-reader "$oreader" ${org:+--org "$org"}
done
IFS=$old_ifs
echo "leaver $holder done"
