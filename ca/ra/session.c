/*
 * ca/ra/session.c: see session.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/card/operator.h"
#include "ca/card/p11card.h"
#include "ca/core/audit.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/session.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry-ra.h"
#include "common/log.h"

int
ca_result_fail(struct ca_result *res, int err, const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (res == NULL)
		return err;
	res->rule = rule;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
	return err;
}

void
ca_result_done(struct ca_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(res->done, sizeof(res->done), fmt, ap);
	va_end(ap);
}

void
ca_result_complete(struct ca_result *res, int r)
{
	const char *why = util_log_last_error();

	if (res == NULL || r == CA_OK || res->text[0] != '\0' || why[0] == '\0')
		return;
	snprintf(res->text, sizeof(res->text), "%s", why);
}

static int
session_open(const struct ca_front *f, bool hsm, struct ca_session **out, struct ca_result *res)
{
	struct ca_session *s;
	int r;

	if (f == NULL || f->state == NULL)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "no CA state directory");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_ALLOC;
	s->front = *f;
	util_log_error_clear();
	r = hsm ? ca_ctx_open(f->state, &s->ctx) : ca_ctx_open_registry(f->state, &s->ctx);
	if (r != CA_OK) {
		const char *why = util_log_last_error();

		ca_result_fail(res, r, NULL, "cannot open the CA in %s%s%s%s", f->state,
			       *why != '\0' ? ": " : "", why,
			       r == CA_ERR_NOT_FOUND ? " (is --state right? a CA is made with "
			       "carecard-ca init)" : "");
		goto out;
	}
	s->ctx->hooks = f->hooks;
	r = ca_reg_config_get(s->ctx->reg, "card-module", &s->card_module);
	if (r == CA_ERR_NOT_FOUND)
		r = CA_OK;	/* the installed module */
	if (r != CA_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	ca_session_close(s);
	return r;
}

int
ca_session_open(const struct ca_front *f, struct ca_session **out, struct ca_result *res)
{
	return session_open(f, true, out, res);
}

int
ca_session_open_registry(const struct ca_front *f, struct ca_session **out,
			 struct ca_result *res)
{
	return session_open(f, false, out, res);
}

void
ca_session_close(struct ca_session *s)
{
	if (s == NULL)
		return;
	if (s->parent != NULL) {	/* borrowed: the CA goes back to its actor */
		s->ctx->actor = s->parent_actor;
		s->ctx->actor_card = s->parent_card;
		free(s);
		return;
	}
	ca_ctx_free(s->ctx);	/* its EVP_PKEYs first: none refer to the card module */
	ca_signer_free(s->mod);
	free(s->card_module);
	free(s);
}

int
ca_session_borrow(struct ca_session *parent, struct ca_session **out)
{
	struct ca_session *s;

	if (parent == NULL || parent->parent != NULL)
		return CA_ERR_USAGE;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_ALLOC;
	s->ctx = parent->ctx;
	s->front = parent->front;
	s->parent = parent;
	s->parent_actor = parent->ctx->actor;
	s->parent_card = parent->ctx->actor_card;
	s->ctx->actor = NULL;		/* no actor until one authenticates */
	s->ctx->actor_card = NULL;
	*out = s;
	return CA_OK;
}

int
ca_session_secret(struct ca_session *s, enum ca_secret_kind kind, const char *card, char **out)
{
	if (s->front.secret == NULL)
		return CA_ERR_USAGE;
	return s->front.secret(s->front.secret_arg, kind, card, out);
}

static int
module_get(struct ca_session *s)
{
	if (s->mod != NULL)
		return CA_OK;
	return ca_p11_module_load(s->ctx->libctx, s->card_module, &s->mod);
}

int
ca_session_card(struct ca_session *s, unsigned reader, struct ca_p11card **out)
{
	int r;

	if ((r = module_get(s)) != CA_OK)
		return r;
	return ca_p11card_open(s->mod, reader, out);
}

void
ca_session_pol_actor(const struct ca_session *s, struct pol_actor *out)
{
	memset(out, 0, sizeof(*out));
	out->person_id = s->actor.uuid[0] != '\0' ? s->actor.uuid : NULL;
	out->roles = s->actor.roles;
	out->org = s->actor.org[0] != '\0' ? s->actor.org : NULL;
	out->locum = s->actor.locum;
}

/* One audit entry per login attempt, committed on its own. */
static void
login_audit(struct ca_session *s, const char *action, unsigned reader,
	    const struct ca_card_who *who, const char *why, int r)
{
	char rd[16];
	const char *kv[] = { "result", "refused", "reason", why, "reader", rd,
			     "card", who->card[0] != '\0' ? who->card : NULL, NULL };
	const char *actor = s->ctx->actor;

	(void)r;
	snprintf(rd, sizeof(rd), "%u", reader);
	/* Who it was, when the card proved it before the login failed (an
	 * --org they hold no position at); else unknown. */
	s->ctx->actor = who->uuid[0] != '\0' ? who->uuid : "unknown";
	if (ca_reg_begin(s->ctx->reg) == CA_OK)
		ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, action, "-", kv));
	s->ctx->actor = actor;
}

static int
pin_operator(void *arg, const char *serial, char **out)
{
	return ca_session_secret(arg, CA_SECRET_OPERATOR_PASSCODE, serial, out);
}

static int
pin_holder(void *arg, const char *serial, char **out)
{
	return ca_session_secret(arg, CA_SECRET_HOLDER_PASSCODE, serial, out);
}

/* RA roles from the registry, and the position acted in. */
static int
operator_roles(struct ca_session *s, const char *org, struct ca_actor *a, const char **why)
{
	struct ca_op_position pos;
	int r;

	if ((r = ca_reg_person_roles(s->ctx->reg, a->uuid, &a->roles)) != CA_OK)
		return r;
	memset(&pos, 0, sizeof(pos));
	r = ca_reg_operator_position(s->ctx->reg, a->uuid, org, &pos);
	if (r == CA_ERR_NOT_FOUND && org != NULL) {
		*why = "no position at the organisation named";
		return CA_ERR_AUTH;
	}
	if (r != CA_OK && r != CA_ERR_NOT_FOUND)
		return r;
	snprintf(a->org, sizeof(a->org), "%s", pos.org);
	a->locum = pos.locum;
	/* A pharmacist's position makes them a pharmacist in the policy's
	 * eyes; no other job role is an RA role. */
	a->roles |= pol_role_parse(pos.role) & POL_ROLE_PHARMACIST;
	return CA_OK;
}

static int
card_login(struct ca_session *s, enum ca_actor_kind kind, unsigned reader, const char *org,
	   struct ca_result *res)
{
	struct ca_card_login l = { NULL, reader, kind == CA_ACTOR_HOLDER,
				   kind == CA_ACTOR_HOLDER ? pin_holder : pin_operator, s };
	struct ca_card_who who;
	struct ca_actor a;
	const char *why = NULL;
	int r;

	memset(&who, 0, sizeof(who));
	memset(&a, 0, sizeof(a));
	if (s->actor.kind != CA_ACTOR_NONE)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "a session has one actor");
	if ((r = module_get(s)) != CA_OK)
		return ca_result_fail(res, r, NULL, "the card module cannot be loaded");
	l.mod = s->mod;
	r = ca_card_authenticate(s->ctx, &l, &who, &why);
	if (r == CA_OK) {
		a.kind = kind;
		snprintf(a.uuid, sizeof(a.uuid), "%s", who.uuid);
		snprintf(a.name, sizeof(a.name), "%s", who.name);
		snprintf(a.card, sizeof(a.card), "%s", who.card);
		snprintf(a.cert_serial, sizeof(a.cert_serial), "%s", who.cert_serial);
		if (kind == CA_ACTOR_OPERATOR)
			r = operator_roles(s, org, &a, &why);
	}
	if (r != CA_OK) {
		/* A refused login is on record; a good one is named in the entry of
		 * what the person then does (its actor and "by-card"). */
		login_audit(s, kind == CA_ACTOR_HOLDER ? "holder-login" : "operator-login", reader,
			    &who, why, r);
		util_log(LOG_NOTICE, "login at reader %u refused: %s", reader,
			 why != NULL ? why : ca_strerror(r));
		return ca_result_fail(res, r, NULL, "the %s at reader %u could not be "
				      "authenticated: %s: %s",
				      kind == CA_ACTOR_HOLDER ? "holder" : "operator", reader,
				      why != NULL ? why : ca_strerror(r),
				      r == CA_ERR_NOT_FOUND ? "put the card in the reader"
				      : "check that it is the right card and passcode, and try "
				      "again");
	}
	util_log(LOG_INFO, "%s %s logged in with card %s",
		 kind == CA_ACTOR_HOLDER ? "holder" : "operator", a.uuid, a.card);
	s->actor = a;
	s->ctx->actor = s->actor.uuid;	/* audit entries name the person, from the card */
	s->ctx->actor_card = s->actor.card;
	return CA_OK;
}

int
ca_session_operator(struct ca_session *s, unsigned reader, const char *org,
		    struct ca_result *res)
{
	return card_login(s, CA_ACTOR_OPERATOR, reader, org, res);
}

int
ca_session_holder(struct ca_session *s, unsigned reader, struct ca_result *res)
{
	return card_login(s, CA_ACTOR_HOLDER, reader, NULL, res);
}

/*
 * The holder of the card whose authentication certificate @cert is, the TLS
 * handshake having proven the key: as a holder, or (@kind operator) as an
 * RA operator in their position at @org, whose certificate must also be
 * within its validity.
 */
static int
cert_login(struct ca_session *s, enum ca_actor_kind kind, X509 *cert, const char *org,
	   struct ca_result *res)
{
	const char *action = kind == CA_ACTOR_HOLDER ? "holder-login" : "operator-login";
	struct ca_card_who who;
	struct ca_actor a;
	const char *why = NULL;
	time_t now;
	int r;

	memset(&who, 0, sizeof(who));
	memset(&a, 0, sizeof(a));
	if (s->actor.kind != CA_ACTOR_NONE)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "a session has one actor");
	if (cert == NULL) {
		why = "no client certificate";
		r = CA_ERR_AUTH;
	} else {
		r = ca_card_cert_authenticate(s->ctx, cert, &who, &why);
	}
	a.kind = kind;
	if (r == CA_OK) {
		snprintf(a.uuid, sizeof(a.uuid), "%s", who.uuid);
		snprintf(a.name, sizeof(a.name), "%s", who.name);
		snprintf(a.card, sizeof(a.card), "%s", who.card);
		snprintf(a.cert_serial, sizeof(a.cert_serial), "%s", who.cert_serial);
	}
	if (r == CA_OK && kind == CA_ACTOR_OPERATOR) {
		now = (time_t)ca_ctx_now(s->ctx);
		if (X509_cmp_time(X509_get0_notAfter(cert), &now) < 0) {
			why = "the certificate has expired";
			r = CA_ERR_AUTH;
		} else {
			r = operator_roles(s, org, &a, &why);
		}
	}
	if (r != CA_OK) {
		login_audit(s, action, 0, &who, why != NULL ? why : ca_strerror(r), r);
		util_log(LOG_NOTICE, "client certificate refused: %s",
			 why != NULL ? why : ca_strerror(r));
		return ca_result_fail(res, r, "authentication", "the card's certificate could not "
				      "be authenticated: %s: use the card's current "
				      "authentication certificate, or ask your RA",
				      why != NULL ? why : ca_strerror(r));
	}
	s->actor = a;
	s->ctx->actor = s->actor.uuid;
	s->ctx->actor_card = s->actor.card;
	return CA_OK;
}

int
ca_session_holder_cert(struct ca_session *s, X509 *cert, struct ca_result *res)
{
	return cert_login(s, CA_ACTOR_HOLDER, cert, NULL, res);
}

int
ca_session_operator_cert(struct ca_session *s, X509 *cert, const char *org,
			 struct ca_result *res)
{
	return cert_login(s, CA_ACTOR_OPERATOR, cert, org, res);
}

int
ca_session_system(struct ca_session *s, struct ca_result *res)
{
	if (s->actor.kind != CA_ACTOR_NONE)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "a session has one actor");
	/* Only the owner of the state directory can read the HSM PIN and log
	 * in: having done so is what makes this process the CA itself. */
	if (s->ctx->signer == NULL)
		return ca_result_fail(res, CA_ERR_AUTH, NULL, "the CA's system account is the "
				      "one that can log in to its HSM");
	s->actor.kind = CA_ACTOR_SYSTEM;
	s->ctx->actor = "system";
	return CA_OK;
}

int
ca_session_bootstrap(struct ca_session *s, const char *holder, struct ca_result *res)
{
	struct ca_person p = { 0 };
	char why[POL_SENTENCE_MAX];
	unsigned roles = 0;
	bool any = true;
	int r;

	if (s->actor.kind != CA_ACTOR_NONE)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "a session has one actor");
	if ((r = ca_reg_cards_any_issued(s->ctx->reg, &any)) != CA_OK ||
	    (r = ca_reg_person_get(s->ctx->reg, holder, &p)) != CA_OK ||
	    (r = ca_reg_person_roles(s->ctx->reg, holder, &roles)) != CA_OK) {
		if (r == CA_ERR_NOT_FOUND) {
			ca_refusal_text(CA_RF_PERSON_UNKNOWN, (const char *const[]){ holder, NULL },
					why, sizeof(why));
			r = ca_result_fail(res, r, "registry.people", "%s", why);
		}
		goto out;
	}
	/* Refused here, audited below as issue-card-refused by "bootstrap". */
	if (any || !(roles & POL_ROLE_RA_MANAGER)) {
		ca_refusal_text(any ? CA_RF_BOOTSTRAP_DONE : CA_RF_BOOTSTRAP_NOT_MANAGER,
				(const char *const[]){ holder, NULL }, why, sizeof(why));
		r = ca_result_fail(res, CA_ERR_DENIED, "bootstrap", "%s", why);
		goto out;
	}
	s->actor.kind = CA_ACTOR_BOOTSTRAP;
	s->actor.roles = roles;
	snprintf(s->actor.uuid, sizeof(s->actor.uuid), "%s", p.uuid);
	snprintf(s->actor.name, sizeof(s->actor.name), "%s", p.name);
	s->ctx->actor = s->actor.uuid;	/* audited as the RA manager bootstrapping their card */
out:
	if (r == CA_ERR_DENIED && ca_reg_begin(s->ctx->reg) == CA_OK) {
		const char *kv[] = { "rule", "bootstrap", "reason",
				     res != NULL ? res->text : "refused", NULL };
		const char *was = s->ctx->actor;

		s->ctx->actor = "bootstrap";
		ca_reg_end(s->ctx->reg, ca_ctx_audit(s->ctx, "issue-card-refused", holder, kv));
		s->ctx->actor = was;
	}
	ca_person_clear(&p);
	return r;
}
