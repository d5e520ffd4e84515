/*
 * carecard logging: syslog always (LOG_AUTHPRIV, so audit lines land where
 * administrators look for authentication events), optionally mirrored to
 * stderr (CARECARD_LOG_STDERR=1) or appended to a file (CARECARD_LOG_FILE),
 * which is how the tests read what was logged. CARECARD_LOG_SYSLOG=0 turns
 * the syslog copy off (the test suite does).
 *
 * Never pass a passcode, SO secret or key byte to these functions: log
 * lengths and outcomes, not values.
 */
#ifndef CC_COMMON_LOG_H
#define CC_COMMON_LOG_H

#include <syslog.h>

/* Component name prefixed to every line ("carecard-pkcs11", "carecard-ca"). */
void util_log_set_ident(const char *ident);

void util_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log every queued OpenSSL error, prefixed by @where, and empty the queue. */
void util_log_ossl_errors(const char *where);

/*
 * The last error (LOG_ERR or worse) this thread logged, whatever the sinks:
 * a front end shows it when an operation failed without saying why, so an
 * error reaches the person even with every log sink off. "" if none since
 * util_log_error_clear().
 */
const char *util_log_last_error(void);
void util_log_error_clear(void);

/* Replace the last error with a sentence for a person (not logged). */
void util_log_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
