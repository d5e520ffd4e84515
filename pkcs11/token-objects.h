/*
 * The token's objects as the API layer changes them: C_CreateObject,
 * C_DestroyObject, C_SetAttributeValue and C_GenerateKeyPair's new pair,
 * on the card (token objects, through one card edit each) or in memory
 * (session objects). The API layer checks arguments and permissions and
 * calls these; only this model code talks to the card store.
 *
 * Private data objects keep CKA_VALUE sealed on the card (bound to the
 * card and the object's uid, like a private key) and carry it in memory
 * only while the user is logged in (cc_slot_reveal_locked).
 *
 * All take and return the module lock; card edits release it meanwhile
 * (cc_token_edit_locked): the slot must be looked up again by the caller
 * only through the returned handles.
 */
#ifndef CC_TOKEN_OBJECTS_H
#define CC_TOKEN_OBJECTS_H

#include <p11-kit/pkcs11.h>

#include "pkcs11/attrs.h"
#include "pkcs11/keygen.h"

struct cc_state;
struct cc_slot;
struct cc_object;

/*
 * A new object from the complete attribute list @attrs (cc_create_attrs):
 * on the card when CKA_TOKEN (the caller checked the R/W session and the
 * login), else a session object of @owner, taking @attrs. *out: its handle.
 */
CK_RV cc_token_object_create_locked(struct cc_state *st, struct cc_slot *slot,
				    CK_SESSION_HANDLE owner, struct cc_attrs *attrs,
				    CK_OBJECT_HANDLE *out);

/* Destroy @o (a session object at once; a token object on the card). */
CK_RV cc_token_object_destroy_locked(struct cc_state *st, struct cc_slot *slot,
				     struct cc_object *o);

/* Set the attributes of @tmpl on @o (already checked against the schema). */
CK_RV cc_token_object_set_locked(struct cc_state *st, struct cc_slot *slot, struct cc_object *o,
				 const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/*
 * Store a generated pair: on the card with the private key sealed to its
 * uid (when @token), else as session objects of @owner. Takes the pair's
 * attribute lists and key. *hpub, *hpriv: the new handles.
 */
CK_RV cc_token_keypair_store_locked(struct cc_state *st, struct cc_slot *slot,
				    CK_SESSION_HANDLE owner, bool token, struct cc_keypair *p,
				    CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv);

#endif
