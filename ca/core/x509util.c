/*
 * ca/x509util.c: see x509util.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "common/fileio.h"
#include "common/log.h"

int
ca_serial_random(OSSL_LIB_CTX *libctx, ASN1_INTEGER **serial, char **hex)
{
	BN_CTX *bctx = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	char *h = NULL;
	int r = CA_ERR_CRYPTO;

	/* RFC 5280 4.1.2.2: positive, at most 20 octets; CA/B forum style
	 * unpredictability (>= 64 random bits) defeats chosen-prefix games. */
	if ((bctx = BN_CTX_new_ex(libctx)) == NULL || (bn = BN_new()) == NULL ||
	    BN_priv_rand_ex(bn, 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY, 0, bctx) != 1 ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || (h = BN_bn2hex(bn)) == NULL)
		goto out;
	*serial = ai;
	*hex = h;
	ai = NULL;
	h = NULL;
	r = CA_OK;
out:
	if (r != CA_OK)
		util_log_ossl_errors(__func__);
	OPENSSL_free(h);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	BN_CTX_free(bctx);
	return r;
}

int
ca_serial_normalize(const char *in, char **out)
{
	size_t n = strlen(in), i, j = 0;
	char *s;

	if (n > 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	if ((s = malloc(strlen(in) + 2)) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == ':')
			continue;
		if (!isxdigit((unsigned char)in[i]) || j >= 40) {	/* 20 octets */
			free(s);
			return CA_ERR_USAGE;
		}
		if (j == 0 && in[i] == '0')
			continue;
		s[j++] = (char)toupper((unsigned char)in[i]);
	}
	if (j == 0)
		s[j++] = '0';
	s[j] = '\0';
	*out = s;
	return CA_OK;
}

int
ca_name_build(const char *const *kv, X509_NAME **out)
{
	X509_NAME *n = X509_NAME_new();

	if (n == NULL)
		return CA_ERR_ALLOC;
	for (; kv[0] != NULL; kv += 2) {
		if (X509_NAME_add_entry_by_txt(n, kv[0], MBSTRING_UTF8,
					       (const unsigned char *)kv[1], -1, -1, 0) != 1) {
			X509_NAME_free(n);
			return CA_ERR_CRYPTO;
		}
	}
	*out = n;
	return CA_OK;
}

int
ca_ext_add(X509 *crt, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok;

	if (ext == NULL) {
		util_log(LOG_ERR, "bad %s extension value '%s'", OBJ_nid2sn(nid), value);
		return CA_ERR_CRYPTO;
	}
	ok = X509_add_ext(crt, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? CA_OK : CA_ERR_CRYPTO;
}

int
ca_validity_set(X509 *crt, time_t now, int days)
{
	if (days <= 0)
		return CA_ERR_USAGE;
	if (X509_time_adj_ex(X509_getm_notBefore(crt), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(crt), days, 0, &now) == NULL)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

/*
 * PEM as PEM_write_bio writes it (EVP_EncodeUpdate's 64-column lines), but
 * into one buffer sized up front: through a memory BIO a 47 MB CRL was
 * copied and cleansed at every doubling of the buffer.
 */
int
ca_pem_write(const char *path, const char *label, const unsigned char *der, size_t len)
{
	EVP_ENCODE_CTX *ec = NULL;
	char *pem = NULL;
	size_t cap, n;
	int chunk, out, e, r = CA_ERR_ALLOC;

	if (len > (size_t)INT32_MAX / 2 || strlen(label) > 64)
		return CA_ERR_USAGE;
	cap = EVP_ENCODE_LENGTH(len) + 2 * strlen(label) + 64;
	if ((pem = malloc(cap)) == NULL || (ec = EVP_ENCODE_CTX_new()) == NULL)
		goto out;
	n = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
	EVP_EncodeInit(ec);
	r = CA_ERR_CRYPTO;
	for (; len > 0; der += chunk, len -= (size_t)chunk) {
		chunk = len > 1 << 20 ? 1 << 20 : (int)len;
		if (EVP_EncodeUpdate(ec, (unsigned char *)pem + n, &out, der, chunk) != 1)
			goto out;
		n += (size_t)out;
	}
	EVP_EncodeFinal(ec, (unsigned char *)pem + n, &out);
	n += (size_t)out;
	n += (size_t)snprintf(pem + n, cap - n, "-----END %s-----\n", label);
	if ((e = util_file_write_atomic(path, pem, n, 0644)) != 0) {
		util_log(LOG_ERR, "cannot write %s: %s", path, strerror(-e));
		r = CA_ERR_IO;
		goto out;
	}
	r = CA_OK;
out:
	EVP_ENCODE_CTX_free(ec);
	free(pem);
	return r;
}

int
ca_x509_der(X509 *crt, unsigned char **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509(crt, &p);

	if (n <= 0)
		return CA_ERR_CRYPTO;
	*der = p;
	*len = (size_t)n;
	return CA_OK;
}
