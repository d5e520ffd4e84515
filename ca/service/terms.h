/*
 * ca/service/terms: the portal's terms and conditions (issue 17). The CA
 * operator installs a text file and names it in the settings (serve.terms);
 * the service reads it at start and on SIGHUP (a reload), and its version
 * is the SHA-256 of the file's bytes in lower-case hex — so any change to
 * the text is a new version, which every holder is asked to accept again
 * (nobody has to remember to bump a number). The text is UTF-8, at most
 * SVC_TERMS_MAX bytes, and is shown as plain text.
 *
 * A loaded text is immutable and reference-counted: a request holds the
 * one it started with while a reload puts in another.
 */
#ifndef CC_SVC_TERMS_H
#define CC_SVC_TERMS_H

#include <stddef.h>

struct svc;
struct svc_terms;

#define SVC_TERMS_MAX (256 * 1024)

/* Read @path into *@out: CA_OK, or an error with @err saying what to fix. */
int svc_terms_load(const char *path, struct svc_terms **out, char *err, size_t errlen);

/* The current terms with a reference of the caller's (NULL: none configured). */
struct svc_terms *svc_terms_get(struct svc *svc);
void svc_terms_put(struct svc_terms *t);

/* Make @t (may be NULL; its reference passes to @svc) the current terms. */
void svc_terms_set(struct svc *svc, struct svc_terms *t);

/* The version (64 hex digits) and the text (NUL-terminated, @len bytes). */
const char *svc_terms_version(const struct svc_terms *t);
const char *svc_terms_text(const struct svc_terms *t, size_t *len);

#endif
