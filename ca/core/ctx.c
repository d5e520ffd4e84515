/*
 * ca/ctx.c: opening and closing a CA. See ctx.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/hierarchy.h"
#include "ca/core/hsm-provider.h"
#include "ca/core/issue.h"
#include "ca/core/policy.h"
#include "ca/core/secret.h"
#include "ca/registry/registry-issuers.h"
#include "common/fileio.h"
#include "common/log.h"

/* The CAs' names are in their certificates (named by init after the policy);
 * these are the slots' roles and the keys init made. */
static const struct {
	const char *role, *label;
} issuer_info[CA_ISSUER_COUNT] = {
	[CA_ISSUER_ROOT] = { "root", CA_LABEL_ROOT },
	[CA_ISSUER_AUTH] = { "authentication", CA_LABEL_AUTH },
	[CA_ISSUER_SIGN] = { "signing", CA_LABEL_SIGN },
	[CA_ISSUER_AUTH_PREV] = { "authentication", NULL },
	[CA_ISSUER_SIGN_PREV] = { "signing", NULL },
};

const char *
ca_issuer_role(enum ca_issuer_id id)
{
	return id >= 0 && id < CA_ISSUER_COUNT ? issuer_info[id].role : "";
}

int
ca_issuer_sibling(int id)
{
	switch (id) {
	case CA_ISSUER_AUTH:	  return CA_ISSUER_AUTH_PREV;
	case CA_ISSUER_SIGN:	  return CA_ISSUER_SIGN_PREV;
	case CA_ISSUER_AUTH_PREV: return CA_ISSUER_AUTH;
	case CA_ISSUER_SIGN_PREV: return CA_ISSUER_SIGN;
	default:		  return -1;
	}
}

bool
ca_issuer_live(const struct ca_ctx *ctx, int id, int64_t now)
{
	const struct ca_issuer *is;

	if (id < 0 || id >= CA_ISSUER_COUNT)
		return false;
	is = &ctx->issuers[id];
	if (is->gen == 0 || is->cert == NULL)
		return false;
	return id < CA_ISSUER_AUTH_PREV || is->until >= now;
}

/* Slot @is as generation @gen named @name with key @label (NULL: none). */
static void
issuer_set(struct ca_issuer *is, int gen, const char *name, const char *label)
{
	is->gen = gen;
	snprintf(is->name, sizeof(is->name), "%s", gen > 0 ? name : "");
	snprintf(is->label, sizeof(is->label), "%s", gen > 0 && label != NULL ? label : "");
}

char *
ca_ctx_path(const struct ca_ctx *ctx, const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", ctx->dir, rel) < 0)
		return NULL;
	return p;
}

/* A private library context: we never touch the application's default
 * one, and our HSM provider is visible only here. */
int
ca_ctx_new(const char *dir, struct ca_ctx **out)
{
	struct ca_ctx *ctx = NULL;
	int i, r = CA_ERR_ALLOC;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL || (ctx->dir = strdup(dir)) == NULL)
		goto out;
	for (i = 0; i < CA_ISSUER_COUNT; i++)
		issuer_set(&ctx->issuers[i], issuer_info[i].label != NULL ? 1 : 0,
			   issuer_info[i].role, issuer_info[i].label);
	r = CA_ERR_CRYPTO;
	if ((ctx->libctx = OSSL_LIB_CTX_new()) == NULL ||
	    (ctx->prov_default = OSSL_PROVIDER_load(ctx->libctx, "default")) == NULL ||
	    (ctx->md = EVP_MD_fetch(ctx->libctx, "SHA256", NULL)) == NULL)
		goto out;
	if ((r = ca_hsm_provider_load(ctx->libctx, &ctx->prov_hsm)) != CA_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	ca_ctx_free(ctx);
	return r;
}

void
ca_ctx_free(struct ca_ctx *ctx)
{
	int i;

	if (ctx == NULL)
		return;
	for (i = 0; i < CA_ISSUER_COUNT; i++) {
		EVP_PKEY_free(ctx->issuers[i].pkey);
		X509_free(ctx->issuers[i].cert);
	}
	ca_signer_free(ctx->signer);	/* after the EVP_PKEYs that refer to it */
	ca_csr_reader_free(ctx->csr_reader);
	ca_ee_cache_free(ctx->ee);
	ca_reg_close(ctx->reg);
	pol_policy_free(ctx->pol);
	EVP_MD_free(ctx->md);
	OSSL_PROVIDER_unload(ctx->prov_hsm);
	OSSL_PROVIDER_unload(ctx->prov_default);
	OSSL_LIB_CTX_free(ctx->libctx);
	free(ctx->dir);
	free(ctx);
}

int64_t
ca_ctx_now(const struct ca_ctx *ctx)
{
	if (ctx != NULL && ctx->hooks.now != NULL)
		return ctx->hooks.now(ctx->hooks.arg);
	return (int64_t)time(NULL);
}

void
ca_ctx_point(const struct ca_ctx *ctx, const char *op, const char *step)
{
	if (ctx != NULL && ctx->hooks.point != NULL)
		ctx->hooks.point(ctx->hooks.arg, op, step);
}

int
ca_ctx_sync(struct ca_ctx *ctx)
{
	return ctx->sync != NULL ? ctx->sync(ctx->sync_arg) : CA_OK;
}

struct ca_issuer *
ca_ctx_issuer(struct ca_ctx *ctx, const char *name)
{
	int i;

	for (i = 0; i < CA_ISSUER_COUNT; i++)
		if (ctx->issuers[i].gen > 0 && strcmp(ctx->issuers[i].name, name) == 0)
			return &ctx->issuers[i];
	return NULL;
}

int
ca_ctx_hsm_env(const struct ca_ctx *ctx)
{
	char *conf = ca_ctx_path(ctx, "hsm/softhsm2.conf");
	int r = CA_OK;

	if (conf == NULL)
		return CA_ERR_ALLOC;
	/* Only for a state directory that carries its own SoftHSM2 store;
	 * another HSM is configured however its vendor says. */
	if (access(conf, R_OK) == 0 && setenv("SOFTHSM2_CONF", conf, 1) != 0)
		r = CA_ERR_INTERNAL;
	free(conf);
	return r;
}

int
ca_ctx_hsm_login(struct ca_ctx *ctx, const char *module, const char *token)
{
	char *pinfile = NULL, *pin = NULL;
	int r = CA_ERR_ALLOC;

	if ((pinfile = ca_ctx_path(ctx, "hsm/user.pin")) == NULL)
		goto out;
	if ((r = ca_ctx_hsm_env(ctx)) != CA_OK ||
	    (r = ca_secret_read(pinfile, &pin)) != CA_OK ||
	    (r = ca_signer_load(module, ctx->libctx, &ctx->signer)) != CA_OK)
		goto out;
	r = ca_signer_open(ctx->signer, token, pin);
out:
	ca_secret_free(pin);
	free(pinfile);
	return r;
}

int
ca_ctx_keys_load(struct ca_ctx *ctx)
{
	struct ca_issuer *is;
	int i, r;

	for (i = 0; i < CA_ISSUER_COUNT; i++) {
		is = &ctx->issuers[i];
		if (is->pkey != NULL || is->gen == 0)
			continue;
		if ((r = ca_signer_key_get(ctx->signer, is->label, &is->key)) != CA_OK ||
		    (r = ca_hsm_pkey_new(ctx->libctx, is->key, &is->pkey)) != CA_OK)
			return r;
	}
	return CA_OK;
}

/*
 * The generations the registry records (registry-issuers.h): each role's
 * newest in its slot, the one before it in the _PREV slot with the
 * notAfter of its last certificate. Nothing recorded: init's, as set by
 * ca_ctx_new.
 */
static int
issuer_gen_load(struct ca_ctx *ctx, enum ca_issuer_id slot, int gen, struct ca_issuer *is)
{
	const char *role = issuer_info[slot].role;
	struct ca_issuer_rec rec;
	const unsigned char *p;
	X509 *x = NULL;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (gen == 1) {		/* init's: named after its role, init's key */
		issuer_set(is, 1, role, issuer_info[slot].label);
		return CA_OK;
	}
	if ((r = ca_reg_issuer_get(ctx->reg, role, gen, &rec)) != CA_OK)
		return r;
	/* A rollover's certificate is the registry's (DIR/certs has a copy). */
	p = rec.der;
	r = CA_ERR_STATE;
	if (strlen(rec.name) >= sizeof(is->name) || strlen(rec.key_label) >= sizeof(is->label) ||
	    (x = X509_new_ex(ctx->libctx, NULL)) == NULL ||
	    d2i_X509(&x, &p, (long)rec.derlen) == NULL || p != rec.der + rec.derlen) {
		util_log(LOG_ERR, "the registry's certificate of issuing CA %s is unusable",
			 rec.name);
		goto out;
	}
	issuer_set(is, gen, rec.name, rec.key_label);
	X509_free(is->cert);
	is->cert = x;
	x = NULL;
	r = CA_OK;
out:
	ERR_clear_error();
	X509_free(x);
	ca_issuer_rec_clear(&rec);
	return r;
}

int
ca_ctx_issuers_load(struct ca_ctx *ctx)
{
	static const enum ca_issuer_id slots[][2] = {
		{ CA_ISSUER_AUTH, CA_ISSUER_AUTH_PREV }, { CA_ISSUER_SIGN, CA_ISSUER_SIGN_PREV } };
	struct ca_issuer_rec rec;
	struct ca_issuer *cur, *prev;
	const char *role;
	size_t i;
	int r;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		cur = &ctx->issuers[slots[i][0]];
		prev = &ctx->issuers[slots[i][1]];
		role = issuer_info[slots[i][0]].role;
		memset(&rec, 0, sizeof(rec));
		r = ca_reg_issuer_get(ctx->reg, role, 0, &rec);
		if (r == CA_ERR_NOT_FOUND)
			continue;
		if (r != CA_OK)
			return r;
		r = issuer_gen_load(ctx, slots[i][0], rec.generation, cur);
		ca_issuer_rec_clear(&rec);
		if (r != CA_OK ||
		    (r = issuer_gen_load(ctx, slots[i][0], cur->gen - 1, prev)) != CA_OK ||
		    (r = ca_reg_issuer_last_expiry(ctx->reg, prev->name, &prev->until)) != CA_OK)
			return r;
	}
	return CA_OK;
}

static int
cert_load(struct ca_ctx *ctx, struct ca_issuer *is)
{
	char rel[64], *path = NULL;
	X509 *x = NULL;
	FILE *f = NULL;
	int r = CA_ERR_ALLOC;

	snprintf(rel, sizeof(rel), "certs/%s.pem", is->name);
	if ((path = ca_ctx_path(ctx, rel)) == NULL ||
	    (x = X509_new_ex(ctx->libctx, NULL)) == NULL)
		goto out;
	r = CA_ERR_IO;
	if ((f = fopen(path, "r")) == NULL) {
		util_log(LOG_ERR, "cannot open CA certificate %s", path);
		goto out;
	}
	r = CA_ERR_CRYPTO;
	if (PEM_read_X509(f, &x, NULL, NULL) == NULL) {
		util_log_ossl_errors(path);
		goto out;
	}
	is->cert = x;
	x = NULL;
	r = CA_OK;
out:
	if (f != NULL)
		fclose(f);
	X509_free(x);
	free(path);
	return r;
}

/* Slot @is's certificate: init's from DIR/certs; a rollover's came from the
 * registry, and its copy in DIR/certs is written again if it went missing. */
static int
cert_have(struct ca_ctx *ctx, struct ca_issuer *is)
{
	char rel[64], *path;
	int r = CA_OK;

	if (is->gen == 0)
		return CA_OK;
	if (is->cert == NULL)
		return cert_load(ctx, is);
	snprintf(rel, sizeof(rel), "certs/%s.pem", is->name);
	if ((path = ca_ctx_path(ctx, rel)) == NULL)
		return CA_ERR_ALLOC;
	if (access(path, F_OK) != 0)
		r = ca_hierarchy_cert_save(ctx, is);
	free(path);
	return r;
}

/*
 * The state directory must be the running account's own and closed to
 * everyone else (0700): the registry, the HSM PIN and the audit log are
 * reached only through this program running as the CA's account, so the
 * gate cannot be stepped around by editing them directly.
 */
static int
state_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		util_log(LOG_ERR, "CA state directory %s: %s%s", dir, strerror(errno),
			 errno == EACCES ? ": it belongs to the CA's own account; RA staff run "
			 "carecard-ca through sudo -u carecard-ca (see carecard-ca(1))" : "");
		return errno == EACCES ? CA_ERR_PERM : errno == ENOENT ? CA_ERR_NOT_FOUND
			: CA_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		util_log(LOG_ERR, "CA state directory %s is owned by uid %lu with mode %03o: it must "
			 "be this account's (uid %lu) and closed to others (0700); RA staff run "
			 "carecard-ca through sudo -u carecard-ca (see carecard-ca(1))", dir,
			 (unsigned long)st.st_uid, (unsigned)(st.st_mode & 0777),
			 (unsigned long)geteuid());
		return CA_ERR_PERM;
	}
	return CA_OK;
}

int
ca_ctx_registry_uri(const struct ca_ctx *ctx, char **out)
{
	unsigned char *buf = NULL;
	char *path = ca_ctx_path(ctx, CA_REGISTRY_URI_FILE);
	size_t len = 0;
	int e;

	if (path == NULL)
		return CA_ERR_ALLOC;
	e = util_file_read_all(path, 4096, &buf, &len);
	free(path);
	if (e == -ENOENT)
		return asprintf(out, "sqlite:%s/registry.db", ctx->dir) < 0 ? CA_ERR_ALLOC : CA_OK;
	if (e != 0)
		return CA_ERR_IO;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len < 4096 ? len : 4095] = '\0';
	*out = (char *)buf;
	return CA_OK;
}

int
ca_ctx_open_registry(const char *dir, struct ca_ctx **out)
{
	struct pol_error perr;
	struct ca_ctx *ctx = NULL;
	char *uri = NULL;
	int r;

	if ((r = state_dir_check(dir)) != CA_OK || (r = ca_ctx_new(dir, &ctx)) != CA_OK)
		return r;
	if ((r = ca_ctx_registry_uri(ctx, &uri)) != CA_OK ||
	    (r = ca_reg_open_uri(uri, 0, &ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_ctx_issuers_load(ctx)) != CA_OK) {
		util_log(LOG_ERR, "cannot read the issuing CAs from the registry");
		goto out;
	}
	if ((r = ca_ctx_policy_load(ctx, &perr)) != CA_OK) {
		util_log(LOG_ERR, "%s", perr.text);
		goto out;
	}
	*out = ctx;
	ctx = NULL;
out:
	free(uri);
	ca_ctx_free(ctx);
	return r;
}

int
ca_ctx_open(const char *dir, struct ca_ctx **out)
{
	struct ca_ctx *ctx = NULL;
	char *module = NULL, *token = NULL;
	int i, r;

	if ((r = ca_ctx_open_registry(dir, &ctx)) != CA_OK)
		return r;
	if ((r = ca_reg_config_get(ctx->reg, "hsm-module", &module)) != CA_OK ||
	    (r = ca_reg_config_get(ctx->reg, "hsm-token", &token)) != CA_OK) {
		util_log(LOG_ERR, "registry lacks the HSM settings; was 'init' run?");
		goto out;
	}
	if ((r = ca_ctx_hsm_login(ctx, module, token)) != CA_OK)
		goto out;
	for (i = 0; i < CA_ISSUER_COUNT; i++)
		if ((r = cert_have(ctx, &ctx->issuers[i])) != CA_OK)
			goto out;
	if ((r = ca_ctx_keys_load(ctx)) != CA_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	free(module);
	free(token);
	ca_ctx_free(ctx);
	return r;
}

int
ca_card_so_secret(struct ca_ctx *ctx, const char *serial, char *out, size_t outlen)
{
	unsigned char mac[32];
	int r;

	if (ctx->signer == NULL)
		return CA_ERR_STATE;
	if (serial == NULL || *serial == '\0')
		return CA_ERR_USAGE;
	if ((r = ca_signer_hmac(ctx->signer, CA_LABEL_CARD_SECRET, serial, strlen(serial),
				mac)) != CA_OK)
		return r;
	r = ca_secret_format(mac, sizeof(mac), 16, out, outlen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int
ca_ctx_token_lock(const char *dir)
{
	char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/hsm/keys.lock", dir) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void
ca_ctx_token_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}
