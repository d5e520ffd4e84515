/*
 * ca/operator: who is performing an RA operation. Every RA command
 * (registration, issue, renew, repair, revoke, unlock, positions, TACs,
 * batch) first authenticates its operator with the operator's own card in
 * a reader: passcode login through the carecard PKCS#11 module, a fresh
 * random challenge signed with the card's authentication key and verified
 * against the authentication certificate on the card, that certificate
 * checked against the Authentication CA and the registry (issued by us,
 * valid now, not revoked, belonging to a registered person). The person's
 * RA roles and positions then come from the registry — never from flags.
 *
 * The passcode is read from the file named by $CARECARD_OPERATOR_PIN_FILE
 * (mode 0600; for scripts and tests) or else from the terminal without
 * echo. It is never taken from argv and never logged.
 */
#ifndef CC_CA_OPERATOR_H
#define CC_CA_OPERATOR_H

#include <stdbool.h>

struct ca_ctx;

#define CA_UUID_LEN 12

/* RA roles as held in the registry's ra_roles table. */
enum {
	CA_ROLE_RA_MANAGER = 1u << 0,	/* "ra-manager" */
	CA_ROLE_RA_AGENT = 1u << 1,	/* "ra-agent" */
	CA_ROLE_SPONSOR = 1u << 2,	/* "sponsor" */
	CA_ROLE_LSA = 1u << 3,		/* "lsa" (local smartcard administrator) */
};

struct ca_operator_opts {
	const char *module;	/* carecard PKCS#11 module path; NULL = the installed one */
	unsigned reader;	/* 1-based reader (slot) holding the operator's card */
	const char *org;	/* ODS code of the position acted in; NULL = the person's first */
};

struct ca_operator {
	char uuid[CA_UUID_LEN + 1];
	char name[128];
	unsigned roles;			/* CA_ROLE_* from the registry */
	char org[16];			/* ODS code of the position acted in ("" if none) */
	bool locum;			/* that position is at a locum organisation */
	char cert_serial[64];		/* the authentication certificate that proved it (hex) */
	char position_role[32];		/* job role of that position ("pharmacist"), "" if none */
	char card[24];			/* serial of the operator's card */
};

/*
 * Authenticate the operator at @o->reader. 0 and *out filled, or:
 * CA_ERR_AUTH (wrong passcode, locked card, signature or certificate does not
 * verify, revoked or unknown certificate), CA_ERR_NOT_FOUND (no card in the
 * reader), CA_ERR_HSM (module failure). Every attempt, good or bad, is
 * written to the audit log.
 */
int ca_operator_login(struct ca_ctx *ctx, const struct ca_operator_opts *o,
		      struct ca_operator *out);

#endif
