#!/bin/sh
# ods-change: move an organisation to its new ODS code (new code added to
# every holder before the old one is removed, one transaction) and show the
# organisations' head counts before and after.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --from OLD --to NEW --operator-reader N [--org ODS] [--pin-file F]
         [--state DIR] [--ca PATH]

  carecard-ca report users-per-org      (the CA's own account, no card)
  carecard-ca ods-change                (an RA manager, their own card in --operator-reader;
                                         --org: the position they act in)
  carecard-ca report users-per-org
USAGE
}

from='' to='' oreader='' org='' pin=${CARECARD_OPERATOR_PIN_FILE:-}
while [ $# -gt 0 ]; do
	case $1 in --help|-h) usage; exit 0 ;; esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--from) from=$2 ;; --to) to=$2 ;; --operator-reader) oreader=$2 ;; --org) org=$2 ;;
	--pin-file) pin=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need from "$from"; need to "$to"; need operator-reader "$oreader"

step "users per organisation (before)" "$CA" report users-per-org
step "ods-change $from -> $to" as_operator "$pin" "$CA" ods-change --from "$from" --to "$to" \
	--operator-reader "$oreader" ${org:+--org "$org"}
step "users per organisation (after)" "$CA" report users-per-org
