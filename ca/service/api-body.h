/*
 * ca/service/api-body: the JSON body of a portal API request (api.c) — one
 * object whose members are all known strings — into the same fields as the
 * holder's form bodies (struct svc_holder_form): "email", "mobile", "code".
 * Parsed by libjansson; never our own JSON parser.
 */
#ifndef CC_SVC_API_BODY_H
#define CC_SVC_API_BODY_H

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

#endif
