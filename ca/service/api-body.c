/*
 * ca/service/api-body.c: see api-body.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "ca/service/api-body.h"

/*
 * jansson's copies of a body hold one-time codes: its memory is zeroised
 * when freed (the size kept in front of each block, since jansson's free
 * function is not told it). Installed once for the process.
 */
union zhead {
	size_t n;
	max_align_t align;
};

static void *
zalloc(size_t n)
{
	union zhead *h = n <= SIZE_MAX - sizeof(*h) ? malloc(sizeof(*h) + n) : NULL;

	if (h == NULL)
		return NULL;
	h->n = n;
	return h + 1;
}

static void
zfree(void *p)
{
	union zhead *h = p;

	if (p == NULL)
		return;
	h--;
	OPENSSL_cleanse(h + 1, h->n);
	free(h);
}

static pthread_once_t zonce = PTHREAD_ONCE_INIT;

static void
zinstall(void)
{
	json_set_alloc_funcs(zalloc, zfree);
}

void
svc_api_json_init(void)
{
	pthread_once(&zonce, zinstall);
}

/* Where each member goes. */
static char *
field(struct svc_holder_form *f, const char *name, size_t *size)
{
	if (strcmp(name, "email") == 0) {
		*size = sizeof(f->email);
		return f->email;
	}
	if (strcmp(name, "mobile") == 0) {
		*size = sizeof(f->mobile);
		return f->mobile;
	}
	if (strcmp(name, "code") == 0) {
		*size = sizeof(f->code);
		return f->code;
	}
	return NULL;
}

int
svc_api_body_parse(const char *body, size_t len, struct svc_holder_form *out,
		   char *whybuf, size_t whylen)
{
	json_error_t err;
	json_t *root = NULL, *v;
	const char *key;
	size_t size, n;
	char *dst;
	int st = 400;

	memset(out, 0, sizeof(*out));
	svc_api_json_init();
	if (len > SVC_API_BODY_MAX) {
		snprintf(whybuf, whylen, "the body is larger than %d bytes", SVC_API_BODY_MAX);
		return 413;
	}
	if (body == NULL || len == 0) {
		snprintf(whybuf, whylen, "send a JSON object");
		return 400;
	}
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		snprintf(whybuf, whylen, "not JSON: line %d, column %d: %s", err.line, err.column,
			 err.text);
		return 400;
	}
	if (!json_is_object(root)) {
		snprintf(whybuf, whylen, "send a JSON object, not another JSON value");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if ((dst = field(out, key, &size)) == NULL) {
			snprintf(whybuf, whylen, "unknown member \"%.40s\" (email, mobile or code)",
				 key);
			goto out;
		}
		if (!json_is_string(v)) {
			snprintf(whybuf, whylen, "\"%s\" must be a string", key);
			goto out;
		}
		n = json_string_length(v);
		if (n >= size || memchr(json_string_value(v), '\0', n) != NULL) {
			snprintf(whybuf, whylen, "\"%s\" is too long or holds a NUL", key);
			goto out;
		}
		memcpy(dst, json_string_value(v), n + 1);
	}
	st = 200;
out:
	if (st != 200)
		svc_holder_form_clear(out);
	json_decref(root);	/* zeroised as it is freed (zfree) */
	return st;
}
