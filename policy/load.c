/*
 * Policy loader: libyaml's document API, mapped onto struct pol_policy by
 * walking the schema tables (schema.c). Loading starts from the built-in
 * defaults, so a file need only say what differs. Every error names
 * file:line:column and the key path; the first error stops the load.
 * Cross-key checks live in validate.c, not here.
 */
#include "config.h"

#include "policy/policy.h"
#include "policy/schema.h"
#include "policy/load-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/fileio.h"

struct ctx {
	yaml_document_t *doc;
	struct pol_policy *pol;
	struct pol_error *err;
	const char *name;
	char path[POL_KEYPATH_MAX];
	unsigned depth;
};

void
pol_error_set(struct pol_error *err, const char *file, unsigned line, unsigned column,
	      const char *path, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file != NULL ? file : "(policy)");
	snprintf(err->path, sizeof(err->path), "%s", path != NULL ? path : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (line == 0 && err->path[0] == '\0')
		snprintf(err->text, sizeof(err->text), "%s: %s", err->file, err->message);
	else if (line == 0)
		snprintf(err->text, sizeof(err->text), "%s: %s: %s", err->file, err->path,
			 err->message);
	else if (err->path[0] == '\0')
		snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s", err->file, line, column,
			 err->message);
	else
		snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s: %s", err->file, line,
			 column, err->path, err->message);
}

#define fail(c, node, ...)                                                                 \
	pol_error_set((c)->err, (c)->name, (unsigned)(node)->start_mark.line + 1,          \
		      (unsigned)(node)->start_mark.column + 1, (c)->path, __VA_ARGS__)

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:		return "a mapping";
	case YAML_SEQUENCE_NODE:	return "a list";
	default:			return "a scalar";
	}
}

/* Append ".name" (or "[i]" when @name is NULL) to the key path; returns the old length. */
static size_t
path_push(struct ctx *c, const char *name, size_t index)
{
	size_t old = strlen(c->path);

	if (name == NULL)
		snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", index);
	else
		snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old > 0 ? "." : "", name);
	return old;
}

/* The text of a scalar; refuses other node kinds, empty values and NUL bytes. */
static int
scalar(struct ctx *c, yaml_node_t *n, const char *want, const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		fail(c, n, "expected %s, got %s", want, node_kind(n));
		return POL_ERR_SCHEMA;
	}
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)) {
		fail(c, n, "missing value: expected %s", want);
		return POL_ERR_SCHEMA;
	}
	if (strlen(s) != n->data.scalar.length) {
		fail(c, n, "contains a NUL character");
		return POL_ERR_SCHEMA;
	}
	*out = s;
	return POL_OK;
}

static int
parse_uint(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	const char *s, *p;
	uint64_t v = 0;
	int r;

	if ((r = scalar(c, n, "a whole number", &s)) != POL_OK)
		return r;
	if ((k->flags & POL_KF_NONE) && strcmp(s, "none") == 0) {
		*(unsigned *)dst = 0;
		return POL_OK;
	}
	for (p = s; *p >= '0' && *p <= '9' && p - s < 10; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == s || *p != '\0') {
		fail(c, n, "expected a whole number%s, not '%s'",
		     (k->flags & POL_KF_NONE) ? " or none" : "", s);
		return POL_ERR_SCHEMA;
	}
	if (v < (uint64_t)k->min || v > (uint64_t)k->max) {
		fail(c, n, "must be between %lld and %lld%s, not %s", (long long)k->min,
		     (long long)k->max, (k->flags & POL_KF_NONE) ? " (or none)" : "", s);
		return POL_ERR_SCHEMA;
	}
	*(unsigned *)dst = (unsigned)v;
	return POL_OK;
}

static int
parse_duration(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	char lo[32], hi[32];
	const char *s;
	int64_t v;
	int r;

	if ((r = scalar(c, n, "a duration", &s)) != POL_OK)
		return r;
	if ((k->flags & POL_KF_NONE) && strcmp(s, "none") == 0) {
		*(int64_t *)dst = 0;
		return POL_OK;
	}
	if (pol_duration_parse(s, &v) != POL_OK) {
		fail(c, n, "expected a duration such as 90d, 12h or 2y (units s m h d w y), not '%s'",
		     s);
		return POL_ERR_SCHEMA;
	}
	if (v < k->min || v > k->max) {
		pol_duration_format(k->min, lo, sizeof(lo));
		pol_duration_format(k->max, hi, sizeof(hi));
		fail(c, n, "must be between %s and %s%s, not %s", lo, hi,
		     (k->flags & POL_KF_NONE) ? " (or none)" : "", s);
		return POL_ERR_SCHEMA;
	}
	*(int64_t *)dst = v;
	return POL_OK;
}

static int
parse_bool(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	const char *s;
	int r;

	if ((r = scalar(c, n, "true or false", &s)) != POL_OK)
		return r;
	if (strcmp(s, "true") == 0) {
		*(bool *)dst = true;
	} else if (strcmp(s, "false") == 0) {
		*(bool *)dst = false;
	} else {
		fail(c, n, "expected true or false, not '%s'", s);
		return POL_ERR_SCHEMA;
	}
	return POL_OK;
}

/* Checks shared by strings and list items: size, digits-only, URL scheme. */
static int
check_text(struct ctx *c, const struct pol_key *k, yaml_node_t *n, const char *s, size_t size)
{
	size_t i, len = strlen(s);
	char why[200];

	if (len >= size) {
		fail(c, n, "longer than %zu characters", size - 1);
		return POL_ERR_SCHEMA;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			fail(c, n, "contains a control character");
			return POL_ERR_SCHEMA;
		}
		if ((k->flags & POL_KF_DIGITS) && (s[i] < '0' || s[i] > '9')) {
			fail(c, n, "expected digits only, not '%s'", s);
			return POL_ERR_SCHEMA;
		}
	}
	/* The CA's URL rule (pol_url_check, validate.c), located at the value. */
	if ((k->flags & POL_KF_URL) && pol_url_check(s, why, sizeof(why)) != POL_OK) {
		fail(c, n, "%s, not '%s'", why, s);
		return POL_ERR_SCHEMA;
	}
	return POL_OK;
}

static int
parse_string(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	const char *s;
	int r;

	if ((r = scalar(c, n, "text", &s)) != POL_OK)
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

	if ((r = scalar(c, n, "a name", &s)) != POL_OK)
		return r;
	if (!pol_name_find(k->names, s, &v)) {
		fail(c, n, "unknown value '%s'; expected %s or %s", s, k->names[0].name,
		     k->names[1].name);
		return POL_ERR_SCHEMA;
	}
	*(unsigned *)dst = v;
	return POL_OK;
}

/* Calls @item for each entry of a sequence node, with "[i]" on the key path. */
static int
each_item(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst,
	  int (*item)(struct ctx *, const struct pol_key *, yaml_node_t *, const char *, void *))
{
	yaml_node_item_t *it;
	size_t i = 0, old;
	const char *s;
	int r = POL_OK;

	if (n->type != YAML_SEQUENCE_NODE) {
		fail(c, n, "expected a list such as [a, b], got %s", node_kind(n));
		return POL_ERR_SCHEMA;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		yaml_node_t *in = yaml_document_get_node(c->doc, *it);

		old = path_push(c, NULL, i);
		if (in == NULL)
			r = POL_ERR_SCHEMA;
		else if ((r = scalar(c, in, "a list entry", &s)) == POL_OK)
			r = item(c, k, in, s, dst);
		c->path[old] = '\0';
		if (r != POL_OK)
			return r;
	}
	return POL_OK;
}

static int
list_item(struct ctx *c, const struct pol_key *k, yaml_node_t *n, const char *s, void *dst)
{
	struct pol_strlist *l = dst;
	unsigned i;
	int r;

	if ((r = check_text(c, k, n, s, POL_ITEM_MAX)) != POL_OK)
		return r;
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->item[i], s) == 0) {
			fail(c, n, "'%s' is listed twice", s);
			return POL_ERR_SCHEMA;
		}
	}
	if (l->n == POL_LIST_MAX) {
		fail(c, n, "more than %d entries", POL_LIST_MAX);
		return POL_ERR_SCHEMA;
	}
	memcpy(l->item[l->n++], s, strlen(s) + 1);
	return POL_OK;
}

static int
parse_list(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	struct pol_strlist l = { 0 };
	int r;

	if ((r = each_item(c, k, n, &l, list_item)) != POL_OK)
		return r;
	*(struct pol_strlist *)dst = l;
	return POL_OK;
}

static int
flag_item(struct ctx *c, const struct pol_key *k, yaml_node_t *n, const char *s, void *dst)
{
	unsigned *set = dst, v;
	char all[256] = "";
	const struct pol_name *nm;
	size_t used = 0;

	if (!pol_name_find(k->names, s, &v)) {
		for (nm = k->names; nm->name != NULL && used < sizeof(all); nm++)
			used += (size_t)snprintf(all + used, sizeof(all) - used, "%s%s",
						 used ? ", " : "", nm->name);
		fail(c, n, "unknown name '%s'; expected one of: %s", s, all);
		return POL_ERR_SCHEMA;
	}
	if (*set & v) {
		fail(c, n, "'%s' is listed twice", s);
		return POL_ERR_SCHEMA;
	}
	*set |= v;
	return POL_OK;
}

static int
parse_flags(struct ctx *c, const struct pol_key *k, yaml_node_t *n, void *dst)
{
	unsigned set = 0;
	int r;

	if ((r = each_item(c, k, n, &set, flag_item)) != POL_OK)
		return r;
	*(unsigned *)dst = set;
	return POL_OK;
}

static int map_parse(struct ctx *c, yaml_node_t *map, const struct pol_key *keys, size_t base);

/* Parse one key's value into the policy at @base + k->offset. */
static int
parse_value(struct ctx *c, const struct pol_key *k, yaml_node_t *n, size_t base)
{
	void *dst = (char *)c->pol + base + k->offset;

	switch (k->type) {
	case POL_T_SECTION:	return map_parse(c, n, k->sub, base + k->offset);
	case POL_T_UINT:	return parse_uint(c, k, n, dst);
	case POL_T_DURATION:	return parse_duration(c, k, n, dst);
	case POL_T_BOOL:	return parse_bool(c, k, n, dst);
	case POL_T_STRING:	return parse_string(c, k, n, dst);
	case POL_T_LIST:	return parse_list(c, k, n, dst);
	case POL_T_FLAGS:	return parse_flags(c, k, n, dst);
	case POL_T_ENUM:	return parse_enum(c, k, n, dst);
	}
	return POL_ERR_SCHEMA;
}

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
	snprintf(o->path, sizeof(o->path), "%s", c->path);
}

/* The closest key name to a misspelt @s, within two edits; NULL if none. */
static const char *
suggest(const struct pol_key *keys, const char *s)
{
	const char *best = NULL;
	unsigned bestd = 3;

	for (; keys->name != NULL; keys++) {
		unsigned d = pol_edit_distance(keys->name, s);

		if (d < bestd) {
			bestd = d;
			best = keys->name;
		}
	}
	return best;
}

/* One key: value pair of a mapping. @seen marks keys already set here. */
static int
pair_parse(struct ctx *c, yaml_node_pair_t *p, const struct pol_key *keys, size_t base,
	   unsigned long long *seen)
{
	yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
	yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
	const struct pol_key *k;
	const char *name, *hint;
	size_t old, idx;
	int r = POL_ERR_SCHEMA;

	if (kn == NULL || vn == NULL)
		return POL_ERR_SCHEMA;
	if (kn->type != YAML_SCALAR_NODE) {
		fail(c, kn, "a key must be a name, not %s", node_kind(kn));
		return POL_ERR_SCHEMA;
	}
	name = (const char *)kn->data.scalar.value;
	old = path_push(c, name, 0);
	for (k = keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			break;
	idx = (size_t)(k - keys);
	if (k->name == NULL) {
		hint = suggest(keys, name);
		if (hint != NULL)
			fail(c, kn, "unknown key '%s' (did you mean '%s'?)", name, hint);
		else
			fail(c, kn, "unknown key '%s'", name);
	} else if (*seen & (1ull << idx)) {
		fail(c, kn, "duplicate key '%s'", name);
	} else {
		*seen |= 1ull << idx;
		r = parse_value(c, k, vn, base);
		if (r == POL_OK && k->type != POL_T_SECTION)
			origin_add(c, base + k->offset, kn);
	}
	c->path[old] = '\0';
	return r;
}

/* Map a YAML mapping onto the policy at @base using @keys; unknown keys are errors. */
static int
map_parse(struct ctx *c, yaml_node_t *map, const struct pol_key *keys, size_t base)
{
	unsigned long long seen = 0;
	yaml_node_pair_t *p;
	const struct pol_key *k;
	int r;

	if (map->type != YAML_MAPPING_NODE) {
		fail(c, map, "expected a mapping (key: value lines), got %s", node_kind(map));
		return POL_ERR_SCHEMA;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if ((r = pair_parse(c, p, keys, base, &seen)) != POL_OK)
			return r;
	for (k = keys; k->name != NULL; k++) {
		if ((k->flags & POL_KF_REQUIRED) && !(seen & (1ull << (k - keys)))) {
			path_push(c, k->name, 0);	/* an error: the path is not restored */
			fail(c, map, "missing required key '%s'", k->name);
			return POL_ERR_SCHEMA;
		}
	}
	return POL_OK;
}

unsigned
pol_edit_distance(const char *a, const char *b)
{
	unsigned row[POL_KEYPATH_MAX + 1];
	size_t i, j, la = strlen(a), lb = strlen(b);

	if (la > POL_KEYPATH_MAX || lb > POL_KEYPATH_MAX)
		return (unsigned)-1;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0], tmp;

		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = tmp;
			row[j] = best;
		}
	}
	return row[lb];
}

static int
syntax_error(const yaml_parser_t *parser, const char *name, struct pol_error *err)
{
	const yaml_mark_t *m = &parser->problem_mark;

	if (parser->error == YAML_MEMORY_ERROR)
		return POL_ERR_NOMEM;
	if (parser->context != NULL)
		pol_error_set(err, name, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
			      "YAML syntax: %s %s", parser->problem ? parser->problem : "error",
			      parser->context);
	else
		pol_error_set(err, name, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
			      "YAML syntax: %s", parser->problem ? parser->problem : "error");
	return POL_ERR_SYNTAX;
}

/* A policy file holds exactly one document; refuse a second one. */
static int
no_second_document(yaml_parser_t *parser, const char *name, struct pol_error *err)
{
	yaml_document_t doc;
	yaml_node_t *root;
	int r = POL_OK;

	if (!yaml_parser_load(parser, &doc))
		return syntax_error(parser, name, err);
	root = yaml_document_get_root_node(&doc);
	if (root != NULL) {
		pol_error_set(err, name, (unsigned)doc.start_mark.line + 1,
			      (unsigned)doc.start_mark.column + 1, NULL,
			      "a policy file holds one YAML document; found a second");
		r = POL_ERR_SCHEMA;
	}
	yaml_document_delete(&doc);
	return r;
}

int
pol_policy_parse(const char *name, const void *buf, size_t len, struct pol_policy **out,
		 struct pol_error *err)
{
	struct pol_policy *pol = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	bool have_parser = false, have_doc = false;
	struct ctx c = { 0 };
	int r = POL_ERR_NOMEM;

	if (name == NULL || (buf == NULL && len > 0) || out == NULL)
		return POL_ERR_ARG;
	if ((pol = malloc(sizeof(*pol))) == NULL)
		goto out;
	*pol = *pol_policy_builtin();
	snprintf(pol->source, sizeof(pol->source), "%s", name);
	if (!yaml_parser_initialize(&parser))
		goto out;
	have_parser = true;
	yaml_parser_set_input_string(&parser, buf != NULL ? (const unsigned char *)buf : (const unsigned char *)"", len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = syntax_error(&parser, name, err);
		goto out;
	}
	have_doc = true;
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		pol_error_set(err, name, 1, 1, NULL, "the policy is empty; it needs at least 'version: 1'");
		r = POL_ERR_SCHEMA;
		goto out;
	}
	c.doc = &doc;
	c.pol = pol;
	c.err = err;
	c.name = name;
	if ((r = map_parse(&c, root, pol_root_keys, 0)) != POL_OK)
		goto out;
	if ((r = no_second_document(&parser, name, err)) != POL_OK)
		goto out;
	*out = pol;
	pol = NULL;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(pol);
	return r;
}

int
pol_policy_load(const char *path, struct pol_policy **out, struct pol_error *err)
{
	struct pol_policy *pol = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if (path == NULL || out == NULL)
		return POL_ERR_ARG;
	r = util_file_read_all(path, POL_FILE_MAX, &buf, &len);
	if (r < 0) {
		pol_error_set(err, path, 0, 0, NULL, "cannot read: %s",
			      r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r == -ENOMEM ? POL_ERR_NOMEM : POL_ERR_IO;
	}
	if ((r = pol_policy_parse(path, buf, len, &pol, err)) != POL_OK)
		goto out;
	if ((r = pol_policy_validate(pol, err)) != POL_OK)
		goto out;
	*out = pol;
	pol = NULL;
out:
	free(buf);
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
}
