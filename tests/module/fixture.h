/*
 * Shared fixture of the module tests: a temp directory with reader
 * directories, a CARECARD_CONF with a fast KDF, blank cards manufactured
 * through the store, and the module's function list driven in-process.
 */
#ifndef CC_TEST_FIXTURE_H
#define CC_TEST_FIXTURE_H

#include <limits.h>
#include <stdbool.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#define FX_SO_PIN	"so-secret"
#define FX_PIN		"1234"
#define FX_SERIAL_A	"0400000000000001"
#define FX_SERIAL_B	"0400000000000002"

struct fx {
	char dir[256];
	char conf[PATH_MAX];
	char reader[2][PATH_MAX];
	char log[PATH_MAX];
	char policy[PATH_MAX];	/* the policy file, when fx_new_policy() wrote one */
	CK_FUNCTION_LIST *p11;
	EVP_PKEY *ca_key;	/* signs the test certificates */
};

/*
 * Create the temp tree and config (@extra_yaml appended, may be NULL) and
 * point CARECARD_CONF / CARECARD_LOG_FILE at it. Does not C_Initialize.
 */
struct fx *fx_new(const char *extra_yaml);

/*
 * Same, and when @policy_yaml is not NULL write it (after "version: 1") as
 * the policy file fx->policy and point the config's `policy:` at it: the
 * passcode rules live in the policy, not in the module config.
 */
struct fx *fx_new_policy(const char *extra_yaml, const char *policy_yaml);
void fx_free(struct fx *fx);

/*
 * cmocka fixtures most module tests share: a world with card FX_SERIAL_A
 * personalised in reader 0 ("Test card") and the module initialised;
 * fx_teardown frees it.
 */
int fx_setup_card(void **state);
int fx_teardown(void **state);

/* Manufacture a blank card with @serial into reader @r (0/1). */
void fx_card_insert(struct fx *fx, int r, const char *serial);
/* Move the card of reader @r to @to (a path), or delete it when @to is NULL. */
void fx_card_remove(struct fx *fx, int r, const char *to);
/* Path of the card image in reader @r. */
void fx_card_path(struct fx *fx, int r, char *out, size_t size);

/* C_InitToken + C_InitPIN (SO login) on slot @slot, leaving no session. */
void fx_personalise(struct fx *fx, CK_SLOT_ID slot, const char *label);

/* Open a R/W session on @slot (and log the user in with FX_PIN when @login). */
CK_SESSION_HANDLE fx_open(struct fx *fx, CK_SLOT_ID slot, bool login);

/* Generate a token key pair: RSA @bits, or EC when @curve_oid (DER) is given. */
void fx_gen_rsa(struct fx *fx, CK_SESSION_HANDLE s, CK_ULONG bits, const char *id,
		const char *label, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);
void fx_gen_ec(struct fx *fx, CK_SESSION_HANDLE s, bool p384, const char *id, const char *label,
	       CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);

/* Store a CA-issued certificate for public key object @pub with CKA_ID @id. */
CK_OBJECT_HANDLE fx_add_cert(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
			     const char *id, const char *label, unsigned char **der, size_t *len);

/* The EVP_PKEY (OpenSSL's default context) of public key object @pub. */
EVP_PKEY *fx_pubkey(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub);

/* Read one attribute into a new buffer (caller frees); asserts success. */
unsigned char *fx_attr(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       CK_ATTRIBUTE_TYPE t, CK_ULONG *len);

/* Count objects matching @tmpl. */
CK_ULONG fx_count(struct fx *fx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n);

/*
 * Card snapshots. A card personalised with generated keys costs seconds
 * under valgrind (RSA key generation), and most tests only need it as it
 * was after their set-up: the first set-up of a test program makes it and
 * saves its image under @name (fx_card_save); later set-ups put the same
 * bytes into the reader as card @serial before C_Initialize
 * (fx_card_restore: false when there is no such snapshot yet, so the
 * set-up makes it) and find the objects again by class and CKA_ID (fx_find).
 */
void fx_card_save(struct fx *fx, int r, const char *name);
bool fx_card_restore(struct fx *fx, int r, const char *serial, const char *name);
CK_OBJECT_HANDLE fx_find(struct fx *fx, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *id);

/*
 * RSA-2048 key @i (0..3) of the test program, made on first use and then
 * handed out again (a new reference, caller frees): key generation costs
 * seconds under valgrind, and tests need different keys, not new ones.
 */
EVP_PKEY *fx_rsa_key(unsigned i);

/* Read the card image of reader @r through the store (caller cc_card_free()s). */
struct cc_card *fx_card_load(struct fx *fx, int r);

/* User tries left on the card image of reader @r, read from disk. */
unsigned fx_tries_on_disk(struct fx *fx, int r);

/*
 * Change the KDF test switch in the config (before C_Initialize) to scrypt
 * N = @n, r = 8, p = 1: tests that need a check slow enough to overlap.
 * @n = 0 removes the switch: the policy's passcode.kdf applies.
 */
void fx_set_kdf(struct fx *fx, unsigned n);

/* Does the log contain @needle? */
bool fx_log_contains(struct fx *fx, const char *needle);

extern const unsigned char fx_p256_oid[10];
extern const unsigned char fx_p384_oid[7];

#endif
