/*
 * tests/fuzz/fuzz-http-fixture.c: see fuzz-http-fixture.h.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/thread.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/core/error.h"
#include "ca/service/accesslog.h"
#include "ca/service/http.h"
#include "ca/service/ocsp-answer.h"
#include "fuzz-http-fixture.h"

#ifndef CC_TOP_SRCDIR
#define CC_TOP_SRCDIR "."
#endif

static struct fuzz_fixture *fx;
static X509 *issuer;

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz fixture: %s\n", what);
		abort();
	}
}

static const char *
top(void)
{
	const char *t = getenv("top_srcdir");

	return t != NULL ? t : CC_TOP_SRCDIR;
}

static void
put(const char *serial, int hash, int revoked, int64_t basis)
{
	static const unsigned char fake[] = "a pre-signed response";
	struct ca_ocsp_resp r;

	memset(&r, 0, sizeof(r));
	r.issuer = "authentication";
	r.serial = serial;
	r.hash = hash;
	r.revoked = revoked;
	r.this_update = svc_now() - 60;
	r.next_update = svc_now() + 4 * 86400;
	r.signer = "00";
	r.basis = basis;
	r.der = fake;
	r.len = sizeof(fake);
	must(svc_store_put(fx->svc.store, CA_ISSUER_AUTH, &r) == CA_OK, "store put");
}

static void
site_make(void)
{
	struct pol_policy pol = *pol_policy_builtin();
	unsigned char *der = NULL;
	char err[256], path[4096];
	unsigned i;
	int n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fuzz/fuzz-ocsp-issuer.pem", top());
	must((f = fopen(path, "r")) != NULL, path);
	issuer = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	must(issuer != NULL, "issuer certificate");
	must((fx->site = svc_site_new()) != NULL, "site");
	must(ca_pub_names(&pol, NULL, &fx->site->names, err, sizeof(err)) == CA_OK, err);
	must(ca_ocsp_issuer_id(NULL, issuer, &fx->site->id[CA_ISSUER_AUTH]) == CA_OK, "ids");
	fx->site->has_id[CA_ISSUER_AUTH] = true;
	fx->site->max_age = 300;
	must((n = i2d_X509(issuer, &der)) > 0, "issuer DER");
	for (i = 0; i < fx->site->names.n; i++)
		if (fx->site->names.item[i].kind != CA_PUB_OCSP)
			svc_site_set(fx->site, i, svc_blob_new(der, (size_t)n, svc_now() - 3600,
							       svc_now() + 86400));
	OPENSSL_free(der);
	svc_current_swap(&fx->svc.site, svc_site_ref(fx->site));
}

struct fuzz_fixture *
fuzz_fixture_get(int with_worker)
{
	struct svc_listener l;
	struct svc_listen at = { "127.0.0.1", 0 };
	int h;

	if (fx != NULL)
		return fx;
	must((fx = calloc(1, sizeof(*fx))) != NULL, "memory");
	pthread_mutex_init(&fx->svc.mu, NULL);
	svc_current_init(&fx->svc.site);
	svc_config_defaults(&fx->svc.cfg);
	fx->svc.limits = fx->svc.cfg.limits;
	fx->svc.limits.request_timeout = 1;
	must(svc_ocsp_init() == CA_OK, "OCSP error responses");
	must(svc_store_new(&fx->svc.store) == CA_OK, "store");
	must(svc_ratelimit_new(0, 1, &fx->svc.rl) == CA_OK, "rate limit");
	must(svc_accesslog_open("off", &fx->svc.log) == CA_OK, "log");
	site_make();
	for (h = 0; h < CA_OCSP_NHASH; h++) {
		put("01", h, 0, 5);
		put("02", h, 1, 5);
		put("04", h, 0, 5);
	}
	must(svc_store_add(fx->svc.store, CA_ISSUER_AUTH, "03") == CA_OK, "add");
	must(svc_store_block(fx->svc.store, CA_ISSUER_AUTH, "04", 6) == CA_OK, "block");
	atomic_store(&fx->svc.loaded, true);
	atomic_store(&fx->svc.heartbeat, svc_now() + 3600);
	if (!with_worker)
		return fx;
	must(evthread_use_pthreads() == 0, "libevent threads");
	must(svc_listener_open(&at, false, 1, &l) == CA_OK, "listen");
	must(sscanf(l.shown, "http://127.0.0.1:%u", &fx->port) == 1, "port");
	must(svc_worker_new(&fx->svc, 0, &l, 1, &fx->worker) == CA_OK, "worker");
	svc_listener_close(&l, 1);
	must(svc_worker_start(fx->worker) == CA_OK, "worker thread");
	return fx;
}

void
fuzz_fixture_free(void)
{
	if (fx == NULL)
		return;
	if (fx->worker != NULL) {
		atomic_store(&fx->svc.stopping, true);
		svc_worker_stop(fx->worker);
		svc_worker_free(fx->worker);
	}
	svc_site_unref(fx->site);
	svc_store_free(fx->svc.store);
	svc_current_destroy(&fx->svc.site);
	svc_ratelimit_free(fx->svc.rl);
	svc_accesslog_free(fx->svc.log);
	pthread_mutex_destroy(&fx->svc.mu);
	svc_ocsp_cleanup();
	X509_free(issuer);
	free(fx);
	fx = NULL;
}

/* --- replay ------------------------------------------------------------ */

static int tap_n;

static void
replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t len;

	if (fp == NULL) {
		printf("not ok %d - %s: cannot open\n", ++tap_n, path);
		return;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);	/* a violated invariant aborts */
	printf("ok %d - %s\n", ++tap_n, path);
	fflush(stdout);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
replay_dir(const char *rel, int run)
{
	char path[4096], *names[1024];
	struct dirent *e;
	size_t n = 0, i;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", top(), rel);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < 1024)
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", top(), rel, names[i]);
		if (run)
			replay_file(path);
		free(names[i]);
	}
	return n;
}

int
fuzz_replay_main(int argc, char **argv, const char *const *dirs, size_t ndirs)
{
	size_t i, total = 0;

	if (argc > 1) {
		printf("1..%d\n", argc - 1);
		for (i = 1; i < (size_t)argc; i++)
			replay_file(argv[i]);
	} else {
		for (i = 0; i < ndirs; i++)
			total += replay_dir(dirs[i], 0);
		printf("1..%zu\n", total);
		for (i = 0; i < ndirs; i++)
			replay_dir(dirs[i], 1);
	}
	fuzz_fixture_free();
	return 0;
}
