/*
 * ca/service/http.c: workers, listeners and connections. See http.h.
 */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "ca/core/error.h"
#include "ca/service/accesslog.h"
#include "ca/service/http-int.h"
#include "common/log.h"

#define TICK_MS 100
#define STOP_GRACE_MS 10000
#define LISTEN_BACKLOG 1024

int64_t
svc_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
svc_mono_ms(void)
{
	return svc_mono_ns() / 1000000;
}

/* --- listeners ------------------------------------------------------- */

static int
bind_one(const struct sockaddr *sa, socklen_t len, int *out)
{
	int fd, one = 1;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	/* SO_REUSEPORT: one socket per worker on the same port, and the
	 * kernel balances new connections across them. TCP_NODELAY (Linux
	 * passes it on to accepted sockets): a reply goes out as TLS records
	 * in more than one write, and Nagle would hold the last one back
	 * until the client's delayed ACK — 40 ms on every keep-alive reply. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, sa, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*out = fd;
	return 0;
}

int
svc_listener_open(const struct svc_listen *l, bool tls, unsigned n, struct svc_listener *out)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[8];
	unsigned i;
	int e, r = CA_ERR_IO;

	memset(out, 0, sizeof(*out));
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", l->port);
	if ((e = getaddrinfo(l->host, port, &hints, &ai)) != 0) {
		util_log(LOG_ERR, "listen address %s: %s", l->host, gai_strerror(e));
		return CA_ERR_USAGE;
	}
	out->tls = tls;
	if ((out->fd = calloc(n, sizeof(*out->fd))) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++)
		out->fd[i] = -1;
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	sl = ai->ai_addrlen;
	for (i = 0; i < n; i++) {
		if ((e = bind_one((struct sockaddr *)&ss, sl, &out->fd[i])) != 0) {
			util_log(LOG_ERR, "cannot listen on %s:%u: %s", l->host, l->port,
				 strerror(-e));
			goto out;
		}
		/* Port 0: the first socket picked one; the others join it. */
		if (i == 0 && getsockname(out->fd[0], (struct sockaddr *)&ss, &sl) != 0)
			goto out;
	}
	snprintf(out->shown, sizeof(out->shown), "%s://%s%s%s:%u", tls ? "https" : "http",
		 ss.ss_family == AF_INET6 ? "[" : "", l->host, ss.ss_family == AF_INET6 ? "]" : "",
		 ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			: ((struct sockaddr_in *)&ss)->sin_port));
	r = CA_OK;
out:
	if (r != CA_OK)
		svc_listener_close(out, n);
	freeaddrinfo(ai);
	return r;
}

void
svc_listener_close(struct svc_listener *l, unsigned n)
{
	unsigned i;

	for (i = 0; l->fd != NULL && i < n; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	free(l->fd);
	l->fd = NULL;
}

/* --- connections ----------------------------------------------------- */

static size_t
slot(const struct svc_worker *w, const struct bufferevent *bev)
{
	return ((uintptr_t)bev >> 4) & (w->tabsize - 1);
}

struct svc_conn *
svc_conn_find(struct svc_worker *w, struct bufferevent *bev)
{
	struct svc_conn *c;

	for (c = w->tab[slot(w, bev)]; c != NULL; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

static void
listeners_enable(struct svc_worker *w, bool on)
{
	unsigned i;

	if (w->paused == !on || w->stopping)
		return;
	for (i = 0; i < w->nbound; i++) {
		struct evconnlistener *l = evhttp_bound_socket_get_listener(w->bound[i]);

		if (on)
			evconnlistener_enable(l);
		else
			evconnlistener_disable(l);
	}
	w->paused = !on;
	if (!on)
		util_log(LOG_WARNING, "worker %u: %zu connections, not accepting more for now",
			 w->id, w->nconns);
}

const char *
svc_worker_date(struct svc_worker *w, int64_t now)
{
	struct tm tm;
	time_t t = (time_t)now;

	if (now != w->date_sec && gmtime_r(&t, &tm) != NULL) {
		strftime(w->date, sizeof(w->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		w->date_sec = now;
	}
	return w->date;
}

/* evhttp sets the socket right after the bevcb returns; this runs first
 * thing on the next turn of the loop (highest priority), before evhttp can
 * have closed it, so even a request the parser rejects is logged with its
 * client's address. */
static void
conn_capture(evutil_socket_t fd_unused, short what, void *arg)
{
	struct svc_conn *c = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    inet_ntop(ss.ss_family, ss.ss_family == AF_INET6
		      ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
		      : (void *)&((struct sockaddr_in *)&ss)->sin_addr, c->peer,
		      sizeof(c->peer)) == NULL)
		snprintf(c->peer, sizeof(c->peer), "-");
}

/* A new connection's bufferevent (evhttp's bevcb), tracked with a
 * reference of ours; evhttp sets the socket itself. */
static struct bufferevent *
conn_new(struct svc_worker *w, struct bufferevent *bev)
{
	static const struct timeval now = { 0, 0 };
	struct svc_conn *c;
	size_t s;

	if (bev == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return bev;	/* untracked: evhttp's own timeouts still apply */
	bufferevent_incref(bev);
	c->bev = bev;
	snprintf(c->peer, sizeof(c->peer), "-");
	if ((c->capture = evtimer_new(w->base, conn_capture, c)) != NULL &&
	    (event_priority_set(c->capture, 0) != 0 || evtimer_add(c->capture, &now) != 0)) {
		event_free(c->capture);
		c->capture = NULL;
	}
	c->timeout_ms = w->limits.request_timeout * 1000;
	c->card_idle_ms = w->limits.card_keep_alive * 1000;
	c->idle_since = svc_mono_ms();
	c->deadline = c->idle_since + c->timeout_ms;
	s = slot(w, bev);
	c->next = w->tab[s];
	w->tab[s] = c;
	if (++w->nconns >= w->limits.max_connections)
		listeners_enable(w, false);
	return bev;
}

static struct bufferevent *
bev_plain(struct event_base *base, void *arg)
{
	return conn_new(arg, bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE));
}

static struct bufferevent *
bev_tls(struct event_base *base, void *arg)
{
	struct svc_worker *w = arg;
	SSL_CTX *ctx = svc_tls_get(w->svc);
	SSL *ssl = ctx != NULL ? SSL_new(ctx) : NULL;
	struct bufferevent *bev = NULL;

	SSL_CTX_free(ctx);	/* the SSL keeps its own reference */
	if (ssl != NULL &&
	    (bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						  BEV_OPT_CLOSE_ON_FREE)) == NULL)
		SSL_free(ssl);
	return conn_new(w, bev);
}

/* Has evhttp let the connection go (bufferevent_free clears callbacks)? */
static bool
conn_released(const struct svc_conn *c)
{
	bufferevent_data_cb rd = NULL, wr = NULL;
	bufferevent_event_cb ev = NULL;
	void *arg = NULL;

	bufferevent_getcb(c->bev, &rd, &wr, &ev, &arg);
	return rd == NULL && ev == NULL;
}

/*
 * A connection made with a card (a TLS client certificate) is not kept
 * idle long, whether the browser opened it ahead or kept it after a
 * response: the session is to end when the card is removed, and the next
 * request's new handshake needs the card (no resumption, tls.c).
 */
static bool
card_idle(const struct svc_conn *c, int64_t now)
{
	SSL *ssl;

	if (now <= c->idle_since + c->card_idle_ms || c->deadline == INT64_MAX)
		return false;
	ssl = bufferevent_openssl_get_ssl(c->bev);
	return ssl != NULL && SSL_get0_peer_certificate(ssl) != NULL;
}

/*
 * Every tick: drop what evhttp let go; end connections past their deadline
 * that are not writing a response (evhttp treats it as a read timeout and
 * closes); resume accepting below the limit.
 */
static void
conns_sweep(struct svc_worker *w, bool all)
{
	int64_t now = svc_mono_ms();
	struct svc_conn **pp, *c;
	size_t i;

	for (i = 0; i < w->tabsize; i++) {
		for (pp = &w->tab[i]; (c = *pp) != NULL;) {
			if (all || conn_released(c)) {
				/* One line for connections that never got a request
				 * through: rejected by the parser (malformed, over a
				 * size limit), too slow, or opened and left. */
				if (!all && c->requests == 0)
					svc_accesslog_line(w->svc->log, w->logbuf,
							   svc_worker_date(w, svc_now()), c->peer,
							   "-", "-", 0, 0, c->timed_out ? "timeout"
							   : "closed-without-request", 0);
				*pp = c->next;
				if (c->capture != NULL)
					event_free(c->capture);
				bufferevent_decref(c->bev);
				free(c);
				w->nconns--;
				continue;
			}
			if (c->inflight == 0 && (now > c->deadline || card_idle(c, now))) {
				c->deadline = INT64_MAX;	/* once */
				c->timed_out = true;
				bufferevent_trigger_event(c->bev,
							  BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
			}
			pp = &c->next;
		}
	}
	if (w->paused && w->nconns < w->limits.max_connections * 9 / 10)
		listeners_enable(w, true);
}

static int
conns_busy(const struct svc_worker *w)
{
	struct svc_conn *c;
	size_t i;

	for (i = 0; i < w->tabsize; i++)
		for (c = w->tab[i]; c != NULL; c = c->next)
			if (c->inflight > 0 && !conn_released(c))
				return 1;
	return 0;
}

/* --- the loop -------------------------------------------------------- */

static void
limits_apply(struct svc_worker *w)
{
	struct timeval tv;
	struct evhttp *h[2] = { w->http, w->https };
	int i;

	pthread_mutex_lock(&w->svc->mu);
	w->limits = w->svc->limits;
	pthread_mutex_unlock(&w->svc->mu);
	w->reload_gen = atomic_load(&w->svc->reload_gen);
	tv.tv_sec = (time_t)w->limits.request_timeout;
	tv.tv_usec = 0;
	for (i = 0; i < 2; i++) {
		if (h[i] == NULL)
			continue;
		evhttp_set_max_headers_size(h[i], (ev_ssize_t)w->limits.max_header_size);
		evhttp_set_max_body_size(h[i], (ev_ssize_t)w->limits.max_body_size);
		evhttp_set_timeout_tv(h[i], &tv);
	}
}

static void
stop_begin(struct svc_worker *w)
{
	unsigned i;

	if (w->stopping)
		return;
	w->stopping = true;
	w->stop_deadline = svc_mono_ms() + STOP_GRACE_MS;
	for (i = 0; i < w->nbound; i++)		/* closes the listening socket */
		evhttp_del_accept_socket(w->bound_to[i], w->bound[i]);
	w->nbound = 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct svc_worker *w = arg;

	conns_sweep(w, false);
	svc_accesslog_flush(w->svc->log, w->logbuf, 1);
	if (w->stopping && (!conns_busy(w) || svc_mono_ms() > w->stop_deadline))
		event_base_loopbreak(w->base);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct svc_worker *w = arg;

	if (atomic_load(&w->svc->reload_gen) != w->reload_gen)
		limits_apply(w);
	if (atomic_load(&w->svc->stopping))
		stop_begin(w);
}

static void *
worker_main(void *arg)
{
	struct svc_worker *w = arg;

	event_base_dispatch(w->base);
	svc_accesslog_flush(w->svc->log, w->logbuf, 1);
	return NULL;
}

/*
 * epoll with libevent's changelist: evhttp turns a connection's write
 * interest on and off around every response; the changelist folds those
 * changes into the next epoll_wait instead of an epoll_ctl each: 15-25%
 * more responses per second in bench-service.
 */
static struct event_base *
base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *b = NULL;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return b;
}

static struct evhttp *
http_new(struct svc_worker *w, bool tls)
{
	struct evhttp *h = evhttp_new(w->base);

	if (h == NULL)
		return NULL;
	/* Every method reaches the handler, which answers 405 with Allow for
	 * the ones an endpoint does not take (evhttp itself would say 501). */
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h, "text/plain; charset=utf-8");
	evhttp_set_bevcb(h, tls ? bev_tls : bev_plain, w);
	evhttp_set_gencb(h, svc_handle, w);
	return h;
}

int
svc_worker_new(struct svc *svc, unsigned id, struct svc_listener *ls, unsigned nls,
	       struct svc_worker **out)
{
	struct svc_worker *w;
	struct timeval tick = { 0, TICK_MS * 1000 };
	unsigned i;
	int r = CA_ERR_ALLOC;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return CA_ERR_ALLOC;
	w->svc = svc;
	w->id = id;
	w->tabsize = 4096;
	if ((w->tab = calloc(w->tabsize, sizeof(*w->tab))) == NULL ||
	    (w->base = base_new()) == NULL || event_base_priority_init(w->base, 2) != 0 ||
	    (w->logbuf = evbuffer_new()) == NULL ||
	    (w->http = http_new(w, false)) == NULL ||
	    (w->tick = event_new(w->base, -1, EV_PERSIST, on_tick, w)) == NULL ||
	    (w->wake = event_new(w->base, -1, 0, on_wake, w)) == NULL ||
	    event_add(w->tick, &tick) != 0)
		goto out;
	for (i = 0; i < nls; i++)
		if (ls[i].tls && w->https == NULL && (w->https = http_new(w, true)) == NULL)
			goto out;
	limits_apply(w);
	r = CA_ERR_IO;
	for (i = 0; i < nls; i++) {
		struct evhttp *h = ls[i].tls ? w->https : w->http;

		if ((w->bound[w->nbound] = evhttp_accept_socket_with_handle(h, ls[i].fd[id])) ==
		    NULL)
			goto out;
		ls[i].fd[id] = -1;	/* evhttp owns it now */
		w->bound_to[w->nbound++] = h;
	}
	*out = w;
	return CA_OK;
out:
	svc_worker_free(w);
	return r;
}

int
svc_worker_start(struct svc_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return CA_ERR_INTERNAL;
	w->started = true;
	return CA_OK;
}

void
svc_worker_stop(struct svc_worker *w)
{
	event_active(w->wake, EV_READ, 0);
}

void
svc_worker_poke(struct svc_worker *w)
{
	event_active(w->wake, EV_READ, 0);
}

void
svc_worker_free(struct svc_worker *w)
{
	if (w == NULL)
		return;
	if (w->started)
		pthread_join(w->thread, NULL);
	/* evhttp_free closes the remaining (idle) connections; then our own
	 * references go, before the base runs its finalizers. */
	if (w->http != NULL)
		evhttp_free(w->http);
	if (w->https != NULL)
		evhttp_free(w->https);
	if (w->tab != NULL)
		conns_sweep(w, true);
	if (w->tick != NULL)
		event_free(w->tick);
	if (w->wake != NULL)
		event_free(w->wake);
	if (w->logbuf != NULL)
		evbuffer_free(w->logbuf);
	svc_site_unref(w->site);
	if (w->base != NULL)
		event_base_free(w->base);
	free(w->tab);
	free(w);
}
