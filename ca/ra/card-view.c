/*
 * ca/ra/card-view.c: see card-view.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/ra/card-view.h"
#include "ca/registry/registry-ra.h"

static int
view_certs(struct ca_session *s, const char *serial, struct pol_card_state *st)
{
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	size_t i, n = 0;
	int r;

	if ((r = ca_reg_card_certs(s->ctx->reg, serial, certs, CA_CARD_CERTS_MAX, &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (certs[i].not_after > st->cert_not_after)
			st->cert_not_after = certs[i].not_after;
		ca_cert_rec_clear(&certs[i]);
	}
	return CA_OK;
}

int
ca_card_view_fill(struct ca_session *s, const struct ca_card_rec *rec, struct ca_card_view *v)
{
	struct ca_person p = { 0 };
	size_t i, n = 0;
	int r;

	memset(v, 0, sizeof(*v));
	snprintf(v->serial, sizeof(v->serial), "%s", rec->serial);
	v->st.serial = v->serial;
	v->st.tac = rec->is_tac != 0;
	v->st.card_issued_at = rec->issued_at;
	v->st.renewals = (unsigned)rec->renewals;
	v->st.self_renewals = (unsigned)rec->self_renewals;
	if ((r = view_certs(s, rec->serial, &v->st)) != CA_OK || rec->holder == NULL)
		return r;
	snprintf(v->holder, sizeof(v->holder), "%s", rec->holder);
	v->st.holder_id = v->holder;
	if ((r = ca_reg_holder_orgs(s->ctx->reg, rec->holder, v->orgs, POL_HOLDER_ORGS_MAX,
				    &n)) != CA_OK)
		return r;
	for (i = 0; i < n; i++)
		v->st.orgs[i] = v->orgs[i];
	v->st.norgs = (unsigned)n;
	if ((r = ca_reg_person_get(s->ctx->reg, rec->holder, &p)) == CA_OK) {
		if (p.email != NULL && *p.email != '\0')
			v->st.contacts |= POL_CONTACT_EMAIL;
		if (p.mobile != NULL && *p.mobile != '\0')
			v->st.contacts |= POL_CONTACT_MOBILE;
	}
	ca_person_clear(&p);
	return r;
}


int
ca_card_view_tac_org(struct ca_session *s, struct ca_card_view *v)
{
	char org[16];
	int r;

	/* A TAC from an organisation's pool belongs to that organisation: the
	 * policy's organisation rules apply to it, not to the holder's posts. */
	r = ca_reg_card_tac_org(s->ctx->reg, v->serial, org);
	if (r == CA_OK) {
		snprintf(v->orgs[0], sizeof(v->orgs[0]), "%s", org);
		v->st.orgs[0] = v->orgs[0];
		v->st.norgs = 1;
	}
	return r == CA_ERR_NOT_FOUND ? CA_OK : r;
}
