/*
 * ca/batch.c: batch import of users and positions — RFC 4180 CSV reader,
 * the all-rows check, and the one-transaction apply.
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

enum { COL_UUID, COL_NAME, COL_EMAIL, COL_MOBILE, COL_ROLE, COL_ODS, COL_COUNT };
static const char *const col_names[COL_COUNT] = { "uuid", "name", "email", "mobile",
						  "role", "ods" };

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
		if (k != COL_EMAIL && k != COL_MOBILE && !(seen & (1u << k))) {
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
				   &row->role, &row->ods };
	unsigned i;

	memset(row, 0, sizeof(*row));
	row->line = line;
	for (i = 0; i < n; i++) {
		if ((map[i] == COL_EMAIL || map[i] == COL_MOBILE) && f[i][0] == '\0') {
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

static void row_err(FILE *errs, unsigned *nerrors, const struct ca_batch_row *row,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
row_err(FILE *errs, unsigned *nerrors, const struct ca_batch_row *row, const char *fmt, ...)
{
	va_list ap;

	fprintf(errs, "line %u: ", row->line);
	va_start(ap, fmt);
	vfprintf(errs, fmt, ap);
	va_end(ap);
	fputc('\n', errs);
	(*nerrors)++;
}

/* The row on its own: identifiers, contact formats. */
static void
row_format(const struct ca_batch_row *row, FILE *errs, unsigned *ne)
{
	char msg[256];

	if (ca_uuid_check(row->uuid) != CA_OK)
		row_err(errs, ne, row, "uuid '%s' is not 12 digits", row->uuid);
	if (ca_check_name("name", row->name, strlen(row->name), NULL, msg, sizeof(msg)) != CA_OK)
		row_err(errs, ne, row, "%s", msg);
	if (ca_role_check(row->role) != CA_OK)
		row_err(errs, ne, row, "role '%s' is not lower-case letters, digits and '-'",
			row->role);
	if (ca_ods_check(row->ods) != CA_OK)
		row_err(errs, ne, row, "ODS code '%s' is not 1-15 upper-case letters and "
			"digits", row->ods);
	if (row->email != NULL && ca_check_email("email", row->email, msg, sizeof(msg)) != CA_OK)
		row_err(errs, ne, row, "%s", msg);
	if (row->mobile != NULL && ca_check_mobile("mobile", row->mobile, msg, sizeof(msg)) != CA_OK)
		row_err(errs, ne, row, "%s", msg);
}

static int
same_opt(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The row against the registry; marks new people and held positions. */
static int
row_registry(struct ca_reg *reg, struct ca_batch_row *row, FILE *errs, unsigned *ne)
{
	struct ca_person p = { 0 };
	int r;

	if ((r = ca_reg_org_get(reg, row->ods, NULL, NULL)) == CA_ERR_NOT_FOUND)
		row_err(errs, ne, row, "organisation %s is not registered: org-add it first",
			row->ods);
	else if (r != CA_OK)
		return r;
	if ((r = ca_reg_person_get(reg, row->uuid, &p)) == CA_ERR_NOT_FOUND) {
		row->new_person = 1;
		return CA_OK;
	}
	if (r != CA_OK)
		return r;
	if (strcmp(p.name, row->name) != 0)
		row_err(errs, ne, row, "uuid %s is registered as '%s'", row->uuid, p.name);
	ca_person_clear(&p);
	r = ca_reg_position_has(reg, row->uuid, row->role, row->ods);
	if (r == CA_OK)
		row->held = 1;
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct ca_batch_row *x = *(const struct ca_batch_row *const *)a;
	const struct ca_batch_row *y = *(const struct ca_batch_row *const *)b;
	int c = strcmp(x->uuid, y->uuid);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Rows of one person must agree; a position must not repeat. Sorted by
 * (uuid, line), so each row is compared with the person's first row. */
static void
rows_consistent(struct ca_batch_row **v, size_t n, FILE *errs, unsigned *ne)
{
	size_t i, first = 0, k;
	char where[32];

	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->uuid, v[first]->uuid) != 0) {
			first = i;
			continue;
		}
		v[i]->new_person = 0;	/* added by the person's first row */
		snprintf(where, sizeof(where), "%u", v[first]->line);
		if (strcmp(v[i]->name, v[first]->name) != 0 ||
		    !same_opt(v[i]->email, v[first]->email) ||
		    !same_opt(v[i]->mobile, v[first]->mobile))
			row_err(errs, ne, v[i], "uuid %s has a different name, email or mobile "
				"on line %s", v[i]->uuid, where);
		for (k = first; k < i; k++)
			if (strcmp(v[k]->role, v[i]->role) == 0 &&
			    strcmp(v[k]->ods, v[i]->ods) == 0) {
				snprintf(where, sizeof(where), "%u", v[k]->line);
				row_err(errs, ne, v[i], "repeats the position on line %s", where);
				break;
			}
	}
}

int
ca_batch_check(struct ca_reg *reg, struct ca_batch *b, FILE *errs, unsigned *nerrors)
{
	struct ca_batch_row **v = NULL;
	unsigned before;
	size_t i;
	int r = CA_OK;

	if (b->n == 0)
		return CA_OK;
	if ((v = calloc(b->n, sizeof(*v))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < b->n && r == CA_OK; i++) {
		v[i] = &b->rows[i];
		before = *nerrors;
		row_format(v[i], errs, nerrors);
		if (*nerrors == before)	/* registry lookups only for well-formed rows */
			r = row_registry(reg, v[i], errs, nerrors);
	}
	if (r == CA_OK) {
		qsort(v, b->n, sizeof(*v), cmp_rows);
		rows_consistent(v, b->n, errs, nerrors);
	}
	free(v);
	return r;
}

void
ca_batch_stats(const struct ca_batch *b, struct ca_batch_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < b->n; i++) {
		st->people += b->rows[i].new_person ? 1 : 0;
		st->positions += b->rows[i].held ? 0 : 1;
		st->held += b->rows[i].held ? 1 : 0;
	}
}

static int
apply_row(struct ca_ctx *ctx, const struct ca_batch_row *row)
{
	/* An RA manager's batch comes from a source they vouch for (an HR
	 * feed): its people count as identity-checked by them. */
	struct ca_person p = { row->uuid, row->name, row->email, row->mobile,
			       (char *)ctx->actor, ca_ctx_now(ctx) };
	char pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2], line[16];
	const char *kp[] = { "name", row->name, "source", "batch", "line", line, NULL };
	const char *kq[] = { "position", pos, "source", "batch", "line", line, NULL };
	int r;

	snprintf(line, sizeof(line), "%u", row->line);
	snprintf(pos, sizeof(pos), "%s@%s", row->role, row->ods);
	if (row->new_person &&
	    ((r = ca_reg_person_add(ctx->reg, &p)) != CA_OK ||
	     (r = ca_ctx_audit(ctx, "person-add", row->uuid, kp)) != CA_OK))
		return r;
	if (!row->held &&
	    ((r = ca_reg_position_add(ctx->reg, row->uuid, row->role, row->ods)) != CA_OK ||
	     (r = ca_ctx_audit(ctx, "position-add", row->uuid, kq)) != CA_OK))
		return r;
	return CA_OK;
}

int
ca_batch_apply(struct ca_ctx *ctx, const struct ca_batch *b)
{
	struct ca_batch_stats st;
	char np[16], nq[16], nh[16];
	const char *kv[] = { "people", np, "positions", nq, "already_held", nh, NULL };
	size_t i;
	int r;

	ca_batch_stats(b, &st);
	snprintf(np, sizeof(np), "%u", st.people);
	snprintf(nq, sizeof(nq), "%u", st.positions);
	snprintf(nh, sizeof(nh), "%u", st.held);
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	for (i = 0; i < b->n && r == CA_OK; i++)
		r = apply_row(ctx, &b->rows[i]);
	if (r == CA_OK)
		r = ca_ctx_audit(ctx, "batch-import", "batch", kv);
	return ca_reg_end(ctx->reg, r);
}
