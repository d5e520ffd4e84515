/*
 * ca/card-common: what every card operation shares — the opened CA with its
 * policy and the card module, the clock (with a test override), the
 * operator as a policy actor, the policy view of a card, refusals, and the
 * test-only kill hook.
 */
#ifndef CC_CA_CARD_COMMON_H
#define CC_CA_CARD_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/core/ctx.h"
#include "ca/card/operator.h"
#include "ca/card/p11card.h"
#include "ca/registry/registry-cards.h"
#include "policy/decide.h"
#include "policy/policy.h"

/* Card key pairs: CKA_ID and label of the current, new and old pair. */
#define CA_CARD_ID_AUTH 0x01
#define CA_CARD_ID_SIGN 0x02
#define CA_CARD_ID_NEW 0x10	/* + current id: a pair being renewed in */
#define CA_CARD_ID_OLD 0x20	/* + current id: a pair being renewed out */
#define CA_CARD_LABEL_AUTH "authentication"
#define CA_CARD_LABEL_SIGN "signing"

struct ca_card_env {
	struct ca_ctx *ctx;
	struct pol_policy *pol;
	struct ca_signer *mod;		/* the card module, once loaded */
	const char *module;		/* its path option (may be NULL) */
	int64_t now;
	struct ca_operator op;		/* who acts (valid when have_op) */
	bool have_op;
};

/* Open the CA in @state (HSM included), load @policy (NULL: the default). */
int ca_card_env_open(struct ca_card_env *e, const char *state, const char *policy,
		     const char *module);
void ca_card_env_close(struct ca_card_env *e);

/* Authenticate the operator's card in @reader (acting in @org, may be NULL). */
int ca_card_env_operator(struct ca_card_env *e, unsigned reader, const char *org);

/* Open the card in @reader through the module (loading it on first use). */
int ca_card_env_card(struct ca_card_env *e, unsigned reader, struct ca_p11card **out);

/* The time: $CARECARD_CA_NOW (unix seconds; a test hook) or the clock. */
int64_t ca_card_now(void);

/*
 * Test hook, compiled in always: when $CARECARD_CA_TEST_KILL_AT names
 * @step, the process raises SIGKILL there (tests prove every step is
 * recoverable). Step names: "<operation>:<step>", listed in ca/README.md.
 */
void ca_card_kill_point(const char *op, const char *step);

/* The operator as a policy actor (roles mapped to POL_ROLE_*). */
void ca_card_actor(const struct ca_operator *op, struct pol_actor *out);

/* The policy's view of a card: storage for the strings it points to. */
struct ca_card_view {
	struct pol_card_state st;
	char orgs[POL_HOLDER_ORGS_MAX][16];
	char serial[24], holder[16];
};

/* Fill @v from the registry (card @rec, its valid certificates, the holder). */
int ca_card_view_fill(struct ca_card_env *e, const struct ca_card_rec *rec,
		      struct ca_card_view *v);

/*
 * Print a refusal (rule and sentence: what to do instead), audit it as
 * "<action>-refused", and return CA_ERR_DENIED.
 */
int ca_card_refuse(struct ca_card_env *e, const char *action, const char *subject,
		   const struct pol_decision *d);

/* May the operator do an operation open to @allowed POL_ROLE_*s on @v? */
bool ca_card_may(struct ca_card_env *e, const struct ca_card_view *v, unsigned allowed,
		 const char *rule, const char *what, struct pol_decision *d);

/* Append an audit entry (own transaction) with @kv details. */
int ca_card_audit(struct ca_card_env *e, const char *action, const char *subject,
		  const char *const *kv);

/* The actor string for audit entries: the operator's UUID, or ctx->actor. */
const char *ca_card_actor_id(const struct ca_card_env *e);

#endif
