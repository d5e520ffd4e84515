/*
 * ca/p11card: the CA's client for smartcards, through the carecard PKCS#11
 * module — the CA never opens a card image itself. The module is loaded like
 * the HSM (ca_signer_load: dlopen RTLD_LOCAL, C_Initialize, calls only
 * through its function list); each card is then a "view" of that loaded
 * module: a struct ca_signer sharing its function list but owning one
 * session on one slot. So everything the signer can do on the HSM — key
 * generation on the token, public key read-back, and an EVP_PKEY backed by
 * a token key through the in-process provider (hsm-provider.c) — works on
 * a card, and a card's key signs its own PKCS#10 request.
 *
 * Readers are numbered from 1 in the module's configuration order (the
 * module's slot IDs are 0 .. n-1 in that order). The card serial is the
 * token serial number (16 digits).
 *
 * Not thread-safe. Passcodes are never logged.
 */
#ifndef CC_CA_P11CARD_H
#define CC_CA_P11CARD_H

#include <stdbool.h>
#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include "ca/core/signer.h"

#define CA_CARD_SERIAL_MAX 16

/* A personalised card's key pairs: CKA_ID and label of the current pair,
 * and of a pair being renewed in (new) or out (old). */
#define CA_CARD_ID_AUTH 0x01
#define CA_CARD_ID_SIGN 0x02
#define CA_CARD_ID_NEW 0x10	/* + current id */
#define CA_CARD_ID_OLD 0x20	/* + current id */
#define CA_CARD_LABEL_AUTH "authentication"
#define CA_CARD_LABEL_SIGN "signing"

struct ca_p11card {
	struct ca_signer *v;		/* view (signer.h): this card's keys */
	CK_FUNCTION_LIST *fl;		/* the module's, borrowed */
	CK_SESSION_HANDLE session;
	bool have_session;
	bool logged_in;
	CK_SLOT_ID slot;
	unsigned reader;
	char serial[CA_CARD_SERIAL_MAX + 1];
	CK_FLAGS flags;			/* token flags at the last ca_p11card_refresh */
	CK_USER_TYPE who;		/* logged in as, while logged_in */
};

/* The installed module's path (CC_P11MODULEDIR/carecard-pkcs11.so). */
const char *ca_p11_module_default(void);

/* Load the carecard module at @path (NULL: the installed one) with ca_signer_load. */
int ca_p11_module_load(OSSL_LIB_CTX *libctx, const char *path, struct ca_signer **out);

/*
 * The card in reader @reader of @mod (borrowed; must outlive the card).
 * CA_ERR_NOT_FOUND if the reader does not exist or holds no card.
 */
int ca_p11card_open(struct ca_signer *mod, unsigned reader, struct ca_p11card **out);

/* Log out, close the session, free keys. Accepts NULL. */
void ca_p11card_close(struct ca_p11card *c);

/* Tell c->v (the signer view) about the session and login state after they
 * change (p11card*.c only). */
void ca_p11card_view_sync(struct ca_p11card *c);

/* Re-read the token flags into c->flags. */
int ca_p11card_refresh(struct ca_p11card *c);

/*
 * C_InitToken with @so (closing our session first): a blank card gets @so
 * as its SO secret; an initialised one is wiped (needs the current @so).
 * CA_ERR_AUTH for a wrong or locked SO secret.
 */
int ca_p11card_init_token(struct ca_p11card *c, const char *so, const char *label);

/*
 * Log in as @who (CKU_USER or CKU_SO) on a R/W session (opened as needed),
 * logging out whoever was logged in. CA_ERR_AUTH for a wrong passcode or a
 * locked card (*rv, if not NULL, gets the module's answer).
 */
int ca_p11card_login(struct ca_p11card *c, CK_USER_TYPE who, const char *pin, CK_RV *rv);
void ca_p11card_logout(struct ca_p11card *c);

/* C_InitPIN (the SO must be logged in): set the user passcode, refill its tries. */
int ca_p11card_init_pin(struct ca_p11card *c, const char *pin);

/* Exhaust the user passcode tries with a wrong passcode (the card ends locked). */
int ca_p11card_lock(struct ca_p11card *c);

/*
 * A key pair generated on the card, private half sensitive and never
 * extractable (ca_signer_keygen on the card's view).
 */
int ca_p11card_keygen(struct ca_p11card *c, const char *label, unsigned char id,
		      enum ca_key_type type);

/*
 * The private key labelled @label as a signer key owned by the card (the
 * provider's EVP_PKEY can be built from it). Never cached by label, since
 * renewal relabels keys.
 */
int ca_p11card_key(struct ca_p11card *c, const char *label, struct ca_signer_key **out);

/* Write an X.509 certificate object (@der) labelled @label with CKA_ID @id. */
int ca_p11card_cert_write(struct ca_p11card *c, const char *label, unsigned char id,
			  const unsigned char *der, size_t len);

/* Read the certificate labelled @label. CA_ERR_NOT_FOUND if there is none. */
int ca_p11card_cert_read(struct ca_p11card *c, const char *label, unsigned char **der,
			 size_t *len);

/* Destroy every object with CKA_ID @id (key pair and certificate). */
int ca_p11card_destroy(struct ca_p11card *c, unsigned char id);

/* Give every object with CKA_ID @from the label @to and CKA_ID @id. */
int ca_p11card_relabel(struct ca_p11card *c, unsigned char from, const char *to,
		       unsigned char id);

/* How many objects with CKA_ID @id are visible. */
int ca_p11card_count(struct ca_p11card *c, unsigned char id, size_t *n);

#endif
