/*
 * C_Sign*, C_Verify*, C_Digest*. Work runs with the module lock released on
 * an operation context moved out of the session (style.md "Threads").
 *
 * Operation lifetime (PKCS#11 v2.40 section 5.2): a NULL output buffer or
 * CKR_BUFFER_TOO_SMALL only reports the length and keeps the operation;
 * any other outcome, success or error, ends it.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include "pkcs11/api.h"
#include "pkcs11/audit.h"
#include "pkcs11/pkey.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"

static CK_RV
session_locked(CK_SESSION_HANDLE h, struct cc_session **s, struct cc_slot **slot)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	if ((rv = cc_session_lookup_locked(cc_state_get(), h, s, slot)) != CKR_OK)
		cc_unlock();
	return rv;
}

/*
 * The signing calls: same, but a presence check younger than
 * CC_PRESENCE_INTERVAL_MS is trusted, so a signature does no file I/O.
 */
static CK_RV
signing_session_locked(CK_SESSION_HANDLE h, struct cc_session **s, struct cc_slot **slot)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	if ((rv = cc_session_lookup_signing_locked(cc_state_get(), h, s, slot)) != CKR_OK)
		cc_unlock();
	return rv;
}

/* What one unlocked step does with the detached operation. */
struct step {
	const unsigned char *in;	/* input to feed, if any */
	CK_ULONG inlen;
	enum { STEP_UPDATE, STEP_SIGN, STEP_VERIFY, STEP_DIGEST } final;
	unsigned char *out;		/* sign / digest output */
	CK_ULONG *outlen;
	const unsigned char *sig;	/* verify input */
	CK_ULONG siglen;
};

static CK_RV
step_run(struct cc_op *op, bool digest, struct step *w)
{
	unsigned int dl = 0;
	CK_RV rv = CKR_OK;

	if (w->in != NULL || w->inlen > 0) {
		if (digest)
			rv = EVP_DigestUpdate(op->digest, w->in, w->inlen) == 1 ? CKR_OK
										 : CKR_FUNCTION_FAILED;
		else
			rv = cc_sign_ctx_update(&op->sign, w->in, w->inlen);
	}
	if (rv != CKR_OK)
		return rv;
	switch (w->final) {
	case STEP_SIGN:
		return cc_sign_ctx_sign(&op->sign, w->out, w->outlen);
	case STEP_VERIFY:
		return cc_sign_ctx_verify(&op->sign, w->sig, w->siglen);
	case STEP_DIGEST:
		if (EVP_DigestFinal_ex(op->digest, w->out, &dl) != 1)
			return CKR_FUNCTION_FAILED;
		*w->outlen = dl;
		return CKR_OK;
	default:
		return CKR_OK;
	}
}

/*
 * Lock held on entry, released on return. Move operation @kind out of @s,
 * run @w without the lock, then store or end it: updates that succeed keep
 * the operation, everything else ends it.
 */
static CK_RV
run_step(struct cc_session *s, struct cc_slot *slot, enum cc_op_kind kind, struct step *w)
{
	struct cc_state *st = cc_state_get();
	CK_SESSION_HANDLE h = s->handle;
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_SLOT_ID id = slot->id;
	struct cc_op op;
	CK_MECHANISM_TYPE mt;
	CK_RV rv;

	if ((rv = cc_session_op_take(s, kind, &op)) != CKR_OK) {
		cc_unlock();
		return rv;
	}
	mt = op.sign.mech != NULL ? op.sign.mech->type : 0;
	memcpy(serial, slot->card->serial, sizeof(serial));
	cc_state_unlock_busy();
	rv = step_run(&op, kind == CC_OP_DIGEST, w);
	cc_state_relock_busy();
	cc_session_op_put(st, h, kind, &op, rv != CKR_OK || w->final != STEP_UPDATE);
	cc_unlock();
	if (w->final == STEP_SIGN)
		cc_audit(LOG_INFO, serial, id, "signature (mechanism 0x%lx): 0x%lx",
			 (unsigned long)mt, (unsigned long)rv);
	return rv;
}

/* The key object for a sign/verify init, with the ready EVP_PKEY. */
static CK_RV
init_key(struct cc_slot *slot, CK_OBJECT_HANDLE hkey, bool verify, struct cc_object **obj,
	 EVP_PKEY **pk, bool *fresh)
{
	struct cc_state *st = cc_state_get();
	struct cc_object *o = cc_object_list_find(slot->objects, hkey);
	CK_RV rv;

	*fresh = false;
	if (o == NULL || !cc_slot_object_visible(slot, o))
		return CKR_KEY_HANDLE_INVALID;
	*obj = o;
	if (o->klass == CKO_PRIVATE_KEY) {
		if (!cc_attrs_bool(&o->attrs, CKA_SIGN, false))
			return CKR_KEY_FUNCTION_NOT_PERMITTED;
		if (o->owner != 0) {
			*pk = o->pkey;
			return *pk != NULL ? CKR_OK : CKR_KEY_HANDLE_INVALID;
		}
		return cc_token_private_key_locked(st, slot, o, pk);
	}
	if (!verify || o->klass != CKO_PUBLIC_KEY)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!cc_attrs_bool(&o->attrs, CKA_VERIFY, false))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if ((rv = cc_pkey_from_attrs(st->libctx, &o->attrs, pk)) != CKR_OK)
		return CKR_KEY_HANDLE_INVALID;
	*fresh = true;
	return CKR_OK;
}

static CK_RV
sign_verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE hkey, bool verify)
{
	enum cc_op_kind kind = verify ? CC_OP_VERIFY : CC_OP_SIGN;
	const struct cc_mech *m;
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_object *obj;
	EVP_PKEY *pk = NULL;
	bool fresh = false;
	CK_RV rv;

	if (mech == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = verify ? session_locked(h, &s, &slot) : signing_session_locked(h, &s, &slot);
	if (rv != CKR_OK)
		return rv;
	m = cc_mech_find(mech->mechanism);
	if (s->ops[kind].active)
		rv = CKR_OPERATION_ACTIVE;
	else if (m == NULL || !(m->info.flags & (verify ? CKF_VERIFY : CKF_SIGN)))
		rv = CKR_MECHANISM_INVALID;
	else if ((rv = init_key(slot, hkey, verify, &obj, &pk, &fresh)) == CKR_OK)
		rv = cc_sign_ctx_init(&s->ops[kind].sign, cc_state_get()->libctx, m, mech, pk);
	if (rv == CKR_OK && !verify)
		cc_sign_ctx_adopt(&s->ops[kind].sign, &s->sign_cache);
	if (rv == CKR_OK) {
		s->ops[kind].active = true;
		s->ops[kind].key = hkey;
		s->ops[kind].needs_context_login =
			!verify && cc_attrs_bool(&obj->attrs, CKA_ALWAYS_AUTHENTICATE, false);
	}
	if (fresh)
		EVP_PKEY_free(pk);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	return sign_verify_init(h, mech, key, false);
}

CK_RV
cc_C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	return sign_verify_init(h, mech, key, true);
}

/* Sign / SignFinal: size query first (keeps the operation), then the real thing. */
static CK_RV
sign_common(CK_SESSION_HANDLE h, bool single, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
	    CK_ULONG_PTR siglen)
{
	struct step w = { data, len, STEP_SIGN, sig, siglen, NULL, 0 };
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_op *op;
	CK_ULONG need;
	CK_RV rv;

	if (siglen == NULL || (data == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	if ((rv = signing_session_locked(h, &s, &slot)) != CKR_OK)
		return rv;
	op = &s->ops[CC_OP_SIGN];
	if (!op->active || op->busy) {
		rv = op->active ? CKR_OPERATION_ACTIVE : CKR_OPERATION_NOT_INITIALIZED;
	} else if (single && op->sign.multi) {
		rv = CKR_OPERATION_ACTIVE;	/* C_Sign after C_SignUpdate */
	} else if (op->needs_context_login) {
		rv = CKR_USER_NOT_LOGGED_IN;	/* CKA_ALWAYS_AUTHENTICATE: C_Login(CKU_CONTEXT_SPECIFIC) first */
	} else {
		need = cc_sign_ctx_siglen(&op->sign);
		if (sig == NULL || *siglen < need) {
			rv = sig == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
			*siglen = need;		/* the operation stays active */
		} else {
			return run_step(s, slot, CC_OP_SIGN, &w);	/* unlocks */
		}
	}
	cc_unlock();
	return rv;
}

CK_RV
cc_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	return sign_common(h, true, data, len, sig, siglen);
}

CK_RV
cc_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	return sign_common(h, false, NULL, 0, sig, siglen);
}

/* C_SignUpdate / C_VerifyUpdate / C_DigestUpdate. */
static CK_RV
update_common(CK_SESSION_HANDLE h, enum cc_op_kind kind, CK_BYTE_PTR data, CK_ULONG len)
{
	struct step w = { data, len, STEP_UPDATE, NULL, NULL, NULL, 0 };
	struct cc_session *s;
	struct cc_slot *slot;
	CK_RV rv;

	if (data == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	rv = kind == CC_OP_SIGN ? signing_session_locked(h, &s, &slot)
				: session_locked(h, &s, &slot);
	if (rv != CKR_OK)
		return rv;
	if (s->ops[kind].active && !s->ops[kind].busy)
		s->ops[kind].sign.multi = true;
	return run_step(s, slot, kind, &w);
}

CK_RV
cc_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	return update_common(h, CC_OP_SIGN, data, len);
}

CK_RV
cc_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	return update_common(h, CC_OP_VERIFY, data, len);
}

CK_RV
cc_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	return update_common(h, CC_OP_DIGEST, data, len);
}

static CK_RV
verify_common(CK_SESSION_HANDLE h, bool single, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
	      CK_ULONG siglen)
{
	struct step w = { data, len, STEP_VERIFY, NULL, NULL, sig, siglen };
	struct cc_session *s;
	struct cc_slot *slot;
	CK_RV rv;

	if (sig == NULL || (data == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	if ((rv = session_locked(h, &s, &slot)) != CKR_OK)
		return rv;
	if (single && s->ops[CC_OP_VERIFY].active && s->ops[CC_OP_VERIFY].sign.multi) {
		cc_unlock();
		return CKR_OPERATION_ACTIVE;
	}
	return run_step(s, slot, CC_OP_VERIFY, &w);
}

CK_RV
cc_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG siglen)
{
	return verify_common(h, true, data, len, sig, siglen);
}

CK_RV
cc_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG siglen)
{
	return verify_common(h, false, NULL, 0, sig, siglen);
}

CK_RV
cc_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech)
{
	const struct cc_mech *m;
	struct cc_session *s;
	CK_RV rv;

	if (mech == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = session_locked(h, &s, NULL)) != CKR_OK)
		return rv;
	m = cc_mech_find(mech->mechanism);
	if (s->ops[CC_OP_DIGEST].active)
		rv = CKR_OPERATION_ACTIVE;
	else if (m == NULL || m->kind != CC_MECH_DIGEST)
		rv = CKR_MECHANISM_INVALID;
	else if ((rv = cc_digest_new(cc_state_get()->libctx, m, &s->ops[CC_OP_DIGEST].digest)) == CKR_OK)
		s->ops[CC_OP_DIGEST].active = true;
	cc_unlock();
	return rv;
}

static CK_RV
digest_common(CK_SESSION_HANDLE h, bool single, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
	      CK_ULONG_PTR outlen)
{
	struct step w = { data, len, STEP_DIGEST, out, outlen, NULL, 0 };
	struct cc_session *s;
	struct cc_slot *slot;
	struct cc_op *op;
	CK_ULONG need;
	CK_RV rv;

	if (outlen == NULL || (data == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	if ((rv = session_locked(h, &s, &slot)) != CKR_OK)
		return rv;
	op = &s->ops[CC_OP_DIGEST];
	if (!op->active || op->busy) {
		rv = op->active ? CKR_OPERATION_ACTIVE : CKR_OPERATION_NOT_INITIALIZED;
	} else if (single && op->sign.multi) {
		rv = CKR_OPERATION_ACTIVE;
	} else {
		need = cc_digest_len(op->digest);
		if (out == NULL || *outlen < need) {
			rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
			*outlen = need;
		} else {
			return run_step(s, slot, CC_OP_DIGEST, &w);
		}
	}
	cc_unlock();
	return rv;
}

CK_RV
cc_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
	    CK_ULONG_PTR outlen)
{
	return digest_common(h, true, data, len, out, outlen);
}

CK_RV
cc_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	return digest_common(h, false, NULL, 0, out, outlen);
}
