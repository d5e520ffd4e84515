/*
 * Entry points the card does not offer. Kept apart so the real API files
 * stay readable (style.md trap 1). Each still honours initialisation.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include "pkcs11/api-stubs.h"
#include "pkcs11/state.h"

static CK_RV
not_supported(void)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	cc_unlock();
	return CKR_FUNCTION_NOT_SUPPORTED;
}

#define STUB(name, args) \
	CK_RV cc_C_##name args { return not_supported(); }

STUB(GetOperationState, (CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG_PTR len))
STUB(SetOperationState, (CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG len, CK_OBJECT_HANDLE ek,
			 CK_OBJECT_HANDLE ak))
STUB(CopyObject, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
		  CK_OBJECT_HANDLE_PTR out))
STUB(EncryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(Encrypt, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(EncryptUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
		     CK_ULONG_PTR ol))
STUB(EncryptFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(DecryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(Decrypt, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(DecryptUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
		     CK_ULONG_PTR ol))
STUB(DecryptFinal, (CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(DigestKey, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k))
STUB(SignRecoverInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(SignRecover, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(VerifyRecoverInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(VerifyRecover, (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG l, CK_BYTE_PTR o,
		     CK_ULONG_PTR ol))
STUB(DigestEncryptUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
			   CK_ULONG_PTR ol))
STUB(DecryptDigestUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
			   CK_ULONG_PTR ol))
STUB(SignEncryptUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
			 CK_ULONG_PTR ol))
STUB(DecryptVerifyUpdate, (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
			   CK_ULONG_PTR ol))
STUB(GenerateKey, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
		   CK_OBJECT_HANDLE_PTR k))
STUB(WrapKey, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE k,
	       CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(UnwrapKey, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE uk, CK_BYTE_PTR w,
		 CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k))
STUB(DeriveKey, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR t,
		 CK_ULONG n, CK_OBJECT_HANDLE_PTR k))

/* PKCS#11 3.0 message-based functions (section 5.13 ff.): nothing the card does. */
STUB(MessageEncryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(EncryptMessage, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al,
		      CK_BYTE_PTR i, CK_ULONG il, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(EncryptMessageBegin, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
			   CK_ULONG al))
STUB(EncryptMessageNext, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR i,
			  CK_ULONG il, CK_BYTE_PTR o, CK_ULONG_PTR ol, CK_FLAGS f))
STUB(MessageEncryptFinal, (CK_SESSION_HANDLE h))
STUB(MessageDecryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(DecryptMessage, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al,
		      CK_BYTE_PTR i, CK_ULONG il, CK_BYTE_PTR o, CK_ULONG_PTR ol))
STUB(DecryptMessageBegin, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
			   CK_ULONG al))
STUB(DecryptMessageNext, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR i,
			  CK_ULONG il, CK_BYTE_PTR o, CK_ULONG_PTR ol, CK_FLAGS f))
STUB(MessageDecryptFinal, (CK_SESSION_HANDLE h))
STUB(MessageSignInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(SignMessage, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		   CK_BYTE_PTR s, CK_ULONG_PTR sl))
STUB(SignMessageBegin, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl))
STUB(SignMessageNext, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		       CK_BYTE_PTR s, CK_ULONG_PTR sl))
STUB(MessageSignFinal, (CK_SESSION_HANDLE h))
STUB(MessageVerifyInit, (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
STUB(VerifyMessage, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		     CK_BYTE_PTR s, CK_ULONG sl))
STUB(VerifyMessageBegin, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl))
STUB(VerifyMessageNext, (CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d,
			 CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG sl))
STUB(MessageVerifyFinal, (CK_SESSION_HANDLE h))

/* Legacy parallel-function calls: v2.40 says always CKR_FUNCTION_NOT_PARALLEL. */
CK_RV
cc_C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	cc_unlock();
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV
cc_C_CancelFunction(CK_SESSION_HANDLE h)
{
	return cc_C_GetFunctionStatus(h);
}
