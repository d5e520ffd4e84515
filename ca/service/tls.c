/*
 * ca/service/tls.c: see tls.h.
 */
#include "config.h"

#include <stdio.h>

#include <openssl/err.h>

#include "ca/core/error.h"
#include "ca/service/svc.h"
#include "ca/service/tls.h"

int
svc_tls_load(const char *cert, const char *key, SSL_CTX **out, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	unsigned long e;

	if (cert[0] == '\0' || key[0] == '\0') {
		snprintf(err, errlen, "HTTPS needs serve.tls-certificate and serve.tls-key");
		return CA_ERR_USAGE;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return CA_ERR_CRYPTO;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		e = ERR_peek_last_error();
		snprintf(err, errlen, "TLS certificate %s / key %s: %s", cert, key,
			 e != 0 ? ERR_reason_error_string(e) : "unusable");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return CA_ERR_USAGE;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * No resumption: a resumed session would carry a card's client
	 * certificate past the card's removal (or its revocation) without the
	 * card signing again. Every connection is a full handshake with the
	 * key on the card — no session cache, no tickets (TLS 1.2 and 1.3).
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		snprintf(err, errlen, "TLS: cannot turn session tickets off");
		SSL_CTX_free(ctx);
		return CA_ERR_CRYPTO;
	}
	*out = ctx;
	return CA_OK;
}

SSL_CTX *
svc_tls_get(struct svc *svc)
{
	SSL_CTX *ctx;

	pthread_mutex_lock(&svc->mu);
	ctx = svc->tls;
	if (ctx != NULL)
		SSL_CTX_up_ref(ctx);
	pthread_mutex_unlock(&svc->mu);
	return ctx;
}
