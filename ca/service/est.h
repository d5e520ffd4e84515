/*
 * ca/service/est: the EST endpoints (RFC 7030; issue 12) of the HTTPS
 * listeners, the holder's network self-renewal:
 *
 *   /.well-known/est/cacerts                       GET   CA certificates (certs-only)
 *   /.well-known/est[/LABEL]/csrattrs              GET   key type and size (policy)
 *   /.well-known/est[/LABEL]/simplereenroll        POST  a new certificate (PKCS#10 in)
 *   /.well-known/est/confirm                       POST  the card has both: commit
 *
 * LABEL is "authentication" (the default) or "signing". The holder is the
 * TLS client certificate's (the card's authentication key); the CA library
 * (ca/ra/est-renew.h) decides and issues. Status codes: 400 bad request,
 * 401 no client certificate, 403 a certificate the CA does not accept or a
 * refusal by rule (the body says which and what to do), 404, 405, 413, 415,
 * 503 when this instance has no HSM (--no-jobs).
 */
#ifndef CC_SVC_EST_H
#define CC_SVC_EST_H

#include <stdbool.h>

#include <event2/http.h>
#include <openssl/ssl.h>

#include "ca/core/ctx.h"
#include "ca/service/reply.h"
#include "policy/policy.h"

struct svc;
struct svc_blob;
struct svc_est;

/* What the handlers made once: CA certificates, CSR attributes (taken from @ctx, @pol). */
int svc_est_new(struct ca_ctx *ctx, const struct pol_policy *pol, struct svc_est **out);
void svc_est_free(struct svc_est *e);	/* accepts NULL */

/*
 * HTTPS context @ctx asks clients for a certificate from the
 * Authentication CA (requested, not required: the other endpoints need
 * none). The handshake only proves the key; the certificate is judged per
 * request by the CA library, so an expired card hears the policy's words.
 */
int svc_est_tls_setup(const struct svc_est *e, SSL_CTX *ctx);

/* Is @path one of ours (under /.well-known/est/)? */
bool svc_est_path(const char *path);

/* Answer @req for @path (blocks while the CA issues: see README.md). */
void svc_est_handle(struct svc *svc, struct evhttp_request *req, const char *path,
		    int64_t now, struct svc_reply *out);

#endif
