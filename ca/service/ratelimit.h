/*
 * ca/service/ratelimit: requests per second per client address, a token
 * bucket each (rate per second, burst), shared by all workers. The table
 * has a fixed size and no allocation: addresses hash into 64k buckets and
 * two addresses that collide share one (a conservative error: it can only
 * limit sooner). Buckets are striped over 64 mutexes.
 */
#ifndef CC_SVC_RATELIMIT_H
#define CC_SVC_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct svc_ratelimit;

/* @rate requests per second per address (0: unlimited), bursts of @burst. */
int svc_ratelimit_new(unsigned rate, unsigned burst, struct svc_ratelimit **out);
void svc_ratelimit_free(struct svc_ratelimit *rl);

/* New limits (after a reload); buckets keep their state. */
void svc_ratelimit_set(struct svc_ratelimit *rl, unsigned rate, unsigned burst);

/* May @addr make one more request at @now_ns (a monotonic clock)? */
bool svc_ratelimit_allow(struct svc_ratelimit *rl, const char *addr, int64_t now_ns);

#endif
