/*
 * ca/ctx: an opened CA: its state directory, registry, HSM session and the
 * issuers (root and the two issuing CAs) with their token keys.
 *
 * State directory layout (see README.md):
 *   registry.db            SQLite registry (0600)
 *   hsm/softhsm2.conf      SoftHSM2 configuration pointing at hsm/tokens
 *   hsm/tokens/            the token (SoftHSM2 object store)
 *   hsm/user.pin, so.pin   token PINs (0600)
 *   certs/root.pem, authentication.pem, signing.pem
 *   crl/                   generated CRLs
 */
#ifndef CC_CA_CTX_H
#define CC_CA_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include "ca/core/csr.h"
#include "ca/core/hooks.h"
#include "policy/policy.h"
#include "ca/registry/registry.h"
#include "ca/core/signer.h"

/* Token object labels and the registry/CLI names of the three CAs (their
 * subject names are in their certificates). */
#define CA_LABEL_ROOT "carecard-root"
#define CA_LABEL_AUTH "carecard-authentication"
#define CA_LABEL_SIGN "carecard-signing"
#define CA_LABEL_CARD_SECRET "carecard-card-management"
#define CA_LABEL_AUDIT "carecard-audit"	/* signs audit checkpoints (checkpoint.h) */
#define CA_AUDIT_KEY_ID 4		/* its CKA_ID: root 1, authentication 2, signing 3 */
#define CA_DEFAULT_TOKEN "carecard-ca"

/*
 * The CA's slots. AUTH and SIGN hold each issuing CA's current generation
 * (the one that issues); after a rollover (rollover.h) AUTH_PREV and
 * SIGN_PREV hold the generation before it, which keeps signing CRLs and
 * OCSP responses for its certificates until the last of them expires. An
 * empty slot has gen 0 and no name.
 */
enum ca_issuer_id {
	CA_ISSUER_ROOT,
	CA_ISSUER_AUTH,
	CA_ISSUER_SIGN,
	CA_ISSUER_AUTH_PREV,
	CA_ISSUER_SIGN_PREV,
	CA_ISSUER_COUNT
};

#define CA_ISSUER_NAME_MAX 48

struct ca_issuer {
	char name[CA_ISSUER_NAME_MAX];	/* registry name: "root", "authentication",
					 * "signing", after a rollover "authentication-2" */
	char label[CA_ISSUER_NAME_MAX + 16];	/* token key label */
	int gen;		/* 1: init's; >= 2: a rollover's; 0: empty slot */
	int64_t until;		/* a previous generation: its last certificate's notAfter */
	X509 *cert;		/* its subject is the CA's name (init: the policy's issuing-ca) */
	struct ca_signer_key *key;
	EVP_PKEY *pkey;		/* the token key as an EVP_PKEY (hsm-provider) */
};

struct ca_ctx {
	char *dir;
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *prov_default, *prov_hsm;
	EVP_MD *md;		/* SHA-256 for every signature */
	struct ca_reg *reg;
	struct ca_signer *signer;
	struct ca_issuer issuers[CA_ISSUER_COUNT];
	/* Who is acting, for the audit log: set only by the session when an
	 * actor authenticates (ca/ra/session.c), never from a flag. Borrowed. */
	const char *actor;
	const char *actor_card;	/* the card that authenticated the actor, or NULL */
	/* SHA-256 (hex) of the policy the operations are decided under, named
	 * in every audit entry; "" before a policy is loaded. */
	char policy_hash[65];
	struct pol_policy *pol;	/* the CA's installed policy (ca/core/policy.h) */
	struct ca_hooks hooks;	/* clock and step points; zero in release front ends */
	struct ca_csr_reader *csr_reader;	/* created on first issuance */
	struct ca_ee_cache *ee;	/* certificate templates per profile (issue.c), on first use */
	int64_t audit_id;	/* the id of the last audit entry ca_ctx_audit wrote */
	/* A front end that groups commits (ca_reg_group): makes what was
	 * committed so far durable; NULL when every commit already is. */
	int (*sync)(void *arg);
	void *sync_arg;
	struct ca_signer_key *audit_key;	/* the audit key (checkpoint.c), on first use */
};

/* The CA's time: the front end's clock hook, else the system clock. */
int64_t ca_ctx_now(const struct ca_ctx *ctx);

/*
 * Step @step of operation @op was reached: calls the front end's point hook
 * (test builds kill the process there to prove each step recoverable).
 * Step names are listed in ca/README.md.
 */
void ca_ctx_point(const struct ca_ctx *ctx, const char *op, const char *step);

/*
 * What this context committed so far is durable once this returns CA_OK:
 * record-before-sign calls it between the pending row and the signature.
 * A no-op unless the front end groups commits (ctx->sync).
 */
int ca_ctx_sync(struct ca_ctx *ctx);

/* A context with crypto set up but nothing opened (init uses this). */
int ca_ctx_new(const char *dir, struct ca_ctx **out);

/*
 * Open the CA in @dir: registry, HSM (module and token from the registry,
 * SOFTHSM2_CONF from the state directory, PIN from hsm/user.pin), the three
 * CA certificates and their keys.
 */
int ca_ctx_open(const char *dir, struct ca_ctx **out);

/*
 * Open only the registry and the policy (audit commands need no HSM). The
 * state directory must belong to the running account, mode 0700
 * (CA_ERR_PERM otherwise).
 */
int ca_ctx_open_registry(const char *dir, struct ca_ctx **out);

/* Where the registry is: DIR/registry.uri (written by init), else
 * "sqlite:DIR/registry.db". *out is malloc'ed. */
#define CA_REGISTRY_URI_FILE "registry.uri"
int ca_ctx_registry_uri(const struct ca_ctx *ctx, char **out);

void ca_ctx_free(struct ca_ctx *ctx);

/* "<dir>/<rel>" in a new string. */
char *ca_ctx_path(const struct ca_ctx *ctx, const char *rel);

/* Issuer by registry name ("root", "authentication", "signing-2"); NULL if unknown. */
struct ca_issuer *ca_ctx_issuer(struct ca_ctx *ctx, const char *name);

/* The slot's role: "root", "authentication" or "signing". */
const char *ca_issuer_role(enum ca_issuer_id id);

/* The other generation of @id's role (AUTH <-> AUTH_PREV, SIGN <-> SIGN_PREV);
 * the root has none (-1). */
int ca_issuer_sibling(int id);

/*
 * Slot @id is in use at @now: it has a certificate, and is a current CA
 * or a previous generation whose certificates have not all expired (it
 * publishes CRLs, answers OCSP and is in the CA bundles only then).
 */
bool ca_issuer_live(const struct ca_ctx *ctx, int id, int64_t now);

/* Point SOFTHSM2_CONF at the state directory's configuration. */
int ca_ctx_hsm_env(const struct ca_ctx *ctx);

/*
 * The state directory @dir's token lock (DIR/hsm/keys.lock, flock): held
 * by whoever makes a key and records it in the registry (the OCSP
 * responders), and by backup across its copy of the registry and the
 * token, so a backup holds both or neither. The descriptor, or -1 when
 * there is no hsm folder (nothing to keep consistent); ca_ctx_token_unlock()
 * accepts -1.
 */
int ca_ctx_token_lock(const char *dir);
void ca_ctx_token_unlock(int fd);

/* Load the HSM module @module and log in to @token with hsm/user.pin. */
int ca_ctx_hsm_login(struct ca_ctx *ctx, const char *module, const char *token);

/* The issuing CAs' generations from the registry into the slots (after a
 * rollover; ca_ctx_open_registry calls it). */
int ca_ctx_issuers_load(struct ca_ctx *ctx);

/* Bind each issuer's token key (needs a logged-in signer). */
int ca_ctx_keys_load(struct ca_ctx *ctx);

/*
 * The SO secret of card @serial: HMAC-SHA256 on the token with the
 * card-management secret over the serial, formatted as 16 characters of
 * Crockford base32 into @out (@outlen >= 17). Deterministic, so the CA can
 * recompute it at unlock time without storing per-card secrets.
 */
int ca_card_so_secret(struct ca_ctx *ctx, const char *serial, char *out, size_t outlen);

#endif
