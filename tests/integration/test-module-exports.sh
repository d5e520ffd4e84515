#!/bin/sh
# The module exports only the PKCS#11 entry points clients look up by name,
# so its C_* functions can never interpose on another module's: 2.40's
# C_GetFunctionList and 3.0's C_GetInterfaceList / C_GetInterface.
. "$top_srcdir/tests/lib/tap.sh"

[ -f "$CC_MODULE" ] || tap_skip_all "module not built at $CC_MODULE"
command -v nm >/dev/null || tap_skip_all "nm not installed"

tap_plan 4
syms=$(nm -D --defined-only "$CC_MODULE" | awk '$2 ~ /^[TtWi]$/ {print $3}' | sort | tr '\n' ' ')
tap_like "C_GetFunctionList is exported" "$syms" '(^| )C_GetFunctionList( |$)'
tap_like "C_GetInterfaceList is exported (PKCS#11 3.0)" "$syms" '(^| )C_GetInterfaceList( |$)'
tap_like "C_GetInterface is exported (PKCS#11 3.0)" "$syms" '(^| )C_GetInterface( |$)'
extra=$(printf '%s\n' $syms | grep -Ev '^(C_GetFunctionList|C_GetInterfaceList|C_GetInterface|_init|_fini)$' | tr '\n' ' ')
tap_is "no other text symbols exported" "$extra" ""
