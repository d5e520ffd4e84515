/*
 * ca/service/ratelimit.c: see ratelimit.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ca/core/error.h"
#include "ca/service/ratelimit.h"

#define BUCKETS 65536
#define LOCKS 64

struct bucket {
	uint64_t key;		/* 0 = never used */
	double tokens;
	int64_t last_ns;
};

struct svc_ratelimit {
	atomic_uint rate, burst;
	pthread_mutex_t mu[LOCKS];
	struct bucket b[BUCKETS];
};

int
svc_ratelimit_new(unsigned rate, unsigned burst, struct svc_ratelimit **out)
{
	struct svc_ratelimit *rl;
	int i;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < LOCKS; i++)
		pthread_mutex_init(&rl->mu[i], NULL);
	svc_ratelimit_set(rl, rate, burst);
	*out = rl;
	return CA_OK;
}

void
svc_ratelimit_free(struct svc_ratelimit *rl)
{
	int i;

	if (rl == NULL)
		return;
	for (i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&rl->mu[i]);
	free(rl);
}

void
svc_ratelimit_set(struct svc_ratelimit *rl, unsigned rate, unsigned burst)
{
	atomic_store(&rl->rate, rate);
	atomic_store(&rl->burst, burst > 0 ? burst : 1);
}

/* FNV-1a, 64 bits; never 0 (0 marks a free bucket). */
static uint64_t
addr_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

bool
svc_ratelimit_allow(struct svc_ratelimit *rl, const char *addr, int64_t now_ns)
{
	unsigned rate = atomic_load_explicit(&rl->rate, memory_order_relaxed);
	unsigned burst = atomic_load_explicit(&rl->burst, memory_order_relaxed);
	uint64_t h;
	struct bucket *b;
	pthread_mutex_t *mu;
	bool ok;

	if (rate == 0)
		return true;
	h = addr_hash(addr);
	b = &rl->b[h % BUCKETS];
	mu = &rl->mu[(h % BUCKETS) % LOCKS];
	pthread_mutex_lock(mu);
	if (b->key == 0) {		/* first use: a full bucket */
		b->key = h;
		b->tokens = burst;
		b->last_ns = now_ns;
	} else if (now_ns > b->last_ns) {	/* colliding addresses share it */
		b->tokens += (double)(now_ns - b->last_ns) * rate / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last_ns = now_ns;
	}
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(mu);
	return ok;
}
