/*
 * ca/x509util: small X.509 helpers shared by CA certificate, end-entity
 * certificate and CRL construction. Extensions are produced by OpenSSL's
 * own X509V3 configuration parser (no hand-made DER).
 */
#ifndef CC_CA_X509UTIL_H
#define CC_CA_X509UTIL_H

#include <stddef.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

/*
 * A random positive 128-bit serial (top bit set, so always 32 hex digits)
 * from @libctx's private DRBG: *serial and its upper-case hex *hex.
 */
int ca_serial_random(OSSL_LIB_CTX *libctx, ASN1_INTEGER **serial, char **hex);

/*
 * Normalize a user-supplied hex serial (optional "0x", colons, any case,
 * leading zeros) to the registry form: upper case, no leading zeros.
 */
int ca_serial_normalize(const char *in, char **out);

/* A Name from (field, UTF-8 value) pairs, ending at a NULL field. */
int ca_name_build(const char *const *kv, X509_NAME **out);

/* Add extension @nid with OpenSSL config syntax @value ("critical,..."). */
int ca_ext_add(X509 *crt, X509V3_CTX *v3, int nid, const char *value);

/* Set both validity bounds: [now, now + days]. */
int ca_validity_set(X509 *crt, time_t now, int days);

/* Write @der as PEM with @label ("CERTIFICATE", "X509 CRL") to @path (0644). */
int ca_pem_write(const char *path, const char *label, const unsigned char *der, size_t len);

/* DER of @crt in a new buffer. */
int ca_x509_der(X509 *crt, unsigned char **der, size_t *len);

#endif
