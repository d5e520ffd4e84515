/*
 * ca/ra/op-people.c: person-add, card-add, register (a sponsor's request),
 * verify-identity (the RA agent's check) and policy-install. See ops.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/policy.h"
#include "ca/core/validate.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-ra.h"

/* The documents an RA agent may accept; "address" ones prove an address,
 * "photo" ones are photographic identity (domain.md: three documents,
 * including proof of address, dated within three months). */
static const struct {
	const char *name;
	unsigned kind;
} documents[] = {
	{ "passport", 1 }, { "driving-licence", 3 }, { "national-id", 1 },
	{ "residence-permit", 1 }, { "birth-certificate", 0 }, { "marriage-certificate", 0 },
	{ "utility-bill", 2 }, { "bank-statement", 2 }, { "council-tax", 2 },
	{ "mortgage-statement", 2 }, { "tenancy-agreement", 2 }, { "payslip", 0 },
	{ "p60", 0 }, { "nhs-letter", 0 },
};
#define DOC_PHOTO 1u
#define DOC_ADDRESS 2u

static int
documents_check(struct ca_session *s, enum ca_op op, const char *subject, const char *list,
		struct ca_result *res)
{
	char *copy, *save = NULL, *t, seen[32][24];
	unsigned kinds = 0, n = 0, i, k;
	int r = CA_OK;

	if (list == NULL || *list == '\0')
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "the identity documents checked "
				      "are required (--documents DOC,DOC,DOC)");
	if ((copy = strdup(list)) == NULL)
		return CA_ERR_ALLOC;
	for (t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(documents) / sizeof(documents[0]); i++)
			if (strcmp(t, documents[i].name) == 0)
				break;
		if (i == sizeof(documents) / sizeof(documents[0])) {
			r = ca_result_fail(res, CA_ERR_INPUT, NULL, "unknown document '%s' (see "
					   "carecard-ca-verify-identity(1))", t);
			break;
		}
		for (k = 0; k < n; k++)
			if (strcmp(seen[k], t) == 0)
				break;
		if (k < n || n == 32)
			continue;
		snprintf(seen[n++], sizeof(seen[0]), "%s", t);
		kinds |= documents[i].kind;
	}
	free(copy);
	if (r != CA_OK)
		return r;
	if (n < 3 || !(kinds & DOC_ADDRESS) || !(kinds & DOC_PHOTO)) {
		char given[64];

		snprintf(given, sizeof(given), "%u (%s)", n, list);
		return RA_REFUSE(s, op, res, CA_RF_DOCUMENTS, subject, given);
	}
	return CA_OK;
}

/*
 * A person's fields, checked at the library boundary (ca/core/validate.h):
 * CA_ERR_INPUT naming the field and the rule. *nfc receives the name to
 * store (normalised to NFC; the caller frees it).
 */
static int
person_fields_check(const char *uuid, const char *name, const char *email, const char *mobile,
		    char **nfc, struct ca_result *res)
{
	char msg[256];

	if (ca_check_uuid("uuid", uuid, msg, sizeof(msg)) != CA_OK ||
	    ca_check_name("name", name, name != NULL ? strlen(name) : 0, nfc, msg,
			  sizeof(msg)) != CA_OK ||
	    (email != NULL && ca_check_email("email", email, msg, sizeof(msg)) != CA_OK) ||
	    (mobile != NULL && ca_check_mobile("mobile", mobile, msg, sizeof(msg)) != CA_OK))
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s", msg);
	return CA_OK;
}

int
ca_op_person_add(struct ca_session *s, const struct ca_person_req *rq, struct ca_result *res)
{
	struct ca_person p = { (char *)rq->uuid, NULL, (char *)rq->email, (char *)rq->mobile,
			       NULL, 0 };
	struct ca_target t = { NULL };
	const char *kv[] = { "name", NULL, "ra_role", rq->ra_role, "documents", rq->documents,
			     NULL };
	char *nfc = NULL;
	int r;

	if ((r = ca_gate_who(s, CA_OP_PERSON_ADD, rq->uuid, res)) != CA_OK ||
	    (r = person_fields_check(rq->uuid, rq->name, rq->email, rq->mobile, &nfc,
				     res)) != CA_OK)
		goto out;
	kv[1] = p.name = nfc;
	if (rq->ra_role != NULL && (pol_role_parse(rq->ra_role) == 0 ||
				    pol_role_parse(rq->ra_role) == POL_ROLE_PHARMACIST)) {
		r = ca_result_fail(res, CA_ERR_INPUT, NULL, "an RA role is ra-manager, ra-agent, "
				   "sponsor or lsa, not '%s'", rq->ra_role);
		goto out;
	}
	t.holder = rq->uuid;
	t.subject = rq->uuid;
	if ((r = ca_gate(s, CA_OP_PERSON_ADD, &t, res, NULL)) != CA_OK ||
	    (rq->ra_role != NULL && (r = ca_gate(s, CA_OP_GRANT_ROLE, &t, res, NULL)) != CA_OK))
		goto out;
	/* An RA manager acts with their own card, which a new person lacks. */
	if (rq->ra_role != NULL && pol_role_parse(rq->ra_role) == POL_ROLE_RA_MANAGER) {
		r = RA_REFUSE(s, CA_OP_GRANT_ROLE, res, CA_RF_MANAGER_AT_ADD, rq->uuid);
		goto out;
	}
	if ((r = documents_check(s, CA_OP_PERSON_ADD, rq->uuid, rq->documents, res)) != CA_OK)
		goto out;
	/* The operator checked identity in person: issuing needs that record. */
	p.checked_by = s->actor.uuid;
	p.checked_at = ca_ctx_now(s->ctx);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_person_add(s->ctx->reg, &p)) == CA_OK &&
	    (rq->ra_role == NULL || (r = ca_reg_ra_role_add(s->ctx->reg, p.uuid,
							     rq->ra_role)) == CA_OK))
		r = ca_ctx_audit(s->ctx, "person-add", p.uuid, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_ERR_EXISTS)
		RA_REFUSE(s, CA_OP_PERSON_ADD, res, CA_RF_PERSON_EXISTS, p.uuid);
	else if (r == CA_OK)
		ca_result_done(res, "person %s (%s) registered%s%s", p.uuid, p.name,
			       rq->ra_role != NULL ? " as " : "",
			       rq->ra_role != NULL ? rq->ra_role : "");
out:
	free(nfc);
	return r;
}

int
ca_op_card_add(struct ca_session *s, const char *serial, const char *holder, bool tac,
	       struct ca_result *res)
{
	struct ca_target t = { NULL };
	const char *kv[] = { "holder", holder, "tac", tac ? "yes" : "no", NULL };
	int r;

	if ((r = ca_gate_who(s, CA_OP_CARD_ADD, serial, res)) != CA_OK)
		return r;
	if (serial == NULL || *serial == '\0' || strspn(serial, "0123456789") != strlen(serial) ||
	    strlen(serial) > 32)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "a card serial is digits, not "
				      "'%s'", serial != NULL ? serial : "");
	t.holder = holder;
	t.subject = serial;
	if ((r = ca_gate(s, CA_OP_CARD_ADD, &t, res, NULL)) != CA_OK ||
	    (r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = ca_reg_card_add(s->ctx->reg, serial, tac, holder)) == CA_OK)
		r = ca_ctx_audit(s->ctx, "card-add", serial, kv);
	if ((r = ca_reg_end(s->ctx->reg, r)) == CA_ERR_EXISTS)
		return RA_REFUSE(s, CA_OP_CARD_ADD, res, CA_RF_CARD_EXISTS, serial);
	if (r == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, CA_OP_CARD_ADD, res, CA_RF_PERSON_UNKNOWN,
				 holder != NULL ? holder : "");
	if (r == CA_OK)
		ca_result_done(res, "card %s registered%s%s", serial, holder != NULL ?
			       " for " : "", holder != NULL ? holder : "");
	return r;
}

/* A new person for a request, or the same person again. */
static int
person_ensure(struct ca_session *s, const struct ca_person *p, int *created,
	      struct ca_result *res)
{
	struct ca_person have = { 0 };
	int r = ca_reg_person_get(s->ctx->reg, p->uuid, &have);

	*created = 0;
	if (r == CA_ERR_NOT_FOUND) {
		*created = 1;
		return ca_reg_person_add(s->ctx->reg, p);
	}
	if (r == CA_OK && strcmp(have.name, p->name) != 0)
		r = RA_REFUSE(s, CA_OP_REGISTER, res, CA_RF_PERSON_NAME_DIFFERS, p->uuid, have.name,
			      p->name);
	ca_person_clear(&have);
	return r;
}

/* register, after the fields were checked: @p holds the name to store. */
static int
register_checked(struct ca_session *s, const struct ca_register_req *rq, struct ca_person *p,
		 int64_t *id, int *created, struct ca_result *res)
{
	struct ca_request req = { 0 };
	struct ca_target t = { NULL };
	char idbuf[24], pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	int r;

	if (rq->role == NULL || rq->ods == NULL || ca_role_check(rq->role) != CA_OK ||
	    ca_ods_check(rq->ods) != CA_OK)
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "the position is ROLE@ODS, e.g. "
				      "pharmacist@FA123");
	if ((r = ca_reg_org_get(s->ctx->reg, rq->ods, NULL, NULL)) == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, CA_OP_REGISTER, res, CA_RF_ORG_UNKNOWN, rq->ods);
	if (r != CA_OK)
		return r;
	t.holder = rq->uuid;
	t.org = rq->ods;
	t.subject = rq->uuid;
	if ((r = ca_gate(s, CA_OP_REGISTER, &t, res, NULL)) != CA_OK)
		return r;
	if (rq->sponsor != NULL && strcmp(rq->sponsor, s->actor.uuid) != 0)
		return RA_REFUSE(s, CA_OP_REGISTER, res, CA_RF_SPONSOR_CARD, rq->uuid,
				 s->actor.uuid, rq->sponsor, rq->sponsor);
	/* The sponsor is whoever authenticated: their card vouches. */
	req.sponsor = s->actor.uuid;
	req.subject = (char *)rq->uuid;
	req.role = (char *)rq->role;
	req.org = (char *)rq->ods;
	req.created = ca_ctx_now(s->ctx);
	snprintf(pos, sizeof(pos), "%s@%s", rq->role, rq->ods);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = person_ensure(s, p, created, res)) == CA_OK &&
	    (r = ca_reg_request_add(s->ctx->reg, &req, id)) == CA_OK) {
		const char *kv[] = { "request", idbuf, "sponsor", s->actor.uuid, "position", pos,
				     "new_person", *created ? "yes" : "no", NULL };

		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)*id);
		r = ca_ctx_audit(s->ctx, "register", p->uuid, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK)
		return r;
	ca_result_done(res, "request %lld: %s (%s) sponsored for %s; next: request approve "
		       "%lld by an RA agent other than the sponsor", (long long)*id,
		       p->uuid, p->name, pos, (long long)*id);
	return CA_OK;
}

int
ca_op_register(struct ca_session *s, const struct ca_register_req *rq, int64_t *id,
	       struct ca_result *res)
{
	struct ca_person p = { (char *)rq->uuid, NULL, (char *)rq->email, (char *)rq->mobile,
			       NULL, 0 };
	char *nfc = NULL;
	int created = 0, r;

	if ((r = ca_gate_who(s, CA_OP_REGISTER, rq->uuid, res)) != CA_OK ||
	    (r = person_fields_check(rq->uuid, rq->name, rq->email, rq->mobile, &nfc,
				     res)) != CA_OK)
		return r;
	p.name = nfc;
	r = register_checked(s, rq, &p, id, &created, res);
	free(nfc);
	return r;
}


/* The sponsor as the policy sees them: their RA roles, at the request's organisation. */
static int
sponsor_actor(struct ca_session *s, const struct ca_request *rq, struct pol_actor *a)
{
	memset(a, 0, sizeof(*a));
	a->person_id = rq->sponsor;
	a->org = rq->org;
	return ca_reg_person_roles(s->ctx->reg, rq->sponsor, &a->roles);
}

int
ca_op_verify_identity(struct ca_session *s, int64_t id, const char *docs, struct ca_result *res)
{
	struct ca_request rq = { 0 };
	struct ca_target t = { NULL };
	struct pol_actor sponsor;
	char idbuf[24], pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	int64_t now = ca_ctx_now(s->ctx);
	int r;

	if ((r = ca_gate_who(s, CA_OP_VERIFY_IDENTITY, NULL, res)) != CA_OK)
		return r;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if ((r = ca_reg_request_get(s->ctx->reg, id, &rq)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			RA_REFUSE(s, CA_OP_VERIFY_IDENTITY, res, CA_RF_REQUEST_UNKNOWN, idbuf);
		goto out;
	}
	if ((r = ra_request_open(s, CA_OP_VERIFY_IDENTITY, &rq, res)) != CA_OK)
		goto out;
	if ((r = sponsor_actor(s, &rq, &sponsor)) != CA_OK)
		goto out;
	t.holder = rq.subject;
	t.org = rq.org;
	t.sponsor = &sponsor;
	t.subject = rq.subject;
	if ((r = ca_gate(s, CA_OP_VERIFY_IDENTITY, &t, res, NULL)) != CA_OK ||
	    (r = documents_check(s, CA_OP_VERIFY_IDENTITY, rq.subject, docs, res)) != CA_OK)
		goto out;
	snprintf(pos, sizeof(pos), "%s@%s", rq.role, rq.org);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_request_verify(s->ctx->reg, id, s->actor.uuid, docs, now)) == CA_OK &&
	    (r = ca_reg_person_checked(s->ctx->reg, rq.subject, s->actor.uuid, now)) == CA_OK &&
	    ((r = ca_reg_position_add(s->ctx->reg, rq.subject, rq.role, rq.org)) == CA_OK ||
	     r == CA_ERR_EXISTS)) {
		const char *kv[] = { "request", idbuf, "sponsor", rq.sponsor, "ra_agent",
				     s->actor.uuid, "documents", docs, "position", pos, NULL };

		r = ca_ctx_audit(s->ctx, "verify-identity", rq.subject, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK)
		goto out;
	ca_result_done(res, "request %lld approved: %s's identity checked, %s holds %s; next: "
		       "issue-card --holder %s", (long long)id, rq.subject, rq.subject, pos,
		       rq.subject);
out:
	ca_request_clear(&rq);
	return r;
}

int
ca_op_policy_install(struct ca_session *s, const char *name, const unsigned char *buf,
		     size_t len, struct ca_result *res)
{
	struct pol_policy *pol = NULL;
	struct pol_error err;
	struct ca_target t = { NULL };
	char hash[65], old[65];
	const char *kv[] = { "policy-new", hash, "policy-old", old, "source", name, NULL };
	int r;

	if ((r = ca_gate_who(s, CA_OP_POLICY_INSTALL, "policy", res)) != CA_OK)
		return r;
	memset(&err, 0, sizeof(err));
	t.subject = "policy";
	if ((r = ca_gate(s, CA_OP_POLICY_INSTALL, &t, res, NULL)) != CA_OK)
		return r;
	if ((r = ca_policy_parse(name, buf, len, &pol, hash, &err)) != CA_OK)
		return ca_result_fail(res, r, NULL, "%s", err.text);
	/* Its profiles must name this CA's issuing CAs: certificates could
	 * not be issued under it otherwise. */
	if ((r = ca_cert_profiles_check(s->ctx, pol)) != CA_OK) {
		pol_policy_free(pol);
		return ca_result_fail(res, CA_ERR_INPUT, NULL, "%s: profiles.*.issuing-ca must "
				      "name this CA's own issuing CAs (the subjects of its "
				      "certs/authentication.pem and certs/signing.pem)", name);
	}
	memcpy(old, s->ctx->policy_hash, sizeof(old));
	/* Audited first (naming both hashes), then the file is replaced: a
	 * failure between the two leaves an entry announcing a policy that is
	 * not installed, never a policy nobody recorded. */
	if ((r = ca_reg_begin(s->ctx->reg)) == CA_OK)
		r = ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "policy-install", "policy", kv));
	if (r == CA_OK)
		r = ca_policy_write(s->ctx, buf, len);
	if (r == CA_OK) {
		pol_policy_free(s->ctx->pol);
		s->ctx->pol = pol;
		pol = NULL;
		memcpy(s->ctx->policy_hash, hash, sizeof(hash));
		ca_result_done(res, "policy %s installed (sha256 %s; was %s)", name, hash, old);
	}
	pol_policy_free(pol);
	return r;
}
