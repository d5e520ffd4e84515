/*
 * The CA library called directly, as a service would: the gate's
 * separation-of-duties rules (sponsor is not the RA agent, locum positions,
 * same organisation, own card) hold here exactly as through the command
 * line; an operation without an authenticated actor, or with the system
 * account where an operator is needed, is refused and audited. The test
 * plays the part of authentication by filling in the session's actor (a
 * front end cannot: ca_session_operator() is its only way to one).
 * Needs SoftHSM2 (skipped without).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/session.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-ra.h"

#define ALICE "100000000001"	/* RA manager (init) */
#define SAM "100000000011"	/* sponsor and RA agent, pharmacist at FA123 */
#define ANN "100000000012"	/* RA agent */
#define LOU "100000000013"	/* sponsor, only a locum position */
#define HAL "200000000021"	/* holder at FA123 */
#define BEA "100000000014"	/* sponsor at FB456 (test_request_scope) */
#define DOCS "passport,utility-bill,driving-licence"

struct fixture {
	char dir[64];
	struct ca_session *s;
};

static const char *
hsm_module(void)
{
	const char *m = getenv("SOFTHSM_MODULE");

	return m != NULL && *m != '\0' ? m : CC_DEFAULT_HSM_MODULE;
}

static int
person(struct ca_reg *reg, const char *uuid, const char *name, const char *role)
{
	struct ca_person p = { (char *)uuid, (char *)name, NULL, NULL, (char *)ALICE, 1 };

	if (ca_reg_person_add(reg, &p) != CA_OK)
		return -1;
	return role == NULL || ca_reg_ra_role_add(reg, uuid, role) == CA_OK ? 0 : -1;
}

static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ca_front f;
	struct ca_init_opts o;
	struct ca_reg *reg;

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/test-ca-gate-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	o.dir = fx->dir;
	o.hsm_module = hsm_module();
	o.key_type = CA_KEY_EC_P256;
	o.root_key_type = CA_KEY_EC_P256;
	o.manager_uuid = ALICE;
	o.manager_name = "Alice Manager";
	o.durability = "normal";
	o.now = 1800000000;
	memset(&f, 0, sizeof(f));
	f.state = fx->dir;
	if (ca_init(&o) != CA_OK || ca_session_open(&f, &fx->s, NULL) != CA_OK)
		return -1;
	reg = fx->s->ctx->reg;
	if (ca_reg_begin(reg) != CA_OK ||
	    ca_reg_org_add(reg, "FA123", "High Street", 0) != CA_OK ||
	    ca_reg_org_add(reg, "FB456", "Other", 0) != CA_OK ||
	    ca_reg_org_add(reg, "LOC01", "Locum pool", 1) != CA_OK ||
	    person(reg, SAM, "Sam Sponsor", "sponsor") != 0 ||
	    ca_reg_ra_role_add(reg, SAM, "ra-agent") != CA_OK ||
	    person(reg, ANN, "Ann Agent", "ra-agent") != 0 ||
	    person(reg, LOU, "Lou Locum", "sponsor") != 0 ||
	    person(reg, HAL, "Hal Holder", NULL) != 0 ||
	    ca_reg_position_add(reg, SAM, "pharmacist", "FA123") != CA_OK ||
	    ca_reg_position_add(reg, LOU, "pharmacist", "LOC01") != CA_OK ||
	    ca_reg_position_add(reg, HAL, "dispenser", "FA123") != CA_OK ||
	    ca_reg_commit(reg) != CA_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	ca_session_close(fx->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static int
teardown(void **state)
{
	return ERR_peek_error() == 0 ? 0 : -1;
}

/* The test's stand-in for ca_session_operator(): @uuid acting in @org. */
static void
act_as(struct fixture *fx, enum ca_actor_kind kind, const char *uuid, unsigned roles,
       const char *org, bool locum)
{
	struct ca_actor *a = &fx->s->actor;

	memset(a, 0, sizeof(*a));
	a->kind = kind;
	snprintf(a->uuid, sizeof(a->uuid), "%s", uuid);
	a->roles = roles;
	snprintf(a->org, sizeof(a->org), "%s", org);
	a->locum = locum;
	fx->s->ctx->actor = kind == CA_ACTOR_SYSTEM ? "system" : a->uuid;
}

struct last {
	char text[128];
};

static int
last_one(void *arg, const struct ca_audit_row *row)
{
	struct last *l = arg;

	snprintf(l->text, sizeof(l->text), "%s %s", row->actor, row->action);
	return 0;
}

/* The newest audit entry's actor and action. */
static void
last_audit(struct fixture *fx, char *out, size_t len)
{
	struct last l = { "" };

	assert_int_equal(ca_reg_audit_foreach(fx->s->ctx->reg, last_one, &l), 0);
	snprintf(out, len, "%s", l.text);
}

static void
test_sponsor_is_not_the_ra_agent(void **state)
{
	struct fixture *fx = *state;
	struct ca_register_req rq = { "300000000031", "Ivy Starter", NULL, NULL,
				      "dispenser", "FA123", NULL };
	struct ca_result res;
	int64_t id = 0;
	char last[128];

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR | POL_ROLE_RA_AGENT, "FA123", false);
	assert_int_equal(ca_op_register(fx->s, &rq, &id, &res), CA_OK);
	/* Sam holds both roles, but not for the same request. */
	assert_int_equal(ca_op_verify_identity(fx->s, id, DOCS, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.sponsor-not-ra-agent");
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, SAM " verify-identity-refused");
	act_as(fx, CA_ACTOR_OPERATOR, ANN, POL_ROLE_RA_AGENT, "", false);
	assert_int_equal(ca_op_verify_identity(fx->s, id, DOCS, &res), CA_OK);
}

static void
test_locum_position_may_not_act(void **state)
{
	struct fixture *fx = *state;
	struct ca_result res;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, LOU, POL_ROLE_SPONSOR | POL_ROLE_PHARMACIST, "LOC01", true);
	assert_int_equal(ca_op_position_add(fx->s, HAL, "pharmacist", "FA123", &res),
			 CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.locum-may-act");
}

static void
test_same_organisation_only(void **state)
{
	struct fixture *fx = *state;
	struct ca_result res;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR | POL_ROLE_PHARMACIST, "FA123", false);
	assert_int_equal(ca_op_position_add(fx->s, HAL, "dispenser", "FB456", &res),
			 CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.same-organisation");
	assert_int_equal(ca_op_position_add(fx->s, HAL, "pharmacist", "FA123", &res), CA_OK);
	/* ...and never for themselves. */
	assert_int_equal(ca_op_position_add(fx->s, SAM, "dispenser", "FA123", &res),
			 CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.own-card");
}

/* ca_gate_allows answers as the operation's own gate would, and writes nothing. */
static void
test_allows_asks_without_acting(void **state)
{
	struct fixture *fx = *state;
	struct ca_target t = { NULL };
	struct pol_decision d;
	char before[128], after[128];

	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR | POL_ROLE_PHARMACIST, "FA123", false);
	last_audit(fx, before, sizeof(before));
	t.holder = HAL;
	t.subject = HAL;
	t.org = "FB456";
	assert_false(ca_gate_allows(fx->s, CA_OP_POSITION_ADD, &t, &d));
	assert_string_equal(d.rule, "separation-of-duties.same-organisation");
	t.org = "FA123";
	assert_true(ca_gate_allows(fx->s, CA_OP_POSITION_ADD, &t, &d));
	assert_true(ca_gate_allows(fx->s, CA_OP_POSITION_ADD, &t, NULL));
	t.org = NULL;
	assert_false(ca_gate_allows(fx->s, CA_OP_REVOKE, &t, &d));	/* a sponsor does not revoke */
	assert_string_equal(d.rule, "separation-of-duties.operations.revoke");
	t.holder = SAM;
	t.org = "FA123";
	assert_false(ca_gate_allows(fx->s, CA_OP_POSITION_ADD, &t, &d));
	assert_string_equal(d.rule, "separation-of-duties.own-card");
	/* the wrong kind of actor, or nobody: no, without an entry either */
	assert_false(ca_gate_allows(fx->s, CA_OP_CRL, NULL, &d));
	act_as(fx, CA_ACTOR_NONE, "", 0, "", false);
	assert_false(ca_gate_allows(fx->s, CA_OP_POSITION_ADD, &t, &d));
	assert_string_equal(d.rule, "authentication");
	last_audit(fx, after, sizeof(after));
	assert_string_equal(after, before);
}

static void
test_batch_is_the_ra_managers(void **state)
{
	struct fixture *fx = *state;
	static const char csv[] = "uuid,name,role,ods\n300000000041,Jo Batch,dispenser,FA123\n";
	struct ca_result res;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR | POL_ROLE_RA_AGENT, "FA123", false);
	assert_int_equal(ca_op_batch_import(fx->s, "b.csv", (const unsigned char *)csv,
					    sizeof(csv) - 1, false, NULL, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.operations.batch");
	act_as(fx, CA_ACTOR_OPERATOR, ALICE, POL_ROLE_RA_MANAGER, "", false);
	assert_int_equal(ca_op_batch_import(fx->s, "b.csv", (const unsigned char *)csv,
					    sizeof(csv) - 1, false, NULL, &res), CA_OK);
}

static void
test_nobody_and_the_system_account_may_not(void **state)
{
	struct fixture *fx = *state;
	struct ca_person_req rq = { "300000000051", "Nobody's Friend", NULL, NULL, NULL, DOCS };
	struct ca_result res;
	struct ca_person p = { 0 };
	char last[128];

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_NONE, "", 0, "", false);
	fx->s->ctx->actor = NULL;
	assert_int_equal(ca_op_person_add(fx->s, &rq, &res), CA_ERR_AUTH);
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, "nobody person-add-refused");
	act_as(fx, CA_ACTOR_SYSTEM, "", 0, "", false);
	assert_int_equal(ca_op_person_add(fx->s, &rq, &res), CA_ERR_AUTH);
	assert_int_equal(ca_reg_person_get(fx->s->ctx->reg, rq.uuid, &p), CA_ERR_NOT_FOUND);
	/* The system account runs the system jobs; so does an operator with a
	 * reporting role, whatever organisation they act in; a holder does not. */
	{
		struct ca_table t;

		memset(&t, 0, sizeof(t));
		assert_int_equal(ca_op_report(fx->s, CA_REPORT_USERS_PER_ORG, 0, &t, &res),
				 CA_OK);
		assert_int_equal(t.nrows, 3);		/* national */
		ca_table_clear(&t);
		/* A sponsor reports on their own organisation (issue 17), scoped
		 * by the gate as person search is. */
		act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR, "FA123", false);
		assert_int_equal(ca_op_report(fx->s, CA_REPORT_USERS_PER_ORG, 0, &t, &res),
				 CA_OK);
		assert_int_equal(t.nrows, 1);
		assert_string_equal(ca_table_cell(&t, 0, 0), "FA123");
		ca_table_clear(&t);
		act_as(fx, CA_ACTOR_OPERATOR, HAL, 0, "FA123", false);
		assert_int_equal(ca_op_report(fx->s, CA_REPORT_USERS_PER_ORG, 0, &t, &res),
				 CA_ERR_DENIED);
		assert_string_equal(res.rule, "separation-of-duties.operations.reports");
	}
}

/* recover is the system account's: an RA manager with their card is refused. */
static void
test_recover_is_the_system_accounts(void **state)
{
	struct fixture *fx = *state;
	struct ca_recover_report rep;
	struct ca_result res;
	char last[128], hash[65], want[160];
	int64_t seq = 0;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, ALICE, POL_ROLE_RA_MANAGER, "", false);
	assert_int_equal(ca_op_recover(fx->s, &rep, &res), CA_ERR_AUTH);
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, ALICE " recover-refused");
	act_as(fx, CA_ACTOR_SYSTEM, "", 0, "", false);
	assert_int_equal(ca_op_recover(fx->s, &rep, &res), CA_OK);
	assert_int_equal(rep.revoked, 0);
	assert_true(rep.checkpoint);		/* the first one is always due */
	assert_int_equal(ca_reg_audit_last(fx->s->ctx->reg, &seq, hash), CA_OK);
	assert_int_equal(rep.cp.seq, seq);
	snprintf(want, sizeof(want), "recover: 0 abandoned pending certificate(s) revoked; "
		 "audit checkpoint at entry %lld", (long long)seq);
	assert_string_equal(res.done, want);
	/* At once again: nothing is due. */
	assert_int_equal(ca_op_recover(fx->s, &rep, &res), CA_OK);
	assert_false(rep.checkpoint);
}

/* The service's jobs (OCSP pre-signing, its CRLs) are the system account's:
 * an RA manager with her card is refused, and the refusal audited. */
static void
test_service_jobs_are_the_system_accounts(void **state)
{
	struct fixture *fx = *state;
	struct ca_result res;
	char last[128];

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, ALICE, POL_ROLE_RA_MANAGER, "", false);
	assert_int_equal(ca_gate(fx->s, CA_OP_OCSP_SIGN, NULL, &res, NULL), CA_ERR_AUTH);
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, ALICE " ocsp-sign-refused");
	assert_int_equal(ca_gate(fx->s, CA_OP_CRL, NULL, &res, NULL), CA_ERR_AUTH);
	act_as(fx, CA_ACTOR_SYSTEM, "", 0, "", false);
	assert_int_equal(ca_gate(fx->s, CA_OP_OCSP_SIGN, NULL, &res, NULL), CA_OK);
	assert_int_equal(ca_gate(fx->s, CA_OP_CRL, NULL, &res, NULL), CA_OK);
}

/* Requests: its own sponsor withdraws one, another sponsor may not reject
 * it, an RA agent may; a closed request is refused naming its state. */
static void
test_request_reject(void **state)
{
	struct fixture *fx = *state;
	struct ca_register_req rq = { "300000000061", "Kim Starter", NULL, NULL, "dispenser",
				      "FA123", NULL };
	struct ca_result res;
	int64_t a = 0, b = 0;
	char last[128];

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR | POL_ROLE_RA_AGENT, "FA123", false);
	assert_int_equal(ca_op_register(fx->s, &rq, &a, &res), CA_OK);
	rq.uuid = "300000000062";
	rq.name = "Lee Starter";
	assert_int_equal(ca_op_register(fx->s, &rq, &b, &res), CA_OK);
	assert_int_equal(ca_op_request_reject(fx->s, a, "", &res), CA_ERR_INPUT);
	/* Lou sponsors too, but not this request, and is no RA agent. */
	act_as(fx, CA_ACTOR_OPERATOR, LOU, POL_ROLE_SPONSOR, "LOC01", true);
	assert_int_equal(ca_op_request_reject(fx->s, a, "not ours", &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.operations.issue");
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, LOU " request-reject-refused");
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR, "FA123", false);
	assert_int_equal(ca_op_request_reject(fx->s, a, "did not start", &res), CA_OK);
	assert_non_null(strstr(res.done, "withdrawn by its sponsor"));
	act_as(fx, CA_ACTOR_OPERATOR, ANN, POL_ROLE_RA_AGENT, "", false);
	assert_int_equal(ca_op_request_reject(fx->s, b, "no documents", &res), CA_OK);
	assert_int_equal(ca_op_request_reject(fx->s, b, "again", &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "requests.state");
	assert_non_null(strstr(res.text, "is rejected (by " ANN ")"));
	assert_int_equal(ca_op_verify_identity(fx->s, a, DOCS, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "requests.state");
	assert_int_equal(ca_op_request_reject(fx->s, 999, "none", &res), CA_ERR_NOT_FOUND);
	assert_non_null(strstr(res.text, "no request 999: see the open requests"));
}

/* RA roles: the RA manager's; never the last RA manager; ra-manager only
 * to someone who holds a card. */
static void
test_ra_roles(void **state)
{
	struct fixture *fx = *state;
	struct ca_result res;
	unsigned roles = 0;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, ANN, POL_ROLE_RA_AGENT, "", false);
	assert_int_equal(ca_op_ra_role_grant(fx->s, HAL, "lsa", &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.operations.grant-role");
	act_as(fx, CA_ACTOR_OPERATOR, ALICE, POL_ROLE_RA_MANAGER, "", false);
	assert_int_equal(ca_op_ra_role_grant(fx->s, HAL, "pharmacist", &res), CA_ERR_INPUT);
	assert_int_equal(ca_op_ra_role_grant(fx->s, HAL, "lsa", &res), CA_OK);
	assert_int_equal(ca_op_ra_role_grant(fx->s, HAL, "lsa", &res), CA_ERR_EXISTS);
	assert_string_equal(res.rule, "registry.ra_roles");
	assert_int_equal(ca_reg_person_roles(fx->s->ctx->reg, HAL, &roles), CA_OK);
	assert_int_equal(roles, POL_ROLE_LSA);
	assert_int_equal(ca_op_ra_role_revoke(fx->s, HAL, "lsa", &res), CA_OK);
	assert_int_equal(ca_op_ra_role_revoke(fx->s, HAL, "lsa", &res), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_op_ra_role_grant(fx->s, HAL, "ra-manager", &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "ra.ra-manager-card");
	/* Alice is the only RA manager: whoever asks, the CA keeps her. */
	assert_int_equal(ca_op_ra_role_revoke(fx->s, ALICE, "ra-manager", &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "ra.last-ra-manager");
	assert_int_equal(ca_reg_person_roles(fx->s->ctx->reg, ALICE, &roles), CA_OK);
	assert_int_equal(roles, POL_ROLE_RA_MANAGER);
}

/* person update: an RA agent's, the name with its reason, the audit log
 * keeping no contact details. */
static void
test_person_update(void **state)
{
	struct fixture *fx = *state;
	struct ca_person_update_req rq = { HAL, NULL, "hal@example.nhs.uk", "+447700900123",
					   NULL };
	struct ca_person p = { 0 };
	struct ca_result res;

	memset(&res, 0, sizeof(res));
	act_as(fx, CA_ACTOR_OPERATOR, LOU, POL_ROLE_SPONSOR, "LOC01", true);
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_ERR_DENIED);
	act_as(fx, CA_ACTOR_OPERATOR, ANN, POL_ROLE_RA_AGENT, "", false);
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_OK);
	assert_string_equal(res.done, "person " HAL " (Hal Holder) updated: email added mobile added");
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_ERR_STATE);
	rq.name = "Hal Newname";
	rq.email = "";
	rq.mobile = NULL;
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_ERR_INPUT);
	rq.reason = "marriage";
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_OK);
	assert_int_equal(ca_reg_person_get(fx->s->ctx->reg, HAL, &p), CA_OK);
	assert_string_equal(p.name, "Hal Newname");
	assert_null(p.email);
	assert_string_equal(p.mobile, "+447700900123");
	ca_person_clear(&p);
	rq.uuid = "999999999999";
	assert_int_equal(ca_op_person_update(fx->s, &rq, &res), CA_ERR_NOT_FOUND);
	assert_string_equal(res.rule, "registry.people");
}

/* Reading: the lookup roles or the system account, never a holder. */
static void
test_lookup(void **state)
{
	struct fixture *fx = *state;
	struct ca_person_query q = { "holder", NULL, NULL, NULL, NULL, NULL, 0 };
	struct ca_person_record pr;
	struct ca_result res;
	struct ca_table t;

	memset(&res, 0, sizeof(res));
	memset(&t, 0, sizeof(t));
	act_as(fx, CA_ACTOR_OPERATOR, HAL, 0, "FA123", false);
	assert_int_equal(ca_op_person_search(fx->s, &q, &t, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.operations.lookup");
	act_as(fx, CA_ACTOR_SYSTEM, "", 0, "", false);
	q.name = "Hal";
	assert_int_equal(ca_op_person_search(fx->s, &q, &t, &res), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 0), HAL);
	ca_table_clear(&t);
	q.name = NULL;
	assert_int_equal(ca_op_person_search(fx->s, &q, &t, &res), CA_ERR_INPUT);
	q.uuid = "1000000000";
	q.role = "ra-agent";
	assert_int_equal(ca_op_person_search(fx->s, &q, &t, &res), CA_OK);
	assert_int_equal(t.nrows, 2);	/* Sam and Ann */
	ca_table_clear(&t);
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR, "FA123", false);
	assert_int_equal(ca_op_person_show(fx->s, HAL, 2, &pr, &res), CA_OK);
	assert_int_equal(pr.person.nrows, 1);
	assert_int_equal(pr.positions.nrows, 2);
	assert_int_equal(pr.history.nrows, 2);
	ca_person_record_clear(&pr);
	assert_int_equal(ca_op_person_show(fx->s, "123", 0, &pr, &res), CA_ERR_INPUT);
}

/*
 * The terms and conditions (issue 17): only the holder themself accepts,
 * with their own card; someone else's card, an operator session or a
 * malformed version is refused and nothing is recorded.
 */
static void
test_terms_own_card(void **state)
{
	struct fixture *fx = *state;
	struct ca_reg *reg = fx->s->ctx->reg;
	struct ca_card_rec c = { "0400000077", "issued", SAM, 0, 1800000000, 0, 0 };
	struct ca_terms_acceptance a;
	struct ca_result res;
	char audit[128];
	bool accepted = true;

	assert_int_equal(ca_reg_begin(reg), CA_OK);
	assert_int_equal(ca_reg_card_put(reg, &c), CA_OK);
	assert_int_equal(ca_reg_commit(reg), CA_OK);
	/* Hal, with Sam's card (as if it had authenticated him). */
	act_as(fx, CA_ACTOR_HOLDER, HAL, 0, "", false);
	snprintf(fx->s->actor.card, sizeof(fx->s->actor.card), "0400000077");
	memset(&res, 0, sizeof(res));
	assert_int_equal(ca_op_terms_accept(fx->s, "v1", &a, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "holder.own-card");
	last_audit(fx, audit, sizeof(audit));
	assert_string_equal(audit, HAL " terms-accept-refused");
	/* Alice as an RA operator: terms are a holder's own act. */
	act_as(fx, CA_ACTOR_OPERATOR, ALICE, POL_ROLE_RA_MANAGER, "", false);
	assert_int_equal(ca_op_terms_accept(fx->s, "v1", &a, &res), CA_ERR_AUTH);
	assert_int_equal(ca_op_terms_status(fx->s, "v1", &accepted, &a, &res), CA_ERR_AUTH);
	/* Sam with his own card: a version of the wrong form is refused. */
	act_as(fx, CA_ACTOR_HOLDER, SAM, 0, "", false);
	snprintf(fx->s->actor.card, sizeof(fx->s->actor.card), "0400000077");
	assert_int_equal(ca_op_terms_accept(fx->s, "v 1<", &a, &res), CA_ERR_INPUT);
	assert_int_equal(ca_op_terms_accept(fx->s, "", &a, &res), CA_ERR_INPUT);
	assert_int_equal(ca_op_terms_status(fx->s, "v1", &accepted, &a, &res), CA_OK);
	assert_false(accepted);
}

/* Is request @id a row of @t? */
static bool
has_request(const struct ca_table *t, int64_t id)
{
	char want[24];
	size_t i;

	snprintf(want, sizeof(want), "%lld", (long long)id);
	for (i = 0; i < t->nrows; i++)
		if (strcmp(ca_table_cell(t, i, 0), want) == 0)
			return true;
	return false;
}

/* Reading requests: a sponsor sees their own organisations' (as they find
 * their people), not the national list, and is refused another's by the
 * same-organisation rule; an RA agent sees every one. */
static void
test_request_scope(void **state)
{
	struct fixture *fx = *state;
	struct ca_register_req ra = { "300000000071", "Ada Here", NULL, NULL, "dispenser",
				      "FA123", NULL };
	struct ca_register_req rb = { "300000000072", "Ben There", NULL, NULL, "dispenser",
				      "FB456", NULL };
	struct ca_reg *reg = fx->s->ctx->reg;
	struct ca_result res;
	struct ca_table t;
	int64_t a = 0, b = 0;
	char last[128];

	memset(&res, 0, sizeof(res));
	memset(&t, 0, sizeof(t));
	assert_int_equal(ca_reg_begin(reg), CA_OK);
	assert_int_equal(person(reg, BEA, "Bea Sponsor", "sponsor"), 0);
	assert_int_equal(ca_reg_position_add(reg, BEA, "pharmacist", "FB456"), CA_OK);
	assert_int_equal(ca_reg_commit(reg), CA_OK);
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR, "FA123", false);
	assert_int_equal(ca_op_register(fx->s, &ra, &a, &res), CA_OK);
	act_as(fx, CA_ACTOR_OPERATOR, BEA, POL_ROLE_SPONSOR, "FB456", false);
	assert_int_equal(ca_op_register(fx->s, &rb, &b, &res), CA_OK);
	assert_int_equal(ca_op_request_list(fx->s, "sponsored", &t, &res), CA_OK);
	assert_true(has_request(&t, b));
	assert_false(has_request(&t, a));
	ca_table_clear(&t);
	act_as(fx, CA_ACTOR_OPERATOR, SAM, POL_ROLE_SPONSOR, "FA123", false);
	assert_int_equal(ca_op_request_list(fx->s, NULL, &t, &res), CA_OK);
	assert_true(has_request(&t, a));
	assert_false(has_request(&t, b));
	ca_table_clear(&t);
	assert_int_equal(ca_op_request_show(fx->s, a, &t, &res), CA_OK);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(ca_table_cell(&t, 0, 2), ra.uuid);
	ca_table_clear(&t);
	assert_int_equal(ca_op_request_show(fx->s, b, &t, &res), CA_ERR_DENIED);
	assert_string_equal(res.rule, "separation-of-duties.same-organisation");
	assert_non_null(strstr(res.text, "at FB456, where you hold no position"));
	assert_int_equal(t.nrows, 0);
	last_audit(fx, last, sizeof(last));
	assert_string_equal(last, SAM " request-list-refused");
	/* Lou's only position is at a locum organisation, which does not count. */
	act_as(fx, CA_ACTOR_OPERATOR, LOU, POL_ROLE_SPONSOR, "LOC01", true);
	assert_int_equal(ca_op_request_list(fx->s, NULL, &t, &res), CA_OK);
	assert_int_equal(t.nrows, 0);
	ca_table_clear(&t);
	/* An RA agent acts for every organisation: the national list. */
	act_as(fx, CA_ACTOR_OPERATOR, ANN, POL_ROLE_RA_AGENT, "", false);
	assert_int_equal(ca_op_request_list(fx->s, "sponsored", &t, &res), CA_OK);
	assert_true(has_request(&t, a) && has_request(&t, b));
	ca_table_clear(&t);
	assert_int_equal(ca_op_request_show(fx->s, b, &t, &res), CA_OK);
	ca_table_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sponsor_is_not_the_ra_agent, teardown),
		cmocka_unit_test_teardown(test_locum_position_may_not_act, teardown),
		cmocka_unit_test_teardown(test_same_organisation_only, teardown),
		cmocka_unit_test_teardown(test_allows_asks_without_acting, teardown),
		cmocka_unit_test_teardown(test_batch_is_the_ra_managers, teardown),
		cmocka_unit_test_teardown(test_recover_is_the_system_accounts, teardown),
		cmocka_unit_test_teardown(test_nobody_and_the_system_account_may_not, teardown),
		cmocka_unit_test_teardown(test_service_jobs_are_the_system_accounts, teardown),
		cmocka_unit_test_teardown(test_request_reject, teardown),
		cmocka_unit_test_teardown(test_ra_roles, teardown),
		cmocka_unit_test_teardown(test_person_update, teardown),
		cmocka_unit_test_teardown(test_lookup, teardown),
		cmocka_unit_test_teardown(test_terms_own_card, teardown),
		cmocka_unit_test_teardown(test_request_scope, teardown),
	};

	if (access(hsm_module(), R_OK) != 0) {
		printf("1..0 # SKIP no SoftHSM2 module at %s\n", hsm_module());
		return 0;
	}
	return cmocka_run_group_tests_name("ca-gate", tests, group_setup, group_teardown);
}
