/*
 * The C_* entry layer (api-*.c): argument checks, cc_lock_checked(), spec
 * return codes, and calls into the model; nothing else. Not exported: the
 * module exports only C_GetFunctionList (export.c).
 */
#ifndef CC_API_H
#define CC_API_H

#include <p11-kit/pkcs11.h>

#include "pkcs11/pkcs11-3.h"

/* The module's 2.40 function list (also what the in-process tests drive). */
CK_FUNCTION_LIST *cc_function_list(void);

/*
 * PKCS#11 3.0 C_GetInterfaceList / C_GetInterface (funclist.c): two
 * interfaces named "PKCS 11", the 3.0 function list first (the default),
 * then the 2.40 one. No initialisation needed, as for C_GetFunctionList.
 */
CK_RV cc_C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
CK_RV cc_C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
			CK_FLAGS flags);

#define CC_API(name, args) CK_RV cc_C_##name args;
CC_API(Initialize, (CK_VOID_PTR init_args))
CC_API(Finalize, (CK_VOID_PTR reserved))
CC_API(GetInfo, (CK_INFO_PTR info))
CC_API(GetSlotList, (CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR n))
CC_API(GetSlotInfo, (CK_SLOT_ID id, CK_SLOT_INFO_PTR info))
CC_API(GetTokenInfo, (CK_SLOT_ID id, CK_TOKEN_INFO_PTR info))
CC_API(GetMechanismList, (CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR n))
CC_API(GetMechanismInfo, (CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info))
CC_API(InitToken, (CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label))
CC_API(WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved))
CC_API(OpenSession, (CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
		     CK_SESSION_HANDLE_PTR out))
CC_API(CloseSession, (CK_SESSION_HANDLE h))
CC_API(CloseAllSessions, (CK_SLOT_ID id))
CC_API(GetSessionInfo, (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info))
CC_API(Login, (CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin, CK_ULONG len))
CC_API(Logout, (CK_SESSION_HANDLE h))
CC_API(InitPIN, (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len))
CC_API(SetPIN, (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old, CK_ULONG oldlen, CK_UTF8CHAR_PTR pin,
		CK_ULONG len))
CC_API(CreateObject, (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n,
		      CK_OBJECT_HANDLE_PTR out))
CC_API(DestroyObject, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj))
CC_API(GetObjectSize, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size))
CC_API(GetAttributeValue, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
			   CK_ULONG n))
CC_API(SetAttributeValue, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
			   CK_ULONG n))
CC_API(FindObjectsInit, (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n))
CC_API(FindObjects, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR n))
CC_API(FindObjectsFinal, (CK_SESSION_HANDLE h))
CC_API(SignInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key))
CC_API(Sign, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
	      CK_ULONG_PTR siglen))
CC_API(SignUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len))
CC_API(SignFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen))
CC_API(VerifyInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key))
CC_API(Verify, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
		CK_ULONG siglen))
CC_API(VerifyUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len))
CC_API(VerifyFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG siglen))
CC_API(DigestInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech))
CC_API(Digest, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
		CK_ULONG_PTR outlen))
CC_API(DigestUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len))
CC_API(DigestFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outlen))
CC_API(GenerateKeyPair, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
			 CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
			 CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv))
CC_API(GenerateRandom, (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len))
CC_API(SeedRandom, (CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len))
CC_API(LoginUser, (CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin, CK_ULONG len,
		   CK_UTF8CHAR_PTR user, CK_ULONG userlen))
CC_API(SessionCancel, (CK_SESSION_HANDLE h, CK_FLAGS flags))
#undef CC_API

#endif
