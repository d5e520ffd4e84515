/*
 * ca/report.c: the RA reports' table and its text, CSV and JSON forms.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/report.h"

int
ca_table_init(struct ca_table *t, const struct ca_table_col *cols, unsigned n)
{
	memset(t, 0, sizeof(*t));
	if (n == 0 || n > CA_TABLE_COLS_MAX)
		return CA_ERR_USAGE;
	memcpy(t->cols, cols, n * sizeof(*cols));
	t->ncols = n;
	return CA_OK;
}

int
ca_table_add(struct ca_table *t, const char *const *vals)
{
	size_t base = t->nrows * t->ncols;
	unsigned i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = reallocarray(t->cells, cap * t->ncols, sizeof(*c));

		if (c == NULL)
			return CA_ERR_ALLOC;
		t->cells = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = NULL;
		if (vals[i] != NULL && (t->cells[base + i] = strdup(vals[i])) == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return CA_ERR_ALLOC;
		}
	}
	t->nrows++;
	return CA_OK;
}

const char *
ca_table_cell(const struct ca_table *t, size_t row, unsigned col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return t->cells[row * t->ncols + col];
}

void
ca_table_clear(struct ca_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int
ca_report_format_parse(const char *s, enum ca_report_format *out)
{
	if (strcmp(s, "table") == 0)
		*out = CA_REPORT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = CA_REPORT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = CA_REPORT_JSON;
	else
		return CA_ERR_USAGE;
	return CA_OK;
}

/* Terminal width of @s: UTF-8 continuation bytes take no column. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* A cell on a terminal: control characters (a newline in a name) would
 * break the alignment or inject escape sequences, so show them as '?'. */
static void
text_cell(FILE *fp, const char *s, size_t width, int right, int last)
{
	size_t pad = width - text_width(s);

	if (right)
		fprintf(fp, "%*s", (int)pad, "");
	for (; s != NULL && *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
	if (!right && !last)
		fprintf(fp, "%*s", (int)pad, "");
	if (!last)
		fputs("  ", fp);
}

static void
write_table(const struct ca_table *t, FILE *fp)
{
	size_t w[CA_TABLE_COLS_MAX], r, n;
	unsigned c;

	for (c = 0; c < t->ncols; c++) {
		w[c] = text_width(t->cols[c].name);
		for (r = 0; r < t->nrows; r++)
			if ((n = text_width(ca_table_cell(t, r, c))) > w[c])
				w[c] = n;
	}
	for (c = 0; c < t->ncols; c++)
		text_cell(fp, t->cols[c].name, w[c], t->cols[c].type == CA_COL_NUM,
			  c + 1 == t->ncols);
	fputc('\n', fp);
	for (c = 0; c < t->ncols; c++) {
		for (n = 0; n < w[c]; n++)
			fputc('-', fp);
		fputs(c + 1 == t->ncols ? "\n" : "  ", fp);
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			text_cell(fp, ca_table_cell(t, r, c), w[c],
				  t->cols[c].type == CA_COL_NUM, c + 1 == t->ncols);
		fputc('\n', fp);
	}
}

/* RFC 4180 field; text that a spreadsheet would evaluate gets a leading
 * apostrophe (OWASP "CSV injection"), which forces quoting. */
static void
csv_field(FILE *fp, const char *s, int text)
{
	int formula = text && s != NULL && strchr("=+-@", *s) != NULL && *s != '\0';

	if (s == NULL)
		return;
	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	if (formula)
		fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
write_csv(const struct ca_table *t, FILE *fp)
{
	size_t r;
	unsigned c;

	for (c = 0; c < t->ncols; c++) {
		csv_field(fp, t->cols[c].name, 0);
		fputs(c + 1 == t->ncols ? "\r\n" : ",", fp);
	}
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			csv_field(fp, ca_table_cell(t, r, c), t->cols[c].type == CA_COL_TEXT);
			fputs(c + 1 == t->ncols ? "\r\n" : ",", fp);
		}
}

/* A JSON string (RFC 8259): quote, backslash and control characters escaped. */
static void
json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

/* Row @r as a JSON object. */
static void
json_object(const struct ca_table *t, size_t r, FILE *fp)
{
	const char *v;
	unsigned c;

	fputc('{', fp);
	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			fputs(", ", fp);
		json_string(fp, t->cols[c].name);
		fputs(": ", fp);
		v = ca_table_cell(t, r, c);
		if (v == NULL || (t->cols[c].type == CA_COL_NUM && *v == '\0'))
			fputs("null", fp);
		else if (t->cols[c].type == CA_COL_NUM)
			fputs(v, fp);
		else
			json_string(fp, v);
	}
	fputc('}', fp);
}

static void
write_json(const struct ca_table *t, FILE *fp)
{
	size_t r;

	fputc('[', fp);
	for (r = 0; r < t->nrows; r++) {
		fputs(r == 0 ? "\n  " : ",\n  ", fp);
		json_object(t, r, fp);
	}
	fputs(t->nrows > 0 ? "\n]\n" : "]\n", fp);
}

int
ca_table_write_record(const struct ca_table *t, size_t row, enum ca_report_format f, FILE *fp)
{
	struct ca_table one = *t;
	size_t w = 0, n;
	unsigned c;

	if (row >= t->nrows)
		return CA_ERR_USAGE;
	switch (f) {
	case CA_REPORT_TABLE:
		for (c = 0; c < t->ncols; c++)
			if ((n = text_width(t->cols[c].name)) > w)
				w = n;
		for (c = 0; c < t->ncols; c++) {
			text_cell(fp, t->cols[c].name, w, 0, 0);
			text_cell(fp, ca_table_cell(t, row, c), 0, 0, 1);
			fputc('\n', fp);
		}
		break;
	case CA_REPORT_CSV:
		one.cells = t->cells + row * t->ncols;
		one.nrows = 1;
		write_csv(&one, fp);
		break;
	case CA_REPORT_JSON:
		json_object(t, row, fp);
		break;
	}
	return fflush(fp) == 0 && !ferror(fp) ? CA_OK : CA_ERR_IO;
}

int
ca_table_write(const struct ca_table *t, enum ca_report_format f, FILE *fp)
{
	switch (f) {
	case CA_REPORT_TABLE:
		write_table(t, fp);
		break;
	case CA_REPORT_CSV:
		write_csv(t, fp);
		break;
	case CA_REPORT_JSON:
		write_json(t, fp);
		break;
	}
	return fflush(fp) == 0 && !ferror(fp) ? CA_OK : CA_ERR_IO;
}
