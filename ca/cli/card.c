/*
 * ca/cli-card.c: issue-card, repair, cancel-card, unlock, renew, self-renew,
 * tac-activate, tac-restore. Every command takes the same card options;
 * each checks the ones it needs. The operator authenticates with their own
 * card in --operator-reader (passcode from $CARECARD_OPERATOR_PIN_FILE or
 * the terminal); the holder's passcode comes from $CARECARD_HOLDER_PIN_FILE
 * or the terminal.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/card/ops.h"
#include "ca/cli/card.h"
#include "ca/core/error.h"

struct card_cli {
	const char *module, *policy, *org, *holder, *card, *reason, *period;
	unsigned reader, op_reader;
	bool locked, tac, bootstrap;
};

enum {
	O_READER = 0x2000, O_OP_READER, O_ORG, O_MODULE, O_POLICY, O_HOLDER, O_CARD,
	O_REASON, O_PERIOD, O_LOCKED, O_TAC, O_BOOTSTRAP,
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
opt_one(int c, const char *arg, const struct cli_cmd *cmd, struct card_cli *o)
{
	switch (c) {
	case O_READER:
		return reader_parse(arg, &o->reader) == CA_OK ? CA_OK
			: cli_usage(cmd, "bad --reader '%s'", arg);
	case O_OP_READER:
		return reader_parse(arg, &o->op_reader) == CA_OK ? CA_OK
			: cli_usage(cmd, "bad --operator-reader '%s'", arg);
	case O_ORG: o->org = arg; break;
	case O_MODULE: o->module = arg; break;
	case O_POLICY: o->policy = arg; break;
	case O_HOLDER: o->holder = arg; break;
	case O_CARD: o->card = arg; break;
	case O_REASON: o->reason = arg; break;
	case O_PERIOD: o->period = arg; break;
	case O_LOCKED: o->locked = true; break;
	case O_TAC: o->tac = true; break;
	case O_BOOTSTRAP: o->bootstrap = true; break;
	default: return CA_ERR_USAGE;
	}
	return CA_OK;
}

static int
opts_parse(int argc, char **argv, struct cli_env *env, const struct cli_cmd *cmd,
	   struct card_cli *o)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "reader", required_argument, NULL, O_READER },
		{ "operator-reader", required_argument, NULL, O_OP_READER },
		{ "org", required_argument, NULL, O_ORG },
		{ "module", required_argument, NULL, O_MODULE },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "holder", required_argument, NULL, O_HOLDER },
		{ "card", required_argument, NULL, O_CARD },
		{ "reason", required_argument, NULL, O_REASON },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "locked", no_argument, NULL, O_LOCKED },
		{ "tac", no_argument, NULL, O_TAC },
		{ "bootstrap", no_argument, NULL, O_BOOTSTRAP },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args g;
	int c, r;

	memset(o, 0, sizeof(*o));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if ((r = opt_one(c, optarg, cmd, o)) != CA_OK)
			return r;
	}
	return cli_args_end(&g);
}

/* Open the CA and, unless @no_operator, authenticate the operator. */
static int
env_open(struct cli_env *env, const struct cli_cmd *cmd, const struct card_cli *o,
	 bool no_operator, struct ca_card_env *e)
{
	int r;

	if ((!no_operator && (r = cli_need_operator(cmd, o->op_reader)) != CA_OK) ||
	    (r = cli_env_finish(env)) != CA_OK ||
	    (r = ca_card_env_open(e, env->state, o->policy, o->module)) != CA_OK)
		return r;
	e->ctx->actor = env->actor;
	if (!no_operator && (r = ca_card_env_operator(e, o->op_reader, o->org)) != CA_OK)
		ca_card_env_close(e);
	return r;
}

static int
issue_like(int argc, char **argv, struct cli_env *env, const char *name)
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct ca_card_issue_req rq;
	struct ca_card_env e;
	struct card_cli o;
	int64_t period = 0;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o)) != CA_OK)
		return r;
	if (o.reader == 0)
		return cli_usage(cmd, "--reader is required");
	if (strcmp(name, "repair") != 0 &&
	    (r = cli_require(cmd, "--holder", o.holder, NULL)) != CA_OK)
		return r;
	if (strcmp(name, "tac-activate") == 0 &&
	    (o.period == NULL || pol_duration_parse(o.period, &period) != POL_OK || period <= 0 ||
	     o.reason == NULL))
		return cli_usage(cmd, "--period DURATION (e.g. 7d) and --reason TEXT are required");
	memset(&rq, 0, sizeof(rq));
	rq.op = name;
	rq.holder = o.holder;
	rq.reader = o.reader;
	rq.locked = o.locked;
	rq.tac = strcmp(name, "tac-activate") == 0;
	rq.bootstrap = o.bootstrap;
	rq.period = period;
	rq.reason = o.reason;
	if (o.bootstrap && o.op_reader != 0)
		return cli_usage(cmd, "--bootstrap issues the first card: "
				 "there is no operator card yet");
	if ((r = env_open(env, cmd, &o, o.bootstrap, &e)) != CA_OK)
		return r;
	r = ca_card_issue(&e, &rq);
	ca_card_env_close(&e);
	return r;
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

/* Commands that act on one card with an operator: unlock, tac-restore, renew. */
static int
reader_op(int argc, char **argv, struct cli_env *env, const char *name,
	  int (*fn)(struct ca_card_env *, unsigned))
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct ca_card_env e;
	struct card_cli o;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o)) != CA_OK)
		return r;
	if (o.reader == 0)
		return cli_usage(cmd, "--reader is required");
	if ((r = env_open(env, cmd, &o, false, &e)) != CA_OK)
		return r;
	r = fn(&e, o.reader);
	ca_card_env_close(&e);
	return r;
}

int
cli_unlock(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "unlock", ca_card_unlock);
}

int
cli_tac_restore(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "tac-restore", ca_card_tac_restore);
}

int
cli_cancel_card(int argc, char **argv, struct cli_env *env)
{
	const struct cli_cmd *cmd = cli_cmd_find("cancel-card");
	struct ca_card_env e;
	struct card_cli o;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o)) != CA_OK)
		return r;
	if (o.card == NULL || o.reason == NULL)
		return cli_usage(cmd, "--card SERIAL and --reason are required");
	if ((r = env_open(env, cmd, &o, false, &e)) != CA_OK)
		return r;
	r = ca_card_cancel(&e, o.card, o.reason);
	ca_card_env_close(&e);
	return r;
}

static int
renew_assisted(struct ca_card_env *e, unsigned reader)
{
	return ca_card_renew(e, reader, false);
}

int
cli_renew(int argc, char **argv, struct cli_env *env)
{
	return reader_op(argc, argv, env, "renew", renew_assisted);
}

/* The holder renews their own card: no operator card, their passcode. */
int
cli_self_renew(int argc, char **argv, struct cli_env *env)
{
	const struct cli_cmd *cmd = cli_cmd_find("self-renew");
	struct ca_card_env e;
	struct card_cli o;
	int r;

	if ((r = opts_parse(argc, argv, env, cmd, &o)) != CA_OK)
		return r;
	if (o.reader == 0)
		return cli_usage(cmd, "--reader is required");
	if (o.op_reader != 0)
		return cli_usage(cmd, "self-renew is the holder's own: no operator card");
	if ((r = env_open(env, cmd, &o, true, &e)) != CA_OK)
		return r;
	r = ca_card_renew(&e, o.reader, true);
	ca_card_env_close(&e);
	return r;
}
