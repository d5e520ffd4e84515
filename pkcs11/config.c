/*
 * config.c: the module configuration (format in config.h): key tables
 * walked by the shared YAML layer (common/yaml-doc.h), which reports an
 * unknown key, a wrong type or a value out of range once, as
 * "FILE:LINE:COLUMN: key.path: message" pointing at the offending node.
 * What is the module's own lives here: reader directories, paths relative
 * to the file, the defaults from the XDG directories.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/config.h"
#include "common/log.h"
#include "common/yaml-doc.h"
#include "policy/policy.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CC_SYSCONFDIR
#define CC_SYSCONFDIR "/etc"
#endif

#define CONF_DEFAULT_FILE	CC_SYSCONFDIR "/carecard/carecard.yaml"
#define CONF_BUILTIN		"(built-in defaults)"
#define CONF_MAX_FILE		(1024 * 1024)
#define READER_NAME_MAX		64

/* The configuration being filled; the document's walk state is in util_yaml_doc. */
struct ctx {
	struct util_yaml_doc d;
	struct cc_config *conf;
};

typedef int (*parse_fn)(struct ctx *c, yaml_node_t *n, void *target);

struct key {
	const char *name;	/* first: util_yaml_map finds rows by it */
	parse_fn parse;		/* NULL: a retired key, refused with @moved */
	size_t offset;		/* into the table's target struct */
	const char *moved;	/* where a retired key's settings live now */
};

static struct ctx *
ctx_of(struct util_yaml_doc *d)
{
	return (struct ctx *)(void *)d;	/* d is the first member */
}

static int
key_value(struct util_yaml_doc *d, const void *key, yaml_node_t *kn, yaml_node_t *vn,
	  void *target)
{
	const struct key *k = key;

	if (k->parse == NULL)
		return util_yaml_fail(d, kn, "'%s' is no longer a module setting: %s", k->name,
				      k->moved);
	return k->parse(ctx_of(d), vn, (char *)target + k->offset);
}

static const struct util_yaml_map_ops key_ops = { key_value, NULL };

/* Map the mapping @map onto @target through @keys (unknown or repeated keys fail). */
static int
parse_map(struct ctx *c, yaml_node_t *map, const struct key *keys, void *target)
{
	return util_yaml_map(&c->d, map, keys, sizeof(*keys), &key_ops, target);
}

static int
parse_tries(struct ctx *c, yaml_node_t *n, void *target)
{
	uint64_t v;
	int r = util_yaml_uint(&c->d, n, 1, 255, false, &v);	/* a byte on the card */

	if (r == UTIL_YAML_OK)
		*(unsigned *)target = (unsigned)v;
	return r;
}

static int
parse_bool(struct ctx *c, yaml_node_t *n, void *target)
{
	return util_yaml_bool(&c->d, n, target);
}

/* A string; replaces *(char **)target. */
static int
parse_string(struct ctx *c, yaml_node_t *n, void *target)
{
	char **dst = target, *copy;
	const char *s;
	int r;

	if ((r = util_yaml_scalar(&c->d, n, "text", &s)) != UTIL_YAML_OK)
		return r;
	if ((copy = strdup(s)) == NULL)
		return UTIL_YAML_ERR_NOMEM;
	free(*dst);
	*dst = copy;
	return UTIL_YAML_OK;
}

#ifdef CC_TEST_HOOKS
/*
 * Test builds only: `kdf: { n, r, p }` overrides the policy's passcode.kdf
 * for newly set passcodes, below the policy's lower bound, so the test
 * suite's logins stay fast. A release build refuses the key (root_keys).
 */
static int
parse_u32(struct ctx *c, yaml_node_t *n, void *target)
{
	uint64_t v;
	int r = util_yaml_uint(&c->d, n, 1, UINT32_MAX, false, &v);

	if (r == UTIL_YAML_OK)
		*(uint64_t *)target = v;
	return r;
}

struct kdf_in {
	uint64_t n, r, p;
};

static const struct key kdf_keys[] = {
	{ "n", parse_u32, offsetof(struct kdf_in, n) },
	{ "r", parse_u32, offsetof(struct kdf_in, r) },
	{ "p", parse_u32, offsetof(struct kdf_in, p) },
	{ NULL, NULL, 0 },
};

static int
parse_kdf(struct ctx *c, yaml_node_t *n, void *target)
{
	struct cc_config *conf = target;
	struct kdf_in in = { cc_kdf_default.n, cc_kdf_default.r, cc_kdf_default.p };
	struct cc_kdf_params out;
	int r;

	if ((r = parse_map(c, n, kdf_keys, &in)) != UTIL_YAML_OK)
		return r;
	out = (struct cc_kdf_params){ .n = in.n, .r = (uint32_t)in.r, .p = (uint32_t)in.p };
	if (!cc_kdf_params_valid(&out))
		return util_yaml_fail(&c->d, n, "kdf out of range: n must be a power of two "
				      "2..1048576, r 1..32, p 1..16, 128*n*r <= 256 MiB");
	conf->kdf = out;
	conf->kdf_test_override = true;
	return UTIL_YAML_OK;
}
#endif

/* $HOME, or the password database when it is unset. NULL if neither. */
static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && h[0] == '/')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* "~/x" -> "$HOME/x"; anything else must already be absolute. */
static int
absolute_dir(struct ctx *c, yaml_node_t *n, const char *what, char **dir)
{
	const char *home = home_dir();
	char *expanded = NULL;

	if (strncmp(*dir, "~/", 2) == 0) {
		if (home == NULL)
			return util_yaml_fail(&c->d, n, "cannot expand '~': no home directory");
		if (asprintf(&expanded, "%s/%s", home, *dir + 2) < 0)
			return UTIL_YAML_ERR_NOMEM;
		free(*dir);
		*dir = expanded;
	}
	if ((*dir)[0] != '/')
		return util_yaml_fail(&c->d, n, "%s '%s' must be absolute (or start with ~/)",
				      what, *dir);
	if (strlen(*dir) > PATH_MAX - NAME_MAX - 2)
		return util_yaml_fail(&c->d, n, "%s is too long", what);
	return UTIL_YAML_OK;
}

/*
 * policy: a file path; "~/" expands to $HOME and a relative path is taken
 * from the configuration file's directory, so a config and its policy can
 * travel together.
 */
static int
parse_policy_path(struct ctx *c, yaml_node_t *n, void *target)
{
	char **path = target, *joined = NULL;
	const char *file = c->d.name, *slash = strrchr(file, '/');
	int r;

	if ((r = parse_string(c, n, target)) != UTIL_YAML_OK)
		return r;
	if (strncmp(*path, "~/", 2) == 0)
		return absolute_dir(c, n, "policy file", path);
	if ((*path)[0] == '/' || slash == NULL)
		return UTIL_YAML_OK;
	if (asprintf(&joined, "%.*s/%s", (int)(slash - file), file, *path) < 0)
		return UTIL_YAML_ERR_NOMEM;
	free(*path);
	*path = joined;
	return UTIL_YAML_OK;
}

/* state-directory: where the installation's rollback records live. */
static int
parse_state_dir(struct ctx *c, yaml_node_t *n, void *target)
{
	int r;

	if ((r = parse_string(c, n, target)) != UTIL_YAML_OK)
		return r;
	return absolute_dir(c, n, "state directory", target);
}

static const struct key reader_keys[] = {
	{ "name", parse_string, offsetof(struct cc_reader_conf, name) },
	{ "directory", parse_string, offsetof(struct cc_reader_conf, dir) },
	{ NULL, NULL, 0 },
};

static int
parse_reader(struct util_yaml_doc *d, size_t idx, yaml_node_t *n, void *arg)
{
	struct ctx *c = ctx_of(d);
	struct cc_config *conf = c->conf;
	struct cc_reader_conf *rd = &conf->readers[idx];
	size_t i;
	int r;

	conf->nreaders = idx + 1;	/* so readers_free sees partial entries */
	if ((r = parse_map(c, n, reader_keys, rd)) != UTIL_YAML_OK)
		return r;
	if (rd->name == NULL || rd->dir == NULL)
		return util_yaml_fail(d, n, "a reader needs both 'name' and 'directory'");
	if (strlen(rd->name) > READER_NAME_MAX)
		return util_yaml_fail(d, n, "reader name is longer than %d characters",
				      READER_NAME_MAX);
	if ((r = absolute_dir(c, n, "reader directory", &rd->dir)) != UTIL_YAML_OK)
		return r;
	for (i = 0; i < idx; i++) {
		if (strcmp(conf->readers[i].name, rd->name) == 0)
			return util_yaml_fail(d, n, "duplicate reader name '%s'", rd->name);
		if (strcmp(conf->readers[i].dir, rd->dir) == 0)
			return util_yaml_fail(d, n, "two readers share the directory '%s'",
					      rd->dir);
	}
	return UTIL_YAML_OK;
}

static void
readers_free(struct cc_config *conf)
{
	size_t i;

	for (i = 0; i < conf->nreaders; i++) {
		free(conf->readers[i].name);
		free(conf->readers[i].dir);
	}
	free(conf->readers);
	conf->readers = NULL;
	conf->nreaders = 0;
}

/* readers: a list of 1..CC_MAX_READERS mappings; replaces the default readers. */
static int
parse_readers(struct ctx *c, yaml_node_t *n, void *target)
{
	struct cc_config *conf = c->conf;
	size_t count;
	int r;

	if ((r = util_yaml_expect(&c->d, n, YAML_SEQUENCE_NODE, "a list of readers")) != 0)
		return r;
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count < 1 || count > CC_MAX_READERS)
		return util_yaml_fail(&c->d, n, "between 1 and %d readers are supported",
				      CC_MAX_READERS);
	readers_free(conf);
	if ((conf->readers = calloc(count, sizeof(*conf->readers))) == NULL)
		return UTIL_YAML_ERR_NOMEM;
	return util_yaml_each(&c->d, n, "a list of readers", parse_reader, NULL);
}

static const struct key root_keys[] = {
	{ "readers", parse_readers, 0 },
	/*
	 * Issue 3: the passcode rules have one source of truth, the policy
	 * file. An old section must not be silently ignored.
	 */
	{ "passcode", NULL, 0,
	  "the passcode rules (passcode.*: min-length, max-length, max-tries, max-age, "
	  "warning, kdf) now live in the policy file; set them there and point 'policy:' at "
	  "it" },
	{ "so-max-tries", parse_tries, offsetof(struct cc_config, so_max_tries) },
#ifdef CC_TEST_HOOKS
	{ "kdf", parse_kdf, 0 },
#else
	/* Issue 15: the cost of a guess is a policy setting, bounded below. */
	{ "kdf", NULL, 0,
	  "the passcode KDF parameters now live in the policy file (passcode.kdf: n, r, p); "
	  "set them there and point 'policy:' at it" },
#endif
	{ "signing-key-always-authenticate", parse_bool,
	  offsetof(struct cc_config, signing_always_authenticate) },
	{ "policy", parse_policy_path, offsetof(struct cc_config, policy_path) },
	{ "state-directory", parse_state_dir, offsetof(struct cc_config, state_dir) },
	{ NULL, NULL, 0 },
};

/* $XDG_<VAR>, if absolute, else ~/<fallback>, followed by "/carecard/<rest>". */
static CK_RV
xdg_path(const char *var, const char *fallback, const char *rest, char **out)
{
	const char *xdg = getenv(var), *home = home_dir();
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = asprintf(out, "%s/carecard%s", xdg, rest);
	else if (home != NULL)
		n = asprintf(out, "%s/%s/carecard%s", home, fallback, rest);
	else {
		util_log(LOG_ERR, "config: no %s or home directory for the defaults", var);
		return CKR_GENERAL_ERROR;
	}
	if (n < 0) {
		*out = NULL;
		return CKR_HOST_MEMORY;
	}
	return CKR_OK;
}

/* $XDG_DATA_HOME/carecard/readers/reader-N, XDG_DATA_HOME defaulting to ~/.local/share. */
static CK_RV
default_readers(struct cc_config *conf)
{
	char *base = NULL;
	CK_RV rv;
	size_t i;

	if ((rv = xdg_path("XDG_DATA_HOME", ".local/share", "/readers", &base)) != CKR_OK)
		return rv;
	rv = CKR_HOST_MEMORY;
	if ((conf->readers = calloc(2, sizeof(*conf->readers))) == NULL)
		goto out;
	for (i = 0; i < 2; i++) {
		conf->nreaders++;
		if (asprintf(&conf->readers[i].name, "Carecard Reader %zu", i + 1) < 0) {
			conf->readers[i].name = NULL;
			goto out;
		}
		if (asprintf(&conf->readers[i].dir, "%s/reader-%zu", base, i + 1) < 0) {
			conf->readers[i].dir = NULL;
			goto out;
		}
	}
	rv = CKR_OK;
out:
	free(base);
	return rv;
}

static CK_RV
defaults_new(struct cc_config **out)
{
	struct cc_config *conf = calloc(1, sizeof(*conf));
	CK_RV rv;

	if (conf == NULL)
		return CKR_HOST_MEMORY;
	conf->so_max_tries = 3;
	conf->kdf = cc_kdf_default;
	conf->signing_always_authenticate = false;
	if ((conf->source = strdup(CONF_BUILTIN)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if ((rv = default_readers(conf)) != CKR_OK)
		goto out;
	/* $XDG_STATE_HOME/carecard, XDG_STATE_HOME defaulting to ~/.local/state. */
	if ((rv = xdg_path("XDG_STATE_HOME", ".local/state", "", &conf->state_dir)) != CKR_OK)
		goto out;
	*out = conf;
	conf = NULL;
out:
	cc_config_free(conf);
	return rv;
}

/* Parse @path over the defaults already in @conf; one log line on failure. */
static CK_RV
parse_file(const char *path, struct cc_config *conf)
{
	struct ctx c = { .conf = conf };
	struct util_yaml_error *err;
	yaml_node_t *root;
	int r;

	if ((err = calloc(1, sizeof(*err))) == NULL)	/* ~8 KiB: not on the caller's stack */
		return CKR_HOST_MEMORY;
	r = util_yaml_doc_read(&c.d, path, CONF_MAX_FILE, "configuration", err);
	/* An empty file is valid: all defaults. */
	if (r == UTIL_YAML_OK && (root = util_yaml_doc_root(&c.d)) != NULL)
		r = parse_map(&c, root, root_keys, conf);
	if (r != UTIL_YAML_OK && r != UTIL_YAML_ERR_NOMEM)
		util_log(LOG_ERR, "%s", err->text);
	util_yaml_doc_free(&c.d);
	free(err);
	if (r == UTIL_YAML_ERR_NOMEM)
		return CKR_HOST_MEMORY;
	return r == UTIL_YAML_OK ? CKR_OK : CKR_GENERAL_ERROR;
}

/*
 * The passcode rules and the KDF of new passcodes come from the policy
 * (issue 3: one source of truth): conf->policy_path, or with none the
 * installed nhs.yaml, or the built-in NHS rules. A bad policy file is
 * logged as the policy loader reports it, "FILE:LINE:COLUMN: key.path:
 * message".
 */
static CK_RV
load_policy(struct cc_config *conf)
{
	struct pol_policy *pol = NULL;
	struct pol_passcode_rules r;
	struct pol_error *err = NULL;
	CK_RV rv = CKR_HOST_MEMORY;
	int e;

	if ((err = calloc(1, sizeof(*err))) == NULL)	/* ~8 KiB: not on the caller's stack */
		return CKR_HOST_MEMORY;
	if ((e = pol_policy_load_default(conf->policy_path, &pol, err)) != POL_OK) {
		if (e == POL_ERR_NOMEM)
			goto out;
		if (err->text[0] != '\0')
			util_log(LOG_ERR, "%s", err->text);
		else
			util_log(LOG_ERR, "%s: policy: %s", conf->policy_path ? conf->policy_path
					  : "(default policy)", pol_strerror(e));
		rv = CKR_GENERAL_ERROR;
		goto out;
	}
	if ((conf->policy_source = strdup(pol->source)) == NULL)
		goto out;
	pol_passcode_rules(pol, &r);
	conf->passcode = (struct cc_passcode_rules){ .min_len = r.min_len, .max_len = r.max_len,
						     .max_tries = r.max_tries,
						     .max_age = r.max_age,
						     .warn_before = r.warn_before };
	if (!conf->kdf_test_override)
		conf->kdf = (struct cc_kdf_params){ .n = r.kdf_n, .r = r.kdf_r, .p = r.kdf_p };
	rv = CKR_OK;
out:
	pol_policy_free(pol);
	free(err);
	return rv;
}

CK_RV
cc_config_load_file(const char *path, struct cc_config **out)
{
	struct cc_config *conf = NULL;
	char *source = NULL;
	CK_RV rv;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = defaults_new(&conf)) != CKR_OK)
		return rv;
	if (path != NULL) {
		if ((source = strdup(path)) == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		if ((rv = parse_file(path, conf)) != CKR_OK)
			goto out;
		free(conf->source);
		conf->source = source;
		source = NULL;
	}
	if ((rv = load_policy(conf)) != CKR_OK)
		goto out;
	*out = conf;
	conf = NULL;
out:
	free(source);
	cc_config_free(conf);
	return rv;
}

CK_RV
cc_config_load(struct cc_config **out)
{
	const char *env = getenv("CARECARD_CONF");

	if (env != NULL && env[0] != '\0')
		return cc_config_load_file(env, out);	/* missing is an error here */
	if (access(CONF_DEFAULT_FILE, F_OK) == 0)
		return cc_config_load_file(CONF_DEFAULT_FILE, out);
	return cc_config_load_file(NULL, out);
}

void
cc_config_free(struct cc_config *conf)
{
	if (conf == NULL)
		return;
	readers_free(conf);
	free(conf->source);
	free(conf->policy_path);
	free(conf->policy_source);
	free(conf->state_dir);
	free(conf);
}
