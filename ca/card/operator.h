/*
 * ca/card/operator: who is at a card reader. A person proves who they are
 * with their own card through the carecard PKCS#11 module, exactly as any
 * relying party would check a card: passcode login, a fresh random
 * challenge signed with the card's authentication key and verified against
 * the authentication certificate on the card, that certificate verified
 * against the Authentication CA and the root, and found in the registry
 * (issued by us, not revoked, an authentication certificate, card not
 * cancelled, belonging to a registered person).
 *
 * Used for RA operators (ca_session_operator) and for holders acting on
 * their own card (ca_session_holder; their certificate may be past its
 * notAfter — whether an expired card may do something is the policy's
 * decision, not the login's). Roles are the session's business.
 *
 * The passcode comes from the caller's callback; it is never logged.
 */
#ifndef CC_CA_CARD_OPERATOR_H
#define CC_CA_CARD_OPERATOR_H

#include <stdbool.h>

#include <openssl/x509.h>

struct ca_ctx;
struct ca_signer;

/* Passcode for the card @serial; *out malloc'ed, wiped by the caller. */
typedef int (*ca_card_pin_fn)(void *arg, const char *serial, char **out);

struct ca_card_login {
	struct ca_signer *mod;		/* the loaded card module (borrowed) */
	unsigned reader;		/* 1-based reader holding the card */
	bool holder;			/* a holder on their own card: notAfter not checked */
	ca_card_pin_fn pin;
	void *pin_arg;
};

struct ca_card_who {
	char uuid[13];
	char name[128];
	char card[24];			/* serial of the card */
	char cert_serial[64];		/* its authentication certificate (hex) */
};

/*
 * Authenticate the person at @l->reader. CA_OK and *out filled, or:
 * CA_ERR_AUTH (wrong passcode, locked card, signature or certificate does
 * not verify, revoked or unknown certificate), CA_ERR_NOT_FOUND (no card
 * in the reader), CA_ERR_HSM (module failure). *why (may be NULL) says
 * why not, in words for the audit log and the person.
 */
int ca_card_authenticate(struct ca_ctx *ctx, const struct ca_card_login *l,
			 struct ca_card_who *out, const char **why);

/*
 * The holder of the card whose authentication certificate @cert (borrowed)
 * is, already proven by a TLS handshake with that key (the service's
 * client authentication): the same chain and registry checks as
 * ca_card_authenticate() (notAfter not checked: the policy decides), and
 * *out->card is the card the registry has the certificate on. CA_ERR_AUTH
 * with *why, or a registry error.
 */
int ca_card_cert_authenticate(struct ca_ctx *ctx, X509 *cert, struct ca_card_who *out,
			      const char **why);

#endif
