/*
 * ca/card-common.c: see card-common.h.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/card/common.h"
#include "ca/core/error.h"
#include "common/log.h"
#include "policy/decide.h"

int
ca_card_env_open(struct ca_card_env *e, const char *state, const char *policy,
		 const char *module)
{
	struct pol_error perr;
	int r;

	memset(e, 0, sizeof(*e));
	e->module = module;
	e->now = ca_card_now();
	if (policy == NULL)
		policy = getenv("CARECARD_POLICY");
	if (pol_policy_load_default(policy, &e->pol, &perr) != POL_OK) {
		util_log(LOG_ERR, "policy: %s", perr.text);
		return CA_ERR_USAGE;
	}
	if ((r = ca_ctx_open(state, &e->ctx)) != CA_OK)
		ca_card_env_close(e);
	return r;
}

void
ca_card_env_close(struct ca_card_env *e)
{
	ca_ctx_free(e->ctx);	/* its EVP_PKEYs first: none refer to the card module */
	ca_signer_free(e->mod);
	pol_policy_free(e->pol);
	memset(e, 0, sizeof(*e));
}

int
ca_card_env_operator(struct ca_card_env *e, unsigned reader, const char *org)
{
	struct ca_operator_opts o = { e->module, reader, org };
	int r;

	if ((r = ca_operator_login(e->ctx, &o, &e->op)) != CA_OK)
		return r;
	e->have_op = true;
	e->ctx->actor = e->op.uuid;
	return CA_OK;
}

int
ca_card_env_card(struct ca_card_env *e, unsigned reader, struct ca_p11card **out)
{
	int r;

	if (e->mod == NULL &&
	    (r = ca_p11_module_load(e->ctx->libctx, e->module, &e->mod)) != CA_OK)
		return r;
	return ca_p11card_open(e->mod, reader, out);
}

int64_t
ca_card_now(void)
{
	const char *s = getenv("CARECARD_CA_NOW");
	char *end = NULL;
	long long v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v > 0)
			return (int64_t)v;
	}
	return (int64_t)time(NULL);
}

void
ca_card_kill_point(const char *op, const char *step)
{
	const char *at = getenv("CARECARD_CA_TEST_KILL_AT");
	size_t n = strlen(op);

	/* The hook names a point as "<op>:<step>". */
	if (at != NULL && strncmp(at, op, n) == 0 && at[n] == ':' && strcmp(at + n + 1, step) == 0) {
		util_log(LOG_WARNING, "test hook: killed at %s", at);
		raise(SIGKILL);
	}
}

void
ca_card_actor(const struct ca_operator *op, struct pol_actor *out)
{
	static const struct {
		unsigned ca, pol;
	} map[] = {
		{ CA_ROLE_RA_MANAGER, POL_ROLE_RA_MANAGER },
		{ CA_ROLE_RA_AGENT, POL_ROLE_RA_AGENT },
		{ CA_ROLE_SPONSOR, POL_ROLE_SPONSOR },
		{ CA_ROLE_LSA, POL_ROLE_LSA },
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	out->person_id = op->uuid;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (op->roles & map[i].ca)
			out->roles |= map[i].pol;
	if (strcmp(op->position_role, "pharmacist") == 0)
		out->roles |= POL_ROLE_PHARMACIST;
	out->org = op->org[0] != '\0' ? op->org : NULL;
	out->locum = op->locum;
}

static int
view_certs(struct ca_card_env *e, const char *serial, struct pol_card_state *st)
{
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	size_t i, n = 0;
	int r;

	if ((r = ca_reg_card_certs(e->ctx->reg, serial, certs, CA_CARD_CERTS_MAX, &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (certs[i].not_after > st->cert_not_after)
			st->cert_not_after = certs[i].not_after;
		ca_cert_rec_clear(&certs[i]);
	}
	return CA_OK;
}

int
ca_card_view_fill(struct ca_card_env *e, const struct ca_card_rec *rec, struct ca_card_view *v)
{
	struct ca_person p = { 0 };
	size_t i, n = 0;
	int r;

	memset(v, 0, sizeof(*v));
	snprintf(v->serial, sizeof(v->serial), "%s", rec->serial);
	v->st.serial = v->serial;
	v->st.tac = rec->is_tac != 0;
	v->st.card_issued_at = rec->issued_at;
	v->st.renewals = (unsigned)rec->renewals;
	v->st.self_renewals = (unsigned)rec->self_renewals;
	if ((r = view_certs(e, rec->serial, &v->st)) != CA_OK || rec->holder == NULL)
		return r;
	snprintf(v->holder, sizeof(v->holder), "%s", rec->holder);
	v->st.holder_id = v->holder;
	if ((r = ca_reg_holder_orgs(e->ctx->reg, rec->holder, v->orgs, POL_HOLDER_ORGS_MAX,
				    &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++)
		v->st.orgs[i] = v->orgs[i];
	v->st.norgs = (unsigned)n;
	if ((r = ca_reg_person_get(e->ctx->reg, rec->holder, &p)) == CA_OK) {
		if (p.email != NULL && *p.email != '\0')
			v->st.contacts |= POL_CONTACT_EMAIL;
		if (p.mobile != NULL && *p.mobile != '\0')
			v->st.contacts |= POL_CONTACT_MOBILE;
	}
	ca_person_clear(&p);
	return r;
}

const char *
ca_card_actor_id(const struct ca_card_env *e)
{
	if (e->have_op)
		return e->op.uuid;
	return e->ctx->actor != NULL ? e->ctx->actor : "unknown";
}

int
ca_card_audit(struct ca_card_env *e, const char *action, const char *subject,
	      const char *const *kv)
{
	char *details = NULL;
	int r;

	if ((r = ca_json_object(&details, kv)) != CA_OK)
		return r;
	if ((r = ca_reg_begin(e->ctx->reg)) == CA_OK) {
		if ((r = ca_audit_append(e->ctx->reg, (time_t)e->now, ca_card_actor_id(e), action,
					 subject, details)) != CA_OK ||
		    (r = ca_reg_commit(e->ctx->reg)) != CA_OK)
			ca_reg_rollback(e->ctx->reg);
	}
	free(details);
	return r;
}

int
ca_card_refuse(struct ca_card_env *e, const char *action, const char *subject,
	       const struct pol_decision *d)
{
	char what[64];
	const char *kv[] = { "rule", d->rule, "reason", d->sentence, NULL };

	fprintf(stderr, "carecard-ca: %s refused by policy (%s): %s\n", action, d->rule,
		d->sentence);
	snprintf(what, sizeof(what), "%s-refused", action);
	ca_card_audit(e, what, subject != NULL ? subject : "-", kv);
	return CA_ERR_DENIED;
}

bool
ca_card_may(struct ca_card_env *e, const struct ca_card_view *v, unsigned allowed,
	    const char *rule, const char *what, struct pol_decision *d)
{
	struct pol_actor a;

	ca_card_actor(&e->op, &a);
	if (!pol_actor_may(e->pol, &v->st, e->have_op ? &a : NULL, allowed, rule, what, d))
		return false;
	/* pol_actor_may only speaks when it refuses. */
	pol_say(d, true, rule, "%s may %s", e->op.uuid, what);
	return true;
}
