/*
 * yaml-doc.c: the YAML loading layer shared by the module configuration
 * and the policy (contract in yaml-doc.h). libyaml does the parsing; this
 * file only walks its document, so every rule about keys, types and error
 * positions is written once.
 */
#include "config.h"

#include "common/yaml-doc.h"
#include "common/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
util_yaml_error_set(struct util_yaml_error *err, const char *file, unsigned line,
		    unsigned column, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file != NULL ? file : "(yaml)");
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

int
util_yaml_fail(struct util_yaml_doc *d, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	util_yaml_error_set(d->err, d->name, (unsigned)n->start_mark.line + 1,
			    (unsigned)n->start_mark.column + 1, d->path, "%s", msg);
	return UTIL_YAML_ERR_SCHEMA;
}

/* libyaml's reason, at the position where it noticed. */
static int
syntax_error(const yaml_parser_t *p, const char *name, struct util_yaml_error *err)
{
	const yaml_mark_t *m = &p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return UTIL_YAML_ERR_NOMEM;
	if (p->context != NULL)
		util_yaml_error_set(err, name, (unsigned)m->line + 1, (unsigned)m->column + 1,
				    NULL, "YAML syntax: %s %s", p->problem ? p->problem : "error",
				    p->context);
	else
		util_yaml_error_set(err, name, (unsigned)m->line + 1, (unsigned)m->column + 1,
				    NULL, "YAML syntax: %s", p->problem ? p->problem : "error");
	return UTIL_YAML_ERR_SYNTAX;
}

/* A second "---" document would be silently ignored: refuse it instead. */
static int
no_second_document(yaml_parser_t *parser, const char *name, const char *kind,
		   struct util_yaml_error *err)
{
	yaml_document_t doc;
	int r = UTIL_YAML_OK;

	if (!yaml_parser_load(parser, &doc))
		return syntax_error(parser, name, err);
	if (yaml_document_get_root_node(&doc) != NULL) {
		util_yaml_error_set(err, name, (unsigned)doc.start_mark.line + 1,
				    (unsigned)doc.start_mark.column + 1, NULL,
				    "a %s file holds one YAML document; found a second", kind);
		r = UTIL_YAML_ERR_SCHEMA;
	}
	yaml_document_delete(&doc);
	return r;
}

int
util_yaml_doc_parse(struct util_yaml_doc *d, const char *name, const void *buf, size_t len,
		    const char *kind, struct util_yaml_error *err)
{
	static const unsigned char empty[1];
	yaml_parser_t parser;
	int r;

	d->name = name;
	d->err = err;
	d->path[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return UTIL_YAML_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, buf != NULL ? buf : empty, buf != NULL ? len : 0);
	if (!yaml_parser_load(&parser, &d->doc)) {
		r = syntax_error(&parser, name, err);
		goto out;
	}
	d->loaded = true;
	r = no_second_document(&parser, name, kind, err);
out:
	yaml_parser_delete(&parser);
	return r;
}

int
util_yaml_doc_read(struct util_yaml_doc *d, const char *path, size_t max, const char *kind,
		   struct util_yaml_error *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	d->name = path;
	d->err = err;
	if ((r = util_file_read_all(path, max, &buf, &len)) < 0) {
		if (r == -ENOMEM)
			return UTIL_YAML_ERR_NOMEM;
		if (r == -EFBIG)
			util_yaml_error_set(err, path, 0, 0, NULL, "cannot read: larger than %zu %s",
					    max % (1024 * 1024) == 0 ? max >> 20 : max >> 10,
					    max % (1024 * 1024) == 0 ? "MiB" : "KiB");
		else if (r == -EINVAL)
			util_yaml_error_set(err, path, 0, 0, NULL,
					    "cannot read: not a regular file");
		else
			util_yaml_error_set(err, path, 0, 0, NULL, "cannot read: %s",
					    strerror(-r));
		return UTIL_YAML_ERR_IO;
	}
	r = util_yaml_doc_parse(d, path, buf, len, kind, err);
	free(buf);
	return r;
}

void
util_yaml_doc_free(struct util_yaml_doc *d)
{
	if (d != NULL && d->loaded) {
		yaml_document_delete(&d->doc);
		d->loaded = false;
	}
}

yaml_node_t *
util_yaml_doc_root(struct util_yaml_doc *d)
{
	yaml_node_t *root = d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;

	if (root != NULL && root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0 &&
	    root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return NULL;
	return root;
}

size_t
util_yaml_path_push(struct util_yaml_doc *d, const char *name, size_t index)
{
	size_t old = strlen(d->path);

	if (name == NULL)
		snprintf(d->path + old, sizeof(d->path) - old, "[%zu]", index);
	else
		snprintf(d->path + old, sizeof(d->path) - old, "%s%s", old > 0 ? "." : "", name);
	return old;
}

void
util_yaml_path_pop(struct util_yaml_doc *d, size_t old)
{
	if (old < sizeof(d->path))
		d->path[old] = '\0';
}

const char *
util_yaml_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:		return "a mapping";
	case YAML_SEQUENCE_NODE:	return "a list";
	default:			return "a scalar";
	}
}

int
util_yaml_expect(struct util_yaml_doc *d, const yaml_node_t *n, yaml_node_type_t type,
		 const char *want)
{
	if (n->type != type)
		return util_yaml_fail(d, n, "expected %s, got %s", want, util_yaml_node_kind(n));
	return UTIL_YAML_OK;
}

unsigned
util_yaml_edit_distance(const char *a, const char *b)
{
	unsigned row[UTIL_YAML_KEYPATH_MAX + 1];
	size_t i, j, la = strlen(a), lb = strlen(b);

	if (la > UTIL_YAML_KEYPATH_MAX || lb > UTIL_YAML_KEYPATH_MAX)
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

/* The name of table row @i. */
static const char *
row_name(const void *keys, size_t stride, size_t i)
{
	return *(const char *const *)(const void *)((const char *)keys + i * stride);
}

/* The closest key name to a misspelt @s, within two edits; NULL if none. */
static const char *
suggest(const void *keys, size_t stride, const char *s)
{
	const char *best = NULL, *name;
	unsigned bestd = 3;
	size_t i;

	for (i = 0; (name = row_name(keys, stride, i)) != NULL; i++) {
		unsigned dist = util_yaml_edit_distance(name, s);

		if (dist < bestd) {
			bestd = dist;
			best = name;
		}
	}
	return best;
}

/* One key: value pair. @seen marks the rows already set in this mapping. */
static int
pair_parse(struct util_yaml_doc *d, yaml_node_pair_t *p, const void *keys, size_t stride,
	   const struct util_yaml_map_ops *ops, void *target, uint64_t *seen)
{
	yaml_node_t *kn = yaml_document_get_node(&d->doc, p->key);
	yaml_node_t *vn = yaml_document_get_node(&d->doc, p->value);
	const char *name, *hint, *row;
	size_t old, i;
	int r;

	if (kn == NULL || vn == NULL)
		return UTIL_YAML_ERR_SCHEMA;
	if (kn->type != YAML_SCALAR_NODE)
		return util_yaml_fail(d, kn, "a key must be a name, not %s", util_yaml_node_kind(kn));
	name = (const char *)kn->data.scalar.value;
	old = util_yaml_path_push(d, name, 0);
	for (i = 0; (row = row_name(keys, stride, i)) != NULL; i++)
		if (strcmp(row, name) == 0)
			break;
	if (row == NULL) {
		hint = suggest(keys, stride, name);
		if (hint != NULL)
			r = util_yaml_fail(d, kn, "unknown key '%s' (did you mean '%s'?)", name,
					   hint);
		else
			r = util_yaml_fail(d, kn, "unknown key '%s'", name);
	} else if (*seen & (1ull << i)) {
		r = util_yaml_fail(d, kn, "duplicate key '%s'", name);
	} else {
		*seen |= 1ull << i;
		r = ops->value(d, (const char *)keys + i * stride, kn, vn, target);
	}
	util_yaml_path_pop(d, old);	/* an error was recorded with the path */
	return r;
}

int
util_yaml_map(struct util_yaml_doc *d, yaml_node_t *map, const void *keys, size_t stride,
	      const struct util_yaml_map_ops *ops, void *target)
{
	uint64_t seen = 0;
	yaml_node_pair_t *p;
	const char *name;
	size_t i;
	int r;

	for (i = 0; row_name(keys, stride, i) != NULL; i++)
		if (i >= UTIL_YAML_MAP_KEYS_MAX)
			return util_yaml_fail(d, map, "internal error: key table too large");
	if (map->type != YAML_MAPPING_NODE)
		return util_yaml_fail(d, map, "expected a mapping (key: value lines), got %s",
				      util_yaml_node_kind(map));
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if ((r = pair_parse(d, p, keys, stride, ops, target, &seen)) != UTIL_YAML_OK)
			return r;
	for (i = 0; ops->required != NULL && (name = row_name(keys, stride, i)) != NULL; i++) {
		if (ops->required((const char *)keys + i * stride) && !(seen & (1ull << i))) {
			util_yaml_path_push(d, name, 0);	/* an error: not restored */
			return util_yaml_fail(d, map, "missing required key '%s'", name);
		}
	}
	return UTIL_YAML_OK;
}

int
util_yaml_each(struct util_yaml_doc *d, yaml_node_t *seq, const char *want,
	       int (*item)(struct util_yaml_doc *d, size_t i, yaml_node_t *n, void *arg),
	       void *arg)
{
	yaml_node_item_t *it;
	size_t i = 0, old;
	int r;

	if ((r = util_yaml_expect(d, seq, YAML_SEQUENCE_NODE, want)) != UTIL_YAML_OK)
		return r;
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
		yaml_node_t *in = yaml_document_get_node(&d->doc, *it);

		old = util_yaml_path_push(d, NULL, i);
		r = in != NULL ? item(d, i, in, arg) : util_yaml_fail(d, seq, "malformed list");
		util_yaml_path_pop(d, old);
		if (r != UTIL_YAML_OK)
			return r;
	}
	return UTIL_YAML_OK;
}

int
util_yaml_scalar(struct util_yaml_doc *d, const yaml_node_t *n, const char *want,
		 const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return util_yaml_fail(d, n, "expected %s, got %s", want, util_yaml_node_kind(n));
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0))
		return util_yaml_fail(d, n, "missing value: expected %s", want);
	if (strlen(s) != n->data.scalar.length)
		return util_yaml_fail(d, n, "contains a NUL character");
	*out = s;
	return UTIL_YAML_OK;
}

/* Typed values are plain scalars; a quoted one is text. */
static int
check_plain(struct util_yaml_doc *d, const yaml_node_t *n, const char *want, const char *s)
{
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return util_yaml_fail(d, n, "expected %s, not the quoted text '%s' (drop the "
				      "quotes)", want, s);
	return UTIL_YAML_OK;
}

int
util_yaml_uint(struct util_yaml_doc *d, const yaml_node_t *n, uint64_t min, uint64_t max,
	       bool none, uint64_t *out)
{
	const char *s, *p;
	uint64_t v = 0;
	int r;

	if ((r = util_yaml_scalar(d, n, "a whole number", &s)) != UTIL_YAML_OK ||
	    (r = check_plain(d, n, "a whole number", s)) != UTIL_YAML_OK)
		return r;
	if (none && strcmp(s, "none") == 0) {
		*out = 0;
		return UTIL_YAML_OK;
	}
	for (p = s; *p >= '0' && *p <= '9' && p - s < 19; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == s || *p != '\0')
		return util_yaml_fail(d, n, "expected a whole number%s, not '%s'",
				      none ? " or none" : "", s);
	if (v < min || v > max)
		return util_yaml_fail(d, n, "must be between %llu and %llu%s, not %s",
				      (unsigned long long)min, (unsigned long long)max,
				      none ? " (or none)" : "", s);
	*out = v;
	return UTIL_YAML_OK;
}

int
util_yaml_bool(struct util_yaml_doc *d, const yaml_node_t *n, bool *out)
{
	const char *s;
	int r;

	if ((r = util_yaml_scalar(d, n, "true or false", &s)) != UTIL_YAML_OK ||
	    (r = check_plain(d, n, "true or false", s)) != UTIL_YAML_OK)
		return r;
	if (strcmp(s, "true") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0)
		*out = false;
	else
		return util_yaml_fail(d, n, "expected true or false, not '%s'", s);
	return UTIL_YAML_OK;
}
