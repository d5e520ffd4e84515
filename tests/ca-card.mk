# tests for the CA card operations (issue 5): shell integration tests on
# real card images in real readers through the PKCS#11 module.
CA_CARD_TESTS = \
	%D%/integration/test-ca-card-issue.sh \
	%D%/integration/test-ca-card-admin.sh \
	%D%/integration/test-ca-card-renew.sh \
	%D%/integration/test-ca-card-tac.sh \
	%D%/integration/test-ca-card-kill.sh
TESTS += $(CA_CARD_TESTS)
EXTRA_DIST += $(CA_CARD_TESTS) %D%/integration/test-ca-card-lib.sh
