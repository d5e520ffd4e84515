/*
 * ca/service/holder-form: the bodies of the holder's requests (unlock, contact) —
 * application/x-www-form-urlencoded, parsed by libevent
 * (evhttp_parse_query_str), the card's request key base64 (OpenSSL).
 * Separate from holder.c so it can be fuzzed without a service
 * (tests/fuzz/fuzz-holder-form.c).
 */
#ifndef CC_SVC_HOLDER_FORM_H
#define CC_SVC_HOLDER_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_HOLDER_FORM_MAX 8192	/* bytes of body */
#define SVC_HOLDER_KEY_MAX 2048		/* bytes of DER SubjectPublicKeyInfo */

struct svc_holder_form {
	char card[40];			/* "" when absent */
	char code[40];			/* "" when absent; zeroised by _clear */
	char email[256], mobile[40];	/* a new contact address; "" when absent */
	unsigned char key[SVC_HOLDER_KEY_MAX];
	size_t keylen;			/* 0 when absent */
};

/*
 * Parse @body (@len bytes) sent as @ctype into @out: 200, or 415 (not a
 * form), 413 (too large) or 400 (malformed, a field too long, a key that is
 * not base64), *why (static text) saying why. The body's copies are
 * zeroised before they are freed.
 */
int svc_holder_form_parse(const char *ctype, const unsigned char *body, size_t len,
			  struct svc_holder_form *out, const char **why);

/* Zeroise @f (the code is a secret). */
void svc_holder_form_clear(struct svc_holder_form *f);

#endif
