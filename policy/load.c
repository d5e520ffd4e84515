/*
 * Policy loader: the schema tables (schema.c) walked over a YAML document
 * by the shared YAML layer (common/yaml-doc.h), which owns reading, the
 * mapping walk, typed scalars and the FILE:LINE:COLUMN: key.path errors.
 * This file adds only what is the policy's own: durations, names, lists,
 * flag sets, where each setting came from. Loading starts from the
 * built-in defaults, so a file need only say what differs; the first error
 * stops the load. Cross-key checks live in validate.c, not here.
 */
#include "config.h"

#include "policy/policy.h"
#include "policy/schema.h"
#include "policy/load-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/yaml-doc.h"

/* The policy being filled; the document's walk state is in util_yaml_doc. */
struct ctx {
	struct util_yaml_doc d;
	struct pol_policy *pol;
	size_t base;		/* offset of the section being parsed */
};

static struct ctx *
ctx_of(struct util_yaml_doc *d)
{
	return (struct ctx *)(void *)d;	/* d is the first member */
}

static int
parse_uint(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	uint64_t v;
	int r;

	r = util_yaml_uint(&c->d, n, (uint64_t)k->min, (uint64_t)k->max,
			   (k->flags & POL_KF_NONE) != 0, &v);
	if (r == POL_OK)
		*(unsigned *)dst = (unsigned)v;
	return r;
}

static int
parse_duration(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	char lo[32], hi[32];
	const char *s;
	int64_t v;
	int r;

	if ((r = util_yaml_scalar(&c->d, n, "a duration", &s)) != POL_OK)
		return r;
	if ((k->flags & POL_KF_NONE) && strcmp(s, "none") == 0) {
		*(int64_t *)dst = 0;
		return POL_OK;
	}
	if (pol_duration_parse(s, &v) != POL_OK)
		return util_yaml_fail(&c->d, n, "expected a duration such as 90d, 12h or 2y "
				      "(units s m h d w y), not '%s'", s);
	if (v < k->min || v > k->max) {
		pol_duration_format(k->min, lo, sizeof(lo));
		pol_duration_format(k->max, hi, sizeof(hi));
		return util_yaml_fail(&c->d, n, "must be between %s and %s%s, not %s", lo, hi,
				      (k->flags & POL_KF_NONE) ? " (or none)" : "", s);
	}
	*(int64_t *)dst = v;
	return POL_OK;
}

/* Checks shared by strings and list items: size, digits-only, URL scheme. */
static int
check_text(struct ctx *c, const struct pol_key *k, yaml_node_t *n, const char *s, size_t size)
{
	size_t i, len = strlen(s);
	char why[200];

	if (len >= size)
		return util_yaml_fail(&c->d, n, "longer than %zu characters", size - 1);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return util_yaml_fail(&c->d, n, "contains a control character");
		if ((k->flags & POL_KF_DIGITS) && (s[i] < '0' || s[i] > '9'))
			return util_yaml_fail(&c->d, n, "expected digits only, not '%s'", s);
	}
	/* The CA's URL rule (pol_url_check, validate.c), located at the value. */
	if ((k->flags & POL_KF_URL) && pol_url_check(s, why, sizeof(why)) != POL_OK)
		return util_yaml_fail(&c->d, n, "%s, not '%s'", why, s);
	return POL_OK;
}

static int
parse_string(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	const char *s;
	int r;

	if ((r = util_yaml_scalar(&c->d, n, "text", &s)) != POL_OK)
		return r;
	if ((r = check_text(c, k, n, s, k->size)) != POL_OK)
		return r;
	memcpy(dst, s, strlen(s) + 1);
	return POL_OK;
}

static int
parse_enum(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	const char *s;
	unsigned v;
	int r;

	if ((r = util_yaml_scalar(&c->d, n, "a name", &s)) != POL_OK)
		return r;
	if (!pol_name_find(k->names, s, &v))
		return util_yaml_fail(&c->d, n, "unknown value '%s'; expected %s or %s", s,
				      k->names[0].name, k->names[1].name);
	*(unsigned *)dst = v;
	return POL_OK;
}

/* A list or flag-set entry under construction. */
struct items {
	struct ctx *c;
	const struct pol_key *k;
	void *dst;		/* struct pol_strlist, or the unsigned bit set */
};

static int
list_item(struct util_yaml_doc *d, size_t i, yaml_node_t *n, void *arg)
{
	struct items *it = arg;
	struct pol_strlist *l = it->dst;
	const char *s;
	unsigned j;
	int r;

	if ((r = util_yaml_scalar(d, n, "a list entry", &s)) != POL_OK ||
	    (r = check_text(it->c, it->k, n, s, POL_ITEM_MAX)) != POL_OK)
		return r;
	for (j = 0; j < l->n; j++)
		if (strcmp(l->item[j], s) == 0)
			return util_yaml_fail(d, n, "'%s' is listed twice", s);
	if (l->n == POL_LIST_MAX)
		return util_yaml_fail(d, n, "more than %d entries", POL_LIST_MAX);
	memcpy(l->item[l->n++], s, strlen(s) + 1);
	return POL_OK;
}

static int
parse_list(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	struct pol_strlist l = { 0 };
	struct items it = { c, k, &l };
	int r;

	if ((r = util_yaml_each(&c->d, n, "a list such as [a, b]", list_item, &it)) != POL_OK)
		return r;
	*(struct pol_strlist *)dst = l;
	return POL_OK;
}

static int
flag_item(struct util_yaml_doc *d, size_t i, yaml_node_t *n, void *arg)
{
	struct items *it = arg;
	unsigned *set = it->dst, v;
	char all[256] = "";
	const struct pol_name *nm;
	const char *s;
	size_t used = 0;
	int r;

	if ((r = util_yaml_scalar(d, n, "a list entry", &s)) != POL_OK)
		return r;
	if (!pol_name_find(it->k->names, s, &v)) {
		for (nm = it->k->names; nm->name != NULL && used < sizeof(all); nm++)
			used += (size_t)snprintf(all + used, sizeof(all) - used, "%s%s",
						 used ? ", " : "", nm->name);
		return util_yaml_fail(d, n, "unknown name '%s'; expected one of: %s", s, all);
	}
	if (*set & v)
		return util_yaml_fail(d, n, "'%s' is listed twice", s);
	*set |= v;
	return POL_OK;
}

static int
parse_flags(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	unsigned set = 0;
	struct items it = { c, k, &set };
	int r;

	if ((r = util_yaml_each(&c->d, n, "a list such as [a, b]", flag_item, &it)) != POL_OK)
		return r;
	*(unsigned *)dst = set;
	return POL_OK;
}

static int map_parse(struct ctx *c, yaml_node_t *map, const struct pol_key *keys, size_t base);

/* Remember where a setting came from, for the validator's messages. */
static void
origin_add(struct ctx *c, size_t offset, const yaml_node_t *n)
{
	struct pol_origin *o;

	if (c->pol->norigins == POL_ORIGIN_MAX)
		return;
	o = &c->pol->origins[c->pol->norigins++];
	o->offset = offset;
	o->line = (unsigned)n->start_mark.line + 1;
	o->column = (unsigned)n->start_mark.column + 1;
	snprintf(o->path, sizeof(o->path), "%s", c->d.path);
}

/* util_yaml_map's callback: one key's value into the policy at base + k->offset. */
static int
key_value(struct util_yaml_doc *d, const void *key, yaml_node_t *kn, yaml_node_t *vn,
	  void *target)
{
	const struct pol_key *k = key;
	struct ctx *c = ctx_of(d);
	size_t at = c->base + k->offset;
	void *dst = (char *)c->pol + at;
	int r = POL_ERR_SCHEMA;

	switch (k->type) {
	case POL_T_SECTION:	return map_parse(c, vn, k->sub, at);
	case POL_T_UINT:	r = parse_uint(c, k, vn, dst); break;
	case POL_T_DURATION:	r = parse_duration(c, k, vn, dst); break;
	case POL_T_BOOL:	r = util_yaml_bool(d, vn, dst); break;
	case POL_T_STRING:	r = parse_string(c, k, vn, dst); break;
	case POL_T_LIST:	r = parse_list(c, k, vn, dst); break;
	case POL_T_FLAGS:	r = parse_flags(c, k, vn, dst); break;
	case POL_T_ENUM:	r = parse_enum(c, k, vn, dst); break;
	}
	if (r == POL_OK)
		origin_add(c, at, kn);
	return r;
}

static bool
key_required(const void *key)
{
	return (((const struct pol_key *)key)->flags & POL_KF_REQUIRED) != 0;
}

static const struct util_yaml_map_ops key_ops = { key_value, key_required };

/* Map a YAML mapping onto the policy at @base using @keys; unknown keys are errors. */
static int
map_parse(struct ctx *c, yaml_node_t *map, const struct pol_key *keys, size_t base)
{
	size_t outer = c->base;
	int r;

	c->base = base;
	r = util_yaml_map(&c->d, map, keys, sizeof(*keys), &key_ops, NULL);
	c->base = outer;
	return r;
}

/* The loaded document @c->d (named @name) over the built-in defaults. */
static int
policy_from_doc(struct ctx *c, const char *name, struct pol_policy **out, struct pol_error *err)
{
	struct pol_policy *pol = NULL;
	yaml_node_t *root;
	int r;

	if ((pol = malloc(sizeof(*pol))) == NULL)
		return POL_ERR_NOMEM;
	*pol = *pol_policy_builtin();
	snprintf(pol->source, sizeof(pol->source), "%s", name);
	if ((root = util_yaml_doc_root(&c->d)) == NULL) {
		pol_error_set(err, name, 1, 1, NULL,
			      "the policy is empty; it needs at least 'version: 1'");
		r = POL_ERR_SCHEMA;
		goto out;
	}
	c->pol = pol;
	if ((r = map_parse(c, root, pol_root_keys, 0)) != POL_OK)
		goto out;
	*out = pol;
	pol = NULL;
out:
	free(pol);
	return r;
}

int
pol_policy_parse(const char *name, const void *buf, size_t len, struct pol_policy **out,
		 struct pol_error *err)
{
	struct ctx c = { 0 };
	int r;

	if (name == NULL || (buf == NULL && len > 0) || out == NULL)
		return POL_ERR_ARG;
	if ((r = util_yaml_doc_parse(&c.d, name, buf, len, "policy", err)) == POL_OK)
		r = policy_from_doc(&c, name, out, err);
	util_yaml_doc_free(&c.d);
	return r;
}

int
pol_policy_load(const char *path, struct pol_policy **out, struct pol_error *err)
{
	struct pol_policy *pol = NULL;
	struct ctx c = { 0 };
	int r;

	if (path == NULL || out == NULL)
		return POL_ERR_ARG;
	if ((r = util_yaml_doc_read(&c.d, path, POL_FILE_MAX, "policy", err)) != POL_OK)
		goto out;
	if ((r = policy_from_doc(&c, path, &pol, err)) != POL_OK)
		goto out;
	if ((r = pol_policy_validate(pol, err)) != POL_OK)
		goto out;
	*out = pol;
	pol = NULL;
out:
	util_yaml_doc_free(&c.d);
	free(pol);
	return r;
}

int
pol_policy_load_default(const char *path, struct pol_policy **out, struct pol_error *err)
{
	if (path != NULL)
		return pol_policy_load(path, out, err);
	if (access(POL_DEFAULT_PATH, F_OK) != 0 && errno == ENOENT)
		return pol_policy_new_default(out);
	return pol_policy_load(POL_DEFAULT_PATH, out, err);
}

int
pol_policy_new_default(struct pol_policy **out)
{
	struct pol_policy *pol;

	if (out == NULL)
		return POL_ERR_ARG;
	if ((pol = malloc(sizeof(*pol))) == NULL)
		return POL_ERR_NOMEM;
	*pol = *pol_policy_builtin();
	*out = pol;
	return POL_OK;
}

void
pol_policy_free(struct pol_policy *pol)
{
	free(pol);
}

const struct pol_profile *
pol_profile_find(const struct pol_policy *pol, const char *name)
{
	if (pol == NULL || name == NULL)
		return NULL;
	if (strcmp(name, "authentication") == 0)
		return &pol->authentication;
	if (strcmp(name, "signing") == 0)
		return &pol->signing;
	return NULL;
}

void
pol_passcode_rules(const struct pol_policy *pol, struct pol_passcode_rules *out)
{
	if (pol == NULL)
		pol = pol_policy_builtin();
	out->min_len = pol->passcode.min_length;
	out->max_len = pol->passcode.max_length;
	out->max_tries = pol->passcode.max_tries;
	out->max_age = pol->passcode.max_age;
	out->warn_before = pol->passcode.warning;
	out->kdf_n = pol->passcode.kdf.n;
	out->kdf_r = pol->passcode.kdf.r;
	out->kdf_p = pol->passcode.kdf.p;
}
