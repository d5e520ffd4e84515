/*
 * Objects as the module sees them: a class, an attribute list and, for
 * private keys while usable, a ready EVP_PKEY. Token objects mirror the
 * card's stored objects (uid != 0) and are rebuilt when the card image
 * changes; session objects (owner != 0) live only in memory. Lists hang off
 * their slot and are guarded by the module lock.
 */
#ifndef CC_OBJECT_H
#define CC_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/attrs.h"
#include "pkcs11/card-image.h"

struct cc_object {
	struct cc_object *next;
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS klass;
	uint32_t uid;			/* token object: its uid on the card; else 0 */
	CK_SESSION_HANDLE owner;	/* session object: the session that made it; else 0 */
	bool builtin;			/* the CKO_PROFILE object: not on the card, not destroyable */
	struct cc_attrs attrs;
	EVP_PKEY *pkey;			/* private key: token ones only while logged in */
};

/* Free @obj (NULL is fine) and, for the list form, every object in *@head. */
void cc_object_free(struct cc_object *obj);
void cc_object_list_free(struct cc_object **head);

/*
 * A new object mirroring stored object @so (attributes copied; CKA_CLASS
 * must be among them: CKR_DEVICE_ERROR otherwise). @always_auth: the
 * configured CKA_ALWAYS_AUTHENTICATE for signing keys.
 */
CK_RV cc_object_from_stored(const struct cc_stored_object *so, bool always_auth,
			    struct cc_object **out);

/* The CKO_PROFILE object declaring CKP_PUBLIC_CERTIFICATES_TOKEN. */
CK_RV cc_object_profile_new(struct cc_object **out);

/* CKA_PRIVATE, defaulting to true for private keys and false otherwise. */
bool cc_object_is_private(const struct cc_object *obj);

/*
 * The signing-key rule (README.md): a private key is the card's signing
 * (non-repudiation) key when its CKA_LABEL contains "sign" in any case
 * ("Signing key", "Digital Signature"). Such keys never decrypt or unwrap
 * and get CKA_ALWAYS_AUTHENTICATE when the configuration asks for it.
 */
bool cc_attrs_is_signing_key(const struct cc_attrs *l);

/* Find @handle in the list at @head, or NULL. */
struct cc_object *cc_object_list_find(struct cc_object *head, CK_OBJECT_HANDLE handle);

#endif
