/*
 * C_Initialize ... C_WaitForSlotEvent, C_InitToken: library, slot and token
 * level entry points.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include "pkcs11/api.h"
#include "pkcs11/mech.h"
#include "pkcs11/pad.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"

/*
 * PKCS#11 v2.40 C_Initialize: we only do OS locking. No arguments, or
 * CKF_OS_LOCKING_OK with or without the application's mutex callbacks:
 * fine (we use our own). Callbacks without CKF_OS_LOCKING_OK: CKR_CANT_LOCK.
 * Some but not all callbacks: CKR_ARGUMENTS_BAD.
 *
 * pReserved must be NULL (OpenSC does the same). p11-kit's "x-init-reserved"
 * module option would arrive here as a string; we accept no options that
 * way (all configuration is in carecard.yaml), so it is refused too and
 * our carecard.module never sets it.
 */
CK_RV
cc_C_Initialize(CK_VOID_PTR init_args)
{
	CK_C_INITIALIZE_ARGS *a = init_args;
	int n;

	if (a != NULL) {
		if (a->pReserved != NULL)
			return CKR_ARGUMENTS_BAD;
		n = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) +
		    (a->LockMutex != NULL) + (a->UnlockMutex != NULL);
		if (n != 0 && n != 4)
			return CKR_ARGUMENTS_BAD;
		if (n == 4 && !(a->flags & CKF_OS_LOCKING_OK))
			return CKR_CANT_LOCK;
	}
	return cc_state_initialize();
}

CK_RV
cc_C_Finalize(CK_VOID_PTR reserved)
{
	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	return cc_state_finalize();
}

CK_RV
cc_C_GetInfo(CK_INFO_PTR info)
{
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	cc_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "carecard");
	cc_pad_copy(info->libraryDescription, sizeof(info->libraryDescription),
		    "carecard virtual smartcard");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	cc_unlock();
	return CKR_OK;
}

CK_RV
cc_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR n)
{
	struct cc_state *st;
	CK_ULONG count = 0;
	size_t i;
	CK_RV rv;

	if (n == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	st = cc_state_get();
	for (i = 0; i < st->nslots; i++) {
		cc_slot_refresh_locked(st, &st->slots[i]);
		if (present && st->slots[i].card == NULL)
			continue;
		if (list != NULL && count < *n)
			list[count] = st->slots[i].id;
		count++;
	}
	rv = list != NULL && count > *n ? CKR_BUFFER_TOO_SMALL : CKR_OK;
	*n = count;
	cc_unlock();
	return rv;
}

/* Lock, find and refresh a slot; on CKR_OK the lock is held. */
static CK_RV
slot_locked(CK_SLOT_ID id, struct cc_slot **out)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	if ((*out = cc_slot_get_locked(cc_state_get(), id)) == NULL) {
		cc_unlock();
		return CKR_SLOT_ID_INVALID;
	}
	cc_slot_refresh_locked(cc_state_get(), *out);
	return CKR_OK;
}

CK_RV
cc_C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	struct cc_slot *slot;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = slot_locked(id, &slot)) != CKR_OK)
		return rv;
	memset(info, 0, sizeof(*info));
	cc_pad_copy(info->slotDescription, sizeof(info->slotDescription), slot->reader->name);
	cc_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "carecard");
	info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (slot->card ? CKF_TOKEN_PRESENT : 0);
	info->hardwareVersion.major = 1;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	cc_unlock();
	return CKR_OK;
}

CK_RV
cc_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	struct cc_slot *slot;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = slot_locked(id, &slot)) != CKR_OK)
		return rv;
	if (slot->card == NULL)
		rv = CKR_TOKEN_NOT_PRESENT;
	else
		cc_token_info_locked(cc_state_get(), slot, info);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR n)
{
	struct cc_slot *slot;
	CK_RV rv;

	if (n == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = slot_locked(id, &slot)) != CKR_OK)
		return rv;
	rv = cc_mech_list(list, n);
	cc_unlock();
	return rv;
}

CK_RV
cc_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	const struct cc_mech *m = cc_mech_find(type);
	struct cc_slot *slot;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = slot_locked(id, &slot)) != CKR_OK)
		return rv;
	if (m == NULL)
		rv = CKR_MECHANISM_INVALID;
	else
		*info = m->info;
	cc_unlock();
	return rv;
}

CK_RV
cc_C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	struct cc_slot *slot;
	CK_RV rv;

	if ((pin == NULL && len > 0) || label == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = slot_locked(id, &slot)) != CKR_OK)
		return rv;
	if (slot->card == NULL)
		rv = CKR_TOKEN_NOT_PRESENT;
	else
		rv = cc_token_init_locked(cc_state_get(), slot, pin, len, label);
	cc_unlock();
	return rv;
}

/*
 * Card insertion and removal are noticed by polling the readers (a stat
 * each) every quarter second while blocked; C_Finalize from another thread
 * wakes the waiter, which then returns CKR_CRYPTOKI_NOT_INITIALIZED.
 */
CK_RV
cc_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR out, CK_VOID_PTR reserved)
{
	struct cc_state *st;
	uint64_t epoch;
	size_t i;
	CK_RV rv;

	if (out == NULL || reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	st = cc_state_get();
	epoch = st->epoch;
	for (;;) {
		for (i = 0; i < st->nslots; i++) {
			cc_slot_refresh_locked(st, &st->slots[i]);
			if (st->slots[i].event) {
				st->slots[i].event = false;
				*out = st->slots[i].id;
				goto out;
			}
		}
		if (flags & CKF_DONT_BLOCK) {
			rv = CKR_NO_EVENT;
			goto out;
		}
		cc_state_wait_locked(250);
		if (!st->initialized || st->epoch != epoch) {
			rv = CKR_CRYPTOKI_NOT_INITIALIZED;
			goto out;
		}
	}
out:
	cc_unlock();
	return rv;
}
