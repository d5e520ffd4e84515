/*
 * ca/cli-ra-positions.c: "org-add", "position-add", "position-remove" and
 * "ods-change" (a whole organisation moves to a new ODS code).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cli/ra.h"
#include "ca/cli/ra-cmds.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/registry/registry-ra.h"

/* Options shared by the four commands; unset ones stay NULL. */
struct pos_args {
	const char *ods, *name, *holder, *role, *from, *to;
	int locum;
};

static int
parse(int argc, char **argv, struct cli_env *env, const struct cli_cmd *cmd,
      struct ra_session *s, struct pos_args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "ods", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "locum", no_argument, NULL, 'l' },
		{ "holder", required_argument, NULL, 'H' },
		{ "role", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args g;
	int c, r;

	memset(a, 0, sizeof(*a));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, s, &c)) {
		switch (c) {
		case 'o': a->ods = optarg; break;
		case 'n': a->name = optarg; break;
		case 'l': a->locum = 1; break;
		case 'H': a->holder = optarg; break;
		case 'r': a->role = optarg; break;
		case 'f': a->from = optarg; break;
		case 't': a->to = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((a->ods != NULL && ca_ods_check(a->ods) != CA_OK) ||
	    (a->from != NULL && ca_ods_check(a->from) != CA_OK) ||
	    (a->to != NULL && ca_ods_check(a->to) != CA_OK))
		return cli_usage(cmd, "an ODS code is 1-%d upper-case letters and digits",
				 CA_ODS_MAX);
	if (a->holder != NULL && ca_uuid_check(a->holder) != CA_OK)
		return cli_usage(cmd, "a UUID is 12 digits");
	if (a->role != NULL && ca_role_check(a->role) != CA_OK)
		return cli_usage(cmd, "a role is lower-case letters, digits and '-'");
	return CA_OK;
}

int
cli_ra_org_add(int argc, char **argv, struct cli_env *env)
{
	const struct cli_cmd *cmd = cli_cmd_find("org-add");
	struct ra_session s;
	struct pos_args a;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = parse(argc, argv, env, cmd, &s, &a)) != CA_OK)
		return r;
	if (a.ods == NULL || a.name == NULL || *a.name == '\0')
		return cli_usage(cmd, "--ods and --name are required");
	if ((r = ra_open(env, cmd, false, true, &s)) != CA_OK ||
	    (r = ra_need_manager(cmd, &s, "adding an organisation")) != CA_OK ||
	    (r = ca_reg_begin(s.ctx->reg)) != CA_OK)
		goto out;
	{
		const char *kv[] = { "name", a.name, "locum", a.locum ? "yes" : "no", NULL };

		if ((r = ca_reg_org_add(s.ctx->reg, a.ods, a.name, a.locum)) == CA_OK)
			r = ra_audit(&s, "org-add", a.ods, kv);
	}
	if ((r = ca_reg_end(s.ctx->reg, r)) == CA_OK)
		printf("organisation %s (%s)%s added\n", a.ods, a.name, a.locum ? ", locum" : "");
	else if (r == CA_ERR_EXISTS)
		fprintf(stderr, "carecard-ca: org-add: %s is registered already\n", a.ods);
out:
	ra_close(&s);
	return r;
}

/* Position changes: a sponsor (for their organisation) or an RA agent. */
static int
position_change(const struct cli_cmd *cmd, struct ra_session *s, const struct pos_args *a,
		bool add)
{
	const struct pol_duties *du = &s->pol->duties;
	char pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	const char *kv[] = { "position", pos, NULL };
	int r;

	snprintf(pos, sizeof(pos), "%s@%s", a->role, a->ods);
	if ((r = ra_may(cmd, s, du->sponsor | du->issue, "separation-of-duties.operations.sponsor",
			add ? "grant a position" : "remove a position", a->holder,
			a->ods)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	r = add ? ca_reg_position_add(s->ctx->reg, a->holder, a->role, a->ods)
		: ca_reg_position_remove(s->ctx->reg, a->holder, a->role, a->ods);
	if (r == CA_OK)
		r = ra_audit(s, add ? "position-add" : "position-remove", a->holder, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_OK)
		printf("%s %s %s\n", a->holder, add ? "now holds" : "no longer holds", pos);
	else if (r == CA_ERR_EXISTS)
		fprintf(stderr, "carecard-ca: %s: %s holds %s already\n", cmd->name, a->holder,
			pos);
	else if (r == CA_ERR_NOT_FOUND)
		fprintf(stderr, "carecard-ca: %s: %s\n", cmd->name, add
			? "unknown person or organisation (register them, or org-add it, first)"
			: "the holder does not hold that position");
	return r;
}

static int
position_cmd(int argc, char **argv, struct cli_env *env, const char *name, bool add)
{
	const struct cli_cmd *cmd = cli_cmd_find(name);
	struct ra_session s;
	struct pos_args a;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = parse(argc, argv, env, cmd, &s, &a)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--holder", a.holder, "--role", a.role, "--ods", a.ods,
			     NULL)) != CA_OK)
		return r;
	if ((r = ra_open(env, cmd, false, true, &s)) == CA_OK)
		r = position_change(cmd, &s, &a, add);
	ra_close(&s);
	return r;
}

int
cli_ra_position_add(int argc, char **argv, struct cli_env *env)
{
	return position_cmd(argc, argv, env, "position-add", true);
}

int
cli_ra_position_remove(int argc, char **argv, struct cli_env *env)
{
	return position_cmd(argc, argv, env, "position-remove", false);
}

struct ods_audit {
	struct ra_session *s;
	const char *from;
};

/* One audit entry per moved position, naming its holder. */
static int
ods_audit_one(void *arg, const struct ca_position *p)
{
	struct ods_audit *oa = arg;
	const char *kv[] = { "role", p->role, "from", oa->from, "to", p->org, NULL };

	return ra_audit(oa->s, "ods-change", p->holder, kv);
}

int
cli_ra_ods_change(int argc, char **argv, struct cli_env *env)
{
	const struct cli_cmd *cmd = cli_cmd_find("ods-change");
	struct ra_session s;
	struct ods_audit oa;
	struct pos_args a;
	unsigned moved = 0;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = parse(argc, argv, env, cmd, &s, &a)) != CA_OK)
		return r;
	if (a.from == NULL || a.to == NULL || strcmp(a.from, a.to) == 0)
		return cli_usage(cmd, "--from and --to are required and must differ");
	if ((r = ra_open(env, cmd, false, true, &s)) != CA_OK ||
	    (r = ra_need_manager(cmd, &s, "changing an organisation's ODS code")) != CA_OK ||
	    (r = ca_reg_begin(s.ctx->reg)) != CA_OK)
		goto out;
	oa.s = &s;
	oa.from = a.from;
	r = ca_reg_ods_change(s.ctx->reg, a.from, a.to, ods_audit_one, &oa, &moved);
	if (r == CA_OK) {
		char n[16];
		const char *kv[] = { "from", a.from, "to", a.to, "positions", n, NULL };

		snprintf(n, sizeof(n), "%u", moved);
		r = ra_audit(&s, "ods-change-done", a.from, kv);
	}
	if ((r = ca_reg_end(s.ctx->reg, r)) == CA_OK)
		printf("%s -> %s: %u position(s) moved\n", a.from, a.to, moved);
	else if (r == CA_ERR_NOT_FOUND)
		fprintf(stderr, "carecard-ca: ods-change: no organisation %s\n", a.from);
out:
	ra_close(&s);
	return r;
}
