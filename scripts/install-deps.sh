#!/bin/sh
# Install the Debian packages carecard needs to build and test, and only
# those that are missing. Usage: scripts/install-deps.sh [build|test]
#   build: compile and run the main job (default)
#   test:  also everything the test suite drives (real PKCS#11 clients, valgrind, clang)
set -eu

build_pkgs="build-essential autoconf automake libtool autoconf-archive pkg-config
libssl-dev openssl libp11-kit-dev p11-kit p11-kit-modules libyaml-dev
libsqlite3-dev sqlite3 libpq-dev postgresql libunistring-dev libp11-dev libengine-pkcs11-openssl softhsm2 opensc
libevent-dev curl libcurl4-openssl-dev libjansson-dev"
test_pkgs="python3-aiosmtpd libcmocka-dev gnutls-bin libnss3-tools valgrind clang libclang-rt-14-dev xxd systemd
curl sudo openjdk-17-jdk-headless wrk nghttp2-client nginx chromium chromium-driver xvfb xdotool
xclip x11-utils imagemagick python3-cryptography haproxy"

want=$build_pkgs
[ "${1:-build}" = test ] && want="$build_pkgs $test_pkgs"

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "carecard: installing missing Debian packages:$missing"
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "carecard: need root (or sudo) to install:$missing" >&2; exit 1; }
	sudo=sudo
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
