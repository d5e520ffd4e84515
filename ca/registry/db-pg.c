/*
 * ca/registry/db-pg.c: the statement layer (db.h) on PostgreSQL (libpq).
 * The only file that calls PQ*. Statements are prepared on the server once
 * per connection (db.c caches them); "?" and "?N" placeholders become $n.
 * Parameters go as text, blobs as binary bytea; results come as text, bytea
 * decoded on demand.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ca/core/error.h"
#include "ca/registry/db-int.h"

#define PG_PARAMS 32		/* > the most parameters of one statement */

struct db_pg {
	struct db base;
	PGconn *c;
	unsigned nstmt;
	int64_t changes;
	char state[6];		/* SQLSTATE of the last error */
	char err[512];
	bool txn;		/* inside a transaction, as last seen on the connection */
	unsigned gen;		/* connections opened again (statements are per connection) */
};

struct stmt_pg {
	struct db_stmt base;
	char name[16];
	char *text;		/* as prepared, to prepare again on a new connection */
	unsigned gen;		/* the connection it was prepared on */
	bool begin;		/* BEGIN: allowed to open a lost connection again */
	int nparams;
	const char *val[PG_PARAMS];
	int len[PG_PARAMS];
	int fmt[PG_PARAMS];
	char num[PG_PARAMS][24];
	PGresult *res;
	int row;
	unsigned char **blob;	/* decoded bytea of the current row, per column */
	size_t *bloblen;
};

#define PG(db) ((struct db_pg *)(db))
#define SP(s) ((struct stmt_pg *)(s))

static void
err_clear(struct db_pg *db)
{
	db->state[0] = '\0';
	db->err[0] = '\0';
}

/* Keep the error of @res (or of the connection): its SQLSTATE, and a
 * message naming the table's columns as SQLite does ("people.uuid") so the
 * registry can say which rule was broken. */
static void
err_keep(struct db_pg *db, const PGresult *res)
{
	const char *st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *tab = res != NULL ? PQresultErrorField(res, PG_DIAG_TABLE_NAME) : NULL;
	const char *det = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *con = res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	size_t n;

	snprintf(db->state, sizeof(db->state), "%s", st != NULL ? st : "");
	if (msg == NULL) {
		snprintf(db->err, sizeof(db->err), "%s", PQerrorMessage(db->c));
	} else {
		n = (size_t)snprintf(db->err, sizeof(db->err), "%s", msg);
		if (con != NULL && n < sizeof(db->err))
			n += (size_t)snprintf(db->err + n, sizeof(db->err) - n, " [%s]", con);
		/* "Key (a, b)=(...)" -> " tab.a, tab.b" */
		if (tab != NULL && det != NULL && strncmp(det, "Key (", 5) == 0) {
			const char *p = det + 5, *e = strchr(p, ')');

			while (e != NULL && p < e && n < sizeof(db->err)) {
				const char *q = memchr(p, ',', (size_t)(e - p));
				size_t w = (size_t)((q != NULL ? q : e) - p);

				n += (size_t)snprintf(db->err + n, sizeof(db->err) - n, "%s%s.%.*s",
						      p == det + 5 ? ": " : ", ", tab, (int)w, p);
				p = q != NULL ? q + 2 : e;
			}
		}
	}
	n = strlen(db->err);
	while (n > 0 && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
}

/* The transaction state after a statement, while the server still answers. */
static void
txn_note(struct db_pg *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->c);

	if (t != PQTRANS_UNKNOWN)
		db->txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/*
 * A connection the server dropped (PostgreSQL restarted, a fail-over, an
 * administrator's pg_terminate_backend) is opened again before the next
 * statement — but only between transactions: inside one, the statements
 * left would run outside it, so they fail until the caller rolls back
 * (ROLLBACK on a lost connection only forgets the transaction: the server
 * ended it already). @begin: the statement starts a transaction, so the
 * caller knows none is open. The statement that met the dropped connection
 * failed; nothing is retried here.
 */
static int
alive(struct db_pg *db, bool begin)
{
	PGresult *res;

	if (PQstatus(db->c) == CONNECTION_OK)
		return 0;
	if (db->txn && !begin) {
		snprintf(db->err, sizeof(db->err), "the connection to the registry was lost "
			 "inside a transaction");
		return DB_ERROR;
	}
	db->txn = false;
	PQreset(db->c);
	if (PQstatus(db->c) != CONNECTION_OK) {
		err_keep(db, NULL);
		return DB_ERROR;
	}
	db->gen++;	/* the cached statements (db.c) are prepared again on use */
	res = PQexec(db->c, "SET client_min_messages = warning");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err_keep(db, res);
		PQclear(res);
		return DB_ERROR;
	}
	PQclear(res);
	return 0;
}

static void
p_close(struct db *db)
{
	PQfinish(PG(db)->c);
	free(db);
}

static const char *
p_errmsg(struct db *db)
{
	return PG(db)->err;
}

static enum db_errclass
p_errclass(struct db *db)
{
	const char *s = PG(db)->state;

	if (strcmp(s, "23505") == 0)
		return DB_E_UNIQUE;
	if (strcmp(s, "23503") == 0)
		return DB_E_FOREIGN;
	if (strcmp(s, "23514") == 0)
		return DB_E_CHECK;
	if (strncmp(s, "23", 2) == 0)
		return DB_E_CONSTRAINT;
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0)
		return DB_E_BUSY;
	return DB_E_OTHER;
}

/* "?" -> "$k" (in order), "?N" -> "$N", outside quotes. */
static char *
rewrite(const char *sql, int *nparams)
{
	size_t n = strlen(sql);
	char *out = malloc(n * 4 + 1), *o = out;
	int seq = 0, max = 0, quote = 0;
	const char *p;

	if (out == NULL)
		return NULL;
	for (p = sql; *p != '\0'; p++) {
		if (*p == '\'')
			quote = !quote;
		if (quote || *p != '?') {
			*o++ = *p;
			continue;
		}
		if (p[1] >= '0' && p[1] <= '9') {
			int k = (int)strtol(p + 1, (char **)&p, 10);

			p--;
			o += sprintf(o, "$%d", k);
			if (k > max)
				max = k;
		} else {
			o += sprintf(o, "$%d", ++seq);
			if (seq > max)
				max = seq;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static int
p_prep(struct db *db, const char *sql, struct db_stmt **out)
{
	struct stmt_pg *s = calloc(1, sizeof(*s));
	PGresult *res = NULL;
	char *text = NULL;
	int r = DB_ERROR;

	err_clear(PG(db));
	if (s == NULL || (text = rewrite(sql, &s->nparams)) == NULL) {
		snprintf(PG(db)->err, sizeof(PG(db)->err), "out of memory");
		goto out;
	}
	if (s->nparams > PG_PARAMS) {
		snprintf(PG(db)->err, sizeof(PG(db)->err), "too many parameters");
		goto out;
	}
	s->begin = strncmp(sql, "BEGIN", 5) == 0;
	if (alive(PG(db), s->begin) != 0)
		goto out;
	snprintf(s->name, sizeof(s->name), "s%u", PG(db)->nstmt++);
	res = PQprepare(PG(db)->c, s->name, text, s->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err_keep(PG(db), res);
		goto out;
	}
	s->base.db = db;
	s->text = text;
	s->gen = PG(db)->gen;
	*out = &s->base;
	s = NULL;
	text = NULL;
	r = 0;
out:
	PQclear(res);
	free(text);
	free(s);
	return r;
}

static void
blobs_free(struct stmt_pg *s)
{
	int i, n = s->res != NULL ? PQnfields(s->res) : 0;

	if (s->blob != NULL)
		for (i = 0; i < n; i++)
			PQfreemem(s->blob[i]);
	free(s->blob);
	free(s->bloblen);
	s->blob = NULL;
	s->bloblen = NULL;
}

static void
p_reset(struct db_stmt *st)
{
	struct stmt_pg *s = SP(st);

	blobs_free(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = 0;
	memset(s->val, 0, sizeof(s->val));
	memset(s->len, 0, sizeof(s->len));
	memset(s->fmt, 0, sizeof(s->fmt));
}

static void
p_finalize(struct db_stmt *st)
{
	struct stmt_pg *s = SP(st);
	char sql[32];
	PGresult *res;

	p_reset(st);
	if (PQstatus(PG(st->db)->c) == CONNECTION_OK && s->gen == PG(st->db)->gen) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		res = PQexec(PG(st->db)->c, sql);
		PQclear(res);
	}
	free(s->text);
	free(s);
}

static int
param(struct db_stmt *st, int i)
{
	return i >= 1 && i <= SP(st)->nparams ? i - 1 : -1;
}

static int
p_bind_text(struct db_stmt *st, int i, const char *v)
{
	int k = param(st, i);

	if (k < 0)
		return DB_ERROR;
	SP(st)->val[k] = v;
	SP(st)->fmt[k] = 0;
	return 0;
}

static int
p_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	int k = param(st, i);

	if (k < 0)
		return DB_ERROR;
	snprintf(SP(st)->num[k], sizeof(SP(st)->num[k]), "%" PRId64, v);
	SP(st)->val[k] = SP(st)->num[k];
	SP(st)->fmt[k] = 0;
	return 0;
}

static int
p_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	int k = param(st, i);

	if (k < 0 || n > INT32_MAX)
		return DB_ERROR;
	/* A zero-length blob needs a non-NULL pointer to be a value. */
	SP(st)->val[k] = n > 0 ? p : "";
	SP(st)->len[k] = (int)n;
	SP(st)->fmt[k] = 1;
	return 0;
}

static int
p_bind_null(struct db_stmt *st, int i)
{
	int k = param(st, i);

	if (k < 0)
		return DB_ERROR;
	SP(st)->val[k] = NULL;
	return 0;
}

static int
p_step(struct db_stmt *st)
{
	struct stmt_pg *s = SP(st);
	struct db_pg *db = PG(st->db);
	ExecStatusType t;

	if (s->res != NULL) {
		blobs_free(s);
		s->row++;
		return s->row < PQntuples(s->res) ? DB_ROW : DB_DONE;
	}
	err_clear(db);
	if (alive(db, s->begin) != 0)
		return DB_ERROR;
	if (s->gen != db->gen) {	/* a connection opened again: prepare it there */
		PGresult *res = PQprepare(db->c, s->name, s->text, s->nparams, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			err_keep(db, res);
			PQclear(res);
			return DB_ERROR;
		}
		PQclear(res);
		s->gen = db->gen;
	}
	s->res = PQexecPrepared(db->c, s->name, s->nparams, s->val, s->len, s->fmt, 0);
	txn_note(db);
	t = PQresultStatus(s->res);
	if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
		err_keep(db, s->res);
		PQclear(s->res);
		s->res = NULL;
		return DB_ERROR;
	}
	db->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
	s->row = 0;
	return PQntuples(s->res) > 0 ? DB_ROW : DB_DONE;
}

static int
have(struct db_stmt *st, int i)
{
	struct stmt_pg *s = SP(st);

	return s->res != NULL && s->row < PQntuples(s->res) && i >= 0 && i < PQnfields(s->res) &&
	       !PQgetisnull(s->res, s->row, i);
}

static const char *
p_col_text(struct db_stmt *st, int i)
{
	return have(st, i) ? PQgetvalue(SP(st)->res, SP(st)->row, i) : NULL;
}

static int64_t
p_col_int64(struct db_stmt *st, int i)
{
	const char *v = p_col_text(st, i);

	if (v == NULL)
		return 0;
	if (strcmp(v, "t") == 0)	/* a boolean, as SQLite's 1 */
		return 1;
	return strtoll(v, NULL, 10);
}

static int
blob_decode(struct db_stmt *st, int i)
{
	struct stmt_pg *s = SP(st);
	int n = PQnfields(s->res);

	if (s->blob == NULL) {
		s->blob = calloc((size_t)n, sizeof(*s->blob));
		s->bloblen = calloc((size_t)n, sizeof(*s->bloblen));
		if (s->blob == NULL || s->bloblen == NULL)
			return DB_ERROR;
	}
	if (s->blob[i] == NULL)
		s->blob[i] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i),
					     &s->bloblen[i]);
	return s->blob[i] != NULL ? 0 : DB_ERROR;
}

static const void *
p_col_blob(struct db_stmt *st, int i)
{
	if (!have(st, i) || blob_decode(st, i) != 0 || SP(st)->bloblen[i] == 0)
		return NULL;
	return SP(st)->blob[i];
}

static size_t
p_col_bytes(struct db_stmt *st, int i)
{
	if (!have(st, i) || blob_decode(st, i) != 0)
		return 0;
	return SP(st)->bloblen[i];
}

static int
p_col_null(struct db_stmt *st, int i)
{
	return !have(st, i);
}

static int64_t
p_changes(struct db *db)
{
	return PG(db)->changes;
}

static int
p_exec(struct db *db, const char *sql)
{
	PGresult *res;
	ExecStatusType t;

	err_clear(PG(db));
	if (PQstatus(PG(db)->c) != CONNECTION_OK && strcmp(sql, "ROLLBACK") == 0) {
		PG(db)->txn = false;	/* the server ended it with the connection */
		return 0;
	}
	if (alive(PG(db), strncmp(sql, "BEGIN", 5) == 0) != 0)
		return DB_ERROR;
	res = PQexec(PG(db)->c, sql);
	txn_note(PG(db));
	t = PQresultStatus(res);
	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
		err_keep(PG(db), res);
		PQclear(res);
		return DB_ERROR;
	}
	PQclear(res);
	return 0;
}

static int
p_in_txn(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(PG(db)->c);

	if (t == PQTRANS_UNKNOWN)	/* connection lost: as last seen */
		return PG(db)->txn;
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static const struct db_ops pg_ops = {
	.dialect = DB_PG,
	.close = p_close,
	.errmsg = p_errmsg,
	.errclass = p_errclass,
	.prep = p_prep,
	.finalize = p_finalize,
	.reset = p_reset,
	.bind_text = p_bind_text,
	.bind_int64 = p_bind_int64,
	.bind_blob = p_bind_blob,
	.bind_null = p_bind_null,
	.step = p_step,
	.col_text = p_col_text,
	.col_int64 = p_col_int64,
	.col_blob = p_col_blob,
	.col_bytes = p_col_bytes,
	.col_null = p_col_null,
	.changes = p_changes,
	.exec = p_exec,
	.in_txn = p_in_txn,
};

static void
notice_drop(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int
db_open_pg(const char *uri, struct db **out)
{
	struct db_pg *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (db == NULL)
		return CA_ERR_ALLOC;
	db->base.ops = &pg_ops;
	*out = &db->base;
	db->c = PQconnectdb(uri);
	if (db->c == NULL) {
		snprintf(db->err, sizeof(db->err), "out of memory");
		return CA_ERR_DB;
	}
	if (PQstatus(db->c) != CONNECTION_OK) {
		err_keep(db, NULL);
		return CA_ERR_DB;
	}
	/* Quiet NOTICEs ("relation exists, skipping"): the library never prints. */
	PQsetNoticeProcessor(db->c, notice_drop, NULL);
	if (p_exec(&db->base, "SET client_min_messages = warning") != 0)
		return CA_ERR_DB;
	return CA_OK;
}
