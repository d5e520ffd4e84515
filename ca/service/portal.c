/*
 * ca/service/portal.c: see portal.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>

#include "ca/core/error.h"
#include "ca/service/blob.h"
#include "ca/service/portal.h"
#include "common/fileio.h"

#define PREFIX "/portal/"
#define PERSON PREFIX "person/"		/* + UUID */
#define FILE_MAX (512 * 1024)

/* The files shipped (ca/service/portal/, installed by ca/service/local.mk). */
static const struct {
	const char *name, *type;
} files[] = {
	{ "me.html", "text/html; charset=utf-8" },
	{ "person.html", "text/html; charset=utf-8" },
	{ "search.html", "text/html; charset=utf-8" },
	{ "portal.css", "text/css; charset=utf-8" },
	{ "portal.js", "text/javascript; charset=utf-8" },
	{ "me.js", "text/javascript; charset=utf-8" },
	{ "person.js", "text/javascript; charset=utf-8" },
	{ "search.js", "text/javascript; charset=utf-8" },
	{ "reports.html", "text/html; charset=utf-8" },
	{ "reports.js", "text/javascript; charset=utf-8" },
	{ "tac.html", "text/html; charset=utf-8" },
	{ "tac.js", "text/javascript; charset=utf-8" },
	{ "terms.html", "text/html; charset=utf-8" },
	{ "terms.js", "text/javascript; charset=utf-8" },
	{ "requests.html", "text/html; charset=utf-8" },
	{ "requests.js", "text/javascript; charset=utf-8" },
};
#define NFILES (sizeof(files) / sizeof(files[0]))
enum { ME_HTML = 0, PERSON_HTML = 1, SEARCH_HTML = 2 };

/* The index of the file called @name in files[]: -1 if none. */
static int
file_named(const char *name)
{
	size_t i;

	for (i = 0; i < NFILES; i++)
		if (strcmp(name, files[i].name) == 0)
			return (int)i;
	return -1;
}

struct svc_portal {
	struct svc_blob *blob[NFILES];
};

void
svc_portal_free(struct svc_portal *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < NFILES; i++)
		svc_blob_unref(p->blob[i]);
	free(p);
}

int
svc_portal_load(const char *dir, struct svc_portal **out, char *err, size_t errlen)
{
	struct svc_portal *p = calloc(1, sizeof(*p));
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t i, len = 0;
	int e, r = CA_ERR_ALLOC;

	*out = NULL;
	if (p == NULL)
		goto out;
	for (i = 0; i < NFILES; i++) {
		if (asprintf(&path, "%s/%s", dir, files[i].name) < 0) {
			path = NULL;
			goto out;
		}
		if ((e = util_file_read_all(path, FILE_MAX, &buf, &len)) != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-e));
			r = CA_ERR_IO;
			goto out;
		}
		if ((p->blob[i] = svc_blob_new(buf, len, 0, 0)) == NULL)
			goto out;
		free(buf);
		free(path);
		buf = NULL;
		path = NULL;
	}
	*out = p;
	p = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_ALLOC)
		snprintf(err, errlen, "out of memory");
	free(buf);
	free(path);
	svc_portal_free(p);
	return r;
}

bool
svc_portal_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0 || strcmp(path, "/portal") == 0;
}

/* The file @path names: -1 if none. */
static int
file_of(const char *path)
{
	const char *rest;
	size_t i;

	if (strcmp(path, "/portal") == 0 || strcmp(path, PREFIX) == 0)
		return ME_HTML;
	if (strncmp(path, PERSON, sizeof(PERSON) - 1) == 0 || strcmp(path, PREFIX "person") == 0) {
		/* /portal/person/UUID: the page reads the UUID from its address */
		rest = path + strlen(PREFIX "person");
		return strchr(rest + (*rest == '/'), '/') == NULL ? PERSON_HTML : -1;
	}
	if (strcmp(path, PREFIX "search") == 0)
		return SEARCH_HTML;	/* /portal/search?q=TEXT */
	if (strcmp(path, PREFIX "reports") == 0)
		return file_named("reports.html");	/* /portal/reports?days=N */
	if (strcmp(path, PREFIX "tac") == 0)
		return file_named("tac.html");
	if (strcmp(path, PREFIX "terms") == 0)
		return file_named("terms.html");	/* /portal/terms?next=PAGE */
	if (strcmp(path, PREFIX "requests") == 0)
		return file_named("requests.html");	/* /portal/requests[?state=S][&id=N] */
	for (i = 0; i < NFILES; i++)
		if (strcmp(path + sizeof(PREFIX) - 1, files[i].name) == 0)
			return (int)i;
	return -1;
}

void
svc_portal_handle(const struct svc_portal *p, struct evhttp_request *req, const char *path,
		  struct svc_reply *out)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	int i;

	memset(out, 0, sizeof(*out));
	if ((i = file_of(path)) < 0) {
		svc_reply_say(out, 404, "not-found", "not found (the portal: /portal/)\n");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		svc_reply_method(out, "GET, HEAD");
		return;
	}
	if (svc_request_ssl(req) == NULL) {
		svc_reply_say(out, 403, "portal-not-https", "the portal is served over HTTPS "
			      "only: use the service's https:// address\n");
		return;
	}
	if (p == NULL) {
		svc_reply_say(out, 404, "portal-not-installed", "the portal's pages are not "
			      "installed on this service (see serve.portal in "
			      "carecard-ca-serve(1))\n");
		return;
	}
	out->status = 200;
	out->outcome = "portal";
	out->blob = svc_blob_ref(p->blob[i]);
	out->type = files[i].type;
}

void
svc_portal_headers(struct evkeyvalq *out)
{
	evhttp_add_header(out, "Content-Security-Policy",
			  "default-src 'none'; script-src 'self'; style-src 'self'; "
			  "connect-src 'self'; img-src 'self'; form-action 'self'; "
			  "base-uri 'none'; frame-ancestors 'none'");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(out, "Cross-Origin-Resource-Policy", "same-origin");
}
