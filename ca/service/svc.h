/*
 * ca/service/svc: what the parts of "carecard-ca serve" share — the
 * configuration, the pre-signed OCSP store, the published snapshot, the
 * rate limiter, the access log, the TLS context and the status the
 * scheduler reports for /healthz.
 *
 * Threads: one event loop per worker (http.c, handler.c) and one scheduler
 * (sched.c), the only thread that touches the CA (registry, HSM). Workers
 * never block: they read the store and the snapshot, nothing else.
 */
#ifndef CC_SVC_SVC_H
#define CC_SVC_SVC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ca/service/settings.h"
#include "ca/service/ratelimit.h"
#include "ca/service/site.h"
#include "ca/service/store.h"

struct svc_worker;
struct svc_accesslog;
struct svc_sched;
struct svc_est;
struct svc_portal;

struct svc {
	struct svc_config cfg;		/* as started; reloads update limits, TLS, log */
	char state[SVC_PATH_MAX];	/* the CA state directory */
	struct svc_store *store;
	struct svc_current site;
	struct svc_ratelimit *rl;
	struct svc_ratelimit *cert_rl;	/* the API's, per client certificate */
	struct svc_accesslog *log;

	pthread_mutex_t mu;		/* guards tls and limits below */
	SSL_CTX *tls;			/* current HTTPS context; NULL without HTTPS */
	struct svc_limits limits;
	atomic_uint reload_gen;		/* bumped when limits changed */

	struct svc_worker **workers;
	unsigned nworkers;

	struct svc_sched *sched;	/* set before the workers start (EST runs on its CA) */
	struct svc_est *est;		/* EST's prebuilt answers (est.c) */
	struct svc_portal *portal;	/* the portal's pages (portal.c); NULL: none */

	atomic_bool stopping;
	atomic_llong heartbeat;		/* scheduler's last pass, unix seconds */
	atomic_bool loaded;		/* first load from the registry done */
	atomic_bool jobs;		/* this process pre-signs and publishes now */
	atomic_bool jobs_failing;	/* its last round failed (HSM, registry) */
	atomic_llong registry_down;	/* since when the registry fails to answer; 0 when it does */
	atomic_size_t entries, ready;	/* store counts, refreshed by the scheduler */
	atomic_ullong requests;		/* served since start */
};

/* The wall clock all parts use (one place to change for tests). */
int64_t svc_now(void);

/* The current TLS context with a reference of the caller's (NULL: none). */
SSL_CTX *svc_tls_get(struct svc *svc);

#endif
