/*
 * The function lists, in spec order: the 2.40 CK_FUNCTION_LIST and the 3.0
 * one, and the 3.0 interfaces that offer them. Shared by the module
 * (export.c) and the in-process tests.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include "pkcs11/api.h"
#include "pkcs11/api-stubs.h"

static CK_RV get_function_list(CK_FUNCTION_LIST_PTR_PTR out);

/* The 2.40 members, in spec order: the whole 2.40 list, and the head of the 3.0 one. */
#define CC_FUNCTIONS_2_40 \
	cc_C_Initialize, \
	cc_C_Finalize, \
	cc_C_GetInfo, \
	get_function_list, \
	cc_C_GetSlotList, \
	cc_C_GetSlotInfo, \
	cc_C_GetTokenInfo, \
	cc_C_GetMechanismList, \
	cc_C_GetMechanismInfo, \
	cc_C_InitToken, \
	cc_C_InitPIN, \
	cc_C_SetPIN, \
	cc_C_OpenSession, \
	cc_C_CloseSession, \
	cc_C_CloseAllSessions, \
	cc_C_GetSessionInfo, \
	cc_C_GetOperationState, \
	cc_C_SetOperationState, \
	cc_C_Login, \
	cc_C_Logout, \
	cc_C_CreateObject, \
	cc_C_CopyObject, \
	cc_C_DestroyObject, \
	cc_C_GetObjectSize, \
	cc_C_GetAttributeValue, \
	cc_C_SetAttributeValue, \
	cc_C_FindObjectsInit, \
	cc_C_FindObjects, \
	cc_C_FindObjectsFinal, \
	cc_C_EncryptInit, \
	cc_C_Encrypt, \
	cc_C_EncryptUpdate, \
	cc_C_EncryptFinal, \
	cc_C_DecryptInit, \
	cc_C_Decrypt, \
	cc_C_DecryptUpdate, \
	cc_C_DecryptFinal, \
	cc_C_DigestInit, \
	cc_C_Digest, \
	cc_C_DigestUpdate, \
	cc_C_DigestKey, \
	cc_C_DigestFinal, \
	cc_C_SignInit, \
	cc_C_Sign, \
	cc_C_SignUpdate, \
	cc_C_SignFinal, \
	cc_C_SignRecoverInit, \
	cc_C_SignRecover, \
	cc_C_VerifyInit, \
	cc_C_Verify, \
	cc_C_VerifyUpdate, \
	cc_C_VerifyFinal, \
	cc_C_VerifyRecoverInit, \
	cc_C_VerifyRecover, \
	cc_C_DigestEncryptUpdate, \
	cc_C_DecryptDigestUpdate, \
	cc_C_SignEncryptUpdate, \
	cc_C_DecryptVerifyUpdate, \
	cc_C_GenerateKey, \
	cc_C_GenerateKeyPair, \
	cc_C_WrapKey, \
	cc_C_UnwrapKey, \
	cc_C_DeriveKey, \
	cc_C_SeedRandom, \
	cc_C_GenerateRandom, \
	cc_C_GetFunctionStatus, \
	cc_C_CancelFunction, \
	cc_C_WaitForSlotEvent

static CK_FUNCTION_LIST cc_functions = {
	{ CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
	CC_FUNCTIONS_2_40
};

static CK_FUNCTION_LIST_3_0 cc_functions_3_0 = {
	{
		{ 3, 0 },
		CC_FUNCTIONS_2_40
	},
	cc_C_GetInterfaceList,
	cc_C_GetInterface,
	cc_C_LoginUser,
	cc_C_SessionCancel,
	cc_C_MessageEncryptInit,
	cc_C_EncryptMessage,
	cc_C_EncryptMessageBegin,
	cc_C_EncryptMessageNext,
	cc_C_MessageEncryptFinal,
	cc_C_MessageDecryptInit,
	cc_C_DecryptMessage,
	cc_C_DecryptMessageBegin,
	cc_C_DecryptMessageNext,
	cc_C_MessageDecryptFinal,
	cc_C_MessageSignInit,
	cc_C_SignMessage,
	cc_C_SignMessageBegin,
	cc_C_SignMessageNext,
	cc_C_MessageSignFinal,
	cc_C_MessageVerifyInit,
	cc_C_VerifyMessage,
	cc_C_VerifyMessageBegin,
	cc_C_VerifyMessageNext,
	cc_C_MessageVerifyFinal,
};

/*
 * PKCS#11 v3.0 section 5.4: the 3.0 interface first, so a caller that asks
 * for "PKCS 11" without a version (NSS, Java) gets it; the 2.40 list for
 * callers that ask for 2.40. No CKF_INTERFACE_FORK_SAFE: a fork child must
 * call C_Initialize again (README "Threads, processes").
 */
static CK_INTERFACE cc_interfaces[] = {
	{ (CK_CHAR *)CC_INTERFACE_NAME, &cc_functions_3_0, 0 },
	{ (CK_CHAR *)CC_INTERFACE_NAME, &cc_functions, 0 },
};
#define CC_NINTERFACES (sizeof(cc_interfaces) / sizeof(cc_interfaces[0]))

static CK_RV
get_function_list(CK_FUNCTION_LIST_PTR_PTR out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = &cc_functions;
	return CKR_OK;
}

CK_FUNCTION_LIST *
cc_function_list(void)
{
	return &cc_functions;
}

/* C_GetInterfaceList: the usual two-call convention. */
CK_RV
cc_C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG room;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	room = *count;
	*count = CC_NINTERFACES;
	if (list == NULL)
		return CKR_OK;
	if (room < CC_NINTERFACES)
		return CKR_BUFFER_TOO_SMALL;
	memcpy(list, cc_interfaces, sizeof(cc_interfaces));
	return CKR_OK;
}

/* The version in an interface's function list (both start with a CK_VERSION). */
static const CK_VERSION *
interface_version(const CK_INTERFACE *i)
{
	return (const CK_VERSION *)i->pFunctionList;
}

/*
 * C_GetInterface: @name NULL means the default interface; @version NULL
 * means any version; the interface must offer every flag in @flags. No
 * match: CKR_ARGUMENTS_BAD (v3.0 section 5.4).
 */
CK_RV
cc_C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
		  CK_FLAGS flags)
{
	const CK_VERSION *v;
	size_t i;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < CC_NINTERFACES; i++) {
		v = interface_version(&cc_interfaces[i]);
		if (name != NULL && strcmp((const char *)name, CC_INTERFACE_NAME) != 0)
			break;
		if (version != NULL && (version->major != v->major || version->minor != v->minor))
			continue;
		if ((cc_interfaces[i].flags & flags) != flags)
			continue;
		*out = &cc_interfaces[i];
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}
