/*
 * The CK_FUNCTION_LIST, in spec order. Shared by the module (export.c) and
 * the in-process tests.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include "pkcs11/api.h"
#include "pkcs11/api-stubs.h"

static CK_RV get_function_list(CK_FUNCTION_LIST_PTR_PTR out);

static CK_FUNCTION_LIST cc_functions = {
	{ CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
	cc_C_Initialize,
	cc_C_Finalize,
	cc_C_GetInfo,
	get_function_list,
	cc_C_GetSlotList,
	cc_C_GetSlotInfo,
	cc_C_GetTokenInfo,
	cc_C_GetMechanismList,
	cc_C_GetMechanismInfo,
	cc_C_InitToken,
	cc_C_InitPIN,
	cc_C_SetPIN,
	cc_C_OpenSession,
	cc_C_CloseSession,
	cc_C_CloseAllSessions,
	cc_C_GetSessionInfo,
	cc_C_GetOperationState,
	cc_C_SetOperationState,
	cc_C_Login,
	cc_C_Logout,
	cc_C_CreateObject,
	cc_C_CopyObject,
	cc_C_DestroyObject,
	cc_C_GetObjectSize,
	cc_C_GetAttributeValue,
	cc_C_SetAttributeValue,
	cc_C_FindObjectsInit,
	cc_C_FindObjects,
	cc_C_FindObjectsFinal,
	cc_C_EncryptInit,
	cc_C_Encrypt,
	cc_C_EncryptUpdate,
	cc_C_EncryptFinal,
	cc_C_DecryptInit,
	cc_C_Decrypt,
	cc_C_DecryptUpdate,
	cc_C_DecryptFinal,
	cc_C_DigestInit,
	cc_C_Digest,
	cc_C_DigestUpdate,
	cc_C_DigestKey,
	cc_C_DigestFinal,
	cc_C_SignInit,
	cc_C_Sign,
	cc_C_SignUpdate,
	cc_C_SignFinal,
	cc_C_SignRecoverInit,
	cc_C_SignRecover,
	cc_C_VerifyInit,
	cc_C_Verify,
	cc_C_VerifyUpdate,
	cc_C_VerifyFinal,
	cc_C_VerifyRecoverInit,
	cc_C_VerifyRecover,
	cc_C_DigestEncryptUpdate,
	cc_C_DecryptDigestUpdate,
	cc_C_SignEncryptUpdate,
	cc_C_DecryptVerifyUpdate,
	cc_C_GenerateKey,
	cc_C_GenerateKeyPair,
	cc_C_WrapKey,
	cc_C_UnwrapKey,
	cc_C_DeriveKey,
	cc_C_SeedRandom,
	cc_C_GenerateRandom,
	cc_C_GetFunctionStatus,
	cc_C_CancelFunction,
	cc_C_WaitForSlotEvent,
};

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
