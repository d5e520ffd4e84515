# tests for network self-renewal (EST, issue 12): real cards and real clients
# (curl and openssl through the PKCS#11 engine), and the EST request parsing
# fuzz target in replay mode.
EST_TESTS = %D%/integration/test-est-renew.sh
TESTS += $(EST_TESTS)
EXTRA_DIST += $(EST_TESTS)
