/*
 * ca/service/accesslog.c: see accesslog.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "ca/core/error.h"
#include "ca/service/accesslog.h"
#include "common/log.h"

#define FLUSH_AT (32 * 1024)
#define PATH_SHOWN 160

struct svc_accesslog {
	pthread_mutex_t mu;
	int fd;			/* -1: off */
	bool own;		/* we opened it (close on switch) */
};

static int
open_where(const char *where, int *fd, bool *own)
{
	if (strcmp(where, "off") == 0) {
		*fd = -1;
		*own = false;
		return CA_OK;
	}
	if (strcmp(where, "-") == 0) {
		*fd = STDOUT_FILENO;
		*own = false;
		return CA_OK;
	}
	if ((*fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		util_log(LOG_ERR, "access log %s: %s", where, strerror(errno));
		return CA_ERR_IO;
	}
	*own = true;
	return CA_OK;
}

int
svc_accesslog_open(const char *where, struct svc_accesslog **out)
{
	struct svc_accesslog *log;
	int r;

	if ((log = calloc(1, sizeof(*log))) == NULL)
		return CA_ERR_ALLOC;
	if ((r = open_where(where, &log->fd, &log->own)) != CA_OK) {
		free(log);
		return r;
	}
	pthread_mutex_init(&log->mu, NULL);
	*out = log;
	return CA_OK;
}

void
svc_accesslog_free(struct svc_accesslog *log)
{
	if (log == NULL)
		return;
	if (log->own)
		close(log->fd);
	pthread_mutex_destroy(&log->mu);
	free(log);
}

int
svc_accesslog_reopen(struct svc_accesslog *log, const char *where)
{
	int fd, r;
	bool own;

	if ((r = open_where(where, &fd, &own)) != CA_OK)
		return r;
	pthread_mutex_lock(&log->mu);
	if (log->own)
		close(log->fd);
	log->fd = fd;
	log->own = own;
	pthread_mutex_unlock(&log->mu);
	return CA_OK;
}

void
svc_accesslog_line(struct svc_accesslog *log, struct evbuffer *buf, const char *when,
		   const char *peer, const char *method, const char *path, int status,
		   size_t bytes, const char *outcome, int64_t usec)
{
	char shown[PATH_SHOWN + 4];
	size_t i;

	if (log->fd < 0)	/* racy read is fine: off stays off until a reload */
		return;
	for (i = 0; path[i] != '\0' && i < PATH_SHOWN; i++)
		shown[i] = (path[i] > ' ' && path[i] < 0x7f && path[i] != '"') ? path[i] : '?';
	if (path[i] != '\0') {
		memcpy(shown + i, "...", 3);
		i += 3;
	}
	shown[i] = '\0';
	if (status == 0)	/* no request got through: no status of ours */
		evbuffer_add_printf(buf, "%s %s \"%s %s\" - %zu %s -\n", when, peer, method, shown,
				    bytes, outcome);
	else
		evbuffer_add_printf(buf, "%s %s \"%s %s\" %d %zu %s %lldus\n", when, peer, method,
				    shown, status, bytes, outcome, (long long)usec);
}

void
svc_accesslog_flush(struct svc_accesslog *log, struct evbuffer *buf, int force)
{
	size_t len = evbuffer_get_length(buf);

	if (len == 0 || (!force && len < FLUSH_AT))
		return;
	pthread_mutex_lock(&log->mu);
	while (log->fd >= 0 && evbuffer_get_length(buf) > 0)
		if (evbuffer_write(buf, log->fd) < 0 && errno != EINTR)
			break;	/* the log cannot keep up or is gone: drop, never stall */
	pthread_mutex_unlock(&log->mu);
	evbuffer_drain(buf, evbuffer_get_length(buf));
}
