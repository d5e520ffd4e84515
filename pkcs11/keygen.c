#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "common/log.h"
#include "pkcs11/create.h"
#include "pkcs11/keygen.h"
#include "pkcs11/object.h"
#include "pkcs11/schema.h"

void
cc_keygen_req_clear(struct cc_keygen_req *req)
{
	BN_free(req->e);
	cc_attrs_clear(&req->pub);
	cc_attrs_clear(&req->priv);
	memset(req, 0, sizeof(*req));
}

static CK_RV
copy_tmpl(CK_OBJECT_CLASS klass, const CK_ATTRIBUTE *t, CK_ULONG n, struct cc_attrs *l)
{
	CK_ULONG i, have;
	CK_RV rv;

	if ((rv = cc_schema_check_template(klass, t, n, CC_ATTR_GEN)) != CKR_OK)
		return rv;
	have = cc_attrs_ulong(&(struct cc_attrs){ (CK_ATTRIBUTE *)t, n }, CKA_CLASS, klass);
	if (have != klass)
		return CKR_TEMPLATE_INCONSISTENT;
	for (i = 0; i < n; i++)
		if ((rv = cc_attrs_set(l, t[i].type, t[i].pValue, t[i].ulValueLen)) != CKR_OK)
			return rv;
	return CKR_OK;
}

static CK_RV
parse_rsa(struct cc_keygen_req *req)
{
	const CK_ATTRIBUTE *e = cc_attrs_find(&req->pub, CKA_PUBLIC_EXPONENT);

	req->bits = cc_attrs_ulong(&req->pub, CKA_MODULUS_BITS, 0);
	if (req->bits == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	if (req->bits < 2048 || req->bits > 3072 || req->bits % 8 != 0)
		return CKR_KEY_SIZE_RANGE;
	if (e != NULL) {
		if (e->ulValueLen == 0 || e->ulValueLen > 4 ||
		    (req->e = BN_bin2bn(e->pValue, (int)e->ulValueLen, NULL)) == NULL ||
		    !BN_is_odd(req->e) || BN_cmp(req->e, BN_value_one()) <= 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return CKR_OK;
}

static CK_RV
parse_ec(struct cc_keygen_req *req)
{
	const CK_ATTRIBUTE *p = cc_attrs_find(&req->pub, CKA_EC_PARAMS);

	if (p == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if ((req->curve = cc_curve_by_params(p->pValue, p->ulValueLen)) == NULL)
		return CKR_CURVE_NOT_SUPPORTED;
	return CKR_OK;
}

CK_RV
cc_keygen_parse(const CK_MECHANISM *mech, const CK_ATTRIBUTE *pub, CK_ULONG npub,
		const CK_ATTRIBUTE *priv, CK_ULONG npriv, struct cc_keygen_req *req)
{
	CK_ULONG kt;
	CK_RV rv;

	req->mech = mech->mechanism;
	if (req->mech != CKM_RSA_PKCS_KEY_PAIR_GEN && req->mech != CKM_EC_KEY_PAIR_GEN)
		return CKR_MECHANISM_INVALID;
	if ((rv = copy_tmpl(CKO_PUBLIC_KEY, pub, npub, &req->pub)) != CKR_OK ||
	    (rv = copy_tmpl(CKO_PRIVATE_KEY, priv, npriv, &req->priv)) != CKR_OK)
		return rv;
	kt = req->mech == CKM_RSA_PKCS_KEY_PAIR_GEN ? CKK_RSA : CKK_EC;
	if (cc_attrs_ulong(&req->pub, CKA_KEY_TYPE, kt) != kt ||
	    cc_attrs_ulong(&req->priv, CKA_KEY_TYPE, kt) != kt)
		return CKR_TEMPLATE_INCONSISTENT;
	/* The card never lets a private key out (CKA_SENSITIVE, not extractable). */
	if (!cc_attrs_bool(&req->priv, CKA_SENSITIVE, true) ||
	    cc_attrs_bool(&req->priv, CKA_EXTRACTABLE, false) ||
	    !cc_attrs_bool(&req->priv, CKA_PRIVATE, true))
		return CKR_TEMPLATE_INCONSISTENT;
	req->token = cc_attrs_bool(&req->priv, CKA_TOKEN, false);
	if (cc_attrs_bool(&req->pub, CKA_TOKEN, false) != req->token)
		return CKR_TEMPLATE_INCONSISTENT;	/* a pair lives in one place */
	return kt == CKK_RSA ? parse_rsa(req) : parse_ec(req);
}

CK_RV
cc_keygen_run(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, EVP_PKEY **out)
{
	bool rsa = req->mech == CKM_RSA_PKCS_KEY_PAIR_GEN;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, rsa ? "RSA" : "EC", NULL);
	EVP_PKEY *pk = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1)
		goto out;
	if (rsa) {
		if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)req->bits) != 1 ||
		    (req->e != NULL && EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, req->e) != 1))
			goto out;
	} else if (EVP_PKEY_CTX_set_group_name(ctx, req->curve->name) != 1) {
		goto out;
	}
	if (EVP_PKEY_generate(ctx, &pk) != 1)
		goto out;
	*out = pk;
	rv = CKR_OK;
out:
	if (rv != CKR_OK)
		util_log_ossl_errors(__func__);
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* Attributes both objects of the pair carry. */
static CK_RV
common_attrs(const struct cc_keygen_req *req, const unsigned char *id, CK_ULONG idlen,
	     struct cc_attrs *l)
{
	CK_ULONG mech = req->mech;
	CK_RV rv;

	if ((rv = cc_attrs_default(l, CKA_ID, id, idlen)) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_LABEL, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_default(l, CKA_SUBJECT, NULL, 0)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_MODIFIABLE, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_TOKEN, req->token)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_DERIVE, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_LOCAL, true)) != CKR_OK)
		return rv;
	return cc_attrs_set_ulong(l, CKA_KEY_GEN_MECHANISM, mech);
}

static CK_RV
private_attrs(struct cc_attrs *l)
{
	CK_RV rv;

	if ((rv = cc_attrs_set_ulong(l, CKA_CLASS, CKO_PRIVATE_KEY)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_PRIVATE, true)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_SIGN, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_SIGN_RECOVER, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_DECRYPT, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_UNWRAP, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_SENSITIVE, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_EXTRACTABLE, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_ALWAYS_SENSITIVE, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_NEVER_EXTRACTABLE, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_WRAP_WITH_TRUSTED, false)) != CKR_OK)
		return rv;
	return cc_attrs_set_bool(l, CKA_ALWAYS_AUTHENTICATE, false);
}

static CK_RV
public_attrs(struct cc_attrs *l)
{
	CK_RV rv;

	if ((rv = cc_attrs_set_ulong(l, CKA_CLASS, CKO_PUBLIC_KEY)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_PRIVATE, false)) != CKR_OK ||
	    (rv = cc_attrs_default_bool(l, CKA_VERIFY, true)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_VERIFY_RECOVER, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_ENCRYPT, false)) != CKR_OK ||
	    (rv = cc_attrs_set_bool(l, CKA_WRAP, false)) != CKR_OK)
		return rv;
	return cc_attrs_set_bool(l, CKA_TRUSTED, false);
}

CK_RV
cc_keygen_attrs(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, const EVP_PKEY *pk,
		struct cc_attrs *pub, struct cc_attrs *priv)
{
	unsigned char dflt[20];
	const CK_ATTRIBUTE *id;
	CK_RV rv;

	if ((rv = cc_attrs_copy(pub, &req->pub)) != CKR_OK ||
	    (rv = cc_attrs_copy(priv, &req->priv)) != CKR_OK)
		goto out;
	/* One CKA_ID for the pair: every client matches cert <-> key by it. */
	if ((id = cc_attrs_find(priv, CKA_ID)) == NULL)
		id = cc_attrs_find(pub, CKA_ID);
	if (id == NULL && (rv = cc_pkey_default_id(libctx, pk, dflt)) != CKR_OK)
		goto out;
	if (id != NULL) {
		rv = cc_attrs_set(id == cc_attrs_find(priv, CKA_ID) ? pub : priv, CKA_ID,
				  id->pValue, id->ulValueLen);
		if (rv != CKR_OK)
			goto out;
	}
	if ((rv = common_attrs(req, dflt, sizeof(dflt), pub)) != CKR_OK ||
	    (rv = common_attrs(req, dflt, sizeof(dflt), priv)) != CKR_OK ||
	    (rv = public_attrs(pub)) != CKR_OK || (rv = private_attrs(priv)) != CKR_OK ||
	    (rv = cc_pkey_public_attrs(pk, true, pub)) != CKR_OK ||
	    (rv = cc_pkey_public_attrs(pk, false, priv)) != CKR_OK)
		goto out;
	/* The template's CKA_PUBLIC_EXPONENT / CKA_MODULUS_BITS were requests; the key now speaks. */
	rv = CKR_OK;
out:
	if (rv != CKR_OK) {
		cc_attrs_clear(pub);
		cc_attrs_clear(priv);
	}
	return rv;
}

void
cc_keypair_clear(struct cc_keypair *p)
{
	cc_attrs_clear(&p->pub);
	cc_attrs_clear(&p->priv);
	EVP_PKEY_free(p->pk);
	OPENSSL_clear_free(p->der, p->derlen);
	memset(p, 0, sizeof(*p));
}

CK_RV
cc_keygen_pair(OSSL_LIB_CTX *libctx, const struct cc_keygen_req *req, bool always_auth,
	       struct cc_keypair *p)
{
	CK_RV rv;

	if ((rv = cc_keygen_run(libctx, req, &p->pk)) != CKR_OK ||
	    (rv = cc_keygen_attrs(libctx, req, p->pk, &p->pub, &p->priv)) != CKR_OK)
		return rv;
	if (!req->token)
		return cc_attrs_set_bool(&p->priv, CKA_ALWAYS_AUTHENTICATE,
					 always_auth && cc_attrs_is_signing_key(&p->priv));
	return cc_pkey_to_pkcs8(p->pk, &p->der, &p->derlen);
}
