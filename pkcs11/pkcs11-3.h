/*
 * The PKCS#11 3.0 names the module needs and p11-kit 0.24's 2.40 header
 * (<p11-kit/pkcs11.h>) lacks: the interface types of C_GetInterfaceList /
 * C_GetInterface and the 3.0 function list (PKCS#11 v3.0 sections 3.6, 5.2;
 * member order as in the OASIS pkcs11f.h). Defined once, here; every other
 * type comes from p11-kit's header, so there is one definition of each.
 */
#ifndef CC_PKCS11_3_H
#define CC_PKCS11_3_H

#include <p11-kit/pkcs11.h>

#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE		(0x00000001UL)
#endif
#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS		(0x00000040UL)
#endif
#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED	(0x00000202UL)
#endif

#define CC_INTERFACE_NAME		"PKCS 11"

typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

typedef CK_RV (*CK_C_GetInterfaceList)(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
typedef CK_RV (*CK_C_GetInterface)(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
				   CK_INTERFACE_PTR_PTR out, CK_FLAGS flags);
typedef CK_RV (*CK_C_LoginUser)(CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin,
				CK_ULONG pinlen, CK_UTF8CHAR_PTR user, CK_ULONG userlen);
typedef CK_RV (*CK_C_SessionCancel)(CK_SESSION_HANDLE h, CK_FLAGS flags);
/* Message-based init and final calls share one shape each. */
typedef CK_RV (*CK_C_MessageInit)(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k);
typedef CK_RV (*CK_C_MessageFinal)(CK_SESSION_HANDLE h);
typedef CK_RV (*CK_C_CryptMessage)(CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG paramlen,
				   CK_BYTE_PTR aad, CK_ULONG aadlen, CK_BYTE_PTR in,
				   CK_ULONG inlen, CK_BYTE_PTR out, CK_ULONG_PTR outlen);
typedef CK_RV (*CK_C_CryptMessageBegin)(CK_SESSION_HANDLE h, CK_VOID_PTR param,
					CK_ULONG paramlen, CK_BYTE_PTR aad, CK_ULONG aadlen);
typedef CK_RV (*CK_C_CryptMessageNext)(CK_SESSION_HANDLE h, CK_VOID_PTR param,
				       CK_ULONG paramlen, CK_BYTE_PTR in, CK_ULONG inlen,
				       CK_BYTE_PTR out, CK_ULONG_PTR outlen, CK_FLAGS flags);
typedef CK_RV (*CK_C_SignMessage)(CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG paramlen,
				  CK_BYTE_PTR data, CK_ULONG datalen, CK_BYTE_PTR sig,
				  CK_ULONG_PTR siglen);
typedef CK_RV (*CK_C_MessageBegin)(CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG paramlen);
typedef CK_RV (*CK_C_VerifyMessage)(CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG paramlen,
				    CK_BYTE_PTR data, CK_ULONG datalen, CK_BYTE_PTR sig,
				    CK_ULONG siglen);

/*
 * The 3.0 function list: the 2.40 one (same members, same order) followed
 * by the 3.0 additions. Declared by extending p11-kit's CK_FUNCTION_LIST
 * member for member would duplicate 68 lines; instead the 2.40 part is the
 * 2.40 struct itself, which has exactly that layout.
 */
typedef struct CK_FUNCTION_LIST_3_0 {
	CK_FUNCTION_LIST v2;		/* version .. C_WaitForSlotEvent */
	CK_C_GetInterfaceList C_GetInterfaceList;
	CK_C_GetInterface C_GetInterface;
	CK_C_LoginUser C_LoginUser;
	CK_C_SessionCancel C_SessionCancel;
	CK_C_MessageInit C_MessageEncryptInit;
	CK_C_CryptMessage C_EncryptMessage;
	CK_C_CryptMessageBegin C_EncryptMessageBegin;
	CK_C_CryptMessageNext C_EncryptMessageNext;
	CK_C_MessageFinal C_MessageEncryptFinal;
	CK_C_MessageInit C_MessageDecryptInit;
	CK_C_CryptMessage C_DecryptMessage;
	CK_C_CryptMessageBegin C_DecryptMessageBegin;
	CK_C_CryptMessageNext C_DecryptMessageNext;
	CK_C_MessageFinal C_MessageDecryptFinal;
	CK_C_MessageInit C_MessageSignInit;
	CK_C_SignMessage C_SignMessage;
	CK_C_MessageBegin C_SignMessageBegin;
	CK_C_SignMessage C_SignMessageNext;
	CK_C_MessageFinal C_MessageSignFinal;
	CK_C_MessageInit C_MessageVerifyInit;
	CK_C_VerifyMessage C_VerifyMessage;
	CK_C_MessageBegin C_VerifyMessageBegin;
	CK_C_VerifyMessage C_VerifyMessageNext;
	CK_C_MessageFinal C_MessageVerifyFinal;
} CK_FUNCTION_LIST_3_0;

#endif
