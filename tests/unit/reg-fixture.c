/*
 * tests/unit/reg-fixture.c: see reg-fixture.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "ca/core/error.h"
#include "tests/unit/reg-fixture.h"

void
reg_fx_pg_raw(const char *uri, const char *sql, int64_t *v)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	if (v != NULL) {
		*v = -1;
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			*v = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 :
			     strcmp(PQgetvalue(res, 0, 0), "f") == 0 ? 0 :
			     strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	}
	PQclear(res);
	PQfinish(c);
}

int
reg_fx_open(struct reg_fixture *fx, int create, struct ca_reg **out)
{
	return fx->pg != NULL ? ca_reg_open_uri(fx->pg, create, out)
			      : ca_reg_open(fx->path, create, out);
}

int
reg_fx_setup(void **state)
{
	struct reg_fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/test-ca-reg-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/registry.db", fx->dir);
	fx->pg = getenv("CARECARD_TEST_PG_URI");
	if (fx->pg != NULL)
		reg_fx_pg_raw(fx->pg, "SET client_min_messages = warning;"
		       "DROP SCHEMA public CASCADE; CREATE SCHEMA public", NULL);
	if (reg_fx_open(fx, 1, &fx->reg) != CA_OK)
		return -1;
	*state = fx;
	return 0;
}

int
reg_fx_teardown(void **state)
{
	struct reg_fixture *fx = *state;
	char cmd[128];

	ca_reg_close(fx->reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	/* OpenSSH's SSL_ERR_CHECK idea: nothing may leave errors queued. */
	if (ERR_peek_error() != 0)
		return -1;
	free(fx);
	return 0;
}

/* Raw SQL on the registry file, bypassing the registry code. */
void
reg_fx_sql(struct reg_fixture *fx, const char *sql)
{
	sqlite3 *db = NULL;

	if (fx->pg != NULL) {
		reg_fx_pg_raw(fx->pg, sql, NULL);
		return;
	}
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* One value of a query on the registry file (raw SQL, as sqlite3 would). */
int64_t
reg_fx_int(struct reg_fixture *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (fx->pg != NULL) {
		reg_fx_pg_raw(fx->pg, sql, &v);
		return v;
	}
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}
