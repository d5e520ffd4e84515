/*
 * C_GenerateKeyPair (on the card), C_GenerateRandom, C_SeedRandom.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "pkcs11/api.h"
#include "pkcs11/audit.h"
#include "pkcs11/keygen.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"

/* A generated pair on its way to the card or the session. */
struct pair {
	struct cc_attrs pub, priv;
	EVP_PKEY *pk;
	unsigned char *der;		/* PKCS#8, token keys only */
	size_t derlen;
	uint32_t pub_uid, priv_uid;
};

static void
pair_clear(struct pair *p)
{
	cc_attrs_clear(&p->pub);
	cc_attrs_clear(&p->priv);
	EVP_PKEY_free(p->pk);
	OPENSSL_clear_free(p->der, p->derlen);
	memset(p, 0, sizeof(*p));
}

/* Card edit: seal the private key to its uid, store both objects. */
static CK_RV
store_pair_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct pair *p = arg;
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	CK_RV rv;

	p->priv_uid = cc_card_object_reserve_uid(card);
	if ((rv = cc_card_seal(card, key, p->priv_uid, p->der, p->derlen, &sealed,
			       &sealed_len)) != CKR_OK)
		return rv;
	rv = cc_card_object_add(card, p->priv_uid, p->priv.a, p->priv.n, sealed, sealed_len);
	free(sealed);
	if (rv != CKR_OK)
		return rv;
	p->pub_uid = cc_card_object_reserve_uid(card);
	return cc_card_object_add(card, p->pub_uid, p->pub.a, p->pub.n, NULL, 0);
}

static struct cc_object *
find_uid(struct cc_slot *slot, uint32_t uid)
{
	struct cc_object *o;

	for (o = slot->objects; o != NULL; o = o->next)
		if (o->uid == uid && o->owner == 0 && !o->builtin)
			return o;
	return NULL;
}

static CK_RV
store_on_card(struct cc_state *st, struct cc_slot *slot, struct pair *p, CK_OBJECT_HANDLE *hpub,
	      CK_OBJECT_HANDLE *hpriv)
{
	struct cc_object *pub, *priv;
	CK_RV rv;

	if ((rv = cc_token_edit_locked(st, slot, true, store_pair_fn, p)) != CKR_OK)
		return rv;
	if ((pub = find_uid(slot, p->pub_uid)) == NULL || (priv = find_uid(slot, p->priv_uid)) == NULL)
		return CKR_DEVICE_ERROR;
	if (priv->pkey == NULL && slot->login == CC_LOGIN_USER) {
		priv->pkey = p->pk;	/* ready for signing without unsealing */
		p->pk = NULL;
	}
	*hpub = pub->handle;
	*hpriv = priv->handle;
	return CKR_OK;
}

static CK_RV
add_session_object(struct cc_slot *slot, CK_SESSION_HANDLE owner, struct cc_attrs *l,
		   EVP_PKEY **pk, CK_OBJECT_HANDLE *out)
{
	struct cc_object *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return CKR_HOST_MEMORY;
	o->attrs = *l;
	memset(l, 0, sizeof(*l));
	o->klass = cc_attrs_ulong(&o->attrs, CKA_CLASS, CKO_DATA);
	o->owner = owner;
	o->handle = cc_state_object_handle_locked();
	if (pk != NULL) {
		o->pkey = *pk;
		*pk = NULL;
	}
	o->next = slot->objects;
	slot->objects = o;
	*out = o->handle;
	return CKR_OK;
}

/* Lock released: generate, describe, and for the card encode PKCS#8. */
static CK_RV
generate_unlocked(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, struct pair *p,
		  bool always_auth)
{
	CK_RV rv;

	if ((rv = cc_keygen_run(libctx, req, &p->pk)) != CKR_OK ||
	    (rv = cc_keygen_attrs(libctx, req, p->pk, &p->pub, &p->priv)) != CKR_OK)
		return rv;
	if (!req->token)
		return cc_attrs_set_bool(&p->priv, CKA_ALWAYS_AUTHENTICATE,
					 always_auth && cc_attrs_is_signing_key(&p->priv));
	return cc_pkey_to_pkcs8(p->pk, &p->der, &p->derlen);
}

CK_RV
cc_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
		     CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
		     CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	struct cc_keygen_req req = { 0 };
	struct pair p = { 0 };
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_state *st;
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_SLOT_ID id;
	CK_RV rv;

	if (mech == NULL || hpub == NULL || hpriv == NULL || cc_tmpl_check(pub, npub) != CKR_OK ||
	    cc_tmpl_check(priv, npriv) != CKR_OK)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	st = cc_state_get();
	if ((rv = cc_keygen_parse(mech, pub, npub, priv, npriv, &req)) != CKR_OK)
		goto out;
	if (slot->login != CC_LOGIN_USER) {
		rv = CKR_USER_NOT_LOGGED_IN;	/* the private key is a private object */
		goto out;
	}
	if (req.token && !(s->flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
		goto out;
	}
	memcpy(serial, slot->card->serial, sizeof(serial));
	id = slot->id;
	cc_state_unlock_busy();
	rv = generate_unlocked(st->libctx, &req, &p, st->conf->signing_always_authenticate);
	cc_state_relock_busy();
	if (!st->initialized)
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	if (rv == CKR_OK)
		rv = cc_session_lookup_locked(st, h, &s, &slot);
	if (rv == CKR_OK && req.token)
		rv = store_on_card(st, slot, &p, hpub, hpriv);
	else if (rv == CKR_OK && (rv = add_session_object(slot, h, &p.pub, NULL, hpub)) == CKR_OK)
		rv = add_session_object(slot, h, &p.priv, &p.pk, hpriv);
	cc_audit(LOG_NOTICE, serial, id, "%s key pair generation (%s): 0x%lx",
		 req.mech == CKM_EC_KEY_PAIR_GEN ? "EC" : "RSA", req.token ? "card" : "session",
		 (unsigned long)rv);
out:
	pair_clear(&p);
	cc_keygen_req_clear(&req);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	struct cc_session *s;
	CK_RV rv;

	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	if (len > 0 && RAND_bytes_ex(cc_state_get()->libctx, out, len, 0) != 1) {
		util_log_ossl_errors(__func__);
		rv = CKR_FUNCTION_FAILED;
	}
	cc_unlock();
	return rv;
}

CK_RV
cc_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	struct cc_session *s;
	CK_RV rv;

	if (seed == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	cc_unlock();
	return CKR_RANDOM_SEED_NOT_SUPPORTED;	/* the DRBG seeds itself from the OS */
}
