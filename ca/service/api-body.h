/*
 * ca/service/api-body: the JSON body of a portal API request (api.c) — one
 * object whose members are all known strings — into the same fields as the
 * holder's form bodies (struct svc_holder_form): "email", "mobile", "code".
 * Parsed by libjansson; never our own JSON parser.
 */
#ifndef CC_SVC_API_BODY_H
#define CC_SVC_API_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "ca/service/holder-form.h"

#define SVC_API_BODY_MAX 4096	/* bytes: larger is 413 */

/*
 * Install jansson's allocator for the process (once; every jansson user
 * calls it first): its blocks are zeroised when freed, since bodies hold
 * one-time codes. Memory jansson hands out must go back through it.
 */
void svc_api_json_init(void);

/*
 * Parse @len bytes of @body into @out (zeroed first): 200, 413 (larger than
 * SVC_API_BODY_MAX) or 400 (not JSON, not one object, a duplicate or
 * unknown member, a value that is not a string, too long or holds a NUL),
 * with *@why saying why in @whybuf (@whylen bytes, line and column for
 * malformed JSON). svc_holder_form_clear() zeroises the code.
 */
int svc_api_body_parse(const char *body, size_t len, struct svc_holder_form *out,
		       char *whybuf, size_t whylen);

/* One string member of a body: where it goes, its size with the NUL. */
struct svc_api_field {
	const char *name;
	char *buf;
	size_t size;
	bool required;
};

/*
 * Parse @len bytes of @body, one JSON object of string members, each one of
 * @fields (all zeroed first; absent members stay ""): 200, 413 or 400 as
 * svc_api_body_parse, with *@why naming the member (and a missing required
 * one). On failure every field is zeroised.
 */
int svc_api_body_fields(const char *body, size_t len, const struct svc_api_field *fields,
			size_t nfields, char *whybuf, size_t whylen);

#endif
