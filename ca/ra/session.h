/*
 * ca/ra/session: the CA library as front ends (the command line, the
 * service, tests) see it. A session is an opened CA — its registry, HSM,
 * and the policy installed in its state directory — plus the one actor
 * on whose behalf operations run. Every operation (ops.h) takes a session
 * and passes the authorization gate (gate.h) before it changes anything.
 *
 * Who acts comes only from authentication inside the library:
 *   - an RA operator, logged in with their own card in a reader
 *     (ca_session_operator: passcode, challenge signed on the card,
 *     certificate checked against the Authentication CA and the registry);
 *   - the holder of a card, for holder operations (self-renew), logged in
 *     with the card's passcode (ca_session_holder);
 *   - the CA's own system account (ca_session_system): whoever opened the
 *     CA with its HSM PIN, i.e. the owner of the state directory. It may
 *     run system jobs only (CRLs, reports, OCSP, audit checks), never an RA
 *     operation;
 *   - the bootstrap of the first RA manager's own card, once, right after
 *     init (ca_session_bootstrap).
 * There is no way to name an actor: no flag, no environment variable.
 *
 * The library never prints, prompts, reads the environment or exits.
 * Secrets it needs come through the front end's callback; results and
 * refusals come back in struct ca_result.
 */
#ifndef CC_CA_RA_SESSION_H
#define CC_CA_RA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/core/ctx.h"
#include "ca/core/hooks.h"
#include "policy/decide.h"

/* Secrets the library may ask the front end for. */
enum ca_secret_kind {
	CA_SECRET_OPERATOR_PASSCODE,	/* the operator's own card */
	CA_SECRET_HOLDER_PASSCODE,	/* the holder's current passcode */
	CA_SECRET_HOLDER_NEW_PASSCODE,	/* a new passcode the holder chooses (ask twice) */
};

/*
 * Ask for a secret of @kind for card @card (its serial; may be NULL).
 * Return CA_OK with a new NUL-terminated *out (the library wipes and frees
 * it with ca_secret_free), or a CA_ERR_* code (CA_ERR_USAGE: none given).
 */
typedef int (*ca_secret_fn)(void *arg, enum ca_secret_kind kind, const char *card, char **out);

/* What the front end supplies. */
struct ca_front {
	const char *state;		/* the CA state directory */
	ca_secret_fn secret;
	void *secret_arg;
	struct ca_hooks hooks;		/* test builds only; zero in release */
};

enum ca_actor_kind {
	CA_ACTOR_NONE = 0,
	CA_ACTOR_OPERATOR,		/* an RA operator with their own card */
	CA_ACTOR_HOLDER,		/* a card's holder, with the card's passcode */
	CA_ACTOR_SYSTEM,		/* the CA's own service account */
	CA_ACTOR_BOOTSTRAP,		/* issuing the first RA manager's own card */
};

#define CA_UUID_LEN 12

/* Who acts. Filled only by the ca_session_* authentication calls. */
struct ca_actor {
	enum ca_actor_kind kind;
	char uuid[CA_UUID_LEN + 1];	/* the person ("" for the system) */
	char name[128];
	unsigned roles;			/* POL_ROLE_*: registry RA roles + position role */
	char org[16];			/* ODS code of the position acted in ("" if none) */
	bool locum;			/* that position is at a locum organisation */
	char card[24];			/* serial of the card that proved it */
	char cert_serial[64];		/* the authentication certificate that proved it */
};

/*
 * The outcome of an operation, for the front end to show. On a refusal
 * (CA_ERR_DENIED) @rule names the deciding policy rule and @text says why
 * and what to do instead; on another error @text (may be empty) says what
 * failed; on success @done says what was done.
 */
struct ca_result {
	const char *rule;		/* static text, NULL unless refused */
	char text[POL_SENTENCE_MAX + 160];
	char done[512];
};

/* Fill @res's @text (and @rule, may be NULL) and return @err. */
int ca_result_fail(struct ca_result *res, int err, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * After operation result @r: when it failed without saying why (@res's
 * text empty), say what the library last reported as an error (a registry
 * constraint as a sentence, an HSM or card failure). Front ends call it
 * before showing a failure.
 */
void ca_result_complete(struct ca_result *res, int r);

/* Fill @res's @done line. */
void ca_result_done(struct ca_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct ca_signer;

struct ca_session {
	struct ca_ctx *ctx;		/* the CA, with its policy (ctx->pol) */
	struct ca_front front;
	struct ca_actor actor;
	struct ca_signer *mod;		/* the card module, once loaded */
	char *card_module;		/* its path, from the registry's configuration */
	struct ca_session *parent;	/* ca_session_borrow: the session whose CA this is */
	const char *parent_actor, *parent_card;	/* ctx->actor/actor_card to give back */
};

/*
 * Open the CA in @f->state: registry, HSM and the installed policy. No
 * actor yet: authenticate one before any operation.
 */
int ca_session_open(const struct ca_front *f, struct ca_session **out, struct ca_result *res);

/* Open only the registry and the policy (audit checks need no HSM). */
int ca_session_open_registry(const struct ca_front *f, struct ca_session **out,
			     struct ca_result *res);

void ca_session_close(struct ca_session *s);

/*
 * The operator's own card in @reader authenticates them, acting in their
 * position at @org (NULL: their first). CA_ERR_AUTH for a wrong passcode
 * or a card or certificate that does not verify, CA_ERR_NOT_FOUND for an
 * empty reader. Every attempt is audited.
 */
int ca_session_operator(struct ca_session *s, unsigned reader, const char *org,
			struct ca_result *res);

/*
 * The holder of the card in @reader, with the card's passcode: for the
 * holder's own operations (self-renew). The certificate may be expired.
 */
int ca_session_holder(struct ca_session *s, unsigned reader, struct ca_result *res);

/*
 * The holder of the card whose authentication certificate @cert (borrowed)
 * is, proven by a TLS handshake with the card's key (the service's client
 * authentication; the front end must have checked the handshake, not the
 * certificate): chain to the Authentication CA and the root, known to the
 * registry, valid (not revoked, not pending), on a card that is not
 * cancelled, of a registered person. notAfter is not checked (the policy
 * decides what an expired card may do). CA_ERR_AUTH with @res filled and
 * the attempt audited ("holder-login" refused).
 */
int ca_session_holder_cert(struct ca_session *s, X509 *cert, struct ca_result *res);

/*
 * The same card's holder as an RA operator (the portal's staff pages),
 * acting in their position at @org (NULL: their first), with the RA roles
 * the registry gives them — as ca_session_operator, with the TLS handshake
 * in place of the challenge signed at a reader. The certificate must also
 * be within its validity. CA_ERR_AUTH with @res filled and the attempt
 * audited ("operator-login" refused).
 */
int ca_session_operator_cert(struct ca_session *s, X509 *cert, const char *org,
			     struct ca_result *res);

/*
 * A session with no actor over @parent's opened CA (its registry, HSM and
 * policy), for a front end that serves several actors one at a time from
 * one opened CA (the service). Only one of the two may be used at a time
 * (the caller serialises them); ca_session_close() of the borrowed one
 * gives the CA back to @parent's actor.
 */
int ca_session_borrow(struct ca_session *parent, struct ca_session **out);

/*
 * The first RA manager (@holder, named at init) issues their own card
 * without an operator card: only while no card has ever been issued.
 * CA_ERR_DENIED (audited) otherwise.
 */
int ca_session_bootstrap(struct ca_session *s, const char *holder, struct ca_result *res);

/*
 * The system account: allowed when the CA was opened with its HSM (only
 * the owner of the state directory can read the HSM PIN).
 */
int ca_session_system(struct ca_session *s, struct ca_result *res);

/* The card in @reader of @s (loading the card module on first use). */
struct ca_p11card;
int ca_session_card(struct ca_session *s, unsigned reader, struct ca_p11card **out);

/* Ask the front end for a secret. */
int ca_session_secret(struct ca_session *s, enum ca_secret_kind kind, const char *card,
		      char **out);

/* The actor as the policy sees it (borrows @s). */
void ca_session_pol_actor(const struct ca_session *s, struct pol_actor *out);

#endif
