/*
 * Blank-padded text fields of CK_INFO, CK_SLOT_INFO and CK_TOKEN_INFO.
 */
#ifndef CC_PAD_H
#define CC_PAD_H

#include <stddef.h>

/*
 * Copy NUL-terminated @src into the fixed-width field @dst of @size bytes:
 * truncated when longer, padded with blanks when shorter, never
 * NUL-terminated (PKCS#11 v2.40 section 3.2, "CK_UTF8CHAR ... padded with
 * the blank character"). A NULL @src gives an all-blank field.
 */
void cc_pad_copy(unsigned char *dst, size_t size, const char *src);

#endif
