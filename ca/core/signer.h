/*
 * ca/signer: the only code that touches CA keys.
 *
 * The HSM is a PKCS#11 provider (SoftHSM2 by default) loaded privately with
 * dlopen(RTLD_LOCAL) and called only through its function list. Keys are
 * generated on the token (CKA_SENSITIVE, not CKA_EXTRACTABLE) and used with
 * C_Sign; no private key byte ever reaches this process. One logged-in R/W
 * session and the key handles are kept open for the lifetime of the signer,
 * so signing costs exactly C_SignInit + C_Sign (no per-signature lookups).
 *
 * Not thread-safe: one signer per thread (PKCS#11 sessions are single
 * threaded per the spec anyway).
 */
#ifndef CC_CA_SIGNER_H
#define CC_CA_SIGNER_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/types.h>

enum ca_key_type {
	CA_KEY_DEFAULT,		/* "whatever the role's default is" (init options) */
	CA_KEY_RSA2048,
	CA_KEY_RSA3072,
	CA_KEY_EC_P256,
};

struct ca_signer;
struct ca_signer_key;
/* CK_FUNCTION_LIST of <p11-kit/pkcs11.h> (its tag in the default
 * CRYPTOKI_COMPAT mode), so this header needs no p11-kit include path. */
struct _CK_FUNCTION_LIST;

/* "rsa2048" etc. -> type; 0 or CA_ERR_USAGE. */
int ca_key_type_parse(const char *s, enum ca_key_type *out);
const char *ca_key_type_name(enum ca_key_type t);

/*
 * dlopen @module (RTLD_NOW|RTLD_LOCAL) and C_Initialize it. *out owns the
 * module until ca_signer_free(). Public keys read from the token are built in
 * @libctx (borrowed; must outlive the signer). CA_ERR_NOT_FOUND if it cannot be loaded,
 * CA_ERR_HSM if it is not a PKCS#11 provider or refuses to initialize.
 */
int ca_signer_load(const char *module, OSSL_LIB_CTX *libctx, struct ca_signer **out);

/* Log out, close the session, C_Finalize, dlclose. Accepts NULL. */
void ca_signer_free(struct ca_signer *s);

/*
 * Initialize a fresh token labelled @label in the first slot that has an
 * uninitialized token (SoftHSM2 always offers one), then set its user PIN.
 * @label is a plain label (see ca_signer_token_label for URIs).
 * Neither PIN is logged. CA_ERR_EXISTS if a token with @label exists.
 */
int ca_signer_token_init(struct ca_signer *s, const char *label, const char *so_pin,
			 const char *user_pin);

/*
 * The token label named by @token (a "pkcs11:token=..." URI or a label),
 * NUL-terminated into @out. CA_ERR_USAGE if there is none.
 */
int ca_signer_token_label(const char *token, char out[33]);

/*
 * Find the token named by @token (an RFC 7512 "pkcs11:" URI, or a plain
 * label), open a R/W session and log in as CKU_USER with @pin.
 */
int ca_signer_open(struct ca_signer *s, const char *token, const char *pin);

/*
 * Generate a key pair labelled @label (CKA_ID @id) on the open token.
 * The private key is CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, non-extractable,
 * CKA_SIGN only. CA_ERR_EXISTS if a private key with @label exists.
 */
int ca_signer_keygen(struct ca_signer *s, const char *label, unsigned char id,
		     enum ca_key_type type);

/*
 * Look up the private key labelled @label once and return a handle owned by
 * @s (valid until ca_signer_free). The public half is read from the token.
 */
int ca_signer_key_get(struct ca_signer *s, const char *label, struct ca_signer_key **out);

enum ca_key_type ca_signer_key_type(const struct ca_signer_key *k);

/* Borrowed: the key's public half as an ordinary (software) EVP_PKEY. */
EVP_PKEY *ca_signer_key_public(const struct ca_signer_key *k);

/* Signature size upper bound in bytes (DER for ECDSA). */
size_t ca_signer_key_max_sig(const struct ca_signer_key *k);

/* Security strength in bits (for OpenSSL's key info). */
int ca_signer_key_bits(const struct ca_signer_key *k);

/*
 * Sign the message digest @dig (@diglen bytes, computed with the digest
 * whose NID is @md_nid) on the token: RSA PKCS#1 v1.5 over the DigestInfo,
 * or ECDSA returned DER-encoded (as X.509 wants). *siglen is in/out.
 */
int ca_signer_sign_digest(struct ca_signer_key *k, int md_nid, const unsigned char *dig,
			  size_t diglen, unsigned char *sig, size_t *siglen);

/*
 * Create a 256-bit generic secret labelled @label on the token, usable only
 * for HMAC (CKA_SIGN), sensitive and non-extractable.
 */
int ca_signer_secret_generate(struct ca_signer *s, const char *label);

/* HMAC-SHA256 with the token secret @label over @data; @mac gets 32 bytes. */
int ca_signer_hmac(struct ca_signer *s, const char *label, const void *data, size_t len,
		   unsigned char mac[32]);

/*
 * Lanes (signer-lane.c): another session on @s's open, logged-in token for
 * another thread, sharing its module and login; its keys are looked up
 * with ca_signer_key_get(lane, label) as on @s. Free with
 * ca_signer_lane_free() (closes the session only) before @s.
 * CA_ERR_STATE when @s has no logged-in session.
 */
int ca_signer_lane_open(const struct ca_signer *s, struct ca_signer **out);
void ca_signer_lane_free(struct ca_signer *lane);

/*
 * Views (signer-attach.c): a struct ca_signer on another token of an
 * already-loaded module, driven by a caller that opens its own session on
 * its own slot and logs in itself (ca/p11card.c: a smartcard in a reader).
 * A view shares the module's function list and library context, so key
 * generation, public key read-back, signing and the provider's EVP_PKEY
 * (hsm-provider.c) work on that token as on the HSM. Unlike the signer's
 * own ca_signer_key_get(), keys are not cached by label: the caller finds
 * them (labels on a card change during renewal).
 */

/* A new view on @mod (borrowed: must outlive the view), with no session
 * and no keys yet. */
int ca_signer_view_new(const struct ca_signer *mod, struct ca_signer **out);

/* The module's function list (borrowed), for the caller's own calls. */
struct _CK_FUNCTION_LIST *ca_signer_functions(const struct ca_signer *s);

/*
 * Tell the view about the caller's session: @session (a CK_SESSION_HANDLE)
 * when @have_session, logged in as a user who may use keys when
 * @logged_in. The caller keeps opening and closing it.
 */
void ca_signer_view_attach(struct ca_signer *v, bool have_session, unsigned long session,
			   bool logged_in);

/*
 * Make the private key object @priv (a CK_OBJECT_HANDLE the caller found,
 * of @type) labelled @label a key of the view: its public half is read from
 * the token. The key is owned by the view (until
 * ca_signer_view_keys_drop() or ca_signer_view_free()).
 */
int ca_signer_view_key_add(struct ca_signer *v, const char *label, unsigned long priv,
			   struct ca_signer_key **out);

/* Forget the view's keys (their objects were destroyed, e.g. C_InitToken). */
void ca_signer_view_keys_drop(struct ca_signer *v);

/* Free the keys and the view; never touches the session or the module.
 * Accepts NULL. */
void ca_signer_view_free(struct ca_signer *v);

#endif
