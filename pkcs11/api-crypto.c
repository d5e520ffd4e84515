/*
 * C_Sign*, C_Verify*, C_Digest*. Work runs with the module lock released on
 * an operation context moved out of the session (style.md "Threads").
 *
 * Operation lifetime, PKCS#11 v2.40 5.10 (digest), 5.11 (sign), 5.12
 * (verify), decided in one place (op_call) for all three:
 *   - C_X (one-shot), C_XFinal: a successful length query (NULL output)
 *     and CKR_BUFFER_TOO_SMALL keep the operation; every other result,
 *     success or error (CKR_ARGUMENTS_BAD included), ends it. C_Verify and
 *     C_VerifyFinal have no length query: they always end it.
 *   - C_XUpdate: an error ends the operation.
 *   - C_X cannot finish a multi-part operation (after C_XUpdate), and after
 *     a C_X length query the operation is single-part: C_XUpdate/C_XFinal
 *     are refused with CKR_OPERATION_ACTIVE, which (being an error of
 *     those calls) ends it.
 *   - C_XInit while an operation of the kind is active:
 *     CKR_OPERATION_ACTIVE, and the active one goes on.
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

enum part {
	PART_ONESHOT,		/* C_Sign, C_Verify, C_Digest */
	PART_UPDATE,		/* C_*Update */
	PART_FINAL,		/* C_*Final */
};

/* One call on an active operation. */
struct call {
	enum cc_op_kind kind;
	enum part part;
	bool args_ok;			/* checked by the entry point, judged here */
	const unsigned char *in;	/* data to feed (one-shot, update) */
	CK_ULONG inlen;
	unsigned char *out;		/* sign / digest output; NULL: length query */
	CK_ULONG *outlen;
	const unsigned char *sig;	/* verify input */
	CK_ULONG siglen;
};

/* Unlocked: feed the input, then produce what the call asks for. */
static CK_RV
work(struct cc_op *op, const struct call *c)
{
	unsigned int dl = 0;
	CK_RV rv = CKR_OK;

	if (c->in != NULL || c->inlen > 0) {
		if (c->kind == CC_OP_DIGEST)
			rv = EVP_DigestUpdate(op->digest, c->in, c->inlen) == 1 ? CKR_OK
										 : CKR_FUNCTION_FAILED;
		else
			rv = cc_sign_ctx_update(&op->sign, c->in, c->inlen);
	}
	if (rv != CKR_OK || c->part == PART_UPDATE)
		return rv;
	switch (c->kind) {
	case CC_OP_SIGN:
		return cc_sign_ctx_sign(&op->sign, c->out, c->outlen);
	case CC_OP_VERIFY:
		return cc_sign_ctx_verify(&op->sign, c->sig, c->siglen);
	case CC_OP_DIGEST:
		if (EVP_DigestFinal_ex(op->digest, c->out, &dl) != 1)
			return CKR_FUNCTION_FAILED;
		*c->outlen = dl;
		return CKR_OK;
	default:
		return CKR_GENERAL_ERROR;
	}
}

/* Does the operation, in @mode, accept a call of @part? */
static bool
part_allowed(enum cc_op_mode mode, enum part part)
{
	if (part == PART_ONESHOT)
		return mode != CC_OP_MULTI;	/* not after C_*Update */
	return mode != CC_OP_SINGLE;		/* not after a C_Sign/C_Digest length query */
}

/*
 * Before any work, with the lock held: true to run the call; otherwise
 * *rv is its result and the operation was ended, or kept for a length
 * query (answered in *c->outlen) or CKR_BUFFER_TOO_SMALL.
 */
static bool
admit(struct cc_session *s, const struct call *c, CK_RV *rv)
{
	struct cc_op *op = &s->ops[c->kind];
	CK_ULONG need;

	if (!part_allowed(op->mode, c->part)) {
		*rv = CKR_OPERATION_ACTIVE;
	} else if (c->kind == CC_OP_SIGN && c->part != PART_UPDATE && c->out != NULL &&
		   op->needs_context_login) {
		*rv = CKR_USER_NOT_LOGGED_IN;	/* CKA_ALWAYS_AUTHENTICATE: C_Login(CONTEXT) first */
	} else if (c->kind == CC_OP_VERIFY || c->part == PART_UPDATE) {
		return true;
	} else {
		need = c->kind == CC_OP_SIGN ? cc_sign_ctx_siglen(&op->sign)
					     : cc_digest_len(op->digest);
		if (c->out != NULL && *c->outlen >= need)
			return true;
		/* A length query, or too small: answered, and the operation stays. */
		*rv = c->out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*c->outlen = need;
		op->mode = c->part == PART_ONESHOT ? CC_OP_SINGLE : CC_OP_MULTI;
		return false;
	}
	cc_session_op_end(s, c->kind);
	return false;
}

/*
 * Every call on an active operation: look the session up, judge the call
 * (admit), run it without the lock, then keep or end the operation.
 */
static CK_RV
op_call(CK_SESSION_HANDLE h, struct call *c)
{
	struct cc_state *st;
	struct cc_session *s;
	struct cc_slot *slot;
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_MECHANISM_TYPE mt;
	struct cc_op op;
	CK_SLOT_ID id;
	CK_RV rv;

	if ((rv = cc_session_enter(h, c->kind == CC_OP_SIGN, &s, &slot)) != CKR_OK)
		return rv;
	st = cc_state_get();
	if (s->ops[c->kind].busy) {
		rv = CKR_OPERATION_ACTIVE;	/* another thread is inside this operation */
		goto out;
	}
	if (!c->args_ok) {
		cc_session_op_end(s, c->kind);	/* an error: it ends an active operation */
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (!s->ops[c->kind].active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (!admit(s, c, &rv))
		goto out;
	if ((rv = cc_session_op_take(s, c->kind, &op)) != CKR_OK)
		goto out;
	mt = op.sign.mech != NULL ? op.sign.mech->type : 0;
	memcpy(serial, slot->card->serial, sizeof(serial));
	id = slot->id;
	cc_state_unlock_busy();
	rv = work(&op, c);
	cc_state_relock_busy();
	if (rv == CKR_OK && c->part == PART_UPDATE)
		op.mode = CC_OP_MULTI;
	cc_session_op_put(st, h, c->kind, &op, rv != CKR_OK || c->part != PART_UPDATE);
	cc_unlock();
	if (c->kind == CC_OP_SIGN && c->part != PART_UPDATE)
		cc_audit(LOG_INFO, serial, id, "signature (mechanism 0x%lx): 0x%lx",
			 (unsigned long)mt, (unsigned long)rv);
	return rv;
out:
	cc_unlock();
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
	struct cc_op *op;
	EVP_PKEY *pk = NULL;
	bool fresh = false;
	CK_RV rv;

	if (mech == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, !verify, &s, &slot)) != CKR_OK)
		return rv;
	op = &s->ops[kind];
	m = cc_mech_find(mech->mechanism);
	if (op->active)
		rv = CKR_OPERATION_ACTIVE;
	else if (m == NULL || !(m->info.flags & (verify ? CKF_VERIFY : CKF_SIGN)))
		rv = CKR_MECHANISM_INVALID;
	else if ((rv = init_key(slot, hkey, verify, &obj, &pk, &fresh)) == CKR_OK)
		rv = cc_sign_ctx_init(&op->sign, cc_state_get()->libctx, m, mech, pk);
	if (rv == CKR_OK && !verify)
		cc_sign_ctx_adopt(&op->sign, &s->sign_cache);
	if (rv == CKR_OK) {
		op->active = true;
		op->mode = CC_OP_ANY;
		op->key = hkey;
		op->needs_context_login =
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

CK_RV
cc_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech)
{
	const struct cc_mech *m;
	struct cc_session *s;
	struct cc_op *op;
	CK_RV rv;

	if (mech == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	op = &s->ops[CC_OP_DIGEST];
	m = cc_mech_find(mech->mechanism);
	if (op->active)
		rv = CKR_OPERATION_ACTIVE;
	else if (m == NULL || m->kind != CC_MECH_DIGEST)
		rv = CKR_MECHANISM_INVALID;
	else if ((rv = cc_digest_new(cc_state_get()->libctx, m, &op->digest)) == CKR_OK) {
		op->active = true;
		op->mode = CC_OP_ANY;
	}
	cc_unlock();
	return rv;
}

/* Input: NULL is fine only for no data. */
static bool
input_ok(CK_BYTE_PTR data, CK_ULONG len)
{
	return data != NULL || len == 0;
}

CK_RV
cc_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	struct call c = { CC_OP_SIGN, PART_ONESHOT, siglen != NULL && input_ok(data, len), data, len,
			  sig, siglen, NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	struct call c = { CC_OP_SIGN, PART_UPDATE, input_ok(data, len), data, len, NULL, NULL,
			  NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	struct call c = { CC_OP_SIGN, PART_FINAL, siglen != NULL, NULL, 0, sig, siglen, NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG siglen)
{
	struct call c = { CC_OP_VERIFY, PART_ONESHOT, sig != NULL && input_ok(data, len), data, len,
			  NULL, NULL, sig, siglen };

	return op_call(h, &c);
}

CK_RV
cc_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	struct call c = { CC_OP_VERIFY, PART_UPDATE, input_ok(data, len), data, len, NULL, NULL,
			  NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG siglen)
{
	struct call c = { CC_OP_VERIFY, PART_FINAL, sig != NULL, NULL, 0, NULL, NULL, sig, siglen };

	return op_call(h, &c);
}

CK_RV
cc_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
	    CK_ULONG_PTR outlen)
{
	struct call c = { CC_OP_DIGEST, PART_ONESHOT, outlen != NULL && input_ok(data, len), data,
			  len, out, outlen, NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
	struct call c = { CC_OP_DIGEST, PART_UPDATE, input_ok(data, len), data, len, NULL, NULL,
			  NULL, 0 };

	return op_call(h, &c);
}

CK_RV
cc_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	struct call c = { CC_OP_DIGEST, PART_FINAL, outlen != NULL, NULL, 0, out, outlen, NULL, 0 };

	return op_call(h, &c);
}
