/*
 * ca/card-perso.c: see card-perso.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca/card/perso.h"
#include "ca/card/unblock.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "ca/registry/registry-cards.h"
#include "common/log.h"

#define TEMP_PIN_LEN 8

void
ca_perso_clear(struct ca_perso *p)
{
	ca_card_cert_clear(&p->certs[0]);
	ca_card_cert_clear(&p->certs[1]);
}

static int
so_login(struct ca_ctx *ctx, struct ca_p11card *c)
{
	char so[17];
	int r;

	if ((r = ca_card_so_secret(ctx, c->serial, so, sizeof(so))) != CA_OK)
		return r;
	r = ca_p11card_login(c, CKU_SO, so, NULL);
	OPENSSL_cleanse(so, sizeof(so));
	return r;
}

int
ca_card_wipe(struct ca_ctx *ctx, struct ca_p11card *c)
{
	char so[17], label[33];
	int r;

	if ((r = ca_card_so_secret(ctx, c->serial, so, sizeof(so))) != CA_OK)
		return r;
	snprintf(label, sizeof(label), "carecard %s", c->serial);
	r = ca_p11card_init_token(c, so, label);
	OPENSSL_cleanse(so, sizeof(so));
	return r;
}

int
ca_card_set_passcode(struct ca_ctx *ctx, struct ca_p11card *c, const char *pin)
{
	int r;

	if ((r = so_login(ctx, c)) != CA_OK)
		return r;
	r = ca_p11card_init_pin(c, pin);
	ca_p11card_logout(c);
	return r;
}

int
ca_card_pair_draft(struct ca_ctx *ctx, struct ca_p11card *c, const char *profile,
		   const struct ca_person *holder, unsigned char id, const char *label,
		   int64_t lifetime, struct ca_card_cert *out)
{
	struct ca_signer_key *k = NULL;
	enum ca_key_type kt;
	int r;

	if ((r = ca_card_key_type(ctx->pol, profile, &kt)) != CA_OK ||
	    (r = ca_p11card_keygen(c, label, id, kt)) != CA_OK ||
	    (r = ca_p11card_key(c, label, &k)) != CA_OK)
		return r;
	return ca_card_cert_draft(ctx, k, profile, holder, lifetime, out);
}

int
ca_card_pairs_record(struct ca_ctx *ctx, struct ca_p11card *c, const char *op, int64_t card_op,
		     const struct ca_person *holder, struct ca_card_cert certs[2])
{
	struct ca_pending_req rq = { op, c->serial, holder->uuid, c->serial, card_op };
	struct ca_draft *d[2] = { &certs[0].draft, &certs[1].draft };
	int r;

	/* The rows name the card: a card new to the registry is added blank. */
	if ((r = ca_reg_card_ensure(ctx->reg, c->serial)) != CA_OK)
		return r;
	return ca_cert_pending(ctx, &rq, d, 2);
}

int
ca_card_pair_write(struct ca_ctx *ctx, struct ca_p11card *c, unsigned char id, const char *label,
		   struct ca_card_cert *cc)
{
	int r;

	if ((r = ca_card_cert_sign(ctx, cc)) != CA_OK)
		return r;
	return ca_p11card_cert_write(c, label, id, cc->der, cc->derlen);
}

/* Initialise with the SO secret and give the user a throw-away passcode. */
static int
perso_start(struct ca_ctx *ctx, struct ca_p11card *c, char *temp)
{
	int r;

	/* The unblock key right after the wipe: a new card key is sealed to it. */
	if ((r = ca_card_wipe(ctx, c)) != CA_OK ||
	    (r = ca_card_unblock_install(ctx, c)) != CA_OK ||
	    (r = ca_secret_random_text(temp, TEMP_PIN_LEN)) != CA_OK ||
	    (r = ca_card_set_passcode(ctx, c, temp)) != CA_OK)
		return r;
	return ca_p11card_login(c, CKU_USER, temp, NULL);
}

int
ca_card_personalise(struct ca_ctx *ctx, struct ca_p11card *c, struct ca_perso *p)
{
	char temp[TEMP_PIN_LEN + 1];
	int r;

	if ((r = perso_start(ctx, c, temp)) != CA_OK)
		goto out;
	ca_ctx_point(ctx, p->op, "initialised");
	/* Both certificates are in the registry before either is signed. */
	if ((r = ca_card_pair_draft(ctx, c, "authentication", p->holder, CA_CARD_ID_AUTH,
				    CA_CARD_LABEL_AUTH, p->lifetime, &p->certs[0])) != CA_OK ||
	    (r = ca_card_pair_draft(ctx, c, "signing", p->holder, CA_CARD_ID_SIGN,
				    CA_CARD_LABEL_SIGN, p->lifetime, &p->certs[1])) != CA_OK ||
	    (r = ca_card_pairs_record(ctx, c, p->op, p->card_op, p->holder, p->certs)) != CA_OK)
		goto out;
	if ((r = ca_card_pair_write(ctx, c, CA_CARD_ID_AUTH, CA_CARD_LABEL_AUTH,
				    &p->certs[0])) != CA_OK)
		goto out;
	ca_ctx_point(ctx, p->op, "authentication-written");
	if ((r = ca_card_pair_write(ctx, c, CA_CARD_ID_SIGN, CA_CARD_LABEL_SIGN,
				    &p->certs[1])) != CA_OK)
		goto out;
	ca_ctx_point(ctx, p->op, "signing-written");
	ca_p11card_logout(c);
	if (p->pin != NULL)
		r = ca_card_set_passcode(ctx, c, p->pin);
	else
		r = ca_p11card_lock(c);
	ca_ctx_point(ctx, p->op, "card-written");
out:
	OPENSSL_cleanse(temp, sizeof(temp));
	ca_p11card_logout(c);
	return r;
}
