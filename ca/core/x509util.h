/*
 * ca/x509util: small X.509 helpers shared by CA certificate, end-entity
 * certificate and CRL construction. Extensions are OpenSSL's typed
 * objects encoded by OpenSSL (no hand-made DER, no configuration strings).
 */
#ifndef CC_CA_X509UTIL_H
#define CC_CA_X509UTIL_H

#include <stddef.h>

#include <openssl/x509.h>
#include <openssl/evp.h>
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

/*
 * Append the attribute @nid = @utf8 to @n as one RDN, converted by
 * OpenSSL's string table for @nid (UTF8String for DirectoryString
 * attributes, PrintableString for serialNumber and C; lengths to X.520's
 * upper bounds). The value is data, never parsed. CA_ERR_INPUT if OpenSSL
 * cannot encode it (too long, invalid for the type).
 */
int ca_name_add(X509_NAME *n, int nid, const char *utf8);

/*
 * Certificate extensions built from OpenSSL's typed objects (no X509V3
 * configuration strings, so no value is ever parsed as syntax: a URL with
 * a comma stays one URL). Each returns a new extension in *out.
 */

/* basicConstraints, critical: cA = @ca, pathLenConstraint @pathlen if >= 0. */
int ca_ext_basic_constraints(int ca, int pathlen, X509_EXTENSION **out);

/* keyUsage, critical: bit n of @bits is KeyUsage bit n (RFC 5280 4.2.1.3). */
int ca_ext_key_usage(unsigned bits, X509_EXTENSION **out);

/* extendedKeyUsage (not critical) with the @n dotted OIDs @oids. */
int ca_ext_ext_key_usage(const char *const *oids, size_t n, X509_EXTENSION **out);

/* authorityKeyIdentifier: the keyIdentifier of @issuer's SKI (CA_ERR_STATE if none). */
int ca_ext_authority_key_id(const X509 *issuer, X509_EXTENSION **out);

/* cRLDistributionPoints: one distribution point, full name the URI @url. */
int ca_ext_crl_url(const char *url, X509_EXTENSION **out);

/* authorityInfoAccess: the OCSP responder @ocsp_url, and where the issuing
 * CA's certificate is (caIssuers, RFC 5280 4.2.2.1) when @ca_issuers_url is
 * neither NULL nor "". */
int ca_ext_aia(const char *ocsp_url, const char *ca_issuers_url, X509_EXTENSION **out);

/* After building @ext with result @r: add it to @crt when @r is CA_OK
 * (CA_ERR_CRYPTO if that fails); @ext is freed either way. */
int ca_ext_push(X509 *crt, int r, X509_EXTENSION *ext);

/* id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): a responder's own status is not checked. */
int ca_ext_ocsp_nocheck(X509_EXTENSION **out);

/*
 * Append subjectKeyIdentifier to @crt (public key already set): the @sha1
 * hash of its subjectPublicKey bits (RFC 5280 4.2.1.2, method 1).
 */
int ca_ext_subject_key_id_add(X509 *crt, const EVP_MD *sha1);

/* Set both validity bounds: [now, now + days]. */
int ca_validity_set(X509 *crt, time_t now, int days);

/* @der as PEM with @label ("CERTIFICATE", "X509 CRL") in a new buffer (*@out, *@outlen). */
int ca_pem_encode(const char *label, const unsigned char *der, size_t len, char **out,
		  size_t *outlen);

/* Write @der as PEM with @label ("CERTIFICATE", "X509 CRL") to @path (0644). */
int ca_pem_write(const char *path, const char *label, const unsigned char *der, size_t len);

/* DER of @crt in a new buffer. */
int ca_x509_der(X509 *crt, unsigned char **der, size_t *len);

#endif
