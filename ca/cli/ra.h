/*
 * ca/cli-ra: shared plumbing of the registration-authority commands —
 * opening the CA, loading the policy, authenticating the operator with
 * their own card, and refusing with the rule that decided.
 */
#ifndef CC_CA_CLI_RA_H
#define CC_CA_CLI_RA_H

#include <stdbool.h>

#include "ca/cli/cli.h"
#include "ca/card/operator.h"
#include "policy/decide.h"

struct ca_ctx;

/* Options every operator-authenticated RA command accepts. */
enum {
	RA_OPT_READER = 0x1100,
	RA_OPT_ORG,
	RA_OPT_MODULE,
	RA_OPT_POLICY,
};

#define RA_OPERATOR_OPTIONS \
	{ "operator-reader", required_argument, NULL, RA_OPT_READER }, \
	{ "org", required_argument, NULL, RA_OPT_ORG }, \
	{ "module", required_argument, NULL, RA_OPT_MODULE }, \
	{ "policy", required_argument, NULL, RA_OPT_POLICY }

#define RA_OPERATOR_USAGE "--operator-reader N [--org ODS] [--module PATH] [--policy FILE]"

/* An open RA session: the CA, the policy and (when authenticated) who acts. */
struct ra_session {
	struct ca_ctx *ctx;
	struct pol_policy *pol;
	struct ca_operator_opts oo;
	const char *policy;	/* --policy, else $CARECARD_POLICY, else the installed one */
	struct ca_operator op;
	struct pol_actor actor;	/* op as the policy sees it (borrows op) */
	bool have_operator;
};

/*
 * Handle an RA_OPT_* option into @s->oo: 1 if handled, 0 if not ours,
 * CA_ERR_USAGE (message printed) for a bad value.
 */
int ra_operator_opt(int c, const char *arg, const struct cli_cmd *cmd, struct ra_session *s);

/* cli_args_next() that also takes the operator options (RA_OPERATOR_OPTIONS,
 * which @g's table lists) into @s. */
bool ra_args_next(struct cli_args *g, struct ra_session *s, int *c);

/*
 * Open the CA registry (and the HSM if @hsm) and the policy; with
 * @operator, authenticate the operator at s->oo.reader (CA_ERR_USAGE if no
 * --operator-reader was given) and make them the audit actor.
 */
int ra_open(struct cli_env *env, const struct cli_cmd *cmd, bool hsm, bool operator,
	    struct ra_session *s);
/*
 * The policy from @path, else $CARECARD_POLICY, else the installed nhs.yaml,
 * else the built-in NHS rules; a bad file is reported as FILE:LINE:COLUMN.
 */
int ra_policy_load(const char *path, struct pol_policy **out);

/* Audit a refusal (see ra_refuse), then release everything. */
void ra_close(struct ra_session *s);

/* Who is at the reader: ca_operator_login() (passcode from
 * $CARECARD_OPERATOR_PIN_FILE or the terminal). The one place RA commands
 * authenticate, so a different login is a one-line change. */
int ra_operator_get(struct ca_ctx *ctx, const struct ca_operator_opts *o,
		    struct ca_operator *out);

/*
 * Print "carecard-ca: CMD: refused by RULE: SENTENCE" and return
 * CA_ERR_DENIED (exit status 8). Every refusal names the rule and says what
 * to do instead; ra_close() audits it as "CMD-refused" when an operator
 * was authenticated.
 */
int ra_refuse(const struct cli_cmd *cmd, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ra_refuse() for a policy decision that did not allow; CA_OK if it did. */
int ra_decision(const struct cli_cmd *cmd, const struct pol_decision *d);

/*
 * May the operator act for @holder (may be NULL) at @org (may be NULL)?
 * @roles: POL_ROLE_* allowed by @rule (a policy key). Then the policy's
 * separation-of-duties limits: own-card, locum-may-act, same-organisation.
 * CA_OK or a refusal (printed).
 */
int ra_may(const struct cli_cmd *cmd, struct ra_session *s, unsigned roles, const char *rule,
	   const char *what, const char *holder, const char *org);

/* CA_ROLE_* (registry) bits as POL_ROLE_* (policy) bits. */
unsigned ra_pol_roles(unsigned ca_roles);

/* The RA manager's own operations (organisations, batch updates). */
int ra_need_manager(const struct cli_cmd *cmd, struct ra_session *s, const char *what);

/* Write one audit entry from key/value pairs inside the open transaction. */
int ra_audit(struct ra_session *s, const char *action, const char *subject,
	     const char *const *kv);

#endif
