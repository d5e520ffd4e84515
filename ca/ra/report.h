/*
 * ca/report: a small table of strings and its three renderings for the RA
 * reports — aligned text for a terminal, CSV (RFC 4180) and JSON.
 *
 * Cells are copied in; numeric columns (CA_COL_NUM) are right-aligned in a
 * table and written unquoted in JSON (they must then hold a JSON number or
 * be empty, which is written as null).
 */
#ifndef CC_CA_REPORT_H
#define CC_CA_REPORT_H

#include <stddef.h>
#include <stdio.h>

#define CA_TABLE_COLS_MAX 12

enum { CA_COL_TEXT = 0, CA_COL_NUM = 1 };

struct ca_table_col {
	const char *name;	/* static */
	int type;		/* CA_COL_* */
};

struct ca_table {
	unsigned ncols;
	struct ca_table_col cols[CA_TABLE_COLS_MAX];
	size_t nrows, cap;
	char **cells;		/* nrows * ncols, row-major; NULL cell = empty */
};

enum ca_report_format {
	CA_REPORT_TABLE,
	CA_REPORT_CSV,
	CA_REPORT_JSON,
};

/* Start an empty table with @n columns (CA_ERR_USAGE if too many). */
int ca_table_init(struct ca_table *t, const struct ca_table_col *cols, unsigned n);

/* Append a row of t->ncols values (NULL allowed), copied. */
int ca_table_add(struct ca_table *t, const char *const *vals);

/* Borrowed cell (NULL if empty). */
const char *ca_table_cell(const struct ca_table *t, size_t row, unsigned col);

void ca_table_clear(struct ca_table *t);

/* "table", "csv" or "json"; CA_ERR_USAGE otherwise. */
int ca_report_format_parse(const char *s, enum ca_report_format *out);

/*
 * Write @t to @fp. Table: a header, a rule, one line per row, columns
 * padded to the widest cell (counted in characters, not bytes), control
 * characters shown as '?'. CSV: CRLF line ends, fields with comma, quote,
 * CR or LF quoted and quotes doubled; fields that a spreadsheet would run
 * as a formula (= + - @ first) are prefixed with a quote inside quotes.
 * JSON: an array of objects keyed by column name. CA_ERR_IO on a write
 * error.
 */
int ca_table_write(const struct ca_table *t, enum ca_report_format f, FILE *fp);

/*
 * Row @row of @t as one record: in a table, a "column  value" line per
 * column (values aligned, control characters as '?'); in JSON, one object
 * (no line end after it), for building a larger document; CSV as
 * ca_table_write of that row alone. CA_ERR_IO on a write error.
 */
int ca_table_write_record(const struct ca_table *t, size_t row, enum ca_report_format f,
			  FILE *fp);

#endif
