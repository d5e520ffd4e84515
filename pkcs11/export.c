/*
 * The module's only exported symbols (-export-symbols-regex in local.mk):
 * C_GetFunctionList (2.40) and C_GetInterfaceList / C_GetInterface (3.0).
 * Applications reach everything else through a function list, so our C_*
 * can never interpose on another module's.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include "pkcs11/api.h"

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = cc_function_list();
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
		     CK_FLAGS flags);

CK_RV
C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	return cc_C_GetInterfaceList(list, count);
}

CK_RV
C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
	       CK_FLAGS flags)
{
	return cc_C_GetInterface(name, version, out, flags);
}
