/*
 * C_GenerateKeyPair (on the card), C_GenerateRandom, C_SeedRandom.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include <openssl/rand.h>

#include "common/log.h"
#include "pkcs11/api.h"
#include "pkcs11/audit.h"
#include "pkcs11/keygen.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token-objects.h"
#include "pkcs11/token-unlock.h"

CK_RV
cc_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
		     CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
		     CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	struct cc_keygen_req req = { 0 };
	struct cc_keypair p = { 0 };
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
	if (cc_unlock_reserved(&req.pub) || cc_unlock_reserved(&req.priv)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;	/* the CA's unblock key is not made here */
		goto out;
	}
	/*
	 * The private key is a private object, so a login is needed; the one
	 * exception is a self-service unlock request's ephemeral session pair,
	 * which a locked card must be able to make (token-unlock.c).
	 */
	if (slot->login != CC_LOGIN_USER && !cc_unlock_is_ephemeral_req(&req)) {
		rv = CKR_USER_NOT_LOGGED_IN;
		goto out;
	}
	if (req.token && !(s->flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
		goto out;
	}
	memcpy(serial, slot->card->serial, sizeof(serial));
	id = slot->id;
	cc_state_unlock_busy();
	rv = cc_keygen_pair(st->libctx, &req, st->conf->signing_always_authenticate, &p);
	cc_state_relock_busy();
	if (!st->initialized)
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	if (rv == CKR_OK)
		rv = cc_session_lookup_locked(st, h, &s, &slot);
	if (rv == CKR_OK)
		rv = cc_token_keypair_store_locked(st, slot, h, req.token, &p, hpub, hpriv);
	cc_audit(LOG_NOTICE, serial, id, "%s key pair generation (%s): 0x%lx",
		 req.mech == CKM_EC_KEY_PAIR_GEN ? "EC" : "RSA", req.token ? "card" : "session",
		 (unsigned long)rv);
out:
	cc_keypair_clear(&p);
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
