/*
 * ca/service/http-int: a worker's insides, shared by http.c (the loop,
 * connections, listeners) and handler.c (requests). Nothing else uses it.
 */
#ifndef CC_SVC_HTTP_INT_H
#define CC_SVC_HTTP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "ca/service/http.h"

/* One accepted connection (see http.h). */
struct svc_conn {
	struct svc_conn *next;		/* hash chain */
	struct bufferevent *bev;	/* our reference */
	int64_t deadline;		/* monotonic ms: the next request must be in by then */
	int64_t timeout_ms;		/* limits.request-timeout when accepted */
	int64_t card_idle_ms;		/* limits.card-keep-alive when accepted */
	int64_t idle_since;		/* monotonic ms: accepted, or the last response sent */
	unsigned inflight;		/* responses being written */
	unsigned requests;		/* handed to svc_handle */
	bool timed_out;			/* ended by the deadline */
	struct event *capture;		/* reads the peer address once the socket is set */
	char peer[48];
};

struct svc_worker {
	struct svc *svc;
	unsigned id;
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct evhttp *http, *https;
	struct evhttp_bound_socket *bound[2 * SVC_LISTEN_MAX];
	struct evhttp *bound_to[2 * SVC_LISTEN_MAX];
	unsigned nbound;
	struct event *tick, *wake;

	struct svc_conn **tab;		/* by bufferevent address */
	size_t tabsize, nconns;
	bool paused;			/* listeners off: max-connections reached */

	struct svc_limits limits;	/* this loop's copy */
	unsigned reload_gen;
	bool stopping;
	int64_t stop_deadline;		/* monotonic ms */

	struct svc_site *site;		/* the snapshot this loop uses */
	unsigned long site_gen;
	struct evbuffer *logbuf;	/* access log lines not yet written */
	time_t date_sec;
	char date[32];			/* access log time, once per second */
};

/* Monotonic milliseconds and nanoseconds. */
int64_t svc_mono_ms(void);
int64_t svc_mono_ns(void);

/* The access log's time for now ("2026-11-21T10:00:00Z"), once a second. */
const char *svc_worker_date(struct svc_worker *w, int64_t now);

/* The connection of @bev, or NULL. */
struct svc_conn *svc_conn_find(struct svc_worker *w, struct bufferevent *bev);

/* The evhttp request handler (handler.c): @arg is the worker. */
void svc_handle(struct evhttp_request *req, void *arg);

#endif
