/*
 * ca/service/portal: the identity portal's pages (issue 17) — plain HTML,
 * CSS and JavaScript files shipped in $(pkgdatadir)/portal (serve.portal),
 * read once at start-up and served from memory under /portal/ over HTTPS.
 * The pages hold no registry data: their scripts fetch the JSON API
 * (api.c) from the same origin and render it as text.
 *
 *   /portal/                 My profile (me.html)
 *   /portal/person/UUID      a person's record (person.html)
 *   /portal/terms            the terms and conditions to accept (terms.html)
 *   /portal/ASSET            the pages' style sheet and scripts
 *
 * Every answer carries the portal's security headers (svc_portal_headers).
 */
#ifndef CC_SVC_PORTAL_H
#define CC_SVC_PORTAL_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>

#include "ca/service/reply.h"

struct svc;
struct svc_portal;

/* The directory the pages are read from when serve.portal does not say. */
#ifdef CC_PKGDATADIR
#define SVC_PORTAL_DIR CC_PKGDATADIR "/portal"
#else
#define SVC_PORTAL_DIR "/usr/share/carecard/portal"
#endif

/* Every file of @dir into *@out; CA_OK, or an error with @err saying which
 * file (the service then serves no portal: serve.c logs it). */
int svc_portal_load(const char *dir, struct svc_portal **out, char *err, size_t errlen);
void svc_portal_free(struct svc_portal *p);

bool svc_portal_path(const char *path);

/* @path (svc_portal_path) answered from @p (NULL: not loaded, 404). */
void svc_portal_handle(const struct svc_portal *p, struct evhttp_request *req, const char *path,
		       struct svc_reply *out);

/*
 * The headers of every portal and API answer: a Content-Security-Policy
 * that allows this origin's scripts, styles and fetches and nothing else
 * (no inline script or style, no framing, no form posts elsewhere),
 * nosniff, no Referer. (Their Cache-Control is the handler's no-store, as
 * for every answer made through svc_reply: nothing a card's holder was
 * shown is kept by a cache.)
 */
void svc_portal_headers(struct evkeyvalq *out);

#endif
