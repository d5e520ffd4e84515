#!/bin/sh
# Configure and build carecard out of tree. Usage: scripts/build.sh BUILDDIR [configure args...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
	(cd "$top" && autoreconf -fi >/dev/null)
fi
mkdir -p "$dir"
cd "$dir"
# Configure again when configure changed or the options differ from last time.
want="--enable-strict $*"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ] ||
   [ "$(cat .carecard-configure-args 2>/dev/null)" != "$want" ]; then
	"$top/configure" -q --enable-strict "$@"
	printf '%s\n' "$want" >.carecard-configure-args
fi
make -j"$(nproc)" >/dev/null
