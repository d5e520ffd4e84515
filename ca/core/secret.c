/*
 * ca/secret.c: see secret.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "common/fileio.h"
#include "common/log.h"

/* Crockford's base32: no I, L, O, U, so secrets survive being read aloud. */
static const char alphabet[32] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int
ca_secret_random_text(char *out, size_t len)
{
	unsigned char *raw;
	size_t i;
	int r = CA_ERR_CRYPTO;

	if ((raw = malloc(len ? len : 1)) == NULL)
		return CA_ERR_ALLOC;
	if (RAND_bytes(raw, (int)len) == 1) {
		for (i = 0; i < len; i++)
			out[i] = alphabet[raw[i] & 31];	/* 256 % 32 == 0: unbiased */
		out[len] = '\0';
		r = CA_OK;
	}
	OPENSSL_clear_free(raw, len ? len : 1);
	return r;
}

int
ca_secret_write(const char *path, const char *pin)
{
	int e = util_file_write_atomic(path, pin, strlen(pin), 0600);

	if (e != 0) {
		util_log(LOG_ERR, "cannot write %s: %s", path, strerror(-e));
		return CA_ERR_IO;
	}
	return CA_OK;
}

int
ca_secret_read(const char *path, char **out)
{
	unsigned char *buf = NULL;
	size_t len = 0, n;
	struct stat st;
	char *s;
	int e;

	if (stat(path, &st) != 0) {
		util_log(LOG_ERR, "cannot read %s: %s", path, strerror(errno));
		return errno == ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_IO;
	}
	if (st.st_mode & 077) {
		util_log(LOG_ERR, "%s is accessible by group or others (mode %03o); refusing",
			 path, (unsigned)(st.st_mode & 0777));
		return CA_ERR_PERM;
	}
	if ((e = util_file_read_all(path, 256, &buf, &len)) != 0) {
		util_log(LOG_ERR, "cannot read %s: %s", path, strerror(-e));
		return CA_ERR_IO;
	}
	for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r' && buf[n] != '\0'; n++)
		;
	if (n == 0 || (s = malloc(n + 1)) == NULL) {
		OPENSSL_clear_free(buf, len);
		return n == 0 ? CA_ERR_STATE : CA_ERR_ALLOC;
	}
	memcpy(s, buf, n);
	s[n] = '\0';
	OPENSSL_clear_free(buf, len);
	*out = s;
	return CA_OK;
}

void
ca_secret_free(char *s)
{
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

/* Take 5 bits at a time from @mac, most significant first. */
int
ca_secret_format(const unsigned char *mac, size_t maclen, size_t len, char *out,
		 size_t outlen)
{
	size_t i, bit;

	if (len < 8 || len > 16 || outlen < len + 1 || maclen * 8 < len * 5)
		return CA_ERR_USAGE;
	for (i = 0; i < len; i++) {
		unsigned v = 0, b;

		for (b = 0; b < 5; b++) {
			bit = i * 5 + b;
			v = (v << 1) | ((mac[bit / 8] >> (7 - bit % 8)) & 1);
		}
		out[i] = alphabet[v];
	}
	out[len] = '\0';
	return CA_OK;
}
