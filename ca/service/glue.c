/*
 * ca/service/glue.c: see glue.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/service/glue.h"
#include "common/log.h"

/* The CA certificates, for a context opened without the HSM. */
static int
certs_load(struct ca_ctx *ctx)
{
	char rel[64], *path;
	FILE *f;
	int i, r = CA_OK;

	for (i = 0; i < CA_ISSUER_COUNT && r == CA_OK; i++) {
		if (ctx->issuers[i].gen == 0 || ctx->issuers[i].cert != NULL)
			continue;	/* no previous generation; a rollover's (registry) */
		snprintf(rel, sizeof(rel), "certs/%s.pem", ctx->issuers[i].name);
		if ((path = ca_ctx_path(ctx, rel)) == NULL)
			return CA_ERR_ALLOC;
		if ((f = fopen(path, "r")) == NULL) {
			util_log(LOG_ERR, "cannot open CA certificate %s", path);
			r = CA_ERR_IO;
		} else {
			if ((ctx->issuers[i].cert = X509_new_ex(ctx->libctx, NULL)) == NULL ||
			    PEM_read_X509(f, &ctx->issuers[i].cert, NULL, NULL) == NULL) {
				util_log_ossl_errors(path);
				r = CA_ERR_CRYPTO;
			}
			fclose(f);
		}
		free(path);
	}
	return r;
}

int
svc_glue_open(const struct ca_front *f, bool hsm, struct ca_session **out, char *err,
	      size_t errlen)
{
	struct ca_session *s = NULL;
	struct ca_result res;
	int r;

	memset(&res, 0, sizeof(res));
	r = hsm ? ca_session_open(f, &s, &res) : ca_session_open_registry(f, &s, &res);
	if (r == CA_OK)
		r = hsm ? ca_session_system(s, &res) : certs_load(s->ctx);
	if (r != CA_OK) {
		ca_result_complete(&res, r);
		snprintf(err, errlen, "%s", res.text[0] != '\0' ? res.text : ca_strerror(r));
		ca_session_close(s);
		return r;
	}
	*out = s;
	return CA_OK;
}

int
svc_glue_policy(const char *state, struct pol_policy **out, char *err, size_t errlen)
{
	struct pol_error pe;
	char *path = NULL;
	int r;

	if (asprintf(&path, "%s/policy.yaml", state) < 0)
		return CA_ERR_ALLOC;
	memset(&pe, 0, sizeof(pe));
	r = pol_policy_load_default(access(path, F_OK) == 0 ? path : NULL, out, &pe);
	free(path);
	if (r != POL_OK) {
		snprintf(err, errlen, "%s", pe.text[0] != '\0' ? pe.text : pol_strerror(r));
		return CA_ERR_USAGE;
	}
	return CA_OK;
}
