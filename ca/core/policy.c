/*
 * ca/core/policy.c: see policy.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/policy.h"
#include "common/fileio.h"
#include "common/log.h"

static int
hash_hex(OSSL_LIB_CTX *libctx, const unsigned char *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD *sha = EVP_MD_fetch(libctx, "SHA256", NULL);
	int ok, i;

	ok = sha != NULL && EVP_Digest(buf, len, md, &mdlen, sha, NULL) == 1 && mdlen == 32;
	EVP_MD_free(sha);
	if (!ok) {
		util_log_ossl_errors(__func__);
		return CA_ERR_CRYPTO;
	}
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return CA_OK;
}

int
ca_policy_parse(const char *name, const unsigned char *buf, size_t len, struct pol_policy **out,
		char hash[65], struct pol_error *err)
{
	struct pol_policy *pol = NULL;
	int r;

	if ((r = pol_policy_parse(name, buf, len, &pol, err)) != POL_OK ||
	    (r = pol_policy_validate(pol, err)) != POL_OK) {
		pol_policy_free(pol);
		return r == POL_ERR_NOMEM ? CA_ERR_ALLOC : CA_ERR_INPUT;
	}
	if ((r = hash_hex(NULL, buf, len, hash)) != CA_OK) {
		pol_policy_free(pol);
		return r;
	}
	*out = pol;
	return CA_OK;
}

int
ca_policy_default_bytes(unsigned char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int r;

#ifdef POL_DEFAULT_PATH
	r = util_file_read_all(POL_DEFAULT_PATH, POL_FILE_MAX, out, len);
	if (r == 0)
		return CA_OK;
	if (r != -ENOENT) {
		util_log(LOG_ERR, "%s: %s", POL_DEFAULT_PATH, strerror(-r));
		return CA_ERR_IO;
	}
#endif
	/* Not installed (a build tree): the built-in rules, written as YAML. */
	if ((f = open_memstream(&buf, &n)) == NULL)
		return CA_ERR_ALLOC;
	r = pol_policy_write(pol_policy_builtin(), f);
	if (fclose(f) != 0 || r != POL_OK || buf == NULL) {
		free(buf);
		return CA_ERR_ALLOC;
	}
	*out = (unsigned char *)buf;
	*len = n;
	return CA_OK;
}

int
ca_ctx_policy_load(struct ca_ctx *ctx, struct pol_error *err)
{
	unsigned char *buf = NULL;
	struct pol_policy *pol = NULL;
	char *path = NULL, hash[65];
	size_t len = 0;
	int r;

	if ((path = ca_ctx_path(ctx, CA_POLICY_FILE)) == NULL)
		return CA_ERR_ALLOC;
	if ((r = util_file_read_all(path, POL_FILE_MAX, &buf, &len)) != 0) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			snprintf(err->text, sizeof(err->text), "%s: the CA's installed policy cannot "
				 "be read (%s): was this state directory made by 'carecard-ca "
				 "init'?", path, strerror(-r));
		}
		r = r == -ENOENT ? CA_ERR_STATE : CA_ERR_IO;
		goto out;
	}
	if ((r = ca_policy_parse(path, buf, len, &pol, hash, err)) != CA_OK)
		goto out;
	pol_policy_free(ctx->pol);
	ctx->pol = pol;
	memcpy(ctx->policy_hash, hash, sizeof(ctx->policy_hash));
out:
	free(buf);
	free(path);
	return r;
}

int
ca_policy_write(const struct ca_ctx *ctx, const unsigned char *buf, size_t len)
{
	char *path = ca_ctx_path(ctx, CA_POLICY_FILE);
	int r;

	if (path == NULL)
		return CA_ERR_ALLOC;
	r = util_file_write_atomic(path, buf, len, 0600);
	if (r != 0)
		util_log(LOG_ERR, "%s: %s", path, strerror(-r));
	free(path);
	return r == 0 ? CA_OK : CA_ERR_IO;
}
