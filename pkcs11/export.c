/*
 * The module's only exported symbol (-export-symbols-regex in local.mk):
 * applications reach everything else through the function list, so our C_*
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
