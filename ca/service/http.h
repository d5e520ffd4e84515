/*
 * ca/service/http: the workers — one thread, one libevent loop and one
 * evhttp per worker, each with its own SO_REUSEPORT listening sockets, so
 * the kernel spreads connections over the loops and no loop waits for
 * another. libevent parses HTTP (evhttp) and does TLS (bufferevent_openssl);
 * this file adds what evhttp 2.1 lacks:
 *
 *   - a deadline per connection: a whole request, and the wait for the next
 *     one on a kept-alive connection, within limits.request-timeout
 *     (slowloris), checked by a sweep every 100 ms;
 *   - at most limits.max-connections per worker: the listener pauses;
 *   - a graceful stop: listeners closed, responses being written finished
 *     (up to 10 s), then the loop ends.
 *
 * Connections are tracked by their bufferevent, created here (evhttp's
 * bevcb) with a reference of our own, so the sweep can tell when evhttp
 * has let one go.
 */
#ifndef CC_SVC_HTTP_H
#define CC_SVC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "ca/service/svc.h"

/* Listening sockets of one address, one per worker (SO_REUSEPORT). */
struct svc_listener {
	bool tls;
	int *fd;		/* nworkers sockets */
	char shown[96];		/* "http://127.0.0.1:8080" */
};

/*
 * Bind @l (port 0: a free one, the same for every worker) with @n sockets.
 * CA_ERR_IO with a log line when the address cannot be bound.
 */
int svc_listener_open(const struct svc_listen *l, bool tls, unsigned n, struct svc_listener *out);
void svc_listener_close(struct svc_listener *l, unsigned n);

/* Create worker @id (event base, evhttp, its sockets from @ls). */
int svc_worker_new(struct svc *svc, unsigned id, struct svc_listener *ls, unsigned nls,
		   struct svc_worker **out);

/* Run it on its own thread until svc_worker_stop(). */
int svc_worker_start(struct svc_worker *w);

/* Ask it to stop (any thread): listeners closed, in-flight responses finished. */
void svc_worker_stop(struct svc_worker *w);

/* Ask it to apply new limits (any thread). */
void svc_worker_poke(struct svc_worker *w);

/* Wait for its thread, then free everything. Accepts NULL. */
void svc_worker_free(struct svc_worker *w);

#endif
