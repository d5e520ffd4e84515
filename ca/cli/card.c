/*
 * ca/cli/card.c: issue-card, repair, cancel-card, unlock, passcode-reset,
 * renew, self-renew, tac-activate, tac-restore. Each parses its options, opens a session as
 * the operator at --operator-reader (the holder for self-renew; the first
 * RA manager for issue-card --bootstrap), calls one library operation
 * (ca/ra/card-ops.h) and shows its result. Passcodes: pin.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/card.h"
#include "ca/core/error.h"
#include "ca/ra/card-ops.h"

struct card_cli {
	const char *holder, *card, *reason, *period;
	unsigned reader;
	bool locked, bootstrap;
};

enum {
	O_READER = 0x2000, O_HOLDER, O_CARD, O_REASON, O_PERIOD, O_LOCKED, O_BOOTSTRAP,
};

static int
reader_parse(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > 64)
		return CA_ERR_USAGE;
	*out = (unsigned)v;
	return CA_OK;
}

static int
opts_parse(int argc, char **argv, struct cli_env *env, const struct cli_cmd *cmd,
	   struct card_cli *o, struct cli_who *who)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		CLI_OPERATOR_OPTIONS,
		{ "reader", required_argument, NULL, O_READER },
		{ "holder", required_argument, NULL, O_HOLDER },
		{ "card", required_argument, NULL, O_CARD },
		{ "reason", required_argument, NULL, O_REASON },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "locked", no_argument, NULL, O_LOCKED },
		{ "bootstrap", no_argument, NULL, O_BOOTSTRAP },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args g;
	int c, r;

	memset(o, 0, sizeof(*o));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case O_READER:
			if (reader_parse(optarg, &o->reader) != CA_OK)
				return cli_usage(cmd, "bad --reader '%s'", optarg);
			break;
		case O_HOLDER: o->holder = optarg; break;
		case O_CARD: o->card = optarg; break;
		case O_REASON: o->reason = optarg; break;
		case O_PERIOD: o->period = optarg; break;
		case O_LOCKED: o->locked = true; break;
		case O_BOOTSTRAP: o->bootstrap = true; break;
		default: return CA_ERR_USAGE;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	*who = g.who;
	who->auth = CLI_AUTH_OPERATOR;	/* every card command but two: see below */
	return CA_OK;
}

/* Open the session as @who, run @op, show its result. */
static int
run(struct cli_env *env, const struct cli_cmd *cmd, const struct cli_who *who,
    int (*op)(struct ca_session *, const void *, struct ca_result *), const void *arg)
{
	struct ca_session *s = NULL;
	struct ca_result res;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = cli_session(env, cmd, true, who, &s)) != CA_OK)
		return r;
	r = op(s, arg, &res);
	ca_session_close(s);
	return cli_result(env, cmd, r, &res);
}

struct bootstrap_arg {
	const char *holder;
	const struct ca_card_issue_req *rq;
};

static int
op_bootstrap(struct ca_session *s, const void *arg, struct ca_result *res)
{
	const struct bootstrap_arg *b = arg;
	int r;

	if ((r = ca_session_bootstrap(s, b->holder, res)) != CA_OK)
		return r;
	return ca_op_issue_card(s, b->rq, res);
}

static int
op_issue(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_issue_card(s, arg, res);
}

static int
op_repair(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_repair(s, arg, res);
}

static int
op_tac_activate(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_tac_activate(s, arg, res);
}

static int
issue_like(int argc, char **argv, struct cli_env *env, const char *name)
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct ca_card_issue_req rq;
	struct bootstrap_arg b;
	struct card_cli o;
	struct cli_who who;
	bool tac = strcmp(name, "tac-activate") == 0;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o, &who)) != CA_OK)
		return r;
	if (o.reader == 0)
		return cli_usage(cmd, "--reader is required");
	if (strcmp(name, "repair") != 0 &&
	    (r = cli_require(cmd, "--holder", o.holder, NULL)) != CA_OK)
		return r;
	memset(&rq, 0, sizeof(rq));
	rq.holder = o.holder;
	rq.reader = o.reader;
	rq.locked = o.locked;
	rq.reason = o.reason;
	if (tac && (o.period == NULL || pol_duration_parse(o.period, &rq.period) != POL_OK ||
		    rq.period <= 0 || o.reason == NULL))
		return cli_usage(cmd, "--period DURATION (e.g. 7d) and --reason TEXT are required");
	if (o.bootstrap) {
		if (strcmp(name, "issue-card") != 0 || who.reader != 0)
			return cli_usage(cmd, "--bootstrap issues the first card: there is no "
					 "operator card yet");
		/* The library authenticates the bootstrap itself. */
		who.auth = CLI_AUTH_NONE;
		b.holder = o.holder;
		b.rq = &rq;
		return run(env, cmd, &who, op_bootstrap, &b);
	}
	return run(env, cmd, &who, tac ? op_tac_activate : strcmp(name, "repair") == 0 ?
		   op_repair : op_issue, &rq);
}

int
cli_issue_card(int argc, char **argv, struct cli_env *env)
{
	return issue_like(argc, argv, env, "issue-card");
}

int
cli_repair(int argc, char **argv, struct cli_env *env)
{
	return issue_like(argc, argv, env, "repair");
}

int
cli_tac_activate(int argc, char **argv, struct cli_env *env)
{
	return issue_like(argc, argv, env, "tac-activate");
}

static int
op_unlock(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_unlock(s, *(const unsigned *)arg, res);
}

static int
op_passcode_reset(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_passcode_reset(s, *(const unsigned *)arg, res);
}

static int
op_tac_restore(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_tac_restore(s, *(const unsigned *)arg, res);
}

static int
op_renew(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_renew(s, *(const unsigned *)arg, res);
}

static int
op_self_renew(struct ca_session *s, const void *arg, struct ca_result *res)
{
	return ca_op_self_renew(s, *(const unsigned *)arg, res);
}

/* Commands that act on the card in --reader: unlock, passcode-reset, tac-restore, renew,
 * self-renew. */
static int
reader_op(int argc, char **argv, struct cli_env *env, const char *name,
	  int (*op)(struct ca_session *, const void *, struct ca_result *))
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct card_cli o;
	struct cli_who who;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o, &who)) != CA_OK)
		return r;
	if (o.reader == 0)
		return cli_usage(cmd, "--reader is required");
	if (op == op_self_renew) {
		if (who.reader != 0)
			return cli_usage(cmd, "self-renew is the holder's own: no operator card");
		who.auth = CLI_AUTH_HOLDER;	/* the holder logs in with the card itself */
		who.reader = o.reader;
	}
	return run(env, cmd, &who, op, &o.reader);
}

int
cli_unlock(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "unlock", op_unlock);
}

int
cli_passcode_reset(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "passcode-reset", op_passcode_reset);
}

int
cli_tac_restore(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "tac-restore", op_tac_restore);
}

int
cli_renew(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "renew", op_renew);
}

int
cli_self_renew(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "self-renew", op_self_renew);
}

struct cancel_arg {
	const char *card, *reason;
};

static int
op_cancel(struct ca_session *s, const void *arg, struct ca_result *res)
{
	const struct cancel_arg *c = arg;

	return ca_op_cancel_card(s, c->card, c->reason, res);
}

int
cli_cancel_card(int argc, char **argv, struct cli_env *env)
{
	const struct cli_cmd *cmd = cli_cmd_find("cancel-card");
	struct cancel_arg a;
	struct card_cli o;
	struct cli_who who;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o, &who)) != CA_OK)
		return r;
	if (o.card == NULL || o.reason == NULL)
		return cli_usage(cmd, "--card SERIAL and --reason are required");
	a.card = o.card;
	a.reason = o.reason;
	return run(env, cmd, &who, op_cancel, &a);
}
