/*
 * ca/secret: PIN files and generated secrets. PIN files live in the CA
 * state directory, mode 0600; their contents are never logged.
 */
#ifndef CC_CA_SECRET_H
#define CC_CA_SECRET_H

#include <stddef.h>

/*
 * Fill @out with @len random characters from an unambiguous 32-symbol
 * alphabet (5 bits each) and a terminating NUL; @out has @len + 1 bytes.
 */
int ca_secret_random_text(char *out, size_t len);

/* Write @pin to @path atomically with mode 0600. */
int ca_secret_write(const char *path, const char *pin);

/*
 * Read a PIN file: CA_ERR_PERM if group or others may access it, else the
 * first line into *out (free with ca_secret_free).
 */
int ca_secret_read(const char *path, char **out);

/* Wipe and free a string from ca_secret_read. Accepts NULL. */
void ca_secret_free(char *s);

/*
 * Format a MAC as text in the same alphabet: @len (8..16) characters from
 * @mac (at least 10 bytes), NUL-terminated into @out (@outlen bytes).
 */
int ca_secret_format(const unsigned char *mac, size_t maclen, size_t len, char *out,
		     size_t outlen);

#endif
