/*
 * ca/service/store.c: see store.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/service/store.h"

#define STRIPES 64	/* power of two */

struct entry {
	struct entry *next;
	uint32_t hash;
	uint8_t issuer, len;
	unsigned char serial[SVC_SERIAL_MAX];
	int64_t block_seq;	/* last revocation seen in the change feed */
	int64_t basis[CA_OCSP_NHASH];
	bool revoked[CA_OCSP_NHASH];
	struct svc_blob *resp[CA_OCSP_NHASH];
};

struct stripe {
	pthread_mutex_t mu;
	struct entry **b;
	size_t nb, n;
};

struct svc_store {
	struct stripe s[STRIPES];
};

int
svc_store_new(struct svc_store **out)
{
	struct svc_store *st;
	int i;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_init(&st->s[i].mu, NULL);
	*out = st;
	return CA_OK;
}

static void
entry_free(struct entry *e)
{
	int h;

	for (h = 0; h < CA_OCSP_NHASH; h++)
		svc_blob_unref(e->resp[h]);
	free(e);
}

void
svc_store_free(struct svc_store *st)
{
	struct entry *e, *next;
	size_t k;
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < STRIPES; i++) {
		for (k = 0; k < st->s[i].nb; k++)
			for (e = st->s[i].b[k]; e != NULL; e = next) {
				next = e->next;
				entry_free(e);
			}
		free(st->s[i].b);
		pthread_mutex_destroy(&st->s[i].mu);
	}
	free(st);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
svc_serial_from_hex(const char *hex, unsigned char *out, size_t *len)
{
	size_t n = strlen(hex), i, o = 0;
	int hi, lo;

	while (n > 1 && *hex == '0') {	/* leading zero digits carry nothing */
		hex++;
		n--;
	}
	if (n == 0 || (n + 1) / 2 > SVC_SERIAL_MAX)
		return false;
	i = 0;
	if (n % 2 == 1) {	/* a lone first nibble */
		if ((lo = hexval(hex[0])) < 0)
			return false;
		out[o++] = (unsigned char)lo;
		i = 1;
	}
	for (; i < n; i += 2) {
		if ((hi = hexval(hex[i])) < 0 || (lo = hexval(hex[i + 1])) < 0)
			return false;
		out[o++] = (unsigned char)(hi << 4 | lo);
	}
	/* "0" is the one serial whose magnitude is empty */
	if (o == 1 && out[0] == 0)
		o = 0;
	*len = o;
	return true;
}

/* FNV-1a over the key. */
static uint32_t
key_hash(int issuer, const unsigned char *serial, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)issuer;
	size_t i;

	h *= 16777619u;
	for (i = 0; i < len; i++) {
		h ^= serial[i];
		h *= 16777619u;
	}
	return h;
}

static struct entry *
find_locked(struct stripe *sp, uint32_t h, int issuer, const unsigned char *serial, size_t len)
{
	struct entry *e;

	if (sp->nb == 0)
		return NULL;
	for (e = sp->b[(h / STRIPES) & (sp->nb - 1)]; e != NULL; e = e->next)
		if (e->hash == h && e->issuer == issuer && e->len == len &&
		    memcmp(e->serial, serial, len) == 0)
			return e;
	return NULL;
}

static int
grow_locked(struct stripe *sp)
{
	size_t nb = sp->nb ? sp->nb * 2 : 64, k;
	struct entry **b, *e, *next;

	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return CA_ERR_ALLOC;
	for (k = 0; k < sp->nb; k++)
		for (e = sp->b[k]; e != NULL; e = next) {
			next = e->next;
			e->next = b[(e->hash / STRIPES) & (nb - 1)];
			b[(e->hash / STRIPES) & (nb - 1)] = e;
		}
	free(sp->b);
	sp->b = b;
	sp->nb = nb;
	return CA_OK;
}

/* The entry for (@issuer, @hex), created if absent; stripe locked on CA_OK. */
static int
entry_get(struct svc_store *st, int issuer, const char *hex, bool create, struct stripe **spp,
	  struct entry **out)
{
	unsigned char serial[SVC_SERIAL_MAX];
	size_t len = 0;
	struct stripe *sp;
	struct entry *e;
	uint32_t h;
	int r;

	if (issuer < 0 || issuer > 255 || !svc_serial_from_hex(hex, serial, &len))
		return CA_ERR_USAGE;
	h = key_hash(issuer, serial, len);
	sp = &st->s[h & (STRIPES - 1)];
	pthread_mutex_lock(&sp->mu);
	if ((e = find_locked(sp, h, issuer, serial, len)) == NULL && create) {
		if (sp->n >= sp->nb && (r = grow_locked(sp)) != CA_OK) {
			pthread_mutex_unlock(&sp->mu);
			return r;
		}
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			pthread_mutex_unlock(&sp->mu);
			return CA_ERR_ALLOC;
		}
		e->hash = h;
		e->issuer = (uint8_t)issuer;
		e->len = (uint8_t)len;
		memcpy(e->serial, serial, len);
		e->next = sp->b[(h / STRIPES) & (sp->nb - 1)];
		sp->b[(h / STRIPES) & (sp->nb - 1)] = e;
		sp->n++;
	}
	*spp = sp;
	*out = e;
	return CA_OK;
}

enum svc_lookup
svc_store_get(struct svc_store *st, int issuer, const unsigned char *serial, size_t len,
	      int hash, int64_t now, struct svc_blob **resp, bool *revoked)
{
	uint32_t h = key_hash(issuer, serial, len);
	struct stripe *sp = &st->s[h & (STRIPES - 1)];
	enum svc_lookup r = SVC_NOT_ISSUED;
	struct entry *e;

	if (hash < 0 || hash >= CA_OCSP_NHASH || len > SVC_SERIAL_MAX)
		return SVC_NOT_ISSUED;
	pthread_mutex_lock(&sp->mu);
	if ((e = find_locked(sp, h, issuer, serial, len)) != NULL) {
		r = SVC_NOT_READY;
		/* the invariant (store.h): never older than the last revocation */
		if (e->resp[hash] != NULL && e->basis[hash] >= e->block_seq &&
		    e->resp[hash]->next_update > now && e->resp[hash]->this_update <= now + 60) {
			*resp = svc_blob_ref(e->resp[hash]);
			*revoked = e->revoked[hash];
			r = SVC_READY;
		}
	}
	pthread_mutex_unlock(&sp->mu);
	return r;
}

int
svc_store_add(struct svc_store *st, int issuer, const char *serial)
{
	struct stripe *sp;
	struct entry *e;
	int r;

	if ((r = entry_get(st, issuer, serial, true, &sp, &e)) != CA_OK)
		return r;
	pthread_mutex_unlock(&sp->mu);
	return CA_OK;
}

int
svc_store_block(struct svc_store *st, int issuer, const char *serial, int64_t seq)
{
	struct stripe *sp;
	struct entry *e;
	int r;

	if ((r = entry_get(st, issuer, serial, true, &sp, &e)) != CA_OK)
		return r;
	if (seq > e->block_seq)
		e->block_seq = seq;
	pthread_mutex_unlock(&sp->mu);
	return CA_OK;
}

int
svc_store_put(struct svc_store *st, int issuer, const struct ca_ocsp_resp *r)
{
	struct svc_blob *b, *old;
	struct stripe *sp;
	struct entry *e;
	int e2;

	if (r->hash < 0 || r->hash >= CA_OCSP_NHASH)
		return CA_ERR_USAGE;
	if ((b = svc_blob_new(r->der, r->len, r->this_update, r->next_update)) == NULL)
		return CA_ERR_ALLOC;
	if ((e2 = entry_get(st, issuer, r->serial, true, &sp, &e)) != CA_OK) {
		svc_blob_unref(b);
		return e2;
	}
	old = e->resp[r->hash];
	e->resp[r->hash] = b;
	e->basis[r->hash] = r->basis;
	e->revoked[r->hash] = r->revoked;
	pthread_mutex_unlock(&sp->mu);
	svc_blob_unref(old);
	return CA_OK;
}

void
svc_store_counts(struct svc_store *st, int64_t now, size_t *entries, size_t *ready)
{
	struct entry *e;
	size_t n = 0, ok = 0, k;
	int i, h, good;

	for (i = 0; i < STRIPES; i++) {
		pthread_mutex_lock(&st->s[i].mu);
		n += st->s[i].n;
		for (k = 0; k < st->s[i].nb; k++)
			for (e = st->s[i].b[k]; e != NULL; e = e->next) {
				for (good = 0, h = 0; h < CA_OCSP_NHASH; h++)
					good += e->resp[h] != NULL && e->basis[h] >= e->block_seq &&
						e->resp[h]->next_update > now;
				ok += good == CA_OCSP_NHASH;
			}
		pthread_mutex_unlock(&st->s[i].mu);
	}
	*entries = n;
	*ready = ok;
}
