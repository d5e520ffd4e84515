/*
 * ca/ra/card-view: the policy's view of a card (struct pol_card_state),
 * filled from the registry: the card's state and counters, the newest
 * certificate's expiry, the holder's organisations and contacts. What the
 * gate and the policy decide card operations on.
 */
#ifndef CC_CA_RA_CARD_VIEW_H
#define CC_CA_RA_CARD_VIEW_H

#include "ca/ra/session.h"
#include "ca/registry/registry-cards.h"
#include "policy/decide.h"

/* The view and the storage for the strings it points to. */
struct ca_card_view {
	struct pol_card_state st;
	char orgs[POL_HOLDER_ORGS_MAX][16];
	char serial[24], holder[16];
};

/* Fill @v from the registry: card @rec, its valid certificates, its holder. */
int ca_card_view_fill(struct ca_session *s, const struct ca_card_rec *rec,
		      struct ca_card_view *v);

/* A TAC in an organisation's pool is judged by that organisation: its ODS
 * code becomes the view's only organisation. */
int ca_card_view_tac_org(struct ca_session *s, struct ca_card_view *v);

#endif
