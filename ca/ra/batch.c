/*
 * ca/batch.c: batch import of users and positions — the RFC 4180 CSV
 * reader and the rows it yields. The check and the apply: batch-check.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/ctx.h"
#include "ca/ra/batch.h"
#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/registry/registry-ra.h"

#define CSV_FIELDS_MAX 16

enum { COL_UUID, COL_NAME, COL_EMAIL, COL_MOBILE, COL_ROLE, COL_ODS, COL_ACTION, COL_REASON,
       COL_COUNT };
static const char *const col_names[COL_COUNT] = { "uuid", "name", "email", "mobile",
						  "role", "ods", "action", "reason" };

/* Columns a file may leave out; their empty cells are NULL. */
#define COL_OPTIONAL(k) ((k) == COL_EMAIL || (k) == COL_MOBILE || (k) == COL_ACTION || \
			 (k) == COL_REASON)

struct csv {
	const char *p, *end;
	unsigned line;
	FILE *errs;
	unsigned *nerrors;
};

struct buf {
	char *s;
	size_t len, cap;
};

static int
buf_put(struct buf *b, char ch)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);

		if (s == NULL)
			return CA_ERR_ALLOC;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = ch;
	b->s[b->len] = '\0';
	return CA_OK;
}

static void
csv_error(struct csv *c, unsigned line, const char *msg, const char *arg)
{
	fprintf(c->errs, "line %u: %s%s%s\n", line, msg, arg ? " " : "", arg ? arg : "");
	(*c->nerrors)++;
}

/* A quoted field, from just after its opening quote. */
static int
csv_quoted(struct csv *c, struct buf *b, unsigned start)
{
	int r;

	for (;;) {
		if (c->p == c->end) {
			csv_error(c, start, "unterminated quoted field", NULL);
			return CA_ERR_USAGE;
		}
		if (*c->p == '"') {
			c->p++;
			if (c->p == c->end || *c->p != '"')
				return CA_OK;	/* closing quote */
		} else if (*c->p == '\n') {
			c->line++;
		}
		if ((r = buf_put(b, *c->p++)) != CA_OK)
			return r;
	}
}

/*
 * One field into @b; *eor is set when it ends its record (line end or end
 * of input). CA_ERR_USAGE for a syntax error (reported).
 */
static int
csv_field(struct csv *c, struct buf *b, int *eor)
{
	unsigned start = c->line;
	int r;

	b->len = 0;
	if ((r = buf_put(b, 'x')) != CA_OK)	/* make b->s non-NULL */
		return r;
	b->len = 0;
	b->s[0] = '\0';
	if (c->p < c->end && *c->p == '"') {
		c->p++;
		if ((r = csv_quoted(c, b, start)) != CA_OK)
			return r;
	} else {
		while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
			if (*c->p == '"' || *c->p == '\0') {
				csv_error(c, start, *c->p ? "quote inside an unquoted field"
					  : "NUL byte", NULL);
				return CA_ERR_USAGE;
			}
			if ((r = buf_put(b, *c->p++)) != CA_OK)
				return r;
		}
	}
	*eor = 1;
	if (c->p == c->end)
		return CA_OK;
	if (*c->p == ',') {
		c->p++;
		*eor = 0;
		return CA_OK;
	}
	if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')
		c->p++;
	if (*c->p == '\n') {
		c->p++;
		c->line++;
		return CA_OK;
	}
	csv_error(c, start, "text after a closing quote or a lone CR", NULL);
	*eor = 0;	/* the caller skips the rest of the line */
	return CA_ERR_USAGE;
}

/* Skip the rest of a line after a syntax error. */
static void
csv_resync(struct csv *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end) {
		c->p++;
		c->line++;
	}
}

/* One record: *n fields, strdup'ed into @f. CA_ERR_USAGE = reported, skipped. */
static int
csv_record(struct csv *c, char **f, unsigned *n)
{
	struct buf b = { NULL, 0, 0 };
	unsigned start = c->line;
	int eor = 0, r = CA_OK;

	*n = 0;
	while (!eor && r == CA_OK) {
		if ((r = csv_field(c, &b, &eor)) != CA_OK)
			break;
		if (*n == CSV_FIELDS_MAX) {
			csv_error(c, start, "too many fields", NULL);
			r = CA_ERR_USAGE;
		} else if ((f[(*n)++] = strdup(b.s)) == NULL) {
			r = CA_ERR_ALLOC;
		}
	}
	free(b.s);
	if (r == CA_ERR_USAGE && !eor)
		csv_resync(c);
	if (r != CA_OK) {
		while (*n > 0)
			free(f[--(*n)]);
	}
	return r;
}

static void
row_clear(struct ca_batch_row *row)
{
	free(row->uuid);
	free(row->name);
	free(row->email);
	free(row->mobile);
	free(row->role);
	free(row->ods);
	free(row->action_text);
	free(row->reason);
	free(row->reg_name);
	free(row->reg_email);
	free(row->reg_mobile);
	memset(row, 0, sizeof(*row));
}

void
ca_batch_clear(struct ca_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		row_clear(&b->rows[i]);
	free(b->rows);
	memset(b, 0, sizeof(*b));
}

/* Map header names to columns: map[field] = COL_*. */
static int
header_parse(struct csv *c, char **f, unsigned n, int *map)
{
	unsigned i, k, seen = 0;
	int ok = 1;

	for (i = 0; i < n; i++) {
		for (k = 0; k < COL_COUNT && strcmp(f[i], col_names[k]) != 0; k++)
			;
		if (k == COL_COUNT || (seen & (1u << k))) {
			csv_error(c, 1, k == COL_COUNT ? "unknown column" : "repeated column",
				  f[i]);
			ok = 0;
			continue;
		}
		seen |= 1u << k;
		map[i] = (int)k;
	}
	for (k = 0; k < COL_COUNT; k++)
		if (!COL_OPTIONAL(k) && !(seen & (1u << k))) {
			csv_error(c, 1, "missing column", col_names[k]);
			ok = 0;
		}
	return ok ? CA_OK : CA_ERR_USAGE;
}

/* Take the fields of one record into a row (empty optional fields -> NULL). */
static void
row_take(struct ca_batch_row *row, char **f, unsigned n, const int *map, unsigned line)
{
	char **slot[COL_COUNT] = { &row->uuid, &row->name, &row->email, &row->mobile,
				   &row->role, &row->ods, &row->action_text, &row->reason };
	unsigned i;

	memset(row, 0, sizeof(*row));
	row->line = line;
	for (i = 0; i < n; i++) {
		if (COL_OPTIONAL(map[i]) && f[i][0] == '\0') {
			free(f[i]);
			continue;
		}
		*slot[map[i]] = f[i];
	}
}

static int
rows_add(struct ca_batch *b, size_t *cap, char **f, unsigned n, const int *map, unsigned line)
{
	struct ca_batch_row *rows;

	if (b->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((rows = reallocarray(b->rows, *cap, sizeof(*rows))) == NULL)
			return CA_ERR_ALLOC;
		b->rows = rows;
	}
	row_take(&b->rows[b->n++], f, n, map, line);
	return CA_OK;
}

/* The header record: the column map and its width, or CA_ERR_USAGE (reported). */
static int
header_read(struct csv *c, int *map, unsigned *width)
{
	char *f[CSV_FIELDS_MAX];
	unsigned n = 0;
	int r;

	if ((r = csv_record(c, f, &n)) != CA_OK)
		return r;
	r = header_parse(c, f, n, map);
	*width = n;
	while (n > 0)
		free(f[--n]);
	return r;
}

int
ca_batch_parse(const char *buf, size_t len, struct ca_batch *out, FILE *errs,
	       unsigned *nerrors)
{
	struct csv c = { buf, buf + len, 1, errs, nerrors };
	struct ca_batch b = { 0, NULL };
	char *f[CSV_FIELDS_MAX];
	int map[CSV_FIELDS_MAX];
	size_t cap = 0;
	unsigned n = 0, width = 0, line;
	int r;

	/* Spreadsheets save "CSV UTF-8" with a byte-order mark: not part of
	 * the first column's name. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	if ((r = header_read(&c, map, &width)) != CA_OK) {
		*out = b;
		return r == CA_ERR_ALLOC ? r : CA_OK;	/* reported; nothing to check */
	}
	for (line = c.line; c.p < c.end; line = c.line) {
		if ((r = csv_record(&c, f, &n)) == CA_ERR_ALLOC)
			goto out;
		if (r == CA_OK && n != width && !(n == 1 && f[0][0] == '\0')) {
			fprintf(errs, "line %u: %u fields, the header has %u\n", line, n, width);
			(*nerrors)++;
		} else if (r == CA_OK && n == width && b.n == CA_BATCH_ROWS_MAX) {
			fprintf(errs, "line %u: more than %d rows\n", line, CA_BATCH_ROWS_MAX);
			(*nerrors)++;
		} else if (r == CA_OK && n == width) {
			if ((r = rows_add(&b, &cap, f, n, map, line)) != CA_OK)
				goto out;
			continue;	/* the row owns the fields now */
		}
		while (n > 0)
			free(f[--n]);
	}
	r = CA_OK;
out:
	if (r != CA_OK) {
		while (n > 0)
			free(f[--n]);
		ca_batch_clear(&b);
		return r;
	}
	*out = b;
	return CA_OK;
}
