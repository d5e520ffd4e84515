/*
 * pkcs11/card-tool-answer.c: see card-tool-answer.h.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool-answer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>

bool
tool_answer_field(const char *text, const char *key, char *out, size_t len)
{
	size_t k = strlen(key), n;
	const char *p = text, *e;

	while (p != NULL && *p != '\0') {
		e = strchr(p, '\n');
		if (strncmp(p, key, k) == 0 && p[k] == ':' && p[k + 1] == ' ') {
			p += k + 2;
			n = e != NULL ? (size_t)(e - p) : strlen(p);
			if (len == 0)
				return true;
			if (n >= len)
				n = len - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return false;
}

X509 *
tool_answer_cert(const char *body, size_t len)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	unsigned char *der = len < INT_MAX ? malloc(len + 1) : NULL;
	const unsigned char *q;
	STACK_OF(X509) *certs = NULL;
	PKCS7 *p7 = NULL;
	X509 *x = NULL;
	int n = 0, m = 0;

	if (ctx == NULL || der == NULL)
		goto out;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, der, &n, (const unsigned char *)body, (int)len) < 0 ||
	    EVP_DecodeFinal(ctx, der + n, &m) != 1)
		goto out;
	q = der;
	if ((p7 = d2i_PKCS7(NULL, &q, n + m)) == NULL || !PKCS7_type_is_signed(p7) ||
	    p7->d.sign == NULL || (certs = p7->d.sign->cert) == NULL || sk_X509_num(certs) < 1)
		goto out;
	x = X509_dup(sk_X509_value(certs, 0));
out:
	ERR_clear_error();
	PKCS7_free(p7);
	free(der);
	EVP_ENCODE_CTX_free(ctx);
	return x;
}
