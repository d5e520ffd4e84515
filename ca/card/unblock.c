/*
 * ca/card/unblock.c: see unblock.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/card/unblock.h"
#include "ca/core/error.h"
#include "ca/core/signer-unblock.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-unlock.h"
#include "common/log.h"

static CK_BBOOL ck_true = CK_TRUE;
static CK_BBOOL ck_false = CK_FALSE;

/* Create the unblock key object from @pk and read the sealed card key back. */
static int
create_and_read(struct ca_p11card *c, EVP_PKEY *pk, unsigned char **sealed, size_t *len)
{
	CK_OBJECT_CLASS klass = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_BYTE id = CA_CARD_ID_UNBLOCK;
	CK_OBJECT_HANDLE h;
	struct ca_rsa_public k;
	unsigned char *buf = NULL;
	CK_ATTRIBUTE a = { CA_CKA_CC_SEALED_CARD_KEY, NULL, 0 };
	int r;
	CK_RV rv;

	if ((r = ca_rsa_public_bytes(pk, &k)) != CA_OK)
		goto out;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &klass, sizeof(klass) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, (void *)CA_CARD_LABEL_UNBLOCK, strlen(CA_CARD_LABEL_UNBLOCK) },
			{ CKA_ID, &id, 1 },
			{ CKA_MODULUS, k.n, k.nlen },
			{ CKA_PUBLIC_EXPONENT, k.e, k.elen },
		};

		r = CA_ERR_HSM;
		if ((rv = c->fl->C_CreateObject(c->session, t, 8, &h)) != CKR_OK) {
			util_log(LOG_ERR, "card %s: C_CreateObject(unblock key) failed: 0x%lx",
				 c->serial, (unsigned long)rv);
			goto out;
		}
	}
	if ((rv = c->fl->C_GetAttributeValue(c->session, h, &a, 1)) != CKR_OK ||
	    a.ulValueLen == 0 || a.ulValueLen > 1024 || (buf = malloc(a.ulValueLen)) == NULL) {
		util_log(LOG_ERR, "card %s: the module did not seal the card key (0x%lx): "
			 "an older module?", c->serial, (unsigned long)rv);
		goto out;
	}
	a.pValue = buf;
	if ((rv = c->fl->C_GetAttributeValue(c->session, h, &a, 1)) != CKR_OK)
		goto out;
	*sealed = buf;
	*len = a.ulValueLen;
	buf = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_CRYPTO)
		util_log_ossl_errors(__func__);
	free(buf);
	return r;
}

int
ca_card_unblock_install(struct ca_ctx *ctx, struct ca_p11card *c)
{
	EVP_PKEY *pk = NULL;
	unsigned char *sealed = NULL;
	size_t len = 0;
	char so[17];
	int r;

	if (ctx->signer == NULL)
		return CA_ERR_STATE;
	if ((r = ca_signer_unblock_ensure(ctx->signer, CA_LABEL_UNBLOCK, CA_UNBLOCK_KEY_ID)) != CA_OK ||
	    (r = ca_signer_unblock_public(ctx->signer, CA_LABEL_UNBLOCK, &pk)) != CA_OK)
		return r;
	if ((r = ca_card_so_secret(ctx, c->serial, so, sizeof(so))) != CA_OK)
		goto out;
	r = ca_p11card_login(c, CKU_SO, so, NULL);
	OPENSSL_cleanse(so, sizeof(so));
	if (r != CA_OK)
		goto out;
	r = create_and_read(c, pk, &sealed, &len);
	ca_p11card_logout(c);
	if (r != CA_OK)
		goto out;
	if ((r = ca_reg_card_ensure(ctx->reg, c->serial)) != CA_OK ||
	    (r = ca_reg_unblock_put(ctx->reg, c->serial, sealed, len, ca_ctx_now(ctx))) != CA_OK)
		goto out;
	r = CA_OK;
out:
	free(sealed);
	EVP_PKEY_free(pk);
	return r;
}
