# tests/lib/card.sh: a private carecard world for one integration test.
# Source after tests/lib/tap.sh. Provides:
#   cc_world            temp dir, two readers, fast-KDF config, private HOME
#   cc_client CMD...    run a real client with the module (adds the ASan
#                       runtime when the module was built with sanitizers)
#   cc_blank_card N     manufacture a blank card and insert it into reader N
#   cc_personalise N rsa|ec   init token + PIN, two key pairs (01 authentication,
#                       02 signing) and certificates from a throw-away test CA
# Variables: CC_WORK, CC_PIN, CC_SO_PIN, CC_CA_DIR, CC_CARD_TOOL.

: "${top_builddir:?run from make check}"
: "${CC_MODULE:=$top_builddir/pkcs11/.libs/carecard-pkcs11.so}"
CC_CARD_TOOL=$top_builddir/pkcs11/carecard-card
CC_PIN=1234
CC_SO_PIN=87654321

cc_world() {
	CC_WORK=$(mktemp -d "${TMPDIR:-/tmp}/carecard-test.XXXXXX") || exit 99
	trap 'cc_cleanup' EXIT
	mkdir -p "$CC_WORK/r1" "$CC_WORK/r2" "$CC_WORK/home"
	cat >"$CC_WORK/carecard.yaml" <<YAML
readers:
  - name: Test Reader 1
    directory: $CC_WORK/r1
  - name: Test Reader 2
    directory: $CC_WORK/r2
kdf: { n: 1024, r: 8, p: 1 }
YAML
	export CARECARD_CONF="$CC_WORK/carecard.yaml"
	export CARECARD_LOG_FILE="$CC_WORK/carecard.log"
	# p11-kit reads ~/.config/pkcs11: a private HOME keeps the system's
	# registration out of it and ours out of the system.
	export HOME="$CC_WORK/home"
	export XDG_DATA_HOME="$CC_WORK/home/.local/share"
	export XDG_CONFIG_HOME="$CC_WORK/home/.config"
	TAP_LOG="$CC_WORK/test.log"
	: >"$TAP_LOG"
}

cc_cleanup() {
	if [ "${tap_failed:-0}" -gt 0 ] && [ -f "$TAP_LOG" ]; then
		echo "# ---- log of failed test ----"
		sed 's/^/# /' "$TAP_LOG" | tail -n 80
		[ -f "$CARECARD_LOG_FILE" ] && sed 's/^/# module: /' "$CARECARD_LOG_FILE" | tail -n 20
	fi
	[ -n "${CC_KEEP:-}" ] || rm -rf "$CC_WORK"
}

# Every client runs under a time limit, so a client that waits forever
# fails its test instead of hanging the suite.
cc_client() {
	set -- timeout -k 5 "${CC_CLIENT_TIMEOUT:-180}" "$@"
	if [ "${CC_SANITIZERS:-no}" = yes ]; then
		# The module carries ASan/UBSan; a client that does not must load
		# the runtimes first. Leaks of the client itself are not ours.
		# The shim keeps ASan's lazy start-up from breaking glibc's locale
		# lock in p11-kit clients (tests/lib/asan-client-shim.c).
		: "${_asan:=$(${CC_COMPILER:-cc} -print-file-name=libasan.so)}"
		: "${_ubsan:=$(${CC_COMPILER:-cc} -print-file-name=libubsan.so)}"
		_shim=$top_builddir/tests/lib/.libs/libcc-asan-client-shim.so
		LD_PRELOAD="$_asan $_ubsan $_shim${LD_PRELOAD:+ $LD_PRELOAD}" \
		ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:suppressions=$top_srcdir/tests/asan-clients.supp${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
			"$@"
	else
		"$@"
	fi
}

cc_p11() { cc_client pkcs11-tool --module "$CC_MODULE" "$@"; }

# cc_engine_conf FILE PIN: an OpenSSL configuration loading libp11's PKCS#11
# engine on the carecard module, logging in with PIN (for curl and openssl,
# clients the project did not write). $CC_ENGINE: the engine, "" when
# libengine-pkcs11-openssl is not installed.
CC_ENGINE=$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -n 1)
cc_engine_conf() {
	cat >"$1" <<CNF
openssl_conf = conf
[conf]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
dynamic_path = $CC_ENGINE
MODULE_PATH = $CC_MODULE
PIN = $2
init = 0
CNF
}

cc_blank_card() {
	_img="$CC_WORK/blank-$1.card"
	rm -f "$_img"
	"$CC_CARD_TOOL" manufacture --series "${2:-04}" --out "$_img" >>"$TAP_LOG" 2>&1 &&
	"$CC_CARD_TOOL" insert "$_img" --reader "$1" >>"$TAP_LOG" 2>&1
}

# A throw-away CA for tests only (its key is on disk; the real CA's never is).
cc_test_ca() {
	CC_CA_DIR=$CC_WORK/ca
	[ -f "$CC_CA_DIR/ca.pem" ] && return 0
	mkdir -p "$CC_CA_DIR"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CC_CA_DIR/ca.key" \
		-out "$CC_CA_DIR/ca.pem" -days 30 -subj "/O=Carecard Test/CN=Carecard Test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >>"$TAP_LOG" 2>&1
}

# cc_issue_cert SLOT ID CN PROFILE: certify the card's public key ID with the test CA.
cc_issue_cert() {
	_slot=$1 _id=$2 _cn=$3 _prof=$4
	_d=$CC_WORK/pki-$_slot-$_id
	mkdir -p "$_d"
	cc_p11 --slot-index "$(($_slot - 1))" --read-object --type pubkey --id "$_id" \
		-o "$_d/pub.der" >>"$TAP_LOG" 2>&1 || return 1
	openssl pkey -pubin -inform DER -in "$_d/pub.der" -out "$_d/pub.pem" >>"$TAP_LOG" 2>&1 || return 1
	if [ "$_prof" = signing ]; then
		_ext="keyUsage=critical,digitalSignature,nonRepudiation"
	else
		_ext="keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
	fi
	printf '%s\nbasicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
		"$_ext" >"$_d/ext.cnf"
	openssl x509 -new -CA "$CC_CA_DIR/ca.pem" -CAkey "$CC_CA_DIR/ca.key" \
		-force_pubkey "$_d/pub.pem" -subj "/O=Carecard Test/OU=$_prof/CN=$_cn" -days 30 \
		-extfile "$_d/ext.cnf" -out "$_d/cert.pem" >>"$TAP_LOG" 2>&1 || return 1
	openssl x509 -in "$_d/cert.pem" -outform DER -out "$_d/cert.der" &&
	cc_p11 --slot-index "$(($_slot - 1))" --login --pin "$CC_PIN" --write-object "$_d/cert.der" \
		--type cert --id "$_id" --label "$_prof" >>"$TAP_LOG" 2>&1
}

# cc_personalise SLOT rsa|ec: a card as carecard-ca will issue it.
cc_personalise() {
	_slot=$1 _kind=$2
	case $_kind in
	rsa) _kt=rsa:2048 ;;
	ec) _kt=EC:prime256v1 ;;
	*) return 2 ;;
	esac
	cc_test_ca || return 1
	_si=$(($_slot - 1))
	cc_p11 --slot-index "$_si" --init-token --label "Test Holder $_slot" \
		--so-pin "$CC_SO_PIN" >>"$TAP_LOG" 2>&1 &&
	cc_p11 --slot-index "$_si" --login --login-type so --so-pin "$CC_SO_PIN" \
		--init-pin --new-pin "$CC_PIN" >>"$TAP_LOG" 2>&1 &&
	cc_p11 --slot-index "$_si" --login --pin "$CC_PIN" --keypairgen --key-type "$_kt" \
		--id 01 --label authentication >>"$TAP_LOG" 2>&1 &&
	cc_p11 --slot-index "$_si" --login --pin "$CC_PIN" --keypairgen --key-type "$_kt" \
		--id 02 --label signing >>"$TAP_LOG" 2>&1 &&
	cc_issue_cert "$_slot" 01 "Test Holder $_slot" authentication &&
	cc_issue_cert "$_slot" 02 "Test Holder $_slot" signing
}
