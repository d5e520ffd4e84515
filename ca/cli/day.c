/*
 * ca/cli/day.c: the RA desk's day around the card operations — person
 * (search, show, update), request (list, show, approve, reject), ra-role
 * (grant, revoke), hold and release. Each parses its options, opens a
 * session (the operator at --operator-reader; the reading commands as the
 * CA's own system account when no card is given), calls one library
 * operation (ca/ra/ops.h) and shows its result: the result on standard
 * output, one line per error or refusal on standard error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/cli.h"
#include "ca/cli/cmds.h"
#include "ca/core/error.h"
#include "ca/ra/ops.h"

enum {
	O_NAME = 0x3000, O_UUID, O_CARD, O_CERT, O_ODS, O_ROLE, O_LIMIT, O_FORMAT, O_EMAIL,
	O_MOBILE, O_REASON, O_STATE, O_DOCUMENTS, O_SERIAL, O_NOTE,
};

/* The operands after the options: exactly @n, else a usage error. */
static int
operands(const struct cli_args *g, int n, const char *what, char ***out)
{
	if (cli_args_operands(g, out) != n)
		return cli_usage(g->cmd, "%s", what);
	return CA_OK;
}

/* Reading commands run as the CA's own account unless a card is given. */
static void
reader_or_system(struct cli_args *g)
{
	if (g->who.auth == CLI_AUTH_NONE)
		g->who.auth = CLI_AUTH_SYSTEM;
}

/* A section of "person show": its heading, then the table (or "(none)"). */
static int
section(const char *title, const struct ca_table *t, enum ca_report_format f, bool first)
{
	if (f == CA_REPORT_JSON) {
		printf("%s\"%s\": ", first ? "" : ",\n", title);
		return ca_table_write(t, f, stdout);
	}
	printf("\n%s\n", title);
	if (t->nrows == 0) {
		printf("(none)\n");
		return CA_OK;
	}
	return ca_table_write(t, f, stdout);
}

static int
record_show(const struct ca_person_record *pr, enum ca_report_format f)
{
	int r;

	if (f == CA_REPORT_JSON) {
		printf("{\"person\": ");
		if ((r = ca_table_write_record(&pr->person, 0, f, stdout)) != CA_OK)
			return r;
		printf(",\n");
	} else {
		printf("person\n");
		if ((r = ca_table_write_record(&pr->person, 0, f, stdout)) != CA_OK)
			return r;
	}
	if ((r = section("positions", &pr->positions, f, true)) != CA_OK ||
	    (r = section("ra_roles", &pr->roles, f, false)) != CA_OK ||
	    (r = section("cards", &pr->cards, f, false)) != CA_OK ||
	    (r = section("certificates", &pr->certs, f, false)) != CA_OK ||
	    (r = section("requests", &pr->requests, f, false)) != CA_OK ||
	    (r = section("history", &pr->history, f, false)) != CA_OK)
		return r;
	if (f == CA_REPORT_JSON)
		printf("}\n");
	return fflush(stdout) == 0 ? CA_OK : CA_ERR_IO;
}

struct person_opts {
	struct ca_person_query q;
	struct ca_person_update_req up;
	enum ca_report_format f;
	bool format, limit, update_only;
};

static int
person_parse(struct cli_args *g, struct person_opts *o)
{
	long long n;
	int c, r;

	while (cli_args_next(g, &c)) {
		switch (c) {
		case O_NAME: o->q.name = o->up.name = optarg; break;
		case O_UUID: o->q.uuid = optarg; break;
		case O_CARD: o->q.card = optarg; break;
		case O_CERT: o->q.cert = optarg; break;
		case O_ODS: o->q.ods = optarg; break;
		case O_ROLE: o->q.role = optarg; break;
		case O_EMAIL: o->up.email = optarg; o->update_only = true; break;
		case O_MOBILE: o->up.mobile = optarg; o->update_only = true; break;
		case O_REASON: o->up.reason = optarg; o->update_only = true; break;
		case O_LIMIT:
			if ((r = cli_number(g->cmd, "--limit", optarg, 1000000, &n)) != CA_OK)
				return r;
			o->q.limit = n;
			o->limit = true;
			break;
		case O_FORMAT:
			if ((r = cli_format(g->cmd, optarg, "table, csv or json", &o->f)) != CA_OK)
				return r;
			o->format = true;
			break;
		}
	}
	return g->r;	/* the subcommand and its operands follow */
}

int
cli_person(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "name", required_argument, NULL, O_NAME },
		{ "uuid", required_argument, NULL, O_UUID },
		{ "card", required_argument, NULL, O_CARD },
		{ "cert", required_argument, NULL, O_CERT },
		{ "ods", required_argument, NULL, O_ODS },
		{ "role", required_argument, NULL, O_ROLE },
		{ "email", required_argument, NULL, O_EMAIL },
		{ "mobile", required_argument, NULL, O_MOBILE },
		{ "reason", required_argument, NULL, O_REASON },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "format", required_argument, NULL, O_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("person");
	struct ca_person_record pr;
	struct person_opts o;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct ca_table t;
	struct cli_args g;
	char **rest;
	int n, r;

	memset(&o, 0, sizeof(o));
	memset(&pr, 0, sizeof(pr));
	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	if ((r = person_parse(&g, &o)) != CA_OK)
		return r;
	n = cli_args_operands(&g, &rest);
	if (n >= 1 && strcmp(rest[0], "search") == 0) {
		if (n != 1 || o.update_only)
			return cli_usage(cmd, "person search takes --name, --uuid, --card, --cert, "
					 "--ods, --role, --limit and --format");
		reader_or_system(&g);
		if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
			return r;
		if ((r = ca_op_person_search(s, &o.q, &t, &res)) == CA_OK)
			r = ca_table_write(&t, o.f, stdout);
	} else if (n >= 1 && strcmp(rest[0], "show") == 0) {
		if (n != 2 || o.update_only || o.q.name || o.q.uuid || o.q.card || o.q.cert ||
		    o.q.ods || o.q.role)
			return cli_usage(cmd, "person show UUID [--limit N] [--format table|json]");
		if (o.f == CA_REPORT_CSV)
			return cli_usage(cmd, "person show is a table or json (a record of several "
					 "tables); person search gives CSV");
		reader_or_system(&g);
		if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
			return r;
		if ((r = ca_op_person_show(s, rest[1], o.limit ? o.q.limit : 20, &pr,
					   &res)) == CA_OK)
			r = record_show(&pr, o.f);
	} else if (n >= 1 && strcmp(rest[0], "update") == 0) {
		if (n != 2 || o.limit || o.format || o.q.uuid || o.q.card || o.q.cert ||
		    o.q.ods || o.q.role)
			return cli_usage(cmd, "person update UUID [--name NAME --reason TEXT] "
					 "[--email EMAIL] [--mobile NUMBER]");
		o.up.uuid = rest[1];
		g.who.auth = CLI_AUTH_OPERATOR;
		if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
			return r;
		r = ca_op_person_update(s, &o.up, &res);
	} else {
		return cli_usage(cmd, "expected search, show UUID or update UUID");
	}
	ca_table_clear(&t);
	ca_person_record_clear(&pr);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_request(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "status", required_argument, NULL, O_STATE },
		{ "documents", required_argument, NULL, O_DOCUMENTS },
		{ "reason", required_argument, NULL, O_REASON },
		{ "format", required_argument, NULL, O_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("request");
	enum ca_report_format f = CA_REPORT_TABLE;
	const char *state = "sponsored", *docs = NULL, *reason = NULL, *what;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct ca_table t;
	struct cli_args g;
	long long id = 0;
	char **rest;
	int c, n, r;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == O_STATE)
			state = optarg;
		else if (c == O_DOCUMENTS)
			docs = optarg;
		else if (c == O_REASON)
			reason = optarg;
		else if (c == O_FORMAT &&
			 (r = cli_format(cmd, optarg, "table, csv or json", &f)) != CA_OK)
			return r;
	}
	if (g.r != CA_OK)
		return g.r;
	n = cli_args_operands(&g, &rest);
	what = n > 0 ? rest[0] : "";
	if (strcmp(what, "list") == 0)
		r = n == 1 ? CA_OK : CA_ERR_USAGE;
	else if (strcmp(what, "show") == 0 || strcmp(what, "approve") == 0 ||
		 strcmp(what, "reject") == 0)
		r = n == 2 ? CA_OK : CA_ERR_USAGE;
	else
		r = CA_ERR_USAGE;
	if (r != CA_OK)
		return cli_usage(cmd, "expected list, show ID, approve ID or reject ID");
	if (n == 2 && (r = cli_number(cmd, "request", rest[1], INT64_MAX, &id)) != CA_OK)
		return r;
	if ((docs != NULL) != (strcmp(what, "approve") == 0))
		return cli_usage(cmd, "--documents goes with (and only with) approve");
	if ((reason != NULL) != (strcmp(what, "reject") == 0))
		return cli_usage(cmd, "--reason goes with (and only with) reject");
	if (strcmp(what, "list") == 0 || strcmp(what, "show") == 0) {
		reader_or_system(&g);
	} else {
		g.who.auth = CLI_AUTH_OPERATOR;
	}
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	if (strcmp(what, "list") == 0) {
		if ((r = ca_op_request_list(s, strcmp(state, "all") == 0 ? NULL : state, &t,
					    &res)) == CA_OK)
			r = ca_table_write(&t, f, stdout);
	} else if (strcmp(what, "show") == 0) {
		if ((r = ca_op_request_show(s, id, &t, &res)) == CA_OK)
			r = ca_table_write_record(&t, 0, f, stdout);
		if (r == CA_OK && f == CA_REPORT_JSON)
			putchar('\n');
	} else if (strcmp(what, "approve") == 0) {
		r = ca_op_verify_identity(s, id, docs, &res);
	} else {
		r = ca_op_request_reject(s, id, reason, &res);
	}
	ca_table_clear(&t);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_ra_role(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("ra-role");
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	char **rest;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c))
		;
	if (g.r != CA_OK)
		return g.r;
	if ((r = operands(&g, 3, "expected grant UUID ROLE or revoke UUID ROLE", &rest)) != CA_OK)
		return r;
	if (strcmp(rest[0], "grant") != 0 && strcmp(rest[0], "revoke") != 0)
		return cli_usage(cmd, "expected grant or revoke, not '%s'", rest[0]);
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = strcmp(rest[0], "grant") == 0 ? ca_op_ra_role_grant(s, rest[1], rest[2], &res)
		: ca_op_ra_role_revoke(s, rest[1], rest[2], &res);
	return cli_finish(env, cmd, s, r, &res);
}

/* hold and release: the same options, one operation each. */
static int
hold_release(int argc, char **argv, struct cli_env *env, const char *name,
	     int (*op)(struct ca_session *, const char *, const char *, struct ca_result *))
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, O_SERIAL },
		{ "note", required_argument, NULL, O_NOTE },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find(name);
	const char *serial = NULL, *note = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == O_SERIAL)
			serial = optarg;
		else if (c == O_NOTE)
			note = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK ||
	    (r = cli_require(cmd, "--serial", serial, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = op(s, serial, note, &res);
	return cli_finish(env, cmd, s, r, &res);
}

int
cli_hold(int argc, char **argv, struct cli_env *env)
{
	return hold_release(argc, argv, env, "hold", ca_op_hold);
}

int
cli_release(int argc, char **argv, struct cli_env *env)
{
	return hold_release(argc, argv, env, "release", ca_op_release);
}
