/*
 * ca/init.c: see init.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca/core/audit.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/hierarchy.h"
#include "ca/core/init.h"
#include "ca/core/policy.h"
#include "ca/core/secret.h"
#include "ca/core/validate.h"
#include "common/fileio.h"
#include "common/log.h"

#define PIN_LEN 16

static enum ca_key_type
issuing_type(const struct ca_init_opts *o)
{
	return o->key_type != CA_KEY_DEFAULT ? o->key_type : CA_KEY_RSA2048;
}

static int
dirs_create(const struct ca_ctx *ctx)
{
	static const char *const sub[] = { "hsm/tokens", "certs", "crl" };
	char *p;
	size_t i;
	int e;

	if ((e = util_mkdir_p(ctx->dir, 0700)) != 0 || chmod(ctx->dir, 0700) != 0) {
		util_log(LOG_ERR, "cannot create %s: %s", ctx->dir, strerror(e ? -e : errno));
		return CA_ERR_IO;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((p = ca_ctx_path(ctx, sub[i])) == NULL)
			return CA_ERR_ALLOC;
		e = util_mkdir_p(p, 0700);
		free(p);
		if (e != 0)
			return CA_ERR_IO;
	}
	return CA_OK;
}

/* SoftHSM2 reads its token directory from the file SOFTHSM2_CONF names. */
int
ca_init_hsm_conf(const char *dir, const char *as)
{
	char *conf = NULL, *text = NULL;
	int n, e, r = CA_ERR_ALLOC;

	if (asprintf(&conf, "%s/hsm/softhsm2.conf", dir) < 0) {
		conf = NULL;
		goto out;
	}
	n = asprintf(&text, "# written by carecard-ca init\n"
		     "directories.tokendir = %s/hsm/tokens\n"
		     "objectstore.backend = file\n"
		     "log.level = ERROR\n"
		     "slots.removable = false\n", as);
	if (n < 0) {
		text = NULL;
		goto out;
	}
	r = CA_OK;
	if ((e = util_file_write_atomic(conf, text, (size_t)n, 0600)) != 0) {
		util_log(LOG_ERR, "cannot write %s: %s", conf, strerror(-e));
		r = CA_ERR_IO;
	}
out:
	free(text);
	free(conf);
	return r;
}

/* Fresh random PINs, written 0600 before the token exists. */
static int
pins_create(const struct ca_ctx *ctx, char *so, char *user)
{
	char *sop = ca_ctx_path(ctx, "hsm/so.pin"), *userp = ca_ctx_path(ctx, "hsm/user.pin");
	int r = CA_ERR_ALLOC;

	if (sop == NULL || userp == NULL)
		goto out;
	if ((r = ca_secret_random_text(so, PIN_LEN)) != CA_OK ||
	    (r = ca_secret_random_text(user, PIN_LEN)) != CA_OK ||
	    (r = ca_secret_write(sop, so)) != CA_OK)
		goto out;
	r = ca_secret_write(userp, user);
out:
	free(sop);
	free(userp);
	return r;
}

static int
token_create(struct ca_ctx *ctx, const struct ca_init_opts *o, const char *token)
{
	char so[PIN_LEN + 1], user[PIN_LEN + 1], label[33];
	const char *module = o->hsm_module != NULL ? o->hsm_module : CC_DEFAULT_HSM_MODULE;
	int r;

	if ((r = ca_signer_token_label(token, label)) != CA_OK ||
	    (r = ca_init_hsm_conf(ctx->dir, ctx->dir)) != CA_OK || (r = ca_ctx_hsm_env(ctx)) != CA_OK ||
	    (r = pins_create(ctx, so, user)) != CA_OK ||
	    (r = ca_signer_load(module, ctx->libctx, &ctx->signer)) != CA_OK ||
	    (r = ca_signer_token_init(ctx->signer, label, so, user)) != CA_OK)
		goto out;
	r = ca_signer_open(ctx->signer, token, user);
out:
	OPENSSL_cleanse(so, sizeof(so));
	OPENSSL_cleanse(user, sizeof(user));
	return r;
}

/*
 * The registry's location is chosen here, once (and later only by a
 * migration): --registry URI is recorded in DIR/registry.uri; without it
 * the embedded default, sqlite:DIR/registry.db.
 */
static int
registry_uri(struct ca_ctx *ctx, const struct ca_init_opts *o, char **uri)
{
	char *path;
	int e;

	if (o->registry == NULL)
		return ca_ctx_registry_uri(ctx, uri);
	if ((e = ca_reg_uri_check(o->registry)) != CA_OK)
		return e;
	if ((*uri = strdup(o->registry)) == NULL || (path = ca_ctx_path(ctx,
								CA_REGISTRY_URI_FILE)) == NULL)
		return CA_ERR_ALLOC;
	e = util_file_write_atomic(path, o->registry, strlen(o->registry), 0600);
	free(path);
	return e == 0 ? CA_OK : CA_ERR_IO;
}

/* What init is given, checked and normalised before anything is created. */
struct init_input {
	char *manager_name;		/* NFC */
	unsigned char *policy;		/* the bytes to install */
	size_t policy_len;
	struct pol_policy *pol;
	char policy_hash[65];
};

static void
init_input_clear(struct init_input *in)
{
	free(in->manager_name);
	free(in->policy);
	pol_policy_free(in->pol);
	memset(in, 0, sizeof(*in));
}

/* The issuing CAs' names: the policy profiles' issuing-ca, one CA each. */
static int
issuer_names_check(const struct pol_policy *pol)
{
	const char *a = pol->authentication.issuing_ca, *s = pol->signing.issuing_ca;
	char msg[200];

	if (ca_check_name("profiles.authentication.issuing-ca", a, strlen(a), NULL, msg,
			  sizeof(msg)) != CA_OK ||
	    ca_check_name("profiles.signing.issuing-ca", s, strlen(s), NULL, msg,
			  sizeof(msg)) != CA_OK) {
		util_log(LOG_ERR, "policy: %s", msg);
		return CA_ERR_INPUT;
	}
	if (strcmp(a, s) == 0 || strcmp(a, CA_ROOT_CN) == 0 || strcmp(s, CA_ROOT_CN) == 0) {
		util_log(LOG_ERR, "policy: profiles.authentication.issuing-ca and "
			 "profiles.signing.issuing-ca must name two different CAs, neither "
			 "'%s' (init creates one issuing CA per profile)", CA_ROOT_CN);
		return CA_ERR_INPUT;
	}
	return CA_OK;
}

static int
init_input_check(const struct ca_init_opts *o, struct init_input *in)
{
	struct pol_error perr;
	char msg[200];
	int r;

	if (ca_check_uuid("manager UUID", o->manager_uuid, msg, sizeof(msg)) != CA_OK ||
	    (r = ca_check_name("manager name", o->manager_name, o->manager_name != NULL ?
			       strlen(o->manager_name) : 0, &in->manager_name, msg,
			       sizeof(msg))) == CA_ERR_INPUT ||
	    (o->manager_email != NULL &&
	     ca_check_email("manager email", o->manager_email, msg, sizeof(msg)) != CA_OK)) {
		util_log(LOG_ERR, "init: %s", msg);
		return CA_ERR_INPUT;
	}
	if (r != CA_OK)
		return r;
	if (o->policy != NULL) {
		if ((in->policy = malloc(o->policy_len ? o->policy_len : 1)) == NULL)
			return CA_ERR_ALLOC;
		memcpy(in->policy, o->policy, o->policy_len);
		in->policy_len = o->policy_len;
	} else if ((r = ca_policy_default_bytes(&in->policy, &in->policy_len)) != CA_OK) {
		return r;
	}
	if ((r = ca_policy_parse(o->policy_name != NULL ? o->policy_name : "policy", in->policy,
				 in->policy_len, &in->pol, in->policy_hash, &perr)) != CA_OK) {
		if (r == CA_ERR_INPUT)
			util_log(LOG_ERR, "%s", perr.text);
		return r;
	}
	return issuer_names_check(in->pol);
}

static int
registry_create(struct ca_ctx *ctx, const struct ca_init_opts *o, const struct init_input *in,
		const char *token)
{
	const char *module = o->hsm_module != NULL ? o->hsm_module : CC_DEFAULT_HSM_MODULE;
	/* The first RA manager is named by whoever installs the CA: their
	 * identity is the installer's to check. */
	struct ca_person mgr = { (char *)o->manager_uuid, in->manager_name,
				 (char *)o->manager_email, NULL, (char *)"ca-init", o->now };
	const char *kv[] = { "token", token, "issuing-key-type", ca_key_type_name(issuing_type(o)),
			     "manager", o->manager_uuid, "policy", in->policy_hash, NULL };
	char *uri = NULL, *details = NULL;
	int r;

	if ((r = registry_uri(ctx, o, &uri)) != CA_OK || (r = ca_json_object(&details, kv)) != CA_OK)
		goto out;
	if ((r = ca_reg_open_uri(uri, 1, &ctx->reg)) != CA_OK ||
	    (r = ca_reg_begin(ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_config_set(ctx->reg, "hsm-module", module)) != CA_OK ||
	    (r = ca_reg_config_set(ctx->reg, "hsm-token", token)) != CA_OK ||
	    (r = ca_reg_config_set(ctx->reg, "issuing-key-type",
				   ca_key_type_name(issuing_type(o)))) != CA_OK ||
	    (r = ca_reg_config_set(ctx->reg, "durability", o->durability != NULL ?
				   o->durability : "full")) != CA_OK ||
	    (o->card_module != NULL &&
	     (r = ca_reg_config_set(ctx->reg, "card-module", o->card_module)) != CA_OK) ||
	    (r = ca_reg_person_add(ctx->reg, &mgr)) != CA_OK ||
	    (r = ca_reg_ra_role_add(ctx->reg, o->manager_uuid, "ra-manager")) != CA_OK ||
	    (r = ca_audit_append(ctx->reg, o->now, o->manager_uuid, "ca-init", "ca",
				 details)) != CA_OK)
		goto out;
	r = ca_reg_commit(ctx->reg);
out:
	if (r != CA_OK && ctx->reg != NULL)
		ca_reg_rollback(ctx->reg);
	free(details);
	free(uri);
	return r;
}

int
ca_init(const struct ca_init_opts *o)
{
	const char *token = o->token != NULL ? o->token : CA_DEFAULT_TOKEN;
	struct init_input in = { 0 };
	struct ca_hierarchy_opts h = { 0 };
	struct ca_ctx *ctx = NULL;
	char *db = NULL;
	int r;

	if (o->durability != NULL && strcmp(o->durability, "full") != 0 &&
	    strcmp(o->durability, "normal") != 0)
		return CA_ERR_USAGE;
	/* Before any key or file: a URI is recorded, so never a password. */
	if (o->registry != NULL && (r = ca_reg_uri_check(o->registry)) != CA_OK)
		return r;
	if ((r = init_input_check(o, &in)) != CA_OK)
		goto out;
	if ((r = ca_ctx_new(o->dir, &ctx)) != CA_OK)
		goto out;
	r = CA_ERR_ALLOC;
	if ((db = ca_ctx_path(ctx, CA_POLICY_FILE)) == NULL)
		goto out;
	/* Every CA has its policy file, whatever its registry backend. */
	if (access(db, F_OK) == 0) {
		util_log(LOG_ERR, "%s already holds a CA", o->dir);
		r = CA_ERR_EXISTS;
		goto out;
	}
	h.root_type = o->root_key_type != CA_KEY_DEFAULT ? o->root_key_type : CA_KEY_RSA3072;
	h.issuing_type = issuing_type(o);
	h.root_days = o->root_days ? o->root_days : 7305;
	h.ca_days = o->ca_days ? o->ca_days : 3653;
	h.now = o->now;
	h.cn[CA_ISSUER_ROOT] = CA_ROOT_CN;
	h.cn[CA_ISSUER_AUTH] = in.pol->authentication.issuing_ca;
	h.cn[CA_ISSUER_SIGN] = in.pol->signing.issuing_ca;
	/* The registry comes last: its presence is what "holds a CA" means. */
	if ((r = dirs_create(ctx)) != CA_OK || (r = token_create(ctx, o, token)) != CA_OK ||
	    (r = ca_hierarchy_create(ctx, &h)) != CA_OK ||
	    (r = ca_signer_secret_generate(ctx->signer, CA_LABEL_CARD_SECRET)) != CA_OK ||
	    (r = ca_signer_keygen(ctx->signer, CA_LABEL_AUDIT, CA_AUDIT_KEY_ID,
				  CA_KEY_EC_P256)) != CA_OK ||
	    (r = ca_policy_write(ctx, in.policy, in.policy_len)) != CA_OK)
		goto out;
	r = registry_create(ctx, o, &in, token);
out:
	free(db);
	ca_ctx_free(ctx);
	init_input_clear(&in);
	return r;
}
