/*
 * ca/core/signer-lane.c: lanes — more sessions on the signer's token, one
 * per signing thread, so that certificates are signed on several cores at
 * once (PKCS#11 sessions are used by one thread at a time; SoftHSM2 signs
 * on two sessions at ~1.9x one). See signer.h.
 */
#include "config.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/core/signer-int.h"

int
ca_signer_lane_open(const struct ca_signer *s, struct ca_signer **out)
{
	CK_SESSION_INFO si;
	struct ca_signer *l;
	CK_RV rv;

	*out = NULL;
	if (s == NULL || !s->have_session || !s->logged_in)
		return CA_ERR_STATE;
	if ((rv = s->fl->C_GetSessionInfo(s->session, &si)) != CKR_OK)
		return ca_signer_ck_fail("C_GetSessionInfo", rv);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return CA_ERR_ALLOC;
	l->fl = s->fl;		/* borrowed: dl stays NULL, the lane never unloads */
	l->libctx = s->libctx;
	rv = s->fl->C_OpenSession(si.slotID, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				  &l->session);
	if (rv != CKR_OK) {
		free(l);
		return ca_signer_ck_fail("C_OpenSession(lane)", rv);
	}
	l->have_session = 1;
	l->logged_in = 1;	/* the login belongs to the application, not the session */
	*out = l;
	return CA_OK;
}

void
ca_signer_lane_free(struct ca_signer *l)
{
	struct ca_signer_key *k, *next;

	if (l == NULL)
		return;
	for (k = l->keys; k != NULL; k = next) {
		next = k->next;
		EVP_PKEY_free(k->pub);
		free(k->label);
		free(k);
	}
	/* C_CloseSession only: C_Logout would log the whole application out. */
	if (l->have_session)
		l->fl->C_CloseSession(l->session);
	free(l);
}
