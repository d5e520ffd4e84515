#!/bin/sh
# The main job, from a clean clone: install what is missing, build, and
# show a virtual NHS smartcard's life on the embedded defaults (see
# scripts/demo.sh). Usage: scripts/run.sh [BUILDDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
"$top/scripts/install-deps.sh" build
echo "carecard: building in $build ..."
"$top/scripts/build.sh" "$build"
exec "$top/scripts/demo.sh" "$build"
