/*
 * ca/service/est.c: see est.h.
 *
 * A renewal request is decided and issued by the CA library on the
 * scheduler's opened CA (svc_sched_ca_group: one HSM login per process, the
 * registry connection used by one thread at a time), with a session
 * borrowed for the request's holder. Requests that follow each other on
 * the CA share their commits (one WAL fsync for several; the pending row is
 * still durable before its certificate is signed), and each answer waits
 * until what its request wrote is durable. The worker waits for it: a few
 * milliseconds, or one step of a scheduler pass. The other workers go on
 * serving meanwhile.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/ra/est-renew.h"
#include "ca/service/blob.h"
#include "ca/service/est-parse.h"
#include "ca/service/est.h"
#include "ca/service/sched.h"
#include "ca/service/svc.h"
#include "common/log.h"

#define PREFIX "/.well-known/est/"
#define PKCS7_TYPE "application/pkcs7-mime; smime-type=certs-only"

struct svc_est {
	struct svc_blob *cacerts;
	struct svc_blob *csrattrs[2];	/* authentication, signing */
	X509 *auth_ca;			/* the Authentication CA: clients' certificates */
};

static const char *const labels[2] = { "authentication", "signing" };

static struct svc_blob *
blob_take(char *text, size_t len)
{
	struct svc_blob *b = text != NULL ? svc_blob_new(text, len, svc_now(), 0) : NULL;

	free(text);
	return b;
}

int
svc_est_new(struct ca_ctx *ctx, const struct pol_policy *pol, struct svc_est **out)
{
	X509 *certs[CA_ISSUER_COUNT];
	const struct pol_profile *p[2] = { &pol->authentication, &pol->signing };
	struct svc_est *e;
	char *text = NULL;
	size_t len = 0, n = 0;
	int i, r;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CA_ERR_ALLOC;
	/* The issuing CAs first, the root last (RFC 7030 4.1.3 takes any order);
	 * during a rollover's overlap both generations of an issuing CA. */
	for (i = CA_ISSUER_COUNT - 1; i >= 0; i--)
		if (ca_issuer_live(ctx, i, svc_now()))
			certs[n++] = ctx->issuers[i].cert;
	if ((r = svc_est_certs_encode(certs, n, &text, &len)) != CA_OK ||
	    (e->cacerts = blob_take(text, len)) == NULL)
		goto fail;
	for (i = 0; i < 2; i++) {
		text = NULL;
		if ((r = svc_est_csrattrs_encode(p[i], &text, &len)) != CA_OK ||
		    (e->csrattrs[i] = blob_take(text, len)) == NULL)
			goto fail;
	}
	r = CA_ERR_STATE;
	if (ctx->issuers[CA_ISSUER_AUTH].cert == NULL ||
	    (e->auth_ca = X509_dup(ctx->issuers[CA_ISSUER_AUTH].cert)) == NULL)
		goto fail;
	*out = e;
	return CA_OK;
fail:
	svc_est_free(e);
	return r != CA_OK ? r : CA_ERR_ALLOC;
}

void
svc_est_free(struct svc_est *e)
{
	if (e == NULL)
		return;
	svc_blob_unref(e->cacerts);
	svc_blob_unref(e->csrattrs[0]);
	svc_blob_unref(e->csrattrs[1]);
	X509_free(e->auth_ca);
	free(e);
}

/* Any certificate passes the handshake (which proves the key): see est.h. */
static int
verify_any(int ok, X509_STORE_CTX *vc)
{
	(void)ok;
	(void)vc;
	return 1;
}

int
svc_est_tls_setup(const struct svc_est *e, SSL_CTX *ctx)
{
	if (e == NULL || ctx == NULL)
		return CA_OK;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_any);
	if (SSL_CTX_add_client_CA(ctx, e->auth_ca) != 1) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	return CA_OK;
}

bool
svc_est_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0;
}

/* One request on the CA: the holder authenticated by the certificate, then the operation. */
struct job {
	X509 *cert;
	const char *profile;		/* NULL: confirm */
	const unsigned char *der;
	size_t derlen;
	struct ca_issued issued;
	struct ca_result res;
	bool authenticated;
};

static int
job_run(struct ca_session *parent, void *arg)
{
	struct job *j = arg;
	struct ca_session *s = NULL;
	int r;

	if (parent->ctx->signer == NULL)
		return CA_ERR_HSM;	/* an instance without the HSM cannot issue */
	if ((r = ca_session_borrow(parent, &s)) != CA_OK)
		return r;
	if ((r = ca_session_holder_cert(s, j->cert, &j->res)) == CA_OK) {
		j->authenticated = true;
		r = j->profile != NULL ? ca_op_est_reenroll(s, j->profile, j->der, j->derlen,
							    &j->issued, &j->res)
				       : ca_op_est_confirm(s, &j->res);
	}
	ca_result_complete(&j->res, r);
	ca_session_close(s);
	return r;
}

static void
answer(struct evhttp_request *req, struct job *j, int r, struct svc_reply *out)
{
	const unsigned char *p = j->issued.der;
	X509 *x = NULL;
	char *text = NULL;
	size_t len = 0;

	switch (r) {
	case CA_OK:
		break;
	case CA_ERR_NOT_FOUND:	/* an unknown card is refused like any other */
		svc_reply_refusal(out, CA_ERR_DENIED, j->res.text, "EST");
		return;
	default:
		svc_reply_refusal(out, r, j->res.text, "EST");
		if (r == CA_ERR_AUTH && !j->authenticated)
			out->outcome = "cert-refused";
		return;
	}
	if (j->profile == NULL) {
		svc_reply_line(out, 200, "est-confirmed", j->res.done);
		return;
	}
	if ((x = d2i_X509(NULL, &p, (long)j->issued.derlen)) == NULL ||
	    svc_est_certs_encode(&x, 1, &text, &len) != CA_OK ||
	    (out->blob = blob_take(text, len)) == NULL) {
		ERR_clear_error();
		X509_free(x);
		svc_reply_say(out, 500, "est-error", "the certificate could not be encoded\n");
		return;
	}
	X509_free(x);
	out->status = 200;
	out->type = PKCS7_TYPE;
	out->outcome = "est-issued";
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Transfer-Encoding",
			  "base64");
}

/* The client certificate of an HTTPS request; *https false over plain HTTP. */
static X509 *
peer_cert(struct evhttp_request *req, bool *https)
{
	SSL *ssl = svc_request_ssl(req);

	*https = ssl != NULL;
	return ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
}

static void
handle_post(struct svc *svc, struct evhttp_request *req, const char *profile,
	    struct svc_reply *out)
{
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);
	unsigned char *der = NULL;
	const char *why = NULL;
	struct job j;
	bool https;
	int r, status;

	memset(&j, 0, sizeof(j));
	j.profile = profile;
	if ((j.cert = peer_cert(req, &https)) == NULL) {
		svc_reply_say(out, https ? 401 : 403, https ? "est-no-cert" : "est-not-https", https ?
		    "authenticate with your card's authentication certificate (TLS client "
		    "certificate)\n" : "EST is served over HTTPS only\n");
		return;
	}
	if (profile != NULL) {
		status = svc_est_request_decode(evhttp_find_header(evhttp_request_get_input_headers(
						req), "Content-Type"), len > 0 ?
						evbuffer_pullup(body, -1) : NULL, len, &der,
						&j.derlen, &why);
		if (status != 200) {
			svc_reply_line(out, status, "est-bad-request", why);
			return;
		}
		j.der = der;
	}
	r = svc_sched_ca_group(svc->sched, job_run, &j);
	answer(req, &j, r, out);
	ca_issued_clear(&j.issued);
	free(der);
}

static int
label_index(const char *s, size_t n)
{
	int i;

	for (i = 0; i < 2; i++)
		if (strlen(labels[i]) == n && strncmp(s, labels[i], n) == 0)
			return i;
	return -1;
}

void
svc_est_handle(struct svc *svc, struct evhttp_request *req, const char *path, int64_t now,
	       struct svc_reply *out)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *op = path + sizeof(PREFIX) - 1, *slash = strchr(op, '/');
	int label = 0;

	(void)now;
	memset(out, 0, sizeof(*out));
	if (svc->est == NULL || svc->sched == NULL) {	/* a service without the CA's EST half */
		svc_reply_say(out, 404, "not-found", "not found\n");
		return;
	}
	if (strcmp(op, "cacerts") == 0 || strcmp(op, "confirm") == 0)
		slash = NULL;
	else if (slash != NULL) {	/* /.well-known/est/LABEL/OP */
		if ((label = label_index(op, (size_t)(slash - op))) < 0) {
			svc_reply_say(out, 404, "not-found", "unknown EST label: authentication or signing\n");
			return;
		}
		op = slash + 1;
	}
	if (strcmp(op, "cacerts") == 0 || strcmp(op, "csrattrs") == 0) {
		if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
			svc_reply_method(out, "GET, HEAD");
			return;
		}
		out->status = 200;
		out->outcome = op[1] == 'a' ? "est-cacerts" : "est-csrattrs";
		out->blob = svc_blob_ref(op[1] == 'a' ? svc->est->cacerts
					 : svc->est->csrattrs[label]);
		out->type = op[1] == 'a' ? PKCS7_TYPE : "application/csrattrs";
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Content-Transfer-Encoding", "base64");
		return;
	}
	if (strcmp(op, "simplereenroll") != 0 && strcmp(op, "confirm") != 0) {
		svc_reply_say(out, 404, "not-found", "not found (this CA offers cacerts, csrattrs, "
		    "simplereenroll and confirm)\n");
		return;
	}
	if (m != EVHTTP_REQ_POST) {
		svc_reply_method(out, "POST");
		return;
	}
	handle_post(svc, req, op[0] == 's' ? labels[label] : NULL, out);
}
