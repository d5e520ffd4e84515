/*
 * A CA for the HSM-backed unit tests (test-ca-issue, test-ca-builder):
 * SoftHSM2 in a temporary state directory, EC keys (quick, also under
 * valgrind), the CA's clock fixed at CA_FX_NOW, one registered holder and
 * one request; and the certificate readers both tests use. Uses cmocka's
 * assertions.
 */
#ifndef CC_TESTS_UNIT_CA_FIXTURE_H
#define CC_TESTS_UNIT_CA_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ca/core/ctx.h"

#define CA_FX_HOLDER "200000000002"	/* "Bob Holder" */
#define CA_FX_NOW 1800000100

struct ca_fixture {
	char dir[64];
	struct ca_ctx *ctx;
	unsigned char *csr;		/* an EC request whose subject claims "Alice Manager" */
	int csrlen;
};

/* The HSM module ($SOFTHSM_MODULE, else the configured default). */
const char *ca_fx_hsm_module(void);

/* The fixed clock installed as ctx->hooks.now. */
int64_t ca_fx_now(void *arg);

/* A CA in @dir with policy @yaml (NULL: the default), opened, clock fixed. 0 or -1. */
int ca_fx_make(const char *dir, const char *yaml, struct ca_ctx **out);

/* Reopen the fixture's CA after a test closed it (one HSM module per process). */
void ca_fx_reopen(struct ca_fixture *fx);

void ca_fx_rm_rf(const char *dir);

/* cmocka group setup/teardown: the default-policy CA, the holder, the request. */
int ca_fx_group_setup(void **state);
int ca_fx_group_teardown(void **state);

/* Per-test teardown: the OpenSSL error queue is empty. */
int ca_fx_teardown(void **state);

/* Entries in the audit log (the chain verifies). */
int64_t ca_fx_audit_entries(struct ca_ctx *ctx);

X509 *ca_fx_der_x509(const unsigned char *der, size_t len);

/* ca_cert_issue for @holder under @profile; the serial into *serial if non-NULL. */
X509 *ca_fx_issue_for(struct ca_ctx *ctx, const unsigned char *csr, int csrlen,
		      const char *profile, const char *holder, char **serial);
X509 *ca_fx_issue(struct ca_fixture *fx, const char *profile, char **serial);

/* The UTF-8 value (OPENSSL_free) of the only entry @nid of @n, asserted to be only one. */
char *ca_fx_name_only(const X509_NAME *n, int nid);

/* notAfter - notBefore in seconds. */
int64_t ca_fx_lifetime(const X509 *x);

/* The single URI (free) of NID_crl_distribution_points or NID_info_access (OCSP). */
char *ca_fx_ext_uri(X509 *x, int nid);

#endif
