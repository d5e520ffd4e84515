/*
 * ca/service/site.c: see site.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca/service/site.h"

struct svc_site *
svc_site_new(void)
{
	struct svc_site *s = calloc(1, sizeof(*s));

	if (s != NULL)
		atomic_init(&s->ref, 1);
	return s;
}

struct svc_site *
svc_site_dup(const struct svc_site *from)
{
	struct svc_site *s = malloc(sizeof(*s));
	unsigned i;

	if (s == NULL)
		return NULL;
	memcpy(s, from, sizeof(*s));
	atomic_init(&s->ref, 1);
	for (i = 0; i < CA_PUB_MAX; i++)
		svc_blob_ref(s->obj[i]);
	svc_blob_ref(s->policy);
	svc_blob_ref(s->policy_sha256);
	return s;
}

struct svc_site *
svc_site_ref(struct svc_site *s)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->ref, 1, memory_order_relaxed);
	return s;
}

void
svc_site_unref(struct svc_site *s)
{
	unsigned i;

	if (s == NULL || atomic_fetch_sub_explicit(&s->ref, 1, memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < CA_PUB_MAX; i++)
		svc_blob_unref(s->obj[i]);
	svc_blob_unref(s->policy);
	svc_blob_unref(s->policy_sha256);
	free(s);
}

void
svc_site_set(struct svc_site *s, unsigned i, struct svc_blob *b)
{
	if (i >= CA_PUB_MAX) {
		svc_blob_unref(b);
		return;
	}
	svc_blob_unref(s->obj[i]);
	s->obj[i] = b;
}

int
svc_site_find(const struct svc_site *s, const char *path, size_t len)
{
	unsigned i;

	for (i = 0; i < s->names.n; i++)
		if (strlen(s->names.item[i].path) == len &&
		    memcmp(s->names.item[i].path, path, len) == 0)
			return (int)i;
	return -1;
}

int
svc_site_find_ocsp_get(const struct svc_site *s, const char *path, size_t len)
{
	const struct ca_pub_item *it;
	unsigned i;
	size_t l;

	for (i = 0; i < s->names.n; i++) {
		it = &s->names.item[i];
		l = strlen(it->path);
		if (it->kind == CA_PUB_OCSP && len > l + 1 && memcmp(it->path, path, l) == 0 &&
		    path[l] == '/')
			return (int)i;
	}
	return -1;
}

void
svc_current_init(struct svc_current *c)
{
	pthread_mutex_init(&c->mu, NULL);
	c->site = NULL;
	atomic_init(&c->gen, 0);
}

void
svc_current_destroy(struct svc_current *c)
{
	svc_site_unref(c->site);
	c->site = NULL;
	pthread_mutex_destroy(&c->mu);
}

void
svc_current_swap(struct svc_current *c, struct svc_site *s)
{
	struct svc_site *old;

	pthread_mutex_lock(&c->mu);
	old = c->site;
	c->site = s;
	atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
	pthread_mutex_unlock(&c->mu);
	svc_site_unref(old);
}

struct svc_site *
svc_current_get(struct svc_current *c)
{
	struct svc_site *s;

	pthread_mutex_lock(&c->mu);
	s = svc_site_ref(c->site);
	pthread_mutex_unlock(&c->mu);
	return s;
}
