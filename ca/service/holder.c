/*
 * ca/service/holder.c: see holder.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/ra/contact.h"
#include "ca/ra/ops.h"
#include "ca/ra/remind.h"
#include "ca/ra/unlock.h"
#include "ca/service/blob.h"
#include "ca/service/holder-form.h"
#include "ca/service/holder.h"
#include "ca/service/mail.h"
#include "ca/service/sched.h"
#include "ca/service/sms.h"
#include "ca/service/svc.h"
#include "common/log.h"

#define PREFIX "/holder/"
#define STATUS_PREFIX "/holder/status/"
#define REMIND_MAX 20		/* reminders per look (a minute), sent holding the CA */

bool
svc_holder_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0;
}

/* The front end's delivery for the library (ca_unlock_send_fn). */
static int
deliver(void *arg, const char *channel, const char *address, const char *subject,
	const char *text)
{
	const struct svc_config *c = arg;
	struct svc_mail_conf m = { c->mail.relay, c->mail.from,
				   c->mail.cafile[0] != '\0' ? c->mail.cafile : NULL,
				   (long)c->mail.timeout };
	struct svc_sms_conf sms = { c->sms.gateway, c->sms.cafile[0] != '\0' ? c->sms.cafile : NULL,
				    c->sms.to_field[0] != '\0' ? c->sms.to_field : NULL,
				    c->sms.text_field[0] != '\0' ? c->sms.text_field : NULL,
				    (long)c->sms.timeout };

	if (strcmp(channel, "email") == 0 && c->mail.relay[0] != '\0')
		return svc_mail_send(&m, address, subject, text);
	if (strcmp(channel, "sms") == 0 && c->sms.gateway[0] != '\0')
		return svc_sms_send(&sms, address, text);
	util_log(LOG_WARNING, "no %s delivery configured (serve.%s): a message to a holder "
		 "was not sent", channel, strcmp(channel, "sms") == 0 ? "sms" : "mail");
	return CA_ERR_IO;
}

/*
 * One library call on the scheduler's CA: as the system account, or (a
 * contact change) as the holder the TLS client certificate names.
 */
enum kind { UNLOCK_REQUEST, UNLOCK_COMPLETE, STATUS, CONTACT_REQUEST, CONTACT_CONFIRM };

struct job {
	enum kind kind;
	const struct svc_config *cfg;
	X509 *cert;			/* CONTACT_*: the client's certificate */
	const char *channel, *address;	/* CONTACT_REQUEST */
	const char *card, *code;
	const unsigned char *spki;
	size_t spkilen;
	unsigned char *resp;
	size_t resplen;
	struct ca_card_status st;
	struct ca_result res;
};

static int
job_run(struct ca_session *parent, void *arg)
{
	struct job *j = arg;
	struct ca_session *s = NULL;
	int r;

	if (parent->ctx->signer == NULL)
		return CA_ERR_HSM;
	if ((r = ca_session_borrow(parent, &s)) != CA_OK)
		return r;
	r = j->cert != NULL ? ca_session_holder_cert(s, j->cert, &j->res)
			    : ca_session_system(s, &j->res);
	if (r == CA_OK) {
		switch (j->kind) {
		case UNLOCK_REQUEST:
			r = ca_op_unlock_request(s, j->card, deliver, (void *)j->cfg, &j->res);
			break;
		case UNLOCK_COMPLETE:
			r = ca_op_unlock_complete(s, j->card, j->code, j->spki, j->spkilen,
						  deliver, (void *)j->cfg, &j->resp, &j->resplen,
						  &j->res);
			break;
		case STATUS:
			r = ca_op_card_status(s, j->card, &j->st, &j->res);
			break;
		case CONTACT_REQUEST:
			r = ca_op_contact_request(s, j->channel, j->address, deliver,
						  (void *)j->cfg, &j->res);
			break;
		case CONTACT_CONFIRM:
			r = ca_op_contact_confirm(s, j->code, deliver, (void *)j->cfg, &j->res);
			break;
		}
	}
	ca_result_complete(&j->res, r);
	ca_session_close(s);
	return r;
}

/*
 * The form body of a POST into @f (holder-form.c), after the method and the
 * transport: false with @out filled if not.
 */
static bool
form(struct evhttp_request *req, struct svc_holder_form *f, struct svc_reply *out)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *why = NULL;
	int st;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		svc_reply_method(out, "POST");
		return false;
	}
	if (svc_request_ssl(req) == NULL) {
		svc_reply_say(out, 403, "holder-not-https",
			      "the holder's requests are served over HTTPS only\n");
		return false;
	}
	st = svc_holder_form_parse(evhttp_find_header(evhttp_request_get_input_headers(req),
						      "Content-Type"),
				   len > 0 ? evbuffer_pullup(in, -1) : NULL, len, f, &why);
	if (len > 0)	/* the body held the code: not left in the buffer's memory */
		OPENSSL_cleanse(evbuffer_pullup(in, -1), len);
	if (st != 200) {
		svc_reply_line(out, st, "holder-bad-request", why);
		return false;
	}
	return true;
}


static void
unlock_request(struct svc *svc, struct evhttp_request *req, struct svc_reply *out)
{
	struct svc_holder_form f;
	struct job j;
	int r;

	if (!form(req, &f, out))
		return;
	memset(&j, 0, sizeof(j));
	j.kind = UNLOCK_REQUEST;
	j.cfg = &svc->cfg;
	j.card = f.card;
	if (f.card[0] == '\0')
		svc_reply_say(out, 400, "holder-bad-request", "say which card: card=SERIAL\n");
	else if (svc->cfg.mail.relay[0] == '\0' && svc->cfg.sms.gateway[0] == '\0')
		svc_reply_say(out, 503, "holder-no-delivery", "this service sends no codes (neither "
			      "mail nor sms is configured): ask your RA to unlock the card\n");
	else if ((r = svc_sched_ca(svc->sched, job_run, &j)) != CA_OK)
		svc_reply_refusal(out, r, j.res.text, "holder endpoint");
	else
		svc_reply_say(out, 202, "unlock-code-sent", "a code was sent to your registered "
			      "contact: it is valid for a short time and works once\n");
	svc_holder_form_clear(&f);
}

static void
unlock_complete(struct svc *svc, struct evhttp_request *req, struct svc_reply *out)
{
	struct svc_holder_form f;
	char *text = NULL;
	struct job j;
	int n, r;

	if (!form(req, &f, out))
		return;
	memset(&j, 0, sizeof(j));
	j.kind = UNLOCK_COMPLETE;
	j.cfg = &svc->cfg;
	j.card = f.card;
	j.code = f.code;
	j.spki = f.key;
	j.spkilen = f.keylen;
	if (f.card[0] == '\0' || f.code[0] == '\0' || f.keylen == 0) {
		svc_reply_say(out, 400, "holder-bad-request", "send card=SERIAL, code=CODE and "
			      "key=BASE64(the card's request key)\n");
		goto out;
	}
	if ((r = svc_sched_ca(svc->sched, job_run, &j)) != CA_OK) {
		svc_reply_refusal(out, r, j.res.text, "holder endpoint");
		goto out;
	}
	if ((text = malloc(4 * ((j.resplen + 2) / 3) + 2)) == NULL) {
		svc_reply_say(out, 500, "holder-error", "out of memory\n");
		goto out;
	}
	n = EVP_EncodeBlock((unsigned char *)text, j.resp, (int)j.resplen);
	text[n++] = '\n';
	svc_reply_body(out, 200, "unlock-response", text, (size_t)n);
out:
	if (j.resp != NULL)
		OPENSSL_clear_free(j.resp, j.resplen);
	free(text);
	svc_holder_form_clear(&f);
}

/*
 * A contact change: the holder is whoever the TLS client certificate
 * names (the library checks it is a card's current one); false with @out
 * filled when there is none.
 */
static bool
holder_cert(struct evhttp_request *req, struct job *j, struct svc_reply *out)
{
	SSL *ssl = svc_request_ssl(req);

	if ((j->cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL) != NULL)
		return true;
	svc_reply_say(out, 401, "holder-no-cert", "authenticate with your card's authentication "
		      "certificate (TLS client certificate)\n");
	return false;
}

int
svc_holder_contact_run(struct svc *svc, X509 *cert, bool confirm, const struct svc_holder_form *f,
		       struct ca_result *res)
{
	struct job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.kind = confirm ? CONTACT_CONFIRM : CONTACT_REQUEST;
	j.cfg = &svc->cfg;
	j.cert = cert;
	j.code = f->code;
	j.channel = f->email[0] != '\0' ? "email" : "sms";
	j.address = f->email[0] != '\0' ? f->email : f->mobile;
	r = svc_sched_ca(svc->sched, job_run, &j);
	*res = j.res;
	return r;
}

/* The library's sentence as the reply's body: 202 (a code went out) or 200. */
static void
contact(struct svc *svc, struct evhttp_request *req, enum kind kind, struct svc_reply *out)
{
	struct svc_holder_form f;
	struct job j;
	int r;

	if (!form(req, &f, out))
		return;
	memset(&j, 0, sizeof(j));
	if (!holder_cert(req, &j, out))
		goto out;
	if (kind == CONTACT_REQUEST && (f.email[0] == '\0') == (f.mobile[0] == '\0'))
		svc_reply_say(out, 400, "holder-bad-request", "send one of email=ADDRESS or "
			      "mobile=NUMBER\n");
	else if (kind == CONTACT_CONFIRM && f.code[0] == '\0')
		svc_reply_say(out, 400, "holder-bad-request", "send code=CODE (from the message "
			      "sent to the new address)\n");
	else if (kind == CONTACT_REQUEST && svc->cfg.mail.relay[0] == '\0' &&
		 svc->cfg.sms.gateway[0] == '\0')
		svc_reply_say(out, 503, "holder-no-delivery", "this service sends no codes (neither "
			      "mail nor sms is configured): ask your RA to change your contact "
			      "details\n");
	else if ((r = svc_holder_contact_run(svc, j.cert, kind == CONTACT_CONFIRM, &f, &j.res)) !=
		 CA_OK)
		svc_reply_refusal(out, r, j.res.text, "holder endpoint");
	else
		svc_reply_line(out, kind == CONTACT_REQUEST ? 202 : 200, kind == CONTACT_REQUEST ?
			       "contact-code-sent" : "contact-changed", j.res.done);
out:
	svc_holder_form_clear(&f);
}

static void
iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
status(struct svc *svc, struct evhttp_request *req, const char *serial,
       struct svc_reply *out)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char body[1024], exp[32], opens[32];
	struct job j;
	int r, n;

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		svc_reply_method(out, "GET, HEAD");
		return;
	}
	memset(&j, 0, sizeof(j));
	j.kind = STATUS;
	j.card = serial;
	if ((r = svc_sched_ca(svc->sched, job_run, &j)) != CA_OK) {
		svc_reply_refusal(out, r, j.res.text, "holder endpoint");
		return;
	}
	iso(j.st.not_after, exp, sizeof(exp));
	iso(j.st.window_opens, opens, sizeof(opens));
	n = snprintf(body, sizeof(body), "card: %s\nstate: %s\nexpires: %s\n"
		     "renewal-window-opens: %s\nrenewals: %u\nself-renewals: %u\n"
		     "self-renewals-left: %u\nself-renew-now: %s\nrule: %s\nreason: %s\n",
		     serial, j.st.state, j.st.not_after != 0 ? exp : "-",
		     j.st.not_after != 0 ? opens : "-", j.st.renewals, j.st.self_renewals,
		     j.st.self_left, j.st.renew_now ? "yes" : "no",
		     j.st.rule != NULL ? j.st.rule : "-", j.st.sentence);
	svc_reply_body(out, 200, "holder-status", body,
		 (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1);
}

void
svc_holder_remind(struct svc *svc, struct ca_session *sess)
{
	const struct svc_config *c = &svc->cfg;
	struct ca_result res;
	char how[SVC_PATH_MAX + 64];
	unsigned sent = 0;
	int r;

	if (c->mail.relay[0] == '\0' && c->sms.gateway[0] == '\0')
		return;		/* nothing to send with (serve(1) says so) */
	memset(&res, 0, sizeof(res));
	snprintf(how, sizeof(how), "carecard-card renew --server %s",
		 c->public_url[0] != '\0' ? c->public_url : "<your CA's address>");
	if ((r = ca_op_renewal_reminders(sess, how, REMIND_MAX, deliver, (void *)c, &sent,
					 &res)) != CA_OK)
		util_log(LOG_ERR, "renewal reminders: %s %s", ca_strerror(r), res.text);
	else if (sent > 0)
		util_log(LOG_NOTICE, "%s", res.done);
}

void
svc_holder_handle(struct svc *svc, struct evhttp_request *req, const char *path,
		  struct svc_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (svc->sched == NULL) {
		svc_reply_say(out, 404, "not-found", "not found\n");
		return;
	}
	if (strcmp(path, "/holder/unlock/request") == 0)
		unlock_request(svc, req, out);
	else if (strcmp(path, "/holder/unlock/complete") == 0)
		unlock_complete(svc, req, out);
	else if (strcmp(path, "/holder/contact/request") == 0)
		contact(svc, req, CONTACT_REQUEST, out);
	else if (strcmp(path, "/holder/contact/confirm") == 0)
		contact(svc, req, CONTACT_CONFIRM, out);
	else if (strncmp(path, STATUS_PREFIX, sizeof(STATUS_PREFIX) - 1) == 0)
		status(svc, req, path + sizeof(STATUS_PREFIX) - 1, out);
	else
		svc_reply_say(out, 404, "not-found", "not found (the holder's endpoints: "
		    "/holder/unlock/request, /holder/unlock/complete, /holder/contact/request, "
		    "/holder/contact/confirm, /holder/status/SERIAL)\n");
}
