/*
 * The one YAML loading layer (libyaml's document API) under the module's
 * configuration (pkcs11/config.c) and the lifecycle policy (policy/load.c):
 * reading a file or buffer into exactly one document with a size limit,
 * the table-driven mapping walk (unknown and repeated keys, "did you mean",
 * required keys), typed scalars, and one error record that says
 * FILE:LINE:COLUMN: key.path: message.
 *
 * Pure with respect to the process: no environment, no logging, no
 * globals. Every function returns UTIL_YAML_OK (0) or a negative
 * UTIL_YAML_ERR_* code and, on a schema or syntax error, fills the
 * document's error record (if it has one).
 */
#ifndef CC_COMMON_YAML_DOC_H
#define CC_COMMON_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

enum {
	UTIL_YAML_OK = 0,
	UTIL_YAML_ERR_NOMEM = -1,	/* out of memory */
	UTIL_YAML_ERR_IO = -2,		/* file missing, unreadable or too large */
	UTIL_YAML_ERR_SYNTAX = -3,	/* not well-formed YAML */
	UTIL_YAML_ERR_SCHEMA = -4,	/* unknown key, wrong type, out-of-range value */
};

#define UTIL_YAML_FILE_MAX	4096	/* file names in messages */
#define UTIL_YAML_KEYPATH_MAX	128	/* "renewal.window", "readers[1].name" */
#define UTIL_YAML_MAP_KEYS_MAX	64	/* rows in one key table */

/*
 * Where and what. @text is the one-line form every caller prints:
 * "file:line:column: path: message", without the parts that are unknown
 * (line 0 = not tied to a position, "" path = not tied to a key).
 */
struct util_yaml_error {
	char file[UTIL_YAML_FILE_MAX];
	unsigned line, column;			/* 1-based; 0 when not tied to a position */
	char path[UTIL_YAML_KEYPATH_MAX];	/* key path, "" when not tied to a key */
	char message[256];
	char text[UTIL_YAML_FILE_MAX + 512];
};

/* Fill *err (NULL is fine) and its one-line text. */
void util_yaml_error_set(struct util_yaml_error *err, const char *file, unsigned line,
			 unsigned column, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A loaded document and the state of the walk over it. */
struct util_yaml_doc {
	yaml_document_t doc;
	bool loaded;
	const char *name;			/* borrowed: the file name in messages */
	struct util_yaml_error *err;		/* borrowed, may be NULL */
	char path[UTIL_YAML_KEYPATH_MAX];	/* key path of the node being parsed */
};

/*
 * Parse @len bytes (named @name in messages) as exactly one YAML document
 * into @d (zeroed by the caller). @kind names the file in the message about
 * a second document ("a policy file holds one YAML document; found a
 * second"). UTIL_YAML_ERR_SYNTAX with libyaml's reason at its position.
 * Free with util_yaml_doc_free() whatever this returns.
 */
int util_yaml_doc_parse(struct util_yaml_doc *d, const char *name, const void *buf, size_t len,
			const char *kind, struct util_yaml_error *err);

/*
 * Read the regular file @path (at most @max bytes) and parse it as above.
 * A missing, unreadable or oversized file is UTIL_YAML_ERR_IO with
 * "PATH: cannot read: REASON".
 */
int util_yaml_doc_read(struct util_yaml_doc *d, const char *path, size_t max, const char *kind,
		       struct util_yaml_error *err);

void util_yaml_doc_free(struct util_yaml_doc *d);

/* The root node, or NULL when the document is empty (comments only, or ""). */
yaml_node_t *util_yaml_doc_root(struct util_yaml_doc *d);

/* An error at @n (its start mark) on the current key path: UTIL_YAML_ERR_SCHEMA. */
int util_yaml_fail(struct util_yaml_doc *d, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append ".name" (or "[index]" when @name is NULL) to the key path; returns the old length. */
size_t util_yaml_path_push(struct util_yaml_doc *d, const char *name, size_t index);
void util_yaml_path_pop(struct util_yaml_doc *d, size_t old);

/* "a mapping", "a list" or "a scalar". */
const char *util_yaml_node_kind(const yaml_node_t *n);

/* @n must be of @type: else "expected WANT, got a KIND". */
int util_yaml_expect(struct util_yaml_doc *d, const yaml_node_t *n, yaml_node_type_t type,
		     const char *want);

/*
 * The table-driven mapping walk. @keys is an array of rows @stride bytes
 * apart, each starting with its `const char *name`, ended by a row whose
 * name is NULL (at most UTIL_YAML_MAP_KEYS_MAX rows). For each key: an
 * unknown name is an error (with the closest known name as a hint), a
 * repeated one too; otherwise @value parses it with the key on the path.
 * Afterwards every row @required says is required must have appeared.
 */
struct util_yaml_map_ops {
	int (*value)(struct util_yaml_doc *d, const void *key, yaml_node_t *kn, yaml_node_t *vn,
		     void *target);
	bool (*required)(const void *key);	/* NULL: no key is required */
};

int util_yaml_map(struct util_yaml_doc *d, yaml_node_t *map, const void *keys, size_t stride,
		  const struct util_yaml_map_ops *ops, void *target);

/*
 * Call @item for each entry of the sequence @seq (else "expected WANT, got
 * a KIND"), with "[i]" on the key path.
 */
int util_yaml_each(struct util_yaml_doc *d, yaml_node_t *seq, const char *want,
		   int (*item)(struct util_yaml_doc *d, size_t i, yaml_node_t *n, void *arg),
		   void *arg);

/*
 * The text of a scalar: not another kind of node ("expected WANT, got a
 * mapping"), not empty or null ("missing value: expected WANT"), no NUL byte.
 */
int util_yaml_scalar(struct util_yaml_doc *d, const yaml_node_t *n, const char *want,
		     const char **out);

/*
 * Typed scalars. Numbers and booleans are plain YAML scalars: a quoted "4"
 * is text, and refused as such.
 * uint: decimal digits in @min..@max; with @none, "none" gives 0.
 * bool: true or false.
 */
int util_yaml_uint(struct util_yaml_doc *d, const yaml_node_t *n, uint64_t min, uint64_t max,
		   bool none, uint64_t *out);
int util_yaml_bool(struct util_yaml_doc *d, const yaml_node_t *n, bool *out);

/* Levenshtein distance (for "did you mean"); (unsigned)-1 for overlong names. */
unsigned util_yaml_edit_distance(const char *a, const char *b);

#endif
