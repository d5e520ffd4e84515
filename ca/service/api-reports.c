/*
 * ca/service/api-reports.c: the RA reports (JSON, or CSV to download), the
 * certificates expiring per week (the Reports page's chart), the TAC pool
 * with its usage ledger, and a person's audit history — each one library
 * call (ca_op_report, ca_op_tac_list and ca_op_tac_uses, ca_op_person_show)
 * as the client certificate's holder acting as an RA operator: the gate's
 * rules decide (report; person-show, organisation-scoped), not this file.
 * See api.h for the endpoints.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "ca/core/error.h"
#include "ca/ra/ops.h"
#include "ca/service/api-int.h"
#include "ca/service/svc.h"

#define CSV_TYPE "text/csv; charset=utf-8"
#define DAYS_MAX 3660		/* ?days= of the expiring report: ten years */
#define WEEKS_DAYS 90		/* the chart's horizon */
#define WEEKS ((WEEKS_DAYS + 7) / 7)	/* 13: day 0 to day 90 */
#define HISTORY_DEFAULT 100	/* audit entries of a person's history */
#define HISTORY_MAX 1000

/* The reports by their name in the path (the command line's names). */
static const struct report {
	const char *name;
	int kind;		/* enum ca_report_kind; -1: the weekly counts */
	bool days;		/* takes ?days=N */
	const char *disposition;	/* its CSV download */
} reports[] = {
	{ "expiring", CA_REPORT_EXPIRING, true,
	  "attachment; filename=\"carecard-expiring.csv\"" },
	{ "locked", CA_REPORT_LOCKED, false, "attachment; filename=\"carecard-locked.csv\"" },
	{ "renewal-limit", CA_REPORT_RENEWAL_LIMIT, false,
	  "attachment; filename=\"carecard-renewal-limit.csv\"" },
	{ "users-per-org", CA_REPORT_USERS_PER_ORG, false,
	  "attachment; filename=\"carecard-users-per-org.csv\"" },
	{ "expiring-weeks", -1, false, "attachment; filename=\"carecard-expiring-weeks.csv\"" },
};
#define NREPORTS (sizeof(reports) / sizeof(reports[0]))

/* What a report's query string asked. */
struct report_query {
	int days;		/* -1: not given */
	bool csv;
};

/* @s as a whole number from 0 to @max (decimal digits only): -1 if it is not one. */
static int
number(const char *s, int max)
{
	long v;
	char *end;

	if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 6)
		return -1;
	v = strtol(s, &end, 10);
	return v <= max ? (int)v : -1;
}

/*
 * The query of a report request (format=csv|json, and days=N where @days
 * allows it; nothing else, each once) and the Accept header: 200, or 400
 * with @why.
 */
static int
report_query(struct evhttp_request *req, bool days, struct report_query *q, char *why,
	     size_t wsize)
{
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
	char format[64], d[64] = "";
	const struct svc_api_param params[] = {
		{ "format", format, sizeof(format) }, { "days", d, sizeof(d) },
	};
	int st = 200;

	q->days = -1;
	q->csv = false;
	/* days=N only where the report takes it */
	if (!svc_api_query(req, params, days ? 2 : 1))
		st = 400;
	if (st == 200 && format[0] != '\0' && strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0)
		st = 400;
	if (st == 200 && d[0] != '\0' && (q->days = number(d, DAYS_MAX)) < 0) {
		snprintf(why, wsize, "days: a whole number of days from 0 to %d", DAYS_MAX);
		st = 400;
	} else if (st != 200) {
		snprintf(why, wsize, "the parameters are format=csv or format=json%s, each once",
			 days ? " and days=N" : "");
	}
	/* ?format= decides; without it, a client that asks for CSV gets it. */
	if (format[0] != '\0')
		q->csv = strcmp(format, "csv") == 0;
	else
		q->csv = accept != NULL && strcasestr(accept, "text/csv") != NULL;
	return st;
}

/* @t as CSV (the library's RFC 4180 writer, formula cells neutralised). */
static void
reply_csv(struct svc_reply *out, const char *outcome, const char *disposition,
	  const struct ca_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int r = fp != NULL ? ca_table_write(t, CA_REPORT_CSV, fp) : CA_ERR_ALLOC;

	if (fp != NULL && fclose(fp) != 0 && r == CA_OK)
		r = CA_ERR_IO;
	if (r != CA_OK || buf == NULL) {
		svc_api_error(out, 500, "api-error", "the CSV could not be written", NULL,
			      "try again later");
	} else {
		svc_reply_body(out, 200, outcome, buf, len);
		if (out->blob != NULL) {
			out->type = CSV_TYPE;
			out->disposition = disposition;
		}
	}
	free(buf);
}

/* {"report": NAME, "days": N|null, "columns": [...], "rows": [...]}. */
static json_t *
report_json(const char *name, int days, const struct ca_table *t)
{
	json_t *o = json_object(), *cols = json_array(), *rows = svc_api_table(t);
	unsigned c;

	if (o == NULL || cols == NULL || rows == NULL) {
		json_decref(o);
		json_decref(cols);
		json_decref(rows);
		return NULL;
	}
	for (c = 0; c < t->ncols; c++)
		json_array_append_new(cols, svc_api_str(t->cols[c].name));
	json_object_set_new(o, "report", svc_api_str(name));
	json_object_set_new(o, "days", days >= 0 ? json_integer(days) : json_null());
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "rows", rows);
	return o;
}

struct report_job {
	enum ca_report_kind kind;
	int days;
	struct ca_table t;
};

static int
report_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct report_job *j = arg;

	return ca_op_report(s, j->kind, j->days, &j->t, res);
}

/* "YYYY-MM-DD" of @when + @days days, UTC. */
static void
date_of(int64_t when, int days, char *out, size_t size)
{
	time_t t = (time_t)(when + (int64_t)days * 86400);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, size, "%Y-%m-%d", &tm) == 0)
		snprintf(out, size, "?");
}

/*
 * The certificates of @exp (the expiring report over WEEKS_DAYS days)
 * counted per week from today into @weeks: week, from, to, certificates.
 */
static int
weeks_table(const struct ca_table *exp, struct ca_table *weeks)
{
	static const struct ca_table_col cols[] = {
		{ "week", CA_COL_NUM }, { "from", CA_COL_TEXT }, { "to", CA_COL_TEXT },
		{ "certificates", CA_COL_NUM },
	};
	unsigned count[WEEKS] = { 0 }, days_col = exp->ncols;
	char week[16], from[16], to[16], n[16];
	const char *v[4] = { week, from, to, n };
	int64_t now = svc_now();
	unsigned c, w;
	size_t i;
	int r, left;

	for (c = 0; c < exp->ncols; c++)
		if (strcmp(exp->cols[c].name, "days_left") == 0)
			days_col = c;
	for (i = 0; days_col < exp->ncols && i < exp->nrows; i++) {
		left = number(ca_table_cell(exp, i, days_col), WEEKS_DAYS);
		if (left >= 0)
			count[left / 7]++;
	}
	if ((r = ca_table_init(weeks, cols, 4)) != CA_OK)
		return r;
	for (w = 0; w < WEEKS && r == CA_OK; w++) {
		snprintf(week, sizeof(week), "%u", w + 1);
		date_of(now, (int)w * 7, from, sizeof(from));
		date_of(now, (int)w * 7 + 6 < WEEKS_DAYS ? (int)w * 7 + 6 : WEEKS_DAYS, to,
			sizeof(to));
		snprintf(n, sizeof(n), "%u", count[w]);
		r = ca_table_add(weeks, v);
	}
	return r;
}

/* GET /api/v1/reports/NAME[?days=N][&format=csv]. */
void
svc_api_reports(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
		struct svc_reply *out)
{
	const struct report *rp = NULL;
	struct report_query q;
	struct report_job j;
	struct ca_table weeks;
	const struct ca_table *t = &j.t;
	struct ca_result res;
	char why[160];
	size_t i;
	int r;

	memset(&j, 0, sizeof(j));
	memset(&weeks, 0, sizeof(weeks));
	for (i = 0; i < NREPORTS && rp == NULL; i++)
		if (strcmp(rest, reports[i].name) == 0)
			rp = &reports[i];
	if (rp == NULL) {
		svc_api_error(out, 404, "not-found", "no such report", NULL, "the reports are "
			      "expiring, expiring-weeks, locked, renewal-limit and users-per-org");
		return;
	}
	if (report_query(req, rp->days, &q, why, sizeof(why)) != 200) {
		svc_api_error(out, 400, "bad-request", why, NULL, NULL);
		return;
	}
	j.kind = rp->kind >= 0 ? (enum ca_report_kind)rp->kind : CA_REPORT_EXPIRING;
	j.days = rp->kind >= 0 ? q.days : WEEKS_DAYS;
	if ((r = svc_api_as_operator(svc, cert, report_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
		goto out;
	}
	if (rp->kind < 0) {
		if (weeks_table(&j.t, &weeks) != CA_OK) {
			svc_api_error(out, 500, "api-error", "the weeks could not be counted", NULL,
				      "try again later");
			goto out;
		}
		t = &weeks;
	}
	if (q.csv)
		reply_csv(out, "api-report-csv", rp->disposition, t);
	else
		svc_api_reply(out, 200, "api-report", report_json(rp->name, j.days, t));
out:
	ca_table_clear(&weeks);
	ca_table_clear(&j.t);
}

/* GET /api/v1/tac: {"pool": [...], "uses": [...]} */
struct tac_job {
	struct ca_table pool, uses;
};

static int
tac_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct tac_job *j = arg;
	int r;

	if ((r = ca_op_tac_list(s, &j->pool, res)) != CA_OK)
		return r;
	return ca_op_tac_uses(s, &j->uses, res);
}

void
svc_api_tac(struct svc *svc, struct evhttp_request *req, X509 *cert, const char *rest,
	    struct svc_reply *out)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct tac_job j;
	struct ca_result res;
	json_t *o = NULL, *pool = NULL, *uses = NULL;
	int r;

	(void)rest;
	memset(&j, 0, sizeof(j));
	if (uri != NULL && evhttp_uri_get_query(uri) != NULL) {
		svc_api_error(out, 400, "bad-request", "/api/v1/tac takes no parameters", NULL,
			      NULL);
		return;
	}
	if ((r = svc_api_as_operator(svc, cert, tac_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
		goto out;
	}
	if ((o = json_object()) == NULL || (pool = svc_api_table(&j.pool)) == NULL ||
	    (uses = svc_api_table(&j.uses)) == NULL) {
		json_decref(o);
		json_decref(pool);
		o = NULL;
	} else {
		json_object_set_new(o, "pool", pool);
		json_object_set_new(o, "uses", uses);
	}
	svc_api_reply(out, 200, "api-tac", o);
out:
	ca_table_clear(&j.pool);
	ca_table_clear(&j.uses);
}

/* GET /api/v1/people/UUID/history[?limit=N] (api.c's person endpoint sends it here). */
struct history_job {
	const char *uuid;
	int64_t limit;
	struct ca_person_record rec;
};

static int
history_run(struct ca_session *s, void *arg, struct ca_result *res)
{
	struct history_job *j = arg;

	return ca_op_person_show(s, j->uuid, j->limit, &j->rec, res);
}

/* ?limit=N (1 to HISTORY_MAX) into *limit: 200, or 400. */
static int
history_query(struct evhttp_request *req, int *limit)
{
	char v[64];
	const struct svc_api_param p = { "limit", v, sizeof(v) };

	*limit = HISTORY_DEFAULT;
	if (!svc_api_query(req, &p, 1))
		return 400;
	if (v[0] != '\0' && (*limit = number(v, HISTORY_MAX)) < 1)
		return 400;
	return 200;
}

void
svc_api_person_history(struct svc *svc, struct evhttp_request *req, X509 *cert,
		       const char *uuid, struct svc_reply *out)
{
	struct history_job j;
	struct ca_result res;
	json_t *o, *h;
	char why[96];
	size_t rows;
	bool truncated;
	int r, limit;

	memset(&j, 0, sizeof(j));
	if (history_query(req, &limit) != 200) {
		snprintf(why, sizeof(why), "the one parameter is limit=N, 1 to %d entries",
			 HISTORY_MAX);
		svc_api_error(out, 400, "bad-request", why, NULL, NULL);
		return;
	}
	j.uuid = uuid;
	j.limit = limit + 1;	/* one more says there are older entries */
	if ((r = svc_api_as_operator(svc, cert, history_run, &j, &res)) != CA_OK) {
		svc_api_refusal(&res, r, out);
		goto out;
	}
	/* Who, and what happened to them: no contact details (the library
	 * recorded the reading of the record all the same). The one entry
	 * beyond @limit is not shown, only said. */
	rows = j.rec.history.nrows;
	truncated = rows > (size_t)limit;
	j.rec.history.nrows = truncated ? (size_t)limit : rows;
	h = svc_api_table(&j.rec.history);
	j.rec.history.nrows = rows;	/* every row's cells are freed */
	o = json_object();
	if (o == NULL || h == NULL || j.rec.person.nrows != 1) {
		json_decref(o);
		json_decref(h);
		o = NULL;
	} else {
		json_object_set_new(o, "uuid", svc_api_str(ca_table_cell(&j.rec.person, 0, 0)));
		json_object_set_new(o, "name", svc_api_str(ca_table_cell(&j.rec.person, 0, 1)));
		json_object_set_new(o, "limit", json_integer(limit));
		json_object_set_new(o, "truncated", json_boolean(truncated));
		json_object_set_new(o, "history", h);
	}
	svc_api_reply(out, 200, "api-history", o);
out:
	ca_person_record_clear(&j.rec);
}
