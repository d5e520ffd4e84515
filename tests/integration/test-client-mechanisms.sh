#!/bin/sh
# Every signing mechanism the module advertises (pkcs11-tool -M) signs, and
# openssl verifies the result against the card's certificate. A mechanism
# advertised but unknown to this table fails: advertise only what works.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"

cc_world
cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec ||
	{ echo "1..1"; echo "not ok 1 - personalise cards"; exit 1; }

mechs=$(cc_p11 --slot-index 0 -M 2>>"$TAP_LOG" | awk '/sign/ && !/generate/ {sub(/,.*/, "", $1); print $1}' | sort -u)
ecmechs=$(cc_p11 --slot-index 1 -M 2>>"$TAP_LOG" | awk '/sign/ && !/generate/ {sub(/,.*/, "", $1); print $1}' | sort -u)
echo "rsa card: $mechs / ec card: $ecmechs" >>"$TAP_LOG"
set -- $mechs
tap_plan $(($# + 2))
[ -n "$mechs" ] && tap_pass "the module advertises signing mechanisms" || tap_fail "the module advertises signing mechanisms"
[ "$mechs" = "$ecmechs" ] && tap_pass "both cards advertise the same mechanism list" ||
	tap_fail "both cards advertise the same mechanism list"

printf 'Prescription: 3 x 5 ml salbutamol inhaler\n' >"$CC_WORK/rx.txt"
for c in 1 2; do openssl x509 -in "$CC_WORK/pki-$c-02/cert.pem" -pubkey -noout >"$CC_WORK/pub$c.pem"; done

# sign CARD MECH [pkcs11-tool opts] -- input file
sign() {
	_c=$1 _m=$2; shift 2
	cc_p11 --slot-index $(($_c - 1)) --login --pin "$CC_PIN" --sign --id 02 -m "$_m" "$@" \
		-o "$CC_WORK/sig" >>"$TAP_LOG" 2>&1
}
hash_of() { openssl dgst "-$1" -binary "$CC_WORK/rx.txt" >"$CC_WORK/h.$1"; echo "$CC_WORK/h.$1"; }
vdgst() {	# vdgst HASH CARD [openssl dgst options]
	_h=$1 _c=$2; shift 2
	openssl dgst "-$_h" -verify "$CC_WORK/pub$_c.pem" -signature "$CC_WORK/sig" "$@" \
		"$CC_WORK/rx.txt" >>"$TAP_LOG" 2>&1
}

check() {
	m=$1
	case $m in
	RSA-PKCS)
		{ printf '\060\061\060\015\006\011\140\206\110\001\145\003\004\002\001\005\000\004\040'; cat "$(hash_of sha256)"; } >"$CC_WORK/di"
		sign 1 "$m" -i "$CC_WORK/di" &&
		openssl pkeyutl -verifyrecover -pubin -inkey "$CC_WORK/pub1.pem" -in "$CC_WORK/sig" -out "$CC_WORK/rec" >>"$TAP_LOG" 2>&1 &&
		cmp -s "$CC_WORK/rec" "$CC_WORK/di" ;;
	SHA256-RSA-PKCS|SHA384-RSA-PKCS|SHA512-RSA-PKCS)
		h=$(echo "$m" | sed 's/-.*//' | tr A-Z a-z)
		sign 1 "$m" -i "$CC_WORK/rx.txt" && vdgst "$h" 1 ;;
	RSA-PKCS-PSS)
		sign 1 "$m" --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32 -i "$(hash_of sha256)" &&
		openssl pkeyutl -verify -pubin -inkey "$CC_WORK/pub1.pem" -pkeyopt rsa_padding_mode:pss \
			-pkeyopt digest:sha256 -pkeyopt rsa_pss_saltlen:32 -in "$CC_WORK/h.sha256" \
			-sigfile "$CC_WORK/sig" >>"$TAP_LOG" 2>&1 ;;
	SHA256-RSA-PKCS-PSS|SHA384-RSA-PKCS-PSS|SHA512-RSA-PKCS-PSS)
		h=$(echo "$m" | sed 's/-.*//' | tr A-Z a-z); H=$(echo "$h" | tr a-z A-Z)
		sign 1 "$m" --mgf "MGF1-$H" --salt-len 20 -i "$CC_WORK/rx.txt" &&
		vdgst "$h" 1 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20 ;;
	ECDSA)
		sign 2 "$m" --signature-format openssl -i "$(hash_of sha256)" &&
		openssl pkeyutl -verify -pubin -inkey "$CC_WORK/pub2.pem" -in "$CC_WORK/h.sha256" \
			-sigfile "$CC_WORK/sig" >>"$TAP_LOG" 2>&1 ;;
	ECDSA-SHA256|ECDSA-SHA384|ECDSA-SHA512)
		h=$(echo "$m" | sed 's/.*-//' | tr A-Z a-z)
		sign 2 "$m" --signature-format openssl -i "$CC_WORK/rx.txt" && vdgst "$h" 2 ;;
	*)
		echo "no verification known for advertised mechanism $m" >>"$TAP_LOG"; return 1 ;;
	esac
}
for m in $mechs; do
	tap_ok "$m: signature from the card verifies with openssl" check "$m"
done
