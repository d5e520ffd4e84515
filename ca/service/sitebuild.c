/*
 * ca/service/sitebuild.c: see sitebuild.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/core/error.h"
#include "ca/service/sitebuild.h"
#include "ca/service/svc.h"
#include "common/fileio.h"
#include "common/log.h"

#define CRL_MAX (256 * 1024 * 1024)

static int64_t
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static struct svc_blob *
cert_blob(X509 *x)
{
	unsigned char *der = NULL;
	struct svc_blob *b = NULL;
	int n;

	if ((n = i2d_X509(x, &der)) > 0)
		b = svc_blob_new(der, (size_t)n, asn1_unix(X509_get0_notBefore(x)),
				 asn1_unix(X509_get0_notAfter(x)));
	OPENSSL_free(der);
	return b;
}

/* The issuing CA, its other generation during a rollover's overlap (NULL:
 * none), then the root, PEM (RFC 8555 9.1's chain format). */
static struct svc_blob *
chain_blob(X509 *ca, X509 *other, X509 *root)
{
	BIO *mem = BIO_new(BIO_s_mem());
	struct svc_blob *b = NULL;
	char *p = NULL;
	long n;

	if (mem != NULL && PEM_write_bio_X509(mem, ca) == 1 &&
	    (other == NULL || PEM_write_bio_X509(mem, other) == 1) &&
	    PEM_write_bio_X509(mem, root) == 1 &&
	    (n = BIO_get_mem_data(mem, &p)) > 0)
		b = svc_blob_new(p, (size_t)n, asn1_unix(X509_get0_notBefore(ca)),
				 asn1_unix(X509_get0_notAfter(ca)));
	BIO_free(mem);
	return b;
}

/* The effective policy, canonical, and its SHA-256 line (see site.h). */
static int
policy_blobs(const struct pol_policy *pol, struct svc_site *s)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char line[2 * SHA256_DIGEST_LENGTH + sizeof("  policy.yaml\n")];
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;
	int r = CA_ERR_ALLOC;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return CA_ERR_ALLOC;
	if (pol_policy_write_canonical(pol, fp) != POL_OK) {
		fclose(fp);
		goto out;
	}
	if (fclose(fp) != 0 || EVP_Digest(text, len, md, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < sizeof(md); i++)
		snprintf(line + 2 * i, 3, "%02x", md[i]);
	strcpy(line + 2 * sizeof(md), "  policy.yaml\n");
	if ((s->policy = svc_blob_new(text, len, 0, 0)) != NULL &&
	    (s->policy_sha256 = svc_blob_new(line, strlen(line), 0, 0)) != NULL)
		r = CA_OK;
out:
	free(text);
	return r;
}

/* The other generation of issuing CA @id while both are live, else NULL. */
static X509 *
other_gen(const struct ca_ctx *ctx, int id)
{
	int o = ca_issuer_sibling(id);

	return o >= 0 && ca_issuer_live(ctx, id, svc_now()) && ca_issuer_live(ctx, o, svc_now())
		? ctx->issuers[o].cert : NULL;
}

int
svc_sitebuild(struct ca_ctx *ctx, const struct pol_policy *pol, struct svc_site **out,
	      char *err, size_t errlen)
{
	struct svc_site *s;
	struct ca_pub_item *it;
	unsigned i;
	int r;

	if ((s = svc_site_new()) == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_pub_names(pol, ctx->issuers, &s->names, err, errlen)) != CA_OK)
		goto out;
	s->max_age = pol->ocsp.revocation_latency;
	if ((r = policy_blobs(pol, s)) != CA_OK)
		goto out;
	/* Every issuing CA generation answers OCSP at its role's URL while it
	 * has certificates (a rollover's previous one until the last expires). */
	for (i = CA_ISSUER_AUTH; i < CA_ISSUER_COUNT; i++) {
		if (!ca_issuer_live(ctx, (int)i, svc_now()))
			continue;
		if ((r = ca_ocsp_issuer_id(ctx->libctx, ctx->issuers[i].cert, &s->id[i])) != CA_OK)
			goto out;
		s->has_id[i] = true;
	}
	r = CA_ERR_ALLOC;
	for (i = 0; i < s->names.n; i++) {
		it = &s->names.item[i];
		if (it->kind == CA_PUB_CERT &&
		    (s->obj[i] = cert_blob(ctx->issuers[it->issuer].cert)) == NULL)
			goto out;
		if (it->kind == CA_PUB_CHAIN &&
		    (s->obj[i] = chain_blob(ctx->issuers[it->issuer].cert, other_gen(ctx, it->issuer),
					    ctx->issuers[CA_ISSUER_ROOT].cert)) == NULL)
			goto out;
	}
	*out = s;
	s = NULL;
	r = CA_OK;
out:
	if (r == CA_ERR_ALLOC)
		util_log_ossl_errors(__func__);
	svc_site_unref(s);
	return r;
}

int
svc_sitebuild_crl(struct ca_ctx *ctx, const struct svc_site *s, unsigned i, const char *root,
		  struct svc_filestamp *stamp, struct svc_blob **out)
{
	const struct ca_pub_item *it = &s->names.item[i];
	struct svc_filestamp now;
	const unsigned char *p;
	unsigned char *buf = NULL;
	X509_CRL *crl = NULL;
	struct stat st;
	char *path = NULL;
	size_t len = 0;
	int e, r = CA_OK;

	*out = NULL;
	if (asprintf(&path, "%s%s", root, it->path) < 0)
		return CA_ERR_ALLOC;
	memset(&now, 0, sizeof(now));
	if (stat(path, &st) == 0) {
		now.present = true;
		now.dev = st.st_dev;
		now.ino = st.st_ino;
		now.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		now.size = st.st_size;
	}
	if (!now.present || (stamp->present && now.dev == stamp->dev && now.ino == stamp->ino &&
			     now.mtime_ns == stamp->mtime_ns && now.size == stamp->size))
		goto out;
	*stamp = now;
	if ((e = util_file_read_all(path, CRL_MAX, &buf, &len)) != 0) {
		util_log(LOG_ERR, "%s: %s", path, strerror(-e));
		goto out;
	}
	/* Serve only what the CA signed: a stray or damaged file is logged
	 * and the previous CRL kept. */
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL || p != buf + len ||
	    X509_CRL_verify(crl, X509_get0_pubkey(ctx->issuers[it->issuer].cert)) != 1) {
		util_log(LOG_ERR, "%s is not a CRL of the %s CA; not served", path,
			 ctx->issuers[it->issuer].name);
		ERR_clear_error();
		goto out;
	}
	if ((*out = svc_blob_new(buf, len, asn1_unix(X509_CRL_get0_lastUpdate(crl)),
				 asn1_unix(X509_CRL_get0_nextUpdate(crl)))) == NULL)
		r = CA_ERR_ALLOC;
out:
	X509_CRL_free(crl);
	free(buf);
	free(path);
	return r;
}

int
svc_sitebuild_publish_certs(const struct svc_site *s, const char *root)
{
	const struct ca_pub_item *it;
	unsigned char *have = NULL;
	size_t len = 0;
	char *path = NULL;
	unsigned i;
	int r = CA_OK;

	for (i = 0; i < s->names.n && r == CA_OK; i++) {
		it = &s->names.item[i];
		if ((it->kind != CA_PUB_CERT && it->kind != CA_PUB_CHAIN) || s->obj[i] == NULL)
			continue;
		if (asprintf(&path, "%s%s", root, it->path) < 0)
			return CA_ERR_ALLOC;
		if (util_file_read_all(path, 1 << 20, &have, &len) != 0 || len != s->obj[i]->len ||
		    memcmp(have, s->obj[i]->data, len) != 0)
			r = ca_pub_write(root, it, s->obj[i]->data, s->obj[i]->len);
		free(have);
		free(path);
		have = NULL;
		path = NULL;
	}
	return r;
}
