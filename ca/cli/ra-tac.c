/*
 * ca/cli-ra-tac.c: the Temporary Access Card pool, registry side —
 * "tac-add", "tac-list" and the custodian's "tac-use". Activating a TAC
 * for a holder and restoring it are card operations (tac-activate,
 * tac-restore).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/cli/ra.h"
#include "ca/cli/ra-cmds.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/registry/registry-ra.h"
#include "ca/ra/report.h"

#define TAC_ROLES_MAX 16

struct tac_positions {
	unsigned n;
	char role[TAC_ROLES_MAX][CA_ROLE_NAME_MAX];
	const char *roles[TAC_ROLES_MAX];
	char ods[CA_ODS_MAX + 1];
};

/* "ROLE@ODS,..." all at one organisation (the one that keeps the TAC). */
static int
positions_parse(const struct cli_cmd *cmd, const char *text, struct tac_positions *tp)
{
	char *copy = strdup(text), *save = NULL, *t, ods[CA_ODS_MAX + 1];
	int r = CA_OK;

	if (copy == NULL)
		return CA_ERR_ALLOC;
	memset(tp, 0, sizeof(*tp));
	for (t = strtok_r(copy, ",", &save); t != NULL && r == CA_OK;
	     t = strtok_r(NULL, ",", &save)) {
		if (tp->n == TAC_ROLES_MAX || ca_position_parse(t, tp->role[tp->n], ods) != CA_OK)
			r = cli_usage(cmd, "bad position '%s' (ROLE@ODS, at most %d)", t,
				      TAC_ROLES_MAX);
		else if (tp->n > 0 && strcmp(ods, tp->ods) != 0)
			r = ra_refuse(cmd, "tac.same-organisation", "a TAC belongs to one "
				      "organisation, but positions name %s and %s: add one TAC "
				      "per organisation", tp->ods, ods);
		else {
			strcpy(tp->ods, ods);
			tp->roles[tp->n] = tp->role[tp->n];
			tp->n++;
		}
	}
	free(copy);
	if (r == CA_OK && tp->n == 0)
		r = cli_usage(cmd, "--positions names at least one ROLE@ODS");
	return r;
}

static int
roles_allowed(const struct cli_cmd *cmd, const struct ra_session *s,
	      const struct tac_positions *tp)
{
	const struct pol_strlist *allowed = &s->pol->tac.positions;
	unsigned i, k;

	for (i = 0; i < tp->n; i++) {
		for (k = 0; k < allowed->n; k++)
			if (strcmp(allowed->item[k], tp->roles[i]) == 0)
				break;
		if (k == allowed->n)
			return ra_refuse(cmd, "tac.positions", "the policy does not let a TAC "
					 "carry the position '%s': use only the positions in "
					 "tac.positions (carecard-policy show)", tp->roles[i]);
	}
	return CA_OK;
}

static int
do_tac_add(const struct cli_cmd *cmd, struct ra_session *s, const char *serial,
	   const char *custodian, const char *positions, const struct tac_positions *tp)
{
	const char *kv[] = { "org", tp->ods, "custodian", custodian, "positions", positions, NULL };
	int r;

	if ((r = ra_need_manager(cmd, s, "adding a TAC to the pool")) != CA_OK ||
	    (r = roles_allowed(cmd, s, tp)) != CA_OK)
		return r;
	if ((r = ca_reg_position_has(s->ctx->reg, custodian, NULL, tp->ods)) == CA_ERR_NOT_FOUND)
		return ra_refuse(cmd, "tac.same-organisation", "the custodian %s holds no "
				 "position at %s, which keeps this TAC: name someone who works "
				 "there", custodian, tp->ods);
	if (r != CA_OK || (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = ca_reg_tac_add(s->ctx->reg, serial, tp->ods, custodian, tp->roles, tp->n, time(NULL));
	if (r == CA_OK)
		r = ra_audit(s, "tac-add", serial, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK) {
		if (r == CA_ERR_STATE)
			fprintf(stderr, "carecard-ca: tac-add: card %s exists and is not a blank "
				"TAC\n", serial);
		else if (r == CA_ERR_EXISTS)
			fprintf(stderr, "carecard-ca: tac-add: %s is in the pool already\n",
				serial);
		return r;
	}
	printf("TAC %s added to %s's pool (custodian %s)\n", serial, tp->ods, custodian);
	return CA_OK;
}

int
cli_ra_tac_add(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "custodian", required_argument, NULL, 'c' },
		{ "positions", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-add");
	const char *serial = NULL, *custodian = NULL, *positions = NULL;
	struct tac_positions tp;
	struct ra_session s;
	struct cli_args g;
	int c, r;

	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'c')
			custodian = optarg;
		else if (c == 'p')
			positions = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--serial", serial, "--custodian", custodian, "--positions",
			     positions, NULL)) != CA_OK)
		return r;
	if (*serial == '\0' || strspn(serial, "0123456789") != strlen(serial) ||
	    strlen(serial) > 32)
		return cli_usage(cmd, "a card serial is digits");
	if (ca_uuid_check(custodian) != CA_OK)
		return cli_usage(cmd, "a UUID is 12 digits");
	if ((r = positions_parse(cmd, positions, &tp)) != CA_OK)
		return r;
	if ((r = ra_open(env, cmd, false, true, &s)) == CA_OK)
		r = do_tac_add(cmd, &s, serial, custodian, positions, &tp);
	ra_close(&s);
	return r;
}

int
cli_ra_tac_list(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-list");
	enum ca_report_format f = CA_REPORT_TABLE;
	struct ca_table t;
	struct ca_ctx *ctx = NULL;
	struct cli_args g;
	int c, r;

	memset(&t, 0, sizeof(t));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 'f' && ca_report_format_parse(optarg, &f) != CA_OK)
			return cli_usage(cmd, "--format is table, csv or json");
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_ctx_open(env, false, &ctx)) != CA_OK)
		return r;
	if ((r = ca_reg_tac_table(ctx->reg, &t)) == CA_OK)
		r = ca_table_write(&t, f, stdout);
	ca_table_clear(&t);
	ca_ctx_free(ctx);
	return r;
}

static int
do_tac_use(const struct cli_cmd *cmd, struct ra_session *s, const char *serial,
	   const char *holder, const char *note)
{
	const char *kv[] = { "holder", holder, "custodian", s->op.uuid, "note", note, NULL };
	struct ca_tac t = { 0 };
	struct ca_person p = { 0 };
	int r;

	if ((r = ca_reg_tac_get(s->ctx->reg, serial, &t)) == CA_ERR_NOT_FOUND)
		fprintf(stderr, "carecard-ca: tac-use: %s is not in the TAC pool\n", serial);
	if (r != CA_OK)
		goto out;
	if (strcmp(t.custodian, s->op.uuid) != 0) {
		r = ra_refuse(cmd, "tac.record-each-use", "uses of TAC %s are recorded by its "
			      "custodian %s, not by %s: ask the custodian", serial, t.custodian,
			      s->op.uuid);
		goto out;
	}
	if (t.holder == NULL || strcmp(t.state, "tac-active") != 0) {
		r = ra_refuse(cmd, "tac.record-each-use", "TAC %s is not activated for anyone: "
			      "activate it for the holder with tac-activate first", serial);
		goto out;
	}
	if (strcmp(t.holder, holder) != 0) {
		r = ra_refuse(cmd, "tac.record-each-use", "TAC %s is activated for %s, not %s: "
			      "a TAC is used only by the holder it was activated for", serial,
			      t.holder, holder);
		goto out;
	}
	if ((r = ca_reg_person_get(s->ctx->reg, holder, &p)) == CA_ERR_NOT_FOUND)
		fprintf(stderr, "carecard-ca: tac-use: no person %s\n", holder);
	if (r != CA_OK || (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_tac_use_add(s->ctx->reg, serial, holder, s->op.uuid, note,
				    time(NULL))) == CA_OK)
		r = ra_audit(s, "tac-use", serial, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		printf("use of TAC %s by %s (%s) recorded\n", serial, holder, p.name);
out:
	ca_person_clear(&p);
	ca_tac_clear(&t);
	return r;
}

int
cli_ra_tac_use(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "holder", required_argument, NULL, 'H' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("tac-use");
	const char *serial = NULL, *holder = NULL, *note = NULL;
	struct ra_session s;
	struct cli_args g;
	int c, r;

	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'H')
			holder = optarg;
		else if (c == 'n')
			note = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if (serial == NULL || holder == NULL || note == NULL || *note == '\0')
		return cli_usage(cmd, "--serial, --holder and a non-empty --note are required");
	if (ca_uuid_check(holder) != CA_OK)
		return cli_usage(cmd, "a UUID is 12 digits");
	if ((r = ra_open(env, cmd, false, true, &s)) == CA_OK)
		r = do_tac_use(cmd, &s, serial, holder, note);
	ra_close(&s);
	return r;
}
