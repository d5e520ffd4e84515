#!/bin/sh
# new-starter: register a new holder (sponsor's card), check identity (RA
# agent's card: request approve) and issue their card, in that order.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --uuid UUID --name NAME [--email E] [--mobile M]
         --sponsor UUID --sponsor-reader N --position ROLE@ODS
         --agent-reader N --documents DOC,DOC,DOC --reader N [--locked]
         [--sponsor-org ODS] [--agent-org ODS]
         [--sponsor-pin-file F] [--agent-pin-file F] [--state DIR] [--ca PATH]

  1. carecard-ca register          (the sponsor, with their card in --sponsor-reader; the
                                    policy's separation-of-duties.operations.sponsor)
  2. carecard-ca request approve   (an RA agent, never the sponsor, card in --agent-reader;
                                    separation-of-duties.operations.issue)
  3. carecard-ca issue-card        (the RA agent; the blank card in --reader; the holder
                                    types a passcode, or --locked for secure delivery)
Each operator authenticates with their own card (--sponsor-org, --agent-org: the position
they act in). With two readers both use the same one (--sponsor-reader 1 --agent-reader 1
--reader 2): the script says when to swap their cards and waits for Enter.
Passcodes: the 0600 files given, else \$CARECARD_OPERATOR_PIN_FILE, else the terminal.
The holder's passcode: \$CARECARD_HOLDER_PIN_FILE or the terminal.
USAGE
}

uuid='' name='' email='' mobile='' sponsor='' sreader='' position='' areader='' docs='' reader=''
locked='' sorg='' aorg=''
spin=${CARECARD_OPERATOR_PIN_FILE:-} apin=${CARECARD_OPERATOR_PIN_FILE:-}
while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--locked) locked=--locked; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--uuid) uuid=$2 ;; --name) name=$2 ;; --email) email=$2 ;; --mobile) mobile=$2 ;;
	--sponsor) sponsor=$2 ;; --sponsor-reader) sreader=$2 ;; --position) position=$2 ;;
	--agent-reader) areader=$2 ;; --documents) docs=$2 ;; --reader) reader=$2 ;;
	--sponsor-pin-file) spin=$2 ;; --agent-pin-file) apin=$2 ;;
	--sponsor-org) sorg=$2 ;; --agent-org) aorg=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need uuid "$uuid"; need name "$name"; need sponsor "$sponsor"; need sponsor-reader "$sreader"
need position "$position"; need agent-reader "$areader"; need documents "$docs"
need reader "$reader"
[ "$reader" != "$areader" ] || die "--reader (the blank card) and --agent-reader must differ"

set -- register --uuid "$uuid" --name "$name" --sponsor "$sponsor" --position "$position" \
	--operator-reader "$sreader"
[ -z "$email" ] || set -- "$@" --email "$email"
[ -z "$mobile" ] || set -- "$@" --mobile "$mobile"
[ -z "$sorg" ] || set -- "$@" --org "$sorg"
printf '== register %s (%s) for %s\n' "$uuid" "$name" "$position"
out=$(as_operator "$spin" "$CA" "$@") || exit $?
printf '%s\n' "$out"
req=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9][0-9]*\):.*/\1/p')
[ -n "$req" ] || die "no request number in carecard-ca's answer"
[ "$sreader" != "$areader" ] ||
	swap "take the sponsor's card out of reader $sreader and put the RA agent's card in"
step "request approve $req" as_operator "$apin" "$CA" request approve "$req" \
	--documents "$docs" --operator-reader "$areader" ${aorg:+--org "$aorg"}
step "issue-card for $uuid" as_operator "$apin" "$CA" issue-card --holder "$uuid" \
	--reader "$reader" --operator-reader "$areader" ${aorg:+--org "$aorg"} $locked
echo "new starter $uuid done"
