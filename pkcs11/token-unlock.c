/*
 * token-unlock.c: self-service unlock through standard calls
 * (pkcs11/CARD-FORMAT.md, "Self-service unlock"):
 *
 *   C_GenerateKeyPair  RSA session pair labelled "carecard-unlock", allowed
 *                      without a login: the request's ephemeral key;
 *   C_Login(CKU_SO, response)
 *                      the CA's response: checked against the card's
 *                      unblock key, the card key decrypted with the
 *                      ephemeral key, which is destroyed whatever the
 *                      outcome, so one response works once;
 *   C_InitPIN          the new passcode, as after any SO login.
 *
 * And the personalisation side: the SO creates the unblock key object and
 * the module adds the card key sealed to it (CKA_CC_SEALED_CARD_KEY).
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pkcs11/audit.h"
#include "pkcs11/pkey.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token-pin.h"
#include "pkcs11/token-unlock.h"
#include "pkcs11/unlock.h"

static bool
has_label(const struct cc_attrs *l, const char *want)
{
	const CK_ATTRIBUTE *a = cc_attrs_find(l, CKA_LABEL);

	return a != NULL && cc_unlock_label_is(a->pValue, a->ulValueLen, want);
}

bool
cc_unlock_reserved(const struct cc_attrs *l)
{
	return has_label(l, CC_UNLOCK_KEY_LABEL);
}

bool
cc_unlock_tmpl_reserved(const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	const CK_ATTRIBUTE *a = cc_tmpl_find(tmpl, n, CKA_LABEL);

	return a != NULL && cc_unlock_label_is(a->pValue, a->ulValueLen, CC_UNLOCK_KEY_LABEL);
}

bool
cc_unlock_is_ephemeral_req(const struct cc_keygen_req *req)
{
	return !req->token && req->mech == CKM_RSA_PKCS_KEY_PAIR_GEN &&
	       has_label(&req->priv, CC_UNLOCK_EPHEMERAL_LABEL) &&
	       has_label(&req->pub, CC_UNLOCK_EPHEMERAL_LABEL);
}

/* The card's unblock key (only module-made ones carry the sealed key), or NULL. */
static struct cc_object *
unblock_key(struct cc_slot *slot)
{
	struct cc_object *o;

	for (o = slot->objects; o != NULL; o = o->next)
		if (o->uid != 0 && o->klass == CKO_PUBLIC_KEY && has_label(&o->attrs,
		    CC_UNLOCK_KEY_LABEL) && cc_attrs_find(&o->attrs, CKA_CC_SEALED_CARD_KEY) != NULL)
			return o;
	return NULL;
}

CK_RV
cc_unlock_prepare_create_locked(struct cc_state *st, struct cc_session *s, struct cc_slot *slot,
				struct cc_attrs *attrs)
{
	unsigned char *sealed = NULL;
	size_t len = 0;
	EVP_PKEY *pk = NULL;
	CK_RV rv;

	/* Only the SO who personalises, never a holder (not even after an unlock). */
	if (slot->login != CC_LOGIN_SO || slot->so_by_unlock)
		return CKR_USER_NOT_LOGGED_IN;
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (cc_attrs_ulong(attrs, CKA_CLASS, 0) != CKO_PUBLIC_KEY ||
	    !cc_attrs_bool(attrs, CKA_TOKEN, false) || cc_attrs_bool(attrs, CKA_PRIVATE, false))
		return CKR_TEMPLATE_INCONSISTENT;
	if (unblock_key(slot) != NULL)
		return CKR_ACTION_PROHIBITED;	/* one per personalisation; C_InitToken clears it */
	if ((rv = cc_pkey_from_attrs(st->libctx, attrs, &pk)) != CKR_OK)
		return rv;
	if ((rv = cc_unlock_seal(st->libctx, pk, &slot->key, &sealed, &len)) != CKR_OK)
		goto out;
	/* Nobody changes it afterwards: not modifiable, and destroy refuses it. */
	if ((rv = cc_attrs_set(attrs, CKA_CC_SEALED_CARD_KEY, sealed, (CK_ULONG)len)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(attrs, CKA_MODIFIABLE, false)) != CKR_OK)
		goto out;
	rv = CKR_OK;
out:
	free(sealed);
	EVP_PKEY_free(pk);
	return rv;
}

/* Take the session's ephemeral private key (up-ref'd) and destroy the whole pair. */
static EVP_PKEY *
take_ephemeral(struct cc_state *st, struct cc_slot *slot, CK_SESSION_HANDLE h)
{
	struct cc_object **pp = &slot->objects, *o;
	EVP_PKEY *pk = NULL;

	while ((o = *pp) != NULL) {
		if (o->owner != h || o->uid != 0 || !has_label(&o->attrs, CC_UNLOCK_EPHEMERAL_LABEL)) {
			pp = &o->next;
			continue;
		}
		if (o->klass == CKO_PRIVATE_KEY && o->pkey != NULL && pk == NULL &&
		    EVP_PKEY_up_ref(o->pkey) == 1)
			pk = o->pkey;
		*pp = o->next;
		cc_object_free(o);
	}
	cc_session_drop_sign_caches_locked(st, slot->id);
	return pk;
}

/* Without the lock: is @key, opened from @resp, this card's key? */
static CK_RV
open_checked(const struct cc_pin_job *job, OSSL_LIB_CTX *libctx, EVP_PKEY *eph, EVP_PKEY *ub,
	     const unsigned char *resp, CK_ULONG len, struct cc_card_key *key)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	CK_RV rv;

	if ((rv = cc_unlock_open(libctx, eph, ub, job->serial, resp, len, key)) != CKR_OK)
		return rv;
	if ((rv = cc_card_txn_open(job->path, job->guard, 0, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	if (strcmp(card->serial, job->serial) != 0)
		rv = CKR_DEVICE_REMOVED;
	else if (card->so.tries_left == 0)
		rv = CKR_PIN_LOCKED;
	else if (cc_card_key_check(card, key) != CKR_OK)
		rv = CKR_PIN_INCORRECT;
	cc_card_txn_abort(txn);		/* nothing to write: C_InitPIN writes */
	return rv;
}

CK_RV
cc_unlock_login_locked(struct cc_state *st, struct cc_session *s, struct cc_slot *slot,
		       const unsigned char *resp, CK_ULONG len)
{
	CK_SESSION_HANDLE h = s->handle;
	struct cc_session *o;
	struct cc_object *ubo;
	EVP_PKEY *eph = NULL, *ub = NULL;
	struct cc_card_key key;
	struct cc_pin_job job;
	CK_RV rv, rv2;

	memset(&key, 0, sizeof(key));
	cc_pin_job_init(&job, st, slot, true);
	if (slot->login != CC_LOGIN_NONE)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	/* As for any SO login (v2.40 C_Login): no read-only session on the token. */
	for (o = st->sessions; o != NULL; o = o->next)
		if (o->slot == slot->id && !o->removed && !(o->flags & CKF_RW_SESSION))
			return CKR_SESSION_READ_ONLY_EXISTS;
	/* Whatever follows, this request's key is gone: one response, one try. */
	eph = take_ephemeral(st, slot, h);
	if (eph == NULL) {
		cc_audit(LOG_NOTICE, job.serial, job.slot, "unlock response refused: no unlock "
			 "key in this session (used already, or never made)");
		return CKR_PIN_INCORRECT;
	}
	if ((ubo = unblock_key(slot)) == NULL ||
	    cc_pkey_from_attrs(st->libctx, &ubo->attrs, &ub) != CKR_OK) {
		cc_audit(LOG_NOTICE, job.serial, job.slot, "unlock response refused: the card "
			 "has no unblock key (personalised before self-service unlock)");
		rv = CKR_PIN_INCORRECT;
		goto out;
	}
	cc_state_unlock_busy();
	rv = open_checked(&job, st->libctx, eph, ub, resp, len, &key);
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK) {
		rv = rv2;
		goto out;
	}
	if (rv == CKR_OK && slot->login != CC_LOGIN_NONE)
		rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (rv != CKR_OK) {
		cc_audit(LOG_NOTICE, job.serial, job.slot, "unlock response refused (0x%lx)",
			 (unsigned long)rv);
		goto out;
	}
	slot->login = CC_LOGIN_SO;
	slot->so_by_unlock = true;
	slot->key = key;
	cc_audit(LOG_NOTICE, job.serial, job.slot, "SO logged in by a self-service unlock response");
out:
	cc_card_key_clear(&key);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(ub);
	return rv;
}
