/*
 * ca/service/tls: the HTTPS context — TLS 1.2 and 1.3 only, the
 * certificate chain and key from PEM files (serve.tls-certificate,
 * serve.tls-key), reloaded on SIGHUP without dropping connections
 * (new handshakes take the new context).
 */
#ifndef CC_SVC_TLS_H
#define CC_SVC_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* A new server context; CA_ERR_USAGE with @err (@errlen) on bad files. */
int svc_tls_load(const char *cert, const char *key, SSL_CTX **out, char *err, size_t errlen);

#endif
