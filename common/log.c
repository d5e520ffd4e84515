#include "config.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>

static const char *log_ident = "carecard";

/* Per thread: the CA serves several requests at once. */
static __thread char last_error[512];

/*
 * Is there a syslog socket? Without one glibc's syslog() creates a socket,
 * fails to connect and closes it again on every message, under its own
 * process-wide lock, and then drops the message: a cost paid on every
 * audited signature for nothing. Look for /dev/log at most once a second
 * (monotonic clock) and skip syslog() while it is absent.
 */
static bool
syslog_available(void)
{
	/* Atomics, not a mutex: this runs once per audited signature in every
	 * signing thread, and a shared lock there costs multi-thread scaling.
	 * Two threads racing past the second both stat(); that is harmless. */
	static int64_t checked_ms = -1;
	static bool present;
	struct timespec ts;
	struct stat st;
	int64_t now, last;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	last = __atomic_load_n(&checked_ms, __ATOMIC_ACQUIRE);
	if (last < 0 || now - last >= 1000) {
		__atomic_store_n(&present, stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&checked_ms, now, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&present, __ATOMIC_RELAXED);
}

void
util_log_set_ident(const char *ident)
{
	if (ident != NULL)
		log_ident = ident;
}

static const char *
prio_name(int prio)
{
	switch (prio & LOG_PRIMASK) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/*
 * One write() per line with O_APPEND keeps lines from concurrent threads and
 * processes whole.
 */
static void
log_to_fd(int fd, const char *msg)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s[%ld]: %s\n", log_ident, (long)getpid(), msg);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	while (write(fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

void
util_log(int prio, const char *fmt, ...)
{
	char msg[1536];
	const char *sys = getenv("CARECARD_LOG_SYSLOG"), *err = getenv("CARECARD_LOG_STDERR");
	const char *file = getenv("CARECARD_LOG_FILE");
	bool to_syslog, to_stderr, to_file, is_error;
	va_list ap;
	int saved = errno;

	/* CARECARD_LOG_SYSLOG=0 keeps test runs (thousands of corrupt-image
	 * lines) out of the system log; everything else always reaches it.
	 * Read per call: tests switch the sinks between fixtures. */
	to_syslog = ((prio & LOG_PRIMASK) != LOG_DEBUG || getenv("CARECARD_DEBUG") != NULL) &&
		    (sys == NULL || strcmp(sys, "0") != 0) && syslog_available();
	to_stderr = err != NULL && *err != '\0' && strcmp(err, "0") != 0;
	to_file = file != NULL && *file != '\0';
	is_error = (prio & LOG_PRIMASK) <= LOG_ERR;
	if (!to_syslog && !to_stderr && !to_file && !is_error) {
		errno = saved;	/* the /dev/log check may have set it */
		return;		/* nothing to format for */
	}

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (is_error) {
		size_t n = strnlen(msg, sizeof(last_error) - 1);

		memcpy(last_error, msg, n);
		last_error[n] = '\0';
	}
	if (to_syslog)
		syslog(LOG_AUTHPRIV | (prio & LOG_PRIMASK), "%s: %s: %s", log_ident,
		       prio_name(prio), msg);
	if (to_stderr)
		log_to_fd(STDERR_FILENO, msg);
	if (to_file) {
		int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0) {
			log_to_fd(fd, msg);
			close(fd);
		}
	}
	errno = saved;
}

void
util_log_ossl_errors(const char *where)
{
	unsigned long e;
	const char *file = NULL, *data = NULL;
	int line = 0, flags = 0;
	char buf[256];

	while ((e = ERR_get_error_all(&file, &line, NULL, &data, &flags)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		util_log(LOG_ERR, "%s: openssl: %s%s%s", where, buf,
			 (flags & ERR_TXT_STRING) && data ? ": " : "",
			 (flags & ERR_TXT_STRING) && data ? data : "");
	}
}

const char *
util_log_last_error(void)
{
	return last_error;
}

void
util_log_error_clear(void)
{
	last_error[0] = '\0';
}

void
util_log_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}
