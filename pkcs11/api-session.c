/*
 * Sessions and login: C_OpenSession ... C_SetPIN.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include "pkcs11/api.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"

CK_RV
cc_C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
		 CK_SESSION_HANDLE_PTR out)
{
	struct cc_state *st;
	struct cc_slot *slot;
	CK_RV rv;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	/* v2.40: CKF_SERIAL_SESSION must always be set, for legacy reasons. */
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	st = cc_state_get();
	if ((slot = cc_slot_get_locked(st, id)) == NULL) {
		rv = CKR_SLOT_ID_INVALID;
		goto out;
	}
	cc_slot_refresh_locked(st, slot);
	if ((rv = cc_slot_usable(slot)) != CKR_OK)
		goto out;
	if (slot->login == CC_LOGIN_SO && !(flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
	else
		rv = cc_session_open_locked(st, slot, flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION),
					    out);
out:
	cc_unlock();
	return rv;
}

CK_RV
cc_C_CloseSession(CK_SESSION_HANDLE h)
{
	struct cc_session *s;
	CK_RV rv;

	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	cc_session_close_locked(cc_state_get(), s);
	cc_unlock();
	return CKR_OK;
}

CK_RV
cc_C_CloseAllSessions(CK_SLOT_ID id)
{
	struct cc_state *st;
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	st = cc_state_get();
	if (cc_slot_get_locked(st, id) == NULL)
		rv = CKR_SLOT_ID_INVALID;
	else
		cc_session_close_slot_locked(st, id);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct cc_session *s;
	struct cc_slot *slot;
	bool rw;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	rw = (s->flags & CKF_RW_SESSION) != 0;
	memset(info, 0, sizeof(*info));
	info->slotID = s->slot;
	info->flags = s->flags;
	/* NSS decides whether it is logged in from this state. */
	switch (slot->login) {
	case CC_LOGIN_SO:
		info->state = CKS_RW_SO_FUNCTIONS;
		break;
	case CC_LOGIN_USER:
		info->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
		break;
	default:
		info->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
		break;
	}
	cc_unlock();
	return CKR_OK;
}

CK_RV
cc_C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	struct cc_session *s;
	CK_RV rv;

	/* No protected authentication path: the passcode comes from the caller. */
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	rv = cc_token_login_locked(cc_state_get(), s, who, pin, len);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_Logout(CK_SESSION_HANDLE h)
{
	struct cc_session *s;
	struct cc_slot *slot;
	CK_RV rv;

	if ((rv = cc_session_enter(h, false, &s, &slot)) != CKR_OK)
		return rv;
	rv = cc_token_logout_locked(cc_state_get(), slot);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	struct cc_session *s;
	CK_RV rv;

	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	rv = cc_token_init_pin_locked(cc_state_get(), s, pin, len);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old, CK_ULONG oldlen, CK_UTF8CHAR_PTR pin,
	    CK_ULONG len)
{
	struct cc_session *s;
	CK_RV rv;

	if (old == NULL || pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	rv = cc_token_set_pin_locked(cc_state_get(), s, old, oldlen, pin, len);
	cc_unlock();
	return rv;
}

/*
 * PKCS#11 3.0 C_LoginUser: the card has one holder and no user names, so
 * only an empty name is accepted, and then it is C_Login.
 */
CK_RV
cc_C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin, CK_ULONG len,
	       CK_UTF8CHAR_PTR user, CK_ULONG userlen)
{
	if (userlen > 0)
		return user == NULL ? CKR_ARGUMENTS_BAD : CKR_USER_TYPE_INVALID;
	return cc_C_Login(h, who, pin, len);
}

/*
 * PKCS#11 3.0 C_SessionCancel: end the session's active operations named
 * by @flags (CKF_DIGEST, CKF_SIGN, CKF_VERIFY, CKF_FIND_OBJECTS; the card
 * has no others, so other flags cancel nothing). An operation running in
 * another thread right now cannot be cancelled.
 */
CK_RV
cc_C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
	static const struct {
		CK_FLAGS flag;
		enum cc_op_kind kind;
	} ops[] = {
		{ CKF_DIGEST, CC_OP_DIGEST }, { CKF_SIGN, CC_OP_SIGN }, { CKF_VERIFY, CC_OP_VERIFY },
	};
	struct cc_session *s;
	CK_RV rv;
	size_t i;

	if ((rv = cc_session_enter(h, false, &s, NULL)) != CKR_OK)
		return rv;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!(flags & ops[i].flag))
			continue;
		if (s->ops[ops[i].kind].busy)
			rv = CKR_OPERATION_CANCEL_FAILED;
		else
			cc_session_op_end(s, ops[i].kind);
	}
	if (flags & CKF_FIND_OBJECTS)
		cc_session_find_end(s);
	cc_unlock();
	return rv;
}
