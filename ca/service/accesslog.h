/*
 * ca/service/accesslog: one line per request, buffered per worker and
 * written in chunks (every 100 ms or 32 KiB), so logging costs a
 * formatted line, not a system call, per request. Lines carry no secrets:
 * time, client address, method, path (truncated, control characters as
 * '?'), status, bytes, outcome, duration. "-" is standard output (the
 * journal under systemd), "off" logs nothing; SIGHUP reopens a file, so
 * logrotate works.
 */
#ifndef CC_SVC_ACCESSLOG_H
#define CC_SVC_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct svc_accesslog;

int svc_accesslog_open(const char *where, struct svc_accesslog **out);
void svc_accesslog_free(struct svc_accesslog *log);

/* Switch to @where (reopen); the old stream is kept on failure. */
int svc_accesslog_reopen(struct svc_accesslog *log, const char *where);

/* Append one line to @buf (a worker's buffer). */
void svc_accesslog_line(struct svc_accesslog *log, struct evbuffer *buf, const char *when,
			const char *peer, const char *method, const char *path, int status,
			size_t bytes, const char *outcome, int64_t usec);

/* Write out @buf if @force, or it is large. */
void svc_accesslog_flush(struct svc_accesslog *log, struct evbuffer *buf, int force);

#endif
