#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include "pkcs11/pad.h"

void
cc_pad_copy(unsigned char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n > size)
		n = size;
	memset(dst, ' ', size);
	if (n > 0)
		memcpy(dst, src, n);
}
