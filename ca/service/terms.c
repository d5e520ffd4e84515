/*
 * ca/service/terms.c: see terms.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/service/svc.h"
#include "ca/service/terms.h"
#include "common/fileio.h"

struct svc_terms {
	atomic_uint refs;
	char version[2 * 32 + 1];
	char *text;
	size_t len;
};

void
svc_terms_put(struct svc_terms *t)
{
	if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	free(t->text);
	free(t);
}

int
svc_terms_load(const char *path, struct svc_terms **out, char *err, size_t errlen)
{
	struct svc_terms *t = NULL;
	unsigned char *buf = NULL, md[32];
	unsigned int mdlen = 0;
	json_t *probe;
	size_t len = 0, i;
	int e;

	*out = NULL;
	if ((e = util_file_read_all(path, SVC_TERMS_MAX, &buf, &len)) != 0) {
		snprintf(err, errlen, "terms: %s: %s (at most %d KiB of UTF-8 text)", path,
			 strerror(-e), SVC_TERMS_MAX / 1024);
		return CA_ERR_IO;
	}
	/* Text for a page: UTF-8 (jansson checks), no NUL, something to read. */
	probe = len > 0 && memchr(buf, '\0', len) == NULL ? json_stringn((char *)buf, len) : NULL;
	if (probe == NULL) {
		snprintf(err, errlen, "terms: %s: %s", path, len == 0 ? "the file is empty" :
			 "not UTF-8 text: save it as UTF-8");
		free(buf);
		return CA_ERR_USAGE;
	}
	json_decref(probe);
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->text = malloc(len + 1)) == NULL ||
	    EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md)) {
		if (t != NULL)
			free(t->text);
		free(t);
		free(buf);
		snprintf(err, errlen, "terms: %s: out of memory", path);
		return CA_ERR_ALLOC;
	}
	memcpy(t->text, buf, len);
	t->text[len] = '\0';
	t->len = len;
	for (i = 0; i < sizeof(md); i++)
		snprintf(t->version + 2 * i, 3, "%02x", md[i]);
	atomic_init(&t->refs, 1);
	free(buf);
	*out = t;
	return CA_OK;
}

struct svc_terms *
svc_terms_get(struct svc *svc)
{
	struct svc_terms *t;

	pthread_mutex_lock(&svc->mu);
	t = svc->terms;
	if (t != NULL)
		atomic_fetch_add(&t->refs, 1);
	pthread_mutex_unlock(&svc->mu);
	return t;
}

void
svc_terms_set(struct svc *svc, struct svc_terms *t)
{
	struct svc_terms *old;

	pthread_mutex_lock(&svc->mu);
	old = svc->terms;
	svc->terms = t;
	pthread_mutex_unlock(&svc->mu);
	svc_terms_put(old);
}

const char *
svc_terms_version(const struct svc_terms *t)
{
	return t->version;
}

const char *
svc_terms_text(const struct svc_terms *t, size_t *len)
{
	if (len != NULL)
		*len = t->len;
	return t->text;
}
