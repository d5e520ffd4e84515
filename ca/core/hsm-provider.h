/*
 * ca/hsm-provider: a tiny in-process OpenSSL 3 provider that makes a token
 * key (struct ca_signer_key) usable as an EVP_PKEY, so certificates and CRLs
 * are signed with the ordinary public API (X509_sign, X509_CRL_sign) while
 * the private key stays in the HSM. The provider hashes in software and
 * hands only the digest to the token (ca_signer_sign_digest).
 *
 * It offers exactly two algorithms, "CC-HSM-RSA" and "CC-HSM-EC", each with
 * a key manager that only holds a reference to the token key and a
 * signature implementation that can only sign (digest_sign_*). Their names
 * are deliberately not "RSA"/"EC", so OpenSSL never tries to export the key
 * to the default provider, and asks us for the AlgorithmIdentifier.
 */
#ifndef CC_CA_HSM_PROVIDER_H
#define CC_CA_HSM_PROVIDER_H

#include <openssl/types.h>

#include "ca/core/signer.h"

/*
 * Register and activate the provider in @libctx (which should also have the
 * "default" provider loaded, for hashing). *out is released with
 * OSSL_PROVIDER_unload().
 */
int ca_hsm_provider_load(OSSL_LIB_CTX *libctx, OSSL_PROVIDER **out);

/*
 * Wrap @k as a new EVP_PKEY in @libctx. @k must outlive the EVP_PKEY (it is
 * owned by its signer). Only signing works with the result; use
 * ca_signer_key_public() for the public key.
 */
int ca_hsm_pkey_new(OSSL_LIB_CTX *libctx, struct ca_signer_key *k, EVP_PKEY **out);

#endif
