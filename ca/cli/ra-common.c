/*
 * ca/cli-ra-common.c: what every registration-authority command shares —
 * the CA and policy, the operator (authenticated with their own card), the
 * separation-of-duties checks and refusals that name their rule.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/cli/ra.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/registry/registry-ra.h"
#include "common/log.h"

int
ra_operator_opt(int c, const char *arg, const struct cli_cmd *cmd, struct ra_session *s)
{
	char *end;
	long v;

	switch (c) {
	case RA_OPT_READER:
		v = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || v < 1 || v > 64)
			return cli_usage(cmd, "bad --operator-reader '%s' (1-64)", arg);
		s->oo.reader = (unsigned)v;
		return 1;
	case RA_OPT_ORG:
		if (ca_ods_check(arg) != CA_OK)
			return cli_usage(cmd, "bad --org '%s'", arg);
		s->oo.org = arg;
		return 1;
	case RA_OPT_POLICY:
		s->policy = arg;
		return 1;
	case RA_OPT_MODULE:
		s->oo.module = arg;
		return 1;
	}
	return 0;
}

bool
ra_args_next(struct cli_args *g, struct ra_session *s, int *c)
{
	int h;

	while (cli_args_next(g, c)) {
		if ((h = ra_operator_opt(*c, optarg, g->cmd, s)) == 0)
			return true;
		if (h < 0) {
			g->r = h;
			return false;
		}
	}
	return false;
}

/*
 * The last refusal of this process (one command per process, single
 * threaded), so ra_close() can audit it once the operator is known: a
 * refused RA operation is on record like a refused card operation.
 */
static struct {
	char cmd[32], rule[96], sentence[POL_SENTENCE_MAX];
} refusal;

int
ra_refuse(const struct cli_cmd *cmd, const char *rule, const char *fmt, ...)
{
	va_list ap;

	snprintf(refusal.cmd, sizeof(refusal.cmd), "%s", cmd->name);
	snprintf(refusal.rule, sizeof(refusal.rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(refusal.sentence, sizeof(refusal.sentence), fmt, ap);
	va_end(ap);
	fprintf(stderr, "carecard-ca: %s: refused by %s: %s\n", cmd->name, rule,
		refusal.sentence);
	return CA_ERR_DENIED;
}

/* "<command>-refused" by the authenticated operator, with rule and reason. */
static void
refusal_audit(struct ra_session *s)
{
	const char *kv[] = { "rule", refusal.rule, "reason", refusal.sentence, NULL };
	char action[48];

	if (refusal.cmd[0] == '\0' || !s->have_operator || s->ctx == NULL)
		return;
	snprintf(action, sizeof(action), "%s-refused", refusal.cmd);
	ca_reg_rollback(s->ctx->reg);	/* nothing of the refused operation stays */
	if (ca_reg_begin(s->ctx->reg) != CA_OK)
		return;
	ca_reg_end(s->ctx->reg, ra_audit(s, action, s->op.uuid, kv));
	refusal.cmd[0] = '\0';
}

int
ra_decision(const struct cli_cmd *cmd, const struct pol_decision *d)
{
	if (d->allow)
		return CA_OK;
	return ra_refuse(cmd, d->rule, "%s", d->sentence);
}

int
ra_operator_get(struct ca_ctx *ctx, const struct ca_operator_opts *o, struct ca_operator *out)
{
	return ca_operator_login(ctx, o, out);
}

unsigned
ra_pol_roles(unsigned ca_roles)
{
	unsigned roles = 0;

	if (ca_roles & CA_ROLE_RA_MANAGER)
		roles |= POL_ROLE_RA_MANAGER;
	if (ca_roles & CA_ROLE_RA_AGENT)
		roles |= POL_ROLE_RA_AGENT;
	if (ca_roles & CA_ROLE_SPONSOR)
		roles |= POL_ROLE_SPONSOR;
	if (ca_roles & CA_ROLE_LSA)
		roles |= POL_ROLE_LSA;
	return roles;
}

/* The policy's view of the operator: registry RA roles, plus "pharmacist"
 * when the position acted in is a pharmacist's. */
static int
actor_fill(struct ra_session *s)
{
	unsigned roles = ra_pol_roles(s->op.roles);
	int rc;

	if (s->op.org[0] != '\0') {
		rc = ca_reg_position_has(s->ctx->reg, s->op.uuid, "pharmacist", s->op.org);
		if (rc == CA_OK)
			roles |= POL_ROLE_PHARMACIST;
		else if (rc != CA_ERR_NOT_FOUND)
			return rc;
	}
	s->actor.person_id = s->op.uuid;
	s->actor.roles = roles;
	s->actor.org = s->op.org[0] != '\0' ? s->op.org : NULL;
	s->actor.locum = s->op.locum;
	return CA_OK;
}

int
ra_policy_load(const char *path, struct pol_policy **out)
{
	struct pol_error err;
	int r;

	memset(&err, 0, sizeof(err));
	/* Same sources as the card operations: --policy, $CARECARD_POLICY, the
	 * installed nhs.yaml, the built-in NHS rules. */
	r = pol_policy_load_default(path != NULL ? path : getenv("CARECARD_POLICY"), out, &err);
	if (r != POL_OK) {
		fprintf(stderr, "carecard-ca: policy: %s\n",
			err.text[0] != '\0' ? err.text : pol_strerror(r));
		return CA_ERR_USAGE;
	}
	return CA_OK;
}

int
ra_open(struct cli_env *env, const struct cli_cmd *cmd, bool hsm, bool operator,
	struct ra_session *s)
{
	int r;

	if (operator && (r = cli_need_operator(cmd, s->oo.reader)) != CA_OK)
		return r;
	/* Operator login verifies the card's signature through the CA context's
	 * provider, so it needs the fully opened CA, not only the registry. */
	if ((r = cli_ctx_open(env, hsm || operator, &s->ctx)) != CA_OK ||
	    (r = ra_policy_load(s->policy, &s->pol)) != CA_OK)
		return r;
	if (!operator)
		return CA_OK;
	if ((r = ra_operator_get(s->ctx, &s->oo, &s->op)) != CA_OK) {
		fprintf(stderr, "carecard-ca: %s: the operator at reader %u could not be "
			"authenticated\n", cmd->name, s->oo.reader);
		return r;
	}
	s->have_operator = true;
	s->ctx->actor = s->op.uuid;	/* audit entries name the person, from the card */
	return actor_fill(s);
}

void
ra_close(struct ra_session *s)
{
	refusal_audit(s);
	ca_ctx_free(s->ctx);
	pol_policy_free(s->pol);
	s->ctx = NULL;
	s->pol = NULL;
}

int
ra_may(const struct cli_cmd *cmd, struct ra_session *s, unsigned roles, const char *rule,
       const char *what, const char *holder, const char *org)
{
	const struct pol_duties *du = &s->pol->duties;
	unsigned mine = s->actor.roles & roles;
	/* The locum and organisation limits bind the roles listed in
	 * separation-of-duties.same-organisation, so they apply only when every
	 * role that allows this operation is one of them. */
	bool limited = (mine & ~du->same_organisation) == 0;

	if (mine == 0)
		return ra_refuse(cmd, rule, "%s is not among your roles for this operation: "
				 "ask someone who holds one of them", what);
	if (!du->own_card && holder != NULL && strcmp(holder, s->op.uuid) == 0)
		return ra_refuse(cmd, "separation-of-duties.own-card",
				 "nobody may %s for themselves: ask a colleague", what);
	if (limited && s->actor.locum && !du->locum_may_act)
		return ra_refuse(cmd, "separation-of-duties.locum-may-act",
				 "you are acting in a locum position: act from your own "
				 "organisation's position (--org) or ask a colleague");
	if (limited && org != NULL && (s->actor.org == NULL || strcmp(org, s->actor.org) != 0))
		return ra_refuse(cmd, "separation-of-duties.same-organisation",
				 "you may %s only at your own organisation (%s), not at %s: "
				 "ask someone at %s or an RA agent", what,
				 s->actor.org != NULL ? s->actor.org : "none", org, org);
	return CA_OK;
}

int
ra_need_manager(const struct cli_cmd *cmd, struct ra_session *s, const char *what)
{
	if (s->op.roles & CA_ROLE_RA_MANAGER)
		return CA_OK;
	return ra_refuse(cmd, "ra_roles: ra-manager",
			 "%s is the RA manager's job (domain: the RA manager runs batch "
			 "updates and the organisation list): ask your RA manager", what);
}

int
ra_audit(struct ra_session *s, const char *action, const char *subject,
	 const char *const *kv)
{
	char *details = NULL;
	int r;

	if ((r = ca_json_object(&details, kv)) != CA_OK)
		return r;
	r = ca_audit_append(s->ctx->reg, time(NULL), s->ctx->actor, action, subject, details);
	free(details);
	return r;
}
