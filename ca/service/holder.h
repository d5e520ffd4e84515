/*
 * ca/service/holder: the holder's endpoints that need no card login —
 *
 *   POST /holder/unlock/request    card=SERIAL                 202: a code was sent
 *   POST /holder/unlock/complete   card=SERIAL&code=CODE&key=BASE64(SPKI)
 *                                  200: base64 of the unlock response
 *   GET  /holder/status/SERIAL     the card's renewal status (text, "key: value")
 *   POST /holder/contact/request   email=ADDRESS or mobile=NUMBER (TLS client certificate:
 *                                  the card's) 202: a code was sent to the new address
 *   POST /holder/contact/confirm   code=CODE (the same card) 200: the contact changed
 *
 * Bodies are application/x-www-form-urlencoded (libevent's parser). Unlock
 * and contact changes are HTTPS only (the code travels in it); a locked card cannot authenticate
 * TLS, so the code is the holder's proof and the CA library's limits
 * (per card, per address, in all) bound what an anonymous caller can do.
 * Codes and notices go out by mail (serve.mail) or SMS (serve.sms). The
 * library calls run on the scheduler's opened CA (svc_sched_ca), as EST's
 * do. Status codes: 202/200, 400 malformed, 403 refused by a rule (the body
 * says which and what to do) or not HTTPS, 404 unknown card, 405, 415, 503
 * no HSM here or no way to deliver codes.
 */
#ifndef CC_SVC_HOLDER_H
#define CC_SVC_HOLDER_H

#include <stdbool.h>

#include <event2/http.h>
#include <openssl/x509.h>

#include "ca/ra/session.h"
#include "ca/service/holder-form.h"
#include "ca/service/reply.h"

struct svc;

/*
 * A contact change asked (@confirm false: @f's email or mobile, a code
 * sent to it) or confirmed (@f's code) by the holder of @cert, the TLS
 * client certificate, on the scheduler's CA: CA_OK or the library's error,
 * its words in @res. Shared by the form endpoints here and the portal's
 * JSON API (api.c); the caller checked the fields are there.
 */
int svc_holder_contact_run(struct svc *svc, X509 *cert, bool confirm,
			   const struct svc_holder_form *f, struct ca_result *res);

/* Is @path one of ours (under /holder/)? */
bool svc_holder_path(const char *path);

/*
 * The renewal reminders due now (ca_op_renewal_reminders), sent by this
 * service's mail or SMS settings, on @sess (the scheduler's, as the system
 * account). Logs what happened; nothing when no delivery is configured.
 */
struct ca_session;
void svc_holder_remind(struct svc *svc, struct ca_session *sess);

/* Answer @req for @path; the reply (reply.h). */
void svc_holder_handle(struct svc *svc, struct evhttp_request *req, const char *path,
		       struct svc_reply *out);

#endif
