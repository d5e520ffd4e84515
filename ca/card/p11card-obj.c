/*
 * ca/p11card-obj.c: objects on a card — key generation, the signer key
 * view of a private key, certificates, destroy and relabel. See p11card.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/card/p11card.h"
#include "common/log.h"

#define FIND_MAX 16

static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

static int
obj_fail(const struct ca_p11card *c, const char *what, CK_RV rv)
{
	util_log(LOG_ERR, "card %s: %s failed: CKR 0x%lx", c->serial, what, (unsigned long)rv);
	return CA_ERR_HSM;
}

/* Every object labelled @label, of class @klass (or any class if NULL). */
static int
find_all(struct ca_p11card *c, const CK_OBJECT_CLASS *klass, const char *label,
	 CK_OBJECT_HANDLE *h, CK_ULONG *n)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_CLASS, (void *)klass, sizeof(*klass) },
	};
	CK_RV rv;

	if (!c->have_session)
		return CA_ERR_STATE;
	if ((rv = c->fl->C_FindObjectsInit(c->session, t, klass != NULL ? 2 : 1)) != CKR_OK)
		return obj_fail(c, "C_FindObjectsInit", rv);
	rv = c->fl->C_FindObjects(c->session, h, FIND_MAX, n);
	c->fl->C_FindObjectsFinal(c->session);
	if (rv != CKR_OK)
		return obj_fail(c, "C_FindObjects", rv);
	return CA_OK;
}

/* Every object with CKA_ID @id (one byte). */
static int
find_id(struct ca_p11card *c, unsigned char id, CK_OBJECT_HANDLE *h, CK_ULONG *n)
{
	CK_ATTRIBUTE t = { CKA_ID, &id, 1 };
	CK_RV rv;

	if (!c->have_session)
		return CA_ERR_STATE;
	if ((rv = c->fl->C_FindObjectsInit(c->session, &t, 1)) != CKR_OK)
		return obj_fail(c, "C_FindObjectsInit", rv);
	rv = c->fl->C_FindObjects(c->session, h, FIND_MAX, n);
	c->fl->C_FindObjectsFinal(c->session);
	if (rv != CKR_OK)
		return obj_fail(c, "C_FindObjects", rv);
	return CA_OK;
}

int
ca_p11card_count(struct ca_p11card *c, unsigned char id, size_t *n)
{
	CK_OBJECT_HANDLE h[FIND_MAX];
	CK_ULONG k = 0;
	int r;

	if ((r = find_id(c, id, h, &k)) == CA_OK)
		*n = k;
	return r;
}

int
ca_p11card_keygen(struct ca_p11card *c, const char *label, unsigned char id,
		  enum ca_key_type type)
{
	if (!c->logged_in || c->who != CKU_USER)
		return CA_ERR_STATE;
	return ca_signer_keygen(c->v, label, id, type);
}

int
ca_p11card_key(struct ca_p11card *c, const char *label, struct ca_signer_key **out)
{
	CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE h[FIND_MAX];
	CK_ULONG n = 0;
	int r;

	if ((r = find_all(c, &priv, label, h, &n)) != CA_OK)
		return r;
	if (n != 1) {
		util_log(LOG_ERR, "card %s: %lu private keys labelled '%s'", c->serial,
			 (unsigned long)n, label);
		return n == 0 ? CA_ERR_NOT_FOUND : CA_ERR_STATE;
	}
	return ca_signer_view_key_add(c->v, label, h[0], out);	/* freed with the card */
}

int
ca_p11card_cert_write(struct ca_p11card *c, const char *label, unsigned char id,
		      const unsigned char *der, size_t len)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &klass, sizeof(klass) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
		{ CKA_PRIVATE, &ck_false, sizeof(ck_false) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, &id, 1 },
		{ CKA_VALUE, (void *)der, len },
	};
	CK_RV rv;

	rv = c->fl->C_CreateObject(c->session, t, sizeof(t) / sizeof(t[0]), &h);
	if (rv != CKR_OK)
		return obj_fail(c, "C_CreateObject(certificate)", rv);
	return CA_OK;
}

int
ca_p11card_cert_read(struct ca_p11card *c, const char *label, unsigned char **der,
		     size_t *len)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_OBJECT_HANDLE h[FIND_MAX];
	CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
	CK_ULONG n = 0;
	CK_RV rv;
	int r;

	if (!c->have_session) {
		rv = c->fl->C_OpenSession(c->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
					    NULL, &c->session);
		if (rv != CKR_OK)
			return obj_fail(c, "C_OpenSession", rv);
		c->have_session = true;
		ca_p11card_view_sync(c);
	}
	if ((r = find_all(c, &klass, label, h, &n)) != CA_OK)
		return r;
	if (n != 1)
		return n == 0 ? CA_ERR_NOT_FOUND : CA_ERR_STATE;
	if ((rv = c->fl->C_GetAttributeValue(c->session, h[0], &a, 1)) != CKR_OK)
		return obj_fail(c, "C_GetAttributeValue(CKA_VALUE)", rv);
	if ((a.pValue = malloc(a.ulValueLen)) == NULL)
		return CA_ERR_ALLOC;
	if ((rv = c->fl->C_GetAttributeValue(c->session, h[0], &a, 1)) != CKR_OK) {
		free(a.pValue);
		return obj_fail(c, "C_GetAttributeValue(CKA_VALUE)", rv);
	}
	*der = a.pValue;
	*len = a.ulValueLen;
	return CA_OK;
}

int
ca_p11card_destroy(struct ca_p11card *c, unsigned char id)
{
	CK_OBJECT_HANDLE h[FIND_MAX];
	CK_ULONG n = 0, i;
	CK_RV rv;
	int r;

	if ((r = find_id(c, id, h, &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++)
		if ((rv = c->fl->C_DestroyObject(c->session, h[i])) != CKR_OK)
			return obj_fail(c, "C_DestroyObject", rv);
	return CA_OK;
}

int
ca_p11card_relabel(struct ca_p11card *c, unsigned char from, const char *to, unsigned char id)
{
	CK_OBJECT_HANDLE h[FIND_MAX];
	CK_ATTRIBUTE t[] = {
		{ CKA_LABEL, (void *)to, strlen(to) },
		{ CKA_ID, &id, 1 },
	};
	CK_ULONG n = 0, i;
	CK_RV rv;
	int r;

	if ((r = find_id(c, from, h, &n)) != CA_OK)
		return r;
	/* One object at a time: a kill in between leaves some objects moved,
	 * which card-renew.c's reconciliation recognises by counting. */
	for (i = 0; i < n; i++)
		if ((rv = c->fl->C_SetAttributeValue(c->session, h[i], t, 2)) != CKR_OK)
			return obj_fail(c, "C_SetAttributeValue(label)", rv);
	return CA_OK;
}
