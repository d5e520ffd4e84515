/*
 * ca/registry-cards: the registry records the card operations need —
 * cards, the certificates on a card, the card-operation journal, and the
 * operator's roles and positions. Like every registry file, the only code
 * here that touches SQL (see registry.h for the conventions: 0 or
 * CA_ERR_*, outputs written only on success, strings owned by the caller).
 *
 * The journal (table card_ops) is what makes card operations safe against
 * a kill: an operation is recorded "pending" before the card is touched,
 * "committed" in the same transaction as its certificates, and "done" when
 * the card needs nothing more. A re-run finds an open entry for the card
 * and undoes (pending) or completes (committed) it first.
 */
#ifndef CC_CA_REGISTRY_CARDS_H
#define CC_CA_REGISTRY_CARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/registry/registry.h"

struct ca_card_rec {
	char *serial;
	char *state;		/* "blank", "issued", "tac-active", "cancelled" */
	char *holder;		/* NULL for a blank card */
	int is_tac;
	int64_t issued_at;	/* 0 = never issued */
	int renewals;		/* renewals of this card (self + assisted) */
	int self_renewals;	/* self-renewals since the last assisted one */
};

void ca_card_rec_clear(struct ca_card_rec *c);

/* CA_ERR_NOT_FOUND for an unknown card. */
int ca_reg_card_get(struct ca_reg *reg, const char *serial, struct ca_card_rec *out);

/* Insert or update every field of @c (the series is the serial's prefix). */
int ca_reg_card_put(struct ca_reg *reg, const struct ca_card_rec *c);

/* Card @serial is in the registry: a blank row is added if it is not. */
int ca_reg_card_ensure(struct ca_reg *reg, const char *serial);

/* Has any card ever been issued (a card with an issue time, or a signed and
 * recorded certificate: a pending one from a killed run does not count)? */
int ca_reg_cards_any_issued(struct ca_reg *reg, bool *out);

#define CA_CARD_CERTS_MAX 8

/*
 * The valid (unrevoked) certificates of card @serial, newest first, at most
 * @max into @out; *n receives the count. Clear each with ca_cert_rec_clear.
 */
int ca_reg_card_certs(struct ca_reg *reg, const char *serial, struct ca_cert_rec *out,
		      size_t max, size_t *n);

/* The serial of the newest card issued to @holder that is not cancelled. */
int ca_reg_holder_card(struct ca_reg *reg, const char *holder, char **serial);

/* The holder of the newest certificate ever issued on card @serial
 * (valid or not); CA_ERR_NOT_FOUND if none. */
int ca_reg_card_last_holder(struct ca_reg *reg, const char *serial, char **holder);

struct ca_card_op {
	int64_t id;
	char *card, *op, *holder, *state, *details;
};

void ca_card_op_clear(struct ca_card_op *o);

/* The open (pending or committed) operation on @card; CA_ERR_NOT_FOUND if none. */
int ca_reg_card_op_open(struct ca_reg *reg, const char *card, struct ca_card_op *out);

/* Record a pending operation (its own small transaction). CA_ERR_EXISTS if one is open. */
int ca_reg_card_op_start(struct ca_reg *reg, const char *card, const char *op,
			 const char *holder, const char *operator_uuid, const char *details,
			 int64_t now, int64_t *id);

/* Move operation @id to @state ("committed", "done", "abandoned"). Inside or outside
 * a transaction: the caller decides. */
int ca_reg_card_op_set(struct ca_reg *reg, int64_t id, const char *state, int64_t now);

struct ca_op_position {
	char role[32];		/* job role, e.g. "pharmacist" */
	char org[16];		/* ODS code */
	bool locum;		/* the organisation is a locum organisation */
};

/*
 * The position of @uuid at @org (NULL: the person's first position).
 * CA_ERR_NOT_FOUND if the person has none (there).
 */
int ca_reg_operator_position(struct ca_reg *reg, const char *uuid, const char *org,
			struct ca_op_position *out);

/* ODS codes of @uuid's positions (at most @max, each < 16 bytes) into @orgs. */
int ca_reg_holder_orgs(struct ca_reg *reg, const char *uuid, char (*orgs)[16], size_t max,
		       size_t *n);

/* The organisation whose TAC pool holds card @serial; CA_ERR_NOT_FOUND if none. */
int ca_reg_card_tac_org(struct ca_reg *reg, const char *serial, char org[16]);

/*
 * The newest request about @holder that names a sponsor: the sponsor, the
 * RA agent who checked identity (NULL if nobody yet) and whether it is
 * verified. CA_ERR_NOT_FOUND if there is none.
 */
int ca_reg_card_request(struct ca_reg *reg, const char *holder, char **sponsor,
			char **ra_agent, bool *verified);

#endif
