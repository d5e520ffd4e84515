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

int
svc_api_body_fields(const char *body, size_t len, const struct svc_api_field *fields,
		    size_t nfields, char *whybuf, size_t whylen)
{
	json_error_t err;
	json_t *root = NULL, *v;
	const char *key;
	char names[160] = "";
	size_t i, n, used = 0;
	int st = 400;

	svc_api_json_init();
	for (i = 0; i < nfields; i++) {
		memset(fields[i].buf, 0, fields[i].size);
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i > 0 ? ", " : "", fields[i].name);
	}
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
		for (i = 0; i < nfields && strcmp(fields[i].name, key) != 0; i++)
			;
		if (i == nfields) {
			snprintf(whybuf, whylen, "unknown member \"%.40s\" (%s)", key, names);
			goto out;
		}
		if (!json_is_string(v)) {
			snprintf(whybuf, whylen, "\"%s\" must be a string", key);
			goto out;
		}
		n = json_string_length(v);
		if (n >= fields[i].size || memchr(json_string_value(v), '\0', n) != NULL) {
			snprintf(whybuf, whylen, "\"%s\" is too long or holds a NUL", key);
			goto out;
		}
		memcpy(fields[i].buf, json_string_value(v), n + 1);
	}
	for (i = 0; i < nfields; i++) {
		if (fields[i].required && fields[i].buf[0] == '\0') {
			snprintf(whybuf, whylen, "\"%s\" is required", fields[i].name);
			goto out;
		}
	}
	st = 200;
out:
	for (i = 0; st != 200 && i < nfields; i++)
		OPENSSL_cleanse(fields[i].buf, fields[i].size);
	json_decref(root);	/* zeroised as it is freed (zfree) */
	return st;
}

int
svc_api_body_parse(const char *body, size_t len, struct svc_holder_form *out,
		   char *whybuf, size_t whylen)
{
	const struct svc_api_field fields[] = {
		{ "email", out->email, sizeof(out->email), false },
		{ "mobile", out->mobile, sizeof(out->mobile), false },
		{ "code", out->code, sizeof(out->code), false },
	};
	int st;

	memset(out, 0, sizeof(*out));
	st = svc_api_body_fields(body, len, fields, sizeof(fields) / sizeof(fields[0]), whybuf,
				 whylen);
	if (st != 200)
		svc_holder_form_clear(out);
	return st;
}
