#!/bin/sh
# Java SunPKCS11: keytool lists both private-key entries; a small program
# signs with SHA256withRSA and RSASSA-PSS (multi-part) and the signatures
# verify with the JDK's software providers; SHA256withECDSA on an EC card.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/card.sh"

command -v pkcs11-tool >/dev/null || tap_skip_all "pkcs11-tool (opensc) not installed"
command -v javac >/dev/null || tap_skip_all "no JDK (openjdk-17-jdk-headless) installed"
command -v keytool >/dev/null || tap_skip_all "keytool not installed"
[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"
[ "${CC_SANITIZERS:-no}" = yes ] && tap_skip_all "the JVM cannot load an ASan-instrumented module"

cc_world
tap_plan 7

cc_blank_card 1 && cc_blank_card 2 && cc_personalise 1 rsa && cc_personalise 2 ec
tap_is "an RSA card and an EC card personalised" "$?" 0

for i in 1 2; do
	printf 'name = carecard%s\nlibrary = %s\nslotListIndex = %s\n' "$i" "$CC_MODULE" "$((i - 1))" \
		>"$CC_WORK/card$i.cfg"
done

list=$(keytool -list -keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 \
	-providerArg "$CC_WORK/card1.cfg" -storepass "$CC_PIN" 2>&1)
echo "$list" >>"$TAP_LOG"
n=$(printf '%s\n' "$list" | grep -c 'PrivateKeyEntry')
tap_is "keytool -list shows two private-key entries" "$n" 2
tap_like "one of them is the signing key" "$list" '^signing, PrivateKeyEntry'

mkdir -p "$CC_WORK/java"
tap_ok "the test program compiles" javac -d "$CC_WORK/java" "$top_srcdir/tests/integration/java/CardSign.java"

run_java() {
	java -cp "$CC_WORK/java" CardSign "$@" >"$CC_WORK/java.out" 2>&1
	_rc=$?
	cat "$CC_WORK/java.out" >>"$TAP_LOG"
	return $_rc
}
run_java "$CC_WORK/card1.cfg" "$CC_PIN" signing
tap_like "SHA256withRSA from the card verifies" "$(cat "$CC_WORK/java.out")" '^ok SHA256withRSA verifies'
tap_like "RSASSA-PSS from the card verifies" "$(cat "$CC_WORK/java.out")" '^ok RSASSA-PSS verifies'
run_java "$CC_WORK/card2.cfg" "$CC_PIN" signing
tap_like "SHA256withECDSA from the EC card verifies" "$(cat "$CC_WORK/java.out")" '^ok SHA256withECDSA verifies'
