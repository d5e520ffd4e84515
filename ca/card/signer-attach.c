/*
 * ca/signer-attach.c: signer views — a struct ca_signer on a token whose
 * session its caller drives (ca/p11card.c), sharing an already-loaded
 * module. See signer.h. Kept apart from signer.c so the HSM's own code
 * path is not touched by what cards need.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/core/signer-int.h"

int
ca_signer_view_new(const struct ca_signer *mod, struct ca_signer **out)
{
	struct ca_signer *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return CA_ERR_ALLOC;
	v->fl = mod->fl;	/* borrowed: dl stays NULL, so the view never unloads */
	v->libctx = mod->libctx;
	*out = v;
	return CA_OK;
}

CK_FUNCTION_LIST *
ca_signer_functions(const struct ca_signer *s)
{
	return s->fl;
}

void
ca_signer_view_attach(struct ca_signer *v, bool have_session, unsigned long session,
		      bool logged_in)
{
	v->have_session = have_session;
	v->session = have_session ? session : CK_INVALID_HANDLE;
	v->logged_in = have_session && logged_in;
}

int
ca_signer_view_key_add(struct ca_signer *v, const char *label, unsigned long priv,
		       struct ca_signer_key **out)
{
	struct ca_signer_key *k = NULL;
	int r = CA_ERR_ALLOC;

	if ((k = calloc(1, sizeof(*k))) == NULL || (k->label = strdup(label)) == NULL)
		goto out;
	k->s = v;
	k->priv = priv;
	if ((r = ca_signer_object_key_type(v, priv, &k->type)) != CA_OK ||
	    (r = ca_signer_read_public(v, label, k->type, &k->pub)) != CA_OK)
		goto out;
	k->next = v->keys;
	v->keys = k;
	*out = k;
	k = NULL;
	r = CA_OK;
out:
	if (k != NULL)
		free(k->label);
	free(k);
	return r;
}

void
ca_signer_view_keys_drop(struct ca_signer *v)
{
	struct ca_signer_key *k, *next;

	for (k = v->keys; k != NULL; k = next) {
		next = k->next;
		EVP_PKEY_free(k->pub);
		free(k->label);
		free(k);
	}
	v->keys = NULL;
}

void
ca_signer_view_free(struct ca_signer *v)
{
	if (v == NULL)
		return;
	ca_signer_view_keys_drop(v);
	free(v);
}
