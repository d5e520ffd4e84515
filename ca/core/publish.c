/*
 * ca/publish.c: names of the published objects. See publish.h.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/core/error.h"
#include "ca/core/publish.h"
#include "common/fileio.h"
#include "common/log.h"

static const char *const kind_names[] = {
	[CA_PUB_OCSP] = "ocsp", [CA_PUB_CRL] = "crl", [CA_PUB_DELTA_CRL] = "delta-crl",
	[CA_PUB_CERT] = "certificate", [CA_PUB_CHAIN] = "chain",
};

const char *
ca_pub_kind_name(enum ca_pub_kind kind)
{
	return kind <= CA_PUB_CHAIN ? kind_names[kind] : "?";
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CA_ERR_USAGE;
}

/* The path of an http(s) URL (the policy checked the scheme), validated. */
static int
url_path(const char *url, const char *key, char *out, size_t len, char *err, size_t errlen)
{
	const char *p = strstr(url, "://"), *c;

	if (p == NULL || (p = strchr(p + 3, '/')) == NULL)
		return fail(err, errlen, "%s: '%s' has no path", key, url);
	if (strlen(p) >= len)
		return fail(err, errlen, "%s: path too long", key);
	for (c = p; *c != '\0'; c++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~/-",
			   *c) == NULL)
			return fail(err, errlen, "%s: '%s': '%c' is not allowed in a published path",
				    key, url, *c);
	if (strstr(p, "//") != NULL || strstr(p, "/../") != NULL || strstr(p, "/./") != NULL ||
	    p[strlen(p) - 1] == '/' || strcmp(strrchr(p, '/'), "/..") == 0 ||
	    strcmp(strrchr(p, '/'), "/.") == 0)
		return fail(err, errlen, "%s: '%s' does not name a file", key, url);
	memcpy(out, p, strlen(p) + 1);
	return CA_OK;
}

/* @path with its extension (from the last '.' of the last segment, if
 * any) replaced by @suffix. */
static int
derive(const char *path, const char *suffix, bool keep_ext, char *out, size_t len)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	size_t stem = dot != NULL && dot > slash + 1 ? (size_t)(dot - path) : strlen(path);
	int n;

	n = snprintf(out, len, "%.*s%s%s", (int)stem, path, suffix,
		     keep_ext && stem < strlen(path) ? path + stem : "");
	return n > 0 && (size_t)n < len ? CA_OK : CA_ERR_USAGE;
}

static int
add(struct ca_pub_names *out, enum ca_pub_kind kind, enum ca_issuer_id issuer, const char *path)
{
	struct ca_pub_item *it;

	if (out->n == CA_PUB_MAX)
		return CA_ERR_INTERNAL;
	it = &out->item[out->n++];
	it->kind = kind;
	it->issuer = issuer;
	snprintf(it->path, sizeof(it->path), "%s", path);
	return CA_OK;
}

/* Distinct paths, and nothing below an OCSP URL (GET puts the request
 * there: RFC 6960 appendix A.1). */
static int
check_unique(const struct ca_pub_names *n, char *err, size_t errlen)
{
	unsigned i, j;
	size_t l;

	for (i = 0; i < n->n; i++) {
		for (j = 0; j < n->n; j++) {
			if (i == j)
				continue;
			if (j > i && strcmp(n->item[i].path, n->item[j].path) == 0)
				return fail(err, errlen, "two published objects at %s",
					    n->item[i].path);
			l = strlen(n->item[i].path);
			if (n->item[i].kind == CA_PUB_OCSP &&
			    strncmp(n->item[i].path, n->item[j].path, l) == 0 &&
			    n->item[j].path[l] == '/')
				return fail(err, errlen, "%s is below the OCSP URL %s",
					    n->item[j].path, n->item[i].path);
		}
	}
	return CA_OK;
}

int
ca_pub_gen_url(const char *url, int gen, char *out, size_t len)
{
	char suffix[16];

	if (gen <= 1) {
		if (strlen(url) >= len)
			return CA_ERR_USAGE;
		memcpy(out, url, strlen(url) + 1);
		return CA_OK;
	}
	snprintf(suffix, sizeof(suffix), "-%d", gen);
	return derive(url, suffix, true, out, len);
}

/* The CRLs, certificate and chain of issuing CA slot @id, generation @gen. */
static int
issuing_items(struct ca_pub_names *n, enum ca_issuer_id id, int gen, const char *role,
	      const char *crl_url, const char *cert_url, char *err, size_t errlen)
{
	char path[POL_TEXT_MAX], gpath[POL_TEXT_MAX], more[POL_TEXT_MAX], key[96];
	int r;

	snprintf(key, sizeof(key), "profiles.%s.crl-url", role);
	if ((r = url_path(crl_url, key, path, sizeof(path), err, errlen)) != CA_OK)
		return r;
	if (ca_pub_gen_url(path, gen, gpath, sizeof(gpath)) != CA_OK ||
	    derive(gpath, "-delta", true, more, sizeof(more)) != CA_OK)
		return fail(err, errlen, "%s: path too long", key);
	if ((r = add(n, CA_PUB_CRL, id, gpath)) != CA_OK ||
	    (r = add(n, CA_PUB_DELTA_CRL, id, more)) != CA_OK)
		return r;
	snprintf(key, sizeof(key), "publication.%s-certificate-url", role);
	if ((r = url_path(cert_url, key, path, sizeof(path), err, errlen)) != CA_OK)
		return r;
	if (ca_pub_gen_url(path, gen, gpath, sizeof(gpath)) != CA_OK ||
	    derive(gpath, "-chain.pem", false, more, sizeof(more)) != CA_OK)
		return fail(err, errlen, "%s: path too long", key);
	if ((r = add(n, CA_PUB_CERT, id, gpath)) != CA_OK)
		return r;
	return add(n, CA_PUB_CHAIN, id, more);
}

int
ca_pub_names(const struct pol_policy *pol, const struct ca_issuer *issuers,
	     struct ca_pub_names *out, char *err, size_t errlen)
{
	static const enum ca_issuer_id slots[] = { CA_ISSUER_AUTH, CA_ISSUER_SIGN,
						   CA_ISSUER_AUTH_PREV, CA_ISSUER_SIGN_PREV };
	const struct pol_publication *pub = &pol->publication;
	const char *role;
	struct ca_pub_names n;
	char path[POL_TEXT_MAX], key[96];
	const struct pol_profile *p;
	size_t i;
	int r, gen;

	memset(&n, 0, sizeof(n));
	/* One OCSP URL per role: it answers for every generation (by CertID). */
	for (i = 0; i < 2; i++) {
		role = ca_issuer_role(slots[i]);
		p = pol_profile_find(pol, role);
		snprintf(key, sizeof(key), "profiles.%s.ocsp-url", role);
		if ((r = url_path(p->ocsp_url, key, path, sizeof(path), err, errlen)) != CA_OK ||
		    (r = add(&n, CA_PUB_OCSP, slots[i], path)) != CA_OK)
			return r;
	}
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		gen = issuers != NULL ? issuers[slots[i]].gen : i < 2 ? 1 : 0;
		if (gen == 0)
			continue;
		role = ca_issuer_role(slots[i]);
		if ((r = issuing_items(&n, slots[i], gen, role, pol_profile_find(pol, role)->crl_url,
				       slots[i] == CA_ISSUER_AUTH || slots[i] == CA_ISSUER_AUTH_PREV
				       ? pub->authentication_certificate_url
				       : pub->signing_certificate_url, err, errlen)) != CA_OK)
			return r;
	}
	if ((r = url_path(pub->root_crl_url, "publication.root-crl-url", path, sizeof(path), err,
			  errlen)) != CA_OK ||
	    (r = add(&n, CA_PUB_CRL, CA_ISSUER_ROOT, path)) != CA_OK ||
	    (r = url_path(pub->root_certificate_url, "publication.root-certificate-url", path,
			  sizeof(path), err, errlen)) != CA_OK ||
	    (r = add(&n, CA_PUB_CERT, CA_ISSUER_ROOT, path)) != CA_OK)
		return r;
	if ((r = check_unique(&n, err, errlen)) != CA_OK)
		return r;
	*out = n;
	return CA_OK;
}

const char *
ca_pub_file(const struct ca_pub_item *it)
{
	return strrchr(it->path, '/') + 1;	/* paths always start with '/' */
}

const struct ca_pub_item *
ca_pub_find(const struct ca_pub_names *names, enum ca_pub_kind kind, enum ca_issuer_id issuer)
{
	unsigned i;

	for (i = 0; i < names->n; i++)
		if (names->item[i].kind == kind && names->item[i].issuer == issuer)
			return &names->item[i];
	return NULL;
}

int
ca_pub_write(const char *root, const struct ca_pub_item *it, const void *data, size_t len)
{
	char *path = NULL, *dir = NULL;
	int e, r = CA_ERR_ALLOC;

	if (asprintf(&path, "%s%s", root, it->path) < 0) {
		path = NULL;
		goto out;
	}
	if ((dir = strdup(path)) == NULL)
		goto out;
	*strrchr(dir, '/') = '\0';
	r = CA_ERR_IO;
	if ((e = util_mkdir_p(dir, 0755)) != 0) {
		util_log(LOG_ERR, "cannot create %s: %s", dir, strerror(-e));
		goto out;
	}
	if ((e = util_file_write_atomic(path, data, len, 0644)) != 0) {
		util_log(LOG_ERR, "cannot write %s: %s", path, strerror(-e));
		goto out;
	}
	r = CA_OK;
out:
	free(dir);
	free(path);
	return r;
}

void
ca_pub_sweep(const char *root, const struct ca_pub_names *names)
{
	char *pattern = NULL;
	glob_t g;
	size_t k;
	unsigned i;

	for (i = 0; i < names->n; i++) {
		if (names->item[i].kind == CA_PUB_OCSP ||
		    asprintf(&pattern, "%s%s.tmp.??????", root, names->item[i].path) < 0)
			continue;
		memset(&g, 0, sizeof(g));
		if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
			for (k = 0; k < g.gl_pathc; k++)
				if (unlink(g.gl_pathv[k]) == 0)
					util_log(LOG_INFO, "removed %s (a write that was killed)",
						 g.gl_pathv[k]);
		globfree(&g);
		free(pattern);
		pattern = NULL;
	}
}
