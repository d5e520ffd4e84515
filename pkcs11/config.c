/*
 * config.c: the module configuration (format in config.h), loaded with
 * libyaml's document API. Every mapping is parsed through a key table, so
 * an unknown key, a wrong type or a value out of range is reported once,
 * as "FILE:LINE:COLUMN: message" pointing at the offending node.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/config.h"
#include "common/log.h"
#include "policy/policy.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#ifndef CC_SYSCONFDIR
#define CC_SYSCONFDIR "/etc"
#endif

#define CONF_DEFAULT_FILE	CC_SYSCONFDIR "/carecard/carecard.yaml"
#define CONF_BUILTIN		"(built-in defaults)"
#define CONF_MAX_FILE		(1024 * 1024)
#define READER_NAME_MAX		64

struct ctx {
	const char *file;
	yaml_document_t *doc;
	struct cc_config *conf;
};

typedef CK_RV (*parse_fn)(struct ctx *c, yaml_node_t *n, void *target);

struct key {
	const char *name;
	parse_fn parse;		/* NULL: a retired key, refused with @moved */
	size_t offset;		/* into the table's target struct */
	const char *moved;	/* where a retired key's settings live now */
};

/* Log one "FILE:LINE:COLUMN: message" for @n and fail. */
static CK_RV __attribute__((format(printf, 3, 4)))
fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	util_log(LOG_ERR, "%s:%zu:%zu: %s", c->file, n->start_mark.line + 1,
		 n->start_mark.column + 1, msg);
	return CKR_GENERAL_ERROR;
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain (unquoted) scalar: numbers and booleans must not be quoted strings. */
static bool
is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static CK_RV
parse_uint(struct ctx *c, yaml_node_t *n, unsigned long long lo, unsigned long long hi,
	   unsigned long long *out)
{
	const char *s;
	char *end = NULL;
	unsigned long long v;

	if (!is_plain(n))
		return fail(c, n, "expected an integer");
	s = scalar(n);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno == ERANGE)
		return fail(c, n, "expected an integer, got '%s'", s);
	if (v < lo || v > hi)
		return fail(c, n, "%llu is out of range (%llu..%llu)", v, lo, hi);
	*out = v;
	return CKR_OK;
}

static CK_RV
parse_tries(struct ctx *c, yaml_node_t *n, void *target)
{
	unsigned long long v;
	CK_RV rv = parse_uint(c, n, 1, 255, &v);	/* stored in a byte on the card */

	if (rv == CKR_OK)
		*(unsigned *)target = (unsigned)v;
	return rv;
}

static CK_RV
parse_bool(struct ctx *c, yaml_node_t *n, void *target)
{
	const char *s = is_plain(n) ? scalar(n) : "";

	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*(bool *)target = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*(bool *)target = false;
	else
		return fail(c, n, "expected true or false");
	return CKR_OK;
}

/* A non-empty string; replaces *(char **)target. */
static CK_RV
parse_string(struct ctx *c, yaml_node_t *n, void *target)
{
	char **dst = target, *copy;

	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, "expected a string");
	if (n->data.scalar.length == 0 || strlen(scalar(n)) != n->data.scalar.length)
		return fail(c, n, "expected a non-empty string without NUL bytes");
	if ((copy = strdup(scalar(n))) == NULL)
		return CKR_HOST_MEMORY;
	free(*dst);
	*dst = copy;
	return CKR_OK;
}

/* Map the mapping @map onto @target through @keys; unknown or repeated keys fail. */
static CK_RV
parse_map(struct ctx *c, yaml_node_t *map, const struct key *keys, void *target)
{
	yaml_node_pair_t *p, *q;
	const struct key *k;
	CK_RV rv;

	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, "expected a mapping");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);

		if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE)
			return fail(c, kn ? kn : map, "expected a plain key");
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *prev = yaml_document_get_node(c->doc, q->key);

			if (prev && prev->type == YAML_SCALAR_NODE &&
			    strcmp(scalar(prev), scalar(kn)) == 0)
				return fail(c, kn, "duplicate key '%s'", scalar(kn));
		}
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, scalar(kn)) == 0)
				break;
		if (k->name == NULL)
			return fail(c, kn, "unknown key '%s'", scalar(kn));
		if (k->parse == NULL)
			return fail(c, kn, "'%s' is no longer a module setting: %s", k->name,
				    k->moved);
		if ((rv = k->parse(c, vn, (char *)target + k->offset)) != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

struct kdf_in {
	unsigned long long n, r, p;
};

static CK_RV
parse_ull(struct ctx *c, yaml_node_t *n, void *target)
{
	return parse_uint(c, n, 1, UINT32_MAX, target);
}

static const struct key kdf_keys[] = {
	{ "n", parse_ull, offsetof(struct kdf_in, n) },
	{ "r", parse_ull, offsetof(struct kdf_in, r) },
	{ "p", parse_ull, offsetof(struct kdf_in, p) },
	{ NULL, NULL, 0 },
};

static CK_RV
parse_kdf(struct ctx *c, yaml_node_t *n, void *target)
{
	struct cc_kdf_params *kdf = target;
	struct kdf_in in = { kdf->n, kdf->r, kdf->p };
	struct cc_kdf_params out;
	CK_RV rv;

	if ((rv = parse_map(c, n, kdf_keys, &in)) != CKR_OK)
		return rv;
	out = (struct cc_kdf_params){ .n = in.n, .r = (uint32_t)in.r, .p = (uint32_t)in.p };
	if (!cc_kdf_params_valid(&out))
		return fail(c, n, "kdf out of range: n must be a power of two 2..1048576, "
			    "r 1..32, p 1..16, 128*n*r <= 256 MiB");
	*kdf = out;
	return CKR_OK;
}

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
static CK_RV
reader_dir(struct ctx *c, yaml_node_t *n, char **dir)
{
	const char *home = home_dir();
	char *expanded = NULL;

	if (strncmp(*dir, "~/", 2) == 0) {
		if (home == NULL)
			return fail(c, n, "cannot expand '~': no home directory");
		if (asprintf(&expanded, "%s/%s", home, *dir + 2) < 0)
			return CKR_HOST_MEMORY;
		free(*dir);
		*dir = expanded;
	}
	if ((*dir)[0] != '/')
		return fail(c, n, "reader directory '%s' must be absolute (or start with ~/)",
			    *dir);
	if (strlen(*dir) > PATH_MAX - NAME_MAX - 2)
		return fail(c, n, "reader directory is too long");
	return CKR_OK;
}

/*
 * policy: a file path; "~/" expands to $HOME and a relative path is taken
 * from the configuration file's directory, so a config and its policy can
 * travel together.
 */
static CK_RV
parse_policy_path(struct ctx *c, yaml_node_t *n, void *target)
{
	char **path = target, *joined = NULL;
	const char *slash = strrchr(c->file, '/');
	CK_RV rv;

	if ((rv = parse_string(c, n, target)) != CKR_OK)
		return rv;
	if (strncmp(*path, "~/", 2) == 0)
		return reader_dir(c, n, path);	/* expands ~/ */
	if ((*path)[0] == '/' || slash == NULL)
		return CKR_OK;
	if (asprintf(&joined, "%.*s/%s", (int)(slash - c->file), c->file, *path) < 0)
		return CKR_HOST_MEMORY;
	free(*path);
	*path = joined;
	return CKR_OK;
}

static const struct key reader_keys[] = {
	{ "name", parse_string, offsetof(struct cc_reader_conf, name) },
	{ "directory", parse_string, offsetof(struct cc_reader_conf, dir) },
	{ NULL, NULL, 0 },
};

static CK_RV
parse_reader(struct ctx *c, yaml_node_t *n, struct cc_reader_conf *r, size_t idx)
{
	CK_RV rv;
	size_t i;

	if ((rv = parse_map(c, n, reader_keys, r)) != CKR_OK)
		return rv;
	if (r->name == NULL || r->dir == NULL)
		return fail(c, n, "a reader needs both 'name' and 'directory'");
	if (strlen(r->name) > READER_NAME_MAX)
		return fail(c, n, "reader name is longer than %d characters", READER_NAME_MAX);
	if ((rv = reader_dir(c, n, &r->dir)) != CKR_OK)
		return rv;
	for (i = 0; i < idx; i++) {
		if (strcmp(c->conf->readers[i].name, r->name) == 0)
			return fail(c, n, "duplicate reader name '%s'", r->name);
		if (strcmp(c->conf->readers[i].dir, r->dir) == 0)
			return fail(c, n, "two readers share the directory '%s'", r->dir);
	}
	return CKR_OK;
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
static CK_RV
parse_readers(struct ctx *c, yaml_node_t *n, void *target)
{
	struct cc_config *conf = c->conf;
	yaml_node_item_t *it;
	size_t count;
	CK_RV rv;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(c, n, "expected a list of readers");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count < 1 || count > CC_MAX_READERS)
		return fail(c, n, "between 1 and %d readers are supported", CC_MAX_READERS);
	readers_free(conf);
	if ((conf->readers = calloc(count, sizeof(*conf->readers))) == NULL)
		return CKR_HOST_MEMORY;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *rn = yaml_document_get_node(c->doc, *it);

		conf->nreaders++;	/* so readers_free sees partial entries */
		if (rn == NULL)
			return fail(c, n, "malformed reader list");
		rv = parse_reader(c, rn, &conf->readers[conf->nreaders - 1], conf->nreaders - 1);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

static const struct key root_keys[] = {
	{ "readers", parse_readers, 0 },
	/*
	 * Issue 3: the passcode rules have one source of truth, the policy
	 * file. An old section must not be silently ignored.
	 */
	{ "passcode", NULL, 0,
	  "the passcode rules (passcode.*: min-length, max-length, max-tries, max-age, "
	  "warning) now live in the policy file; set them there and point 'policy:' at it" },
	{ "so-max-tries", parse_tries, offsetof(struct cc_config, so_max_tries) },
	{ "kdf", parse_kdf, offsetof(struct cc_config, kdf) },
	{ "signing-key-always-authenticate", parse_bool,
	  offsetof(struct cc_config, signing_always_authenticate) },
	{ "policy", parse_policy_path, offsetof(struct cc_config, policy_path) },
	{ NULL, NULL, 0 },
};

/* $XDG_DATA_HOME/carecard/readers/reader-N, XDG_DATA_HOME defaulting to ~/.local/share. */
static CK_RV
default_readers(struct cc_config *conf)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = home_dir();
	char base[PATH_MAX];
	size_t i;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(base, sizeof(base), "%s/carecard/readers", xdg);
	else if (home != NULL)
		snprintf(base, sizeof(base), "%s/.local/share/carecard/readers", home);
	else {
		util_log(LOG_ERR, "config: no XDG_DATA_HOME or home directory for the "
			 "default readers");
		return CKR_GENERAL_ERROR;
	}
	if ((conf->readers = calloc(2, sizeof(*conf->readers))) == NULL)
		return CKR_HOST_MEMORY;
	for (i = 0; i < 2; i++) {
		conf->nreaders++;
		if (asprintf(&conf->readers[i].name, "Carecard Reader %zu", i + 1) < 0) {
			conf->readers[i].name = NULL;
			return CKR_HOST_MEMORY;
		}
		if (asprintf(&conf->readers[i].dir, "%s/reader-%zu", base, i + 1) < 0) {
			conf->readers[i].dir = NULL;
			return CKR_HOST_MEMORY;
		}
	}
	return CKR_OK;
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
	*out = conf;
	conf = NULL;
out:
	cc_config_free(conf);
	return rv;
}

static CK_RV
open_config(const char *path, FILE **out)
{
	struct stat st;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		util_log(LOG_ERR, "%s: cannot read configuration: %s", path, strerror(errno));
		return CKR_GENERAL_ERROR;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE) {
		util_log(LOG_ERR, "%s: configuration is not a regular file of at most %d bytes",
			 path, CONF_MAX_FILE);
		fclose(f);
		return CKR_GENERAL_ERROR;
	}
	*out = f;
	return CKR_OK;
}

/* libyaml's reason, where it noticed, and what it was in the middle of. */
static void
log_syntax_error(const char *path, const yaml_parser_t *p)
{
	char ctx[160] = "";

	if (p->context != NULL)
		snprintf(ctx, sizeof(ctx), " (%s started at %zu:%zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	util_log(LOG_ERR, "%s:%zu:%zu: YAML syntax error: %s%s", path, p->problem_mark.line + 1,
		 p->problem_mark.column + 1, p->problem ? p->problem : "malformed", ctx);
}

/* A second "---" document would be silently ignored: refuse it instead. */
static CK_RV
check_single_document(const char *path, yaml_parser_t *parser)
{
	yaml_document_t doc;
	yaml_node_t *root;
	CK_RV rv = CKR_OK;

	if (!yaml_parser_load(parser, &doc)) {
		log_syntax_error(path, parser);
		return CKR_GENERAL_ERROR;
	}
	if ((root = yaml_document_get_root_node(&doc)) != NULL) {
		util_log(LOG_ERR, "%s:%zu:%zu: only one YAML document is allowed", path,
			 doc.start_mark.line + 1, doc.start_mark.column + 1);
		rv = CKR_GENERAL_ERROR;
	}
	yaml_document_delete(&doc);
	return rv;
}

/* Parse @path over the defaults already in @conf. */
static CK_RV
parse_file(const char *path, struct cc_config *conf)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ctx c = { .file = path, .doc = &doc, .conf = conf };
	FILE *f = NULL;
	CK_RV rv;

	if ((rv = open_config(path, &f)) != CKR_OK)
		return rv;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return CKR_HOST_MEMORY;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		log_syntax_error(path, &parser);
		rv = CKR_GENERAL_ERROR;
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	/* An empty file is valid: all defaults. */
	if (root != NULL && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		rv = parse_map(&c, root, root_keys, conf);
	yaml_document_delete(&doc);
	if (rv == CKR_OK)
		rv = check_single_document(path, &parser);
out_parser:
	yaml_parser_delete(&parser);
	fclose(f);
	return rv;
}

/*
 * The passcode rules come from the policy (issue 3: one source of truth):
 * conf->policy_path, or with none the installed nhs.yaml, or the built-in
 * NHS rules. A bad policy file is logged as the policy loader reports it,
 * "FILE:LINE:COLUMN: key.path: message".
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
	free(conf);
}
