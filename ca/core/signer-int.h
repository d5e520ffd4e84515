/*
 * Internals shared by signer.c (module, token, session, signing) and
 * signer-keys.c (key generation and public key read-back). Nothing outside
 * ca/signer*.c includes this.
 */
#ifndef CC_CA_SIGNER_INT_H
#define CC_CA_SIGNER_INT_H

#include <p11-kit/pkcs11.h>

#include "ca/core/signer.h"

struct ca_signer_key {
	struct ca_signer *s;
	struct ca_signer_key *next;
	char *label;
	CK_OBJECT_HANDLE priv;
	enum ca_key_type type;
	EVP_PKEY *pub;
};

struct ca_signer {
	void *dl;
	CK_FUNCTION_LIST *fl;
	OSSL_LIB_CTX *libctx;
	CK_SESSION_HANDLE session;
	int have_session;
	int logged_in;
	struct ca_signer_key *keys;
};

/*
 * The type of private key @h: P-256 for an EC key, RSA-2048/3072 by its
 * modulus. The modulus is asked for only of an RSA key (an EC key has
 * none: a token rightly refuses the attribute).
 */
int ca_signer_object_key_type(struct ca_signer *s, CK_OBJECT_HANDLE h, enum ca_key_type *out);

/* Log a failed PKCS#11 call (never its arguments) and return CA_ERR_HSM. */
int ca_signer_ck_fail(const char *what, CK_RV rv);

/*
 * Find the single object of @klass labelled @label in the open session.
 * CA_ERR_NOT_FOUND when there is none.
 */
int ca_signer_find(struct ca_signer *s, CK_OBJECT_CLASS klass, const char *label,
		   CK_OBJECT_HANDLE *out);

/* Read the public half of key pair @label into a software EVP_PKEY. */
int ca_signer_read_public(struct ca_signer *s, const char *label, enum ca_key_type type,
			  EVP_PKEY **out);

#endif
