#!/bin/sh
# nightly: publish both issuing CAs' CRLs and write the report of
# certificates expiring soon. Unattended (cron, systemd timer): both steps
# run as the CA's own system account — the owner of the state directory, who
# can read the HSM PIN — with no operator card and no passcode. The CRL
# schedule (nextUpdate) is the policy installed in the CA.
set -u
. "$(dirname "$0")/ra-common.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} --crl-dir DIR [--report FILE] [--days N] [--format csv|json|table]
         [--delta] [--state DIR] [--ca PATH]

  1. carecard-ca crl-publish --dir DIR          (full CRLs; --delta for delta CRLs)
  2. carecard-ca report expiring [--days N]     (to FILE, replaced atomically, or stdout;
                                                 default: the policy's renewal window)
Run it as the CA's system account (the owner of the state directory); no card is needed.
cron:   30 1 * * *  /usr/share/carecard/ra/nightly.sh --crl-dir /var/www/crl \\
                        --report /var/lib/carecard/reports/expiring.csv
USAGE
}

crldir='' report='' days='' format=csv delta=''
while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--delta) delta=--delta; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "$1 needs a value"
	common_opt "$1" "$2" || case $1 in
	--crl-dir) crldir=$2 ;; --report) report=$2 ;; --days) days=$2 ;; --format) format=$2 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift 2
done
need crl-dir "$crldir"

step "crl-publish" "$CA" crl-publish --dir "$crldir" $delta
within=${days:+$days days}
[ -n "$within" ] || within="the policy's renewal window"
if [ -z "$report" ]; then
	step "certificates expiring within $within" "$CA" report expiring ${days:+--days "$days"} \
		--format "$format"
else
	printf '== certificates expiring within %s -> %s\n' "$within" "$report"
	if ! "$CA" report expiring ${days:+--days "$days"} --format "$format" >"$report.tmp"; then
		rm -f "$report.tmp"
		exit 1
	fi
	mv -f "$report.tmp" "$report"
fi
