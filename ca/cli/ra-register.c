/*
 * ca/cli-ra-register.c: "register" (a sponsor's request for a new holder's
 * card) and "verify-identity" (the RA agent's face-to-face check).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/cli/ra.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/cli/ra-cmds.h"
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
#define DOCS_RULE "ra.identity-documents"

static int
documents_check(const struct cli_cmd *cmd, const char *list)
{
	char *copy = strdup(list), *save = NULL, *t, seen[32][24];
	unsigned kinds = 0, n = 0, i, k;
	int r = CA_OK;

	if (copy == NULL)
		return CA_ERR_ALLOC;
	for (t = strtok_r(copy, ",", &save); t != NULL && r == CA_OK;
	     t = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(documents) / sizeof(documents[0]); i++)
			if (strcmp(t, documents[i].name) == 0)
				break;
		if (i == sizeof(documents) / sizeof(documents[0])) {
			r = cli_usage(cmd, "unknown document '%s' (see "
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
	if (n < 3 || !(kinds & DOC_ADDRESS) || !(kinds & DOC_PHOTO))
		return ra_refuse(cmd, DOCS_RULE, "identity needs three different documents, "
				 "one with a photo and one proving the address (dated within "
				 "3 months); %u given: ask the holder to bring the missing ones",
				 n);
	return CA_OK;
}

static int
person_ensure(const struct cli_cmd *cmd, struct ra_session *s, const struct ca_person *p,
	      int *created)
{
	struct ca_person have = { 0 };
	int r = ca_reg_person_get(s->ctx->reg, p->uuid, &have);

	*created = 0;
	if (r == CA_ERR_NOT_FOUND) {
		*created = 1;
		return ca_reg_person_add(s->ctx->reg, p);
	}
	if (r == CA_OK && strcmp(have.name, p->name) != 0) {
		fprintf(stderr, "carecard-ca: %s: UUID %s is registered as '%s', not '%s': "
			"check the UUID\n", cmd->name, p->uuid, have.name, p->name);
		r = CA_ERR_EXISTS;
	}
	ca_person_clear(&have);
	return r;
}

static int
do_register(const struct cli_cmd *cmd, struct ra_session *s, const struct ca_person *p,
	    const char *sponsor, const char *role, const char *ods)
{
	struct ca_request rq = { 0 };
	char idbuf[24], pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	int64_t id = 0;
	int created = 0, r;

	if (strcmp(sponsor, s->op.uuid) != 0)
		return ra_refuse(cmd, "separation-of-duties.operations.sponsor",
				 "the sponsor vouches with their own card, but the card at the "
				 "reader is %s's, not %s's: ask %s to register the request",
				 s->op.uuid, sponsor, sponsor);
	if ((r = ca_reg_org_get(s->ctx->reg, ods, NULL, NULL)) == CA_ERR_NOT_FOUND)
		fprintf(stderr, "carecard-ca: %s: organisation %s is not registered: the RA "
			"manager adds it with org-add\n", cmd->name, ods);
	if (r != CA_OK)
		return r;
	if ((r = ra_may(cmd, s, s->pol->duties.sponsor, "separation-of-duties.operations.sponsor",
			"sponsor a card", p->uuid, ods)) != CA_OK)
		return r;
	rq.sponsor = (char *)sponsor;
	rq.subject = p->uuid;
	rq.role = (char *)role;
	rq.org = (char *)ods;
	rq.created = time(NULL);
	snprintf(pos, sizeof(pos), "%s@%s", role, ods);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		return r;
	if ((r = person_ensure(cmd, s, p, &created)) == CA_OK &&
	    (r = ca_reg_request_add(s->ctx->reg, &rq, &id)) == CA_OK) {
		const char *kv[] = { "request", idbuf, "sponsor", sponsor, "position", pos,
				     "new_person", created ? "yes" : "no", NULL };

		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		r = ra_audit(s, "register", p->uuid, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK)
		return r;
	printf("request %lld: %s (%s) sponsored for %s; next: verify-identity --request %lld "
	       "by an RA agent other than the sponsor\n", (long long)id, p->uuid, p->name, pos,
	       (long long)id);
	return CA_OK;
}

int
cli_ra_register(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "uuid", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "mobile", required_argument, NULL, 'M' },
		{ "sponsor", required_argument, NULL, 's' },
		{ "position", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("register");
	struct ra_session s;
	struct ca_person p = { NULL, NULL, NULL, NULL };
	const char *sponsor = NULL, *position = NULL;
	char role[CA_ROLE_NAME_MAX], ods[CA_ODS_MAX + 1];
	struct cli_args g;
	int c, r;

	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		switch (c) {
		case 'u': p.uuid = optarg; break;
		case 'n': p.name = optarg; break;
		case 'e': p.email = optarg; break;
		case 'M': p.mobile = optarg; break;
		case 's': sponsor = optarg; break;
		case 'p': position = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--uuid", p.uuid, "--name", p.name, "--sponsor", sponsor,
			     "--position", position, NULL)) != CA_OK)
		return r;
	if (ca_uuid_check(p.uuid) != CA_OK || ca_uuid_check(sponsor) != CA_OK)
		return cli_usage(cmd, "a UUID is 12 digits");
	if (*p.name == '\0')
		return cli_usage(cmd, "--name must not be empty");
	if (ca_position_parse(position, role, ods) != CA_OK)
		return cli_usage(cmd, "--position is ROLE@ODS, e.g. pharmacist@FA123");
	if ((r = ra_open(env, cmd, false, true, &s)) == CA_OK)
		r = do_register(cmd, &s, &p, sponsor, role, ods);
	ra_close(&s);
	return r;
}

/* The sponsor as the policy sees them: their registry roles, at the
 * organisation the request is for. */
static int
sponsor_actor(struct ra_session *s, const struct ca_request *rq, struct pol_actor *a)
{
	unsigned roles = 0;
	int r;

	if ((r = ca_reg_person_roles(s->ctx->reg, rq->sponsor, &roles)) != CA_OK)
		return r;
	memset(a, 0, sizeof(*a));
	a->person_id = rq->sponsor;
	a->roles = ra_pol_roles(roles);
	a->org = rq->org;
	return CA_OK;
}

static int
do_verify(const struct cli_cmd *cmd, struct ra_session *s, int64_t id, const char *docs)
{
	struct ca_request rq = { 0 };
	struct pol_actor sponsor;
	struct pol_decision d;
	char idbuf[24], pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2];
	int r;

	if ((r = ca_reg_request_get(s->ctx->reg, id, &rq)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND)
			fprintf(stderr, "carecard-ca: %s: no request %lld\n", cmd->name,
				(long long)id);
		goto out;
	}
	if (rq.state != CA_REQ_SPONSORED) {
		r = ra_refuse(cmd, "requests.state", "request %lld was verified already by %s: "
			      "issue the card with issue-card", (long long)id, rq.ra_agent);
		goto out;
	}
	if ((r = sponsor_actor(s, &rq, &sponsor)) != CA_OK)
		goto out;
	pol_decide_issue(s->pol, rq.subject, &sponsor, &s->actor, &d);
	if ((r = ra_decision(cmd, &d)) != CA_OK ||
	    (r = ra_may(cmd, s, s->pol->duties.issue, "separation-of-duties.operations.issue",
			"check identity", rq.subject, rq.org)) != CA_OK ||
	    (r = documents_check(cmd, docs)) != CA_OK)
		goto out;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	snprintf(pos, sizeof(pos), "%s@%s", rq.role, rq.org);
	if ((r = ca_reg_begin(s->ctx->reg)) != CA_OK)
		goto out;
	if ((r = ca_reg_request_verify(s->ctx->reg, id, s->op.uuid, docs, time(NULL))) == CA_OK &&
	    ((r = ca_reg_position_add(s->ctx->reg, rq.subject, rq.role, rq.org)) == CA_OK ||
	     r == CA_ERR_EXISTS)) {
		const char *kv[] = { "request", idbuf, "sponsor", rq.sponsor, "ra_agent",
				     s->op.uuid, "documents", docs, "position", pos, NULL };

		r = ra_audit(s, "verify-identity", rq.subject, kv);
	}
	if ((r = ca_reg_end(s->ctx->reg, r)) != CA_OK)
		goto out;
	printf("request %lld verified: %s holds %s; next: issue-card --holder %s\n",
	       (long long)id, rq.subject, pos, rq.subject);
out:
	ca_request_clear(&rq);
	return r;
}

int
cli_ra_verify_identity(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "request", required_argument, NULL, 'r' },
		{ "documents", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("verify-identity");
	struct ra_session s;
	const char *docs = NULL;
	long long id = 0;
	char *end;
	struct cli_args g;
	int c, r;

	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		if (c == 'r') {
			id = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || id <= 0)
				return cli_usage(cmd, "bad --request '%s'", optarg);
		} else if (c == 'd') {
			docs = optarg;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if (id == 0 || docs == NULL)
		return cli_usage(cmd, "--request and --documents are required");
	if ((r = ra_open(env, cmd, false, true, &s)) == CA_OK)
		r = do_verify(cmd, &s, id, docs);
	ra_close(&s);
	return r;
}
