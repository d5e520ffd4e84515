/*
 * ca/service/serve.c: "carecard-ca serve", the CA as a network service —
 * OCSP, CRLs and CA certificates over HTTP (and HTTPS for what comes
 * next). The front end: options and configuration, listeners, the workers
 * and the scheduler, signals (SIGHUP reloads, SIGTERM/SIGINT stop after
 * the responses in flight). See carecard-ca-serve(1) and ca/service/README.md.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>
#include <openssl/err.h>

#include "ca/cli/cli.h"
#include "ca/cli/test-hooks.h"
#include "ca/core/error.h"
#include "ca/ra/service-cert.h"
#include "ca/service/accesslog.h"
#include "ca/service/glue.h"
#include "ca/service/http.h"
#include "ca/service/ocsp-answer.h"
#include "ca/service/portal.h"
#include "ca/service/sched.h"
#include "ca/service/svc.h"
#include "ca/service/est.h"
#include "ca/service/tls.h"
#include "common/fileio.h"
#include "common/log.h"

enum { OPT_CONFIG = 1, OPT_HTTP, OPT_HTTPS, OPT_WORKERS, OPT_NO_JOBS, OPT_JOBS_ONLY, OPT_LOG };

/* What the command line said, applied over the configuration file. */
struct flags {
	const char *config;
	struct svc_listen http[SVC_LISTEN_MAX], https[SVC_LISTEN_MAX];
	unsigned nhttp, nhttps;
	long workers;		/* -1: not given */
	bool no_jobs;
	bool jobs_only;		/* the system jobs and no listener */
	const char *log;
};

static int
flags_parse(int argc, char **argv, struct cli_env *env, struct flags *f)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "http", required_argument, NULL, OPT_HTTP },
		{ "https", required_argument, NULL, OPT_HTTPS },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "no-jobs", no_argument, NULL, OPT_NO_JOBS },
		{ "jobs-only", no_argument, NULL, OPT_JOBS_ONLY },
		{ "access-log", required_argument, NULL, OPT_LOG },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("serve");
	struct cli_args g;
	char *end;
	int c;

	memset(f, 0, sizeof(*f));
	f->workers = -1;
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case OPT_CONFIG:
			f->config = optarg;
			break;
		case OPT_HTTP:
		case OPT_HTTPS:
			if ((c == OPT_HTTP ? f->nhttp : f->nhttps) == SVC_LISTEN_MAX ||
			    !svc_listen_parse(optarg, c == OPT_HTTP ? &f->http[f->nhttp]
					      : &f->https[f->nhttps]))
				return cli_usage(cmd, "bad address '%s' (ADDRESS:PORT, [V6]:PORT)",
						 optarg);
			if (c == OPT_HTTP)
				f->nhttp++;
			else
				f->nhttps++;
			break;
		case OPT_WORKERS:
			f->workers = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || f->workers < 0 || f->workers > 256)
				return cli_usage(cmd, "bad --workers '%s' (0-256; 0: one per core)",
						 optarg);
			break;
		case OPT_NO_JOBS:
			f->no_jobs = true;
			break;
		case OPT_JOBS_ONLY:
			f->jobs_only = true;
			break;
		case OPT_LOG:
			f->log = optarg;
			break;
		}
	}
	if (g.r == CA_OK && f->no_jobs && f->jobs_only)
		return cli_usage(cmd, "--no-jobs and --jobs-only exclude each other");
	return cli_args_end(&g);
}

/* Defaults, then the file, then the flags. */
static int
config_build(const struct flags *f, struct svc_config *c)
{
	char err[512];
	int r;

	svc_config_defaults(c);
	if (f->config != NULL && (r = svc_config_load(c, f->config, err, sizeof(err))) != CA_OK) {
		fprintf(stderr, "carecard-ca: serve: %s\n", err);
		return r;
	}
	if (f->nhttp > 0 || f->nhttps > 0) {	/* flags name the whole set */
		memcpy(c->http, f->http, sizeof(c->http));
		memcpy(c->https, f->https, sizeof(c->https));
		c->nhttp = f->nhttp;
		c->nhttps = f->nhttps;
	}
	if (f->workers >= 0)
		c->workers = (unsigned)f->workers;
	if (f->no_jobs)
		c->jobs = false;
	if (f->jobs_only) {	/* the pre-signing and CRL job alone */
		c->jobs = true;
		c->nhttp = c->nhttps = 0;
		return CA_OK;
	}
	if (f->log != NULL)
		snprintf(c->access_log, sizeof(c->access_log), "%s", f->log);
	if (c->nhttp + c->nhttps == 0) {
		fprintf(stderr, "carecard-ca: serve: no address to listen on\n");
		return CA_ERR_USAGE;
	}
	return CA_OK;
}

static void
svc_clear(struct svc *svc)
{
	svc_store_free(svc->store);
	svc_current_destroy(&svc->site);
	svc_ratelimit_free(svc->rl);
	svc_ratelimit_free(svc->cert_rl);
	svc_accesslog_free(svc->log);
	SSL_CTX_free(svc->tls);
	svc_est_free(svc->est);
	svc_portal_free(svc->portal);
	pthread_mutex_destroy(&svc->mu);
	svc_ocsp_cleanup();
}

/*
 * HTTPS without a configured certificate: the CA's own, in STATE/tls/
 * (ca/ra/service-cert.h). Fills @c's paths; true when it did.
 */
static bool
tls_auto(struct svc_config *c, const char *state)
{
	if (c->nhttps == 0 || c->tls_cert[0] != '\0' || c->tls_key[0] != '\0')
		return false;
	if (strlen(state) + sizeof("/tls/service.pem") > sizeof(c->tls_cert))
		return false;	/* svc_tls_load then says what is missing */
	memcpy(c->tls_cert, state, strlen(state));
	strcpy(c->tls_cert + strlen(state), "/tls/service.pem");
	memcpy(c->tls_key, c->tls_cert, strlen(c->tls_cert) + 1);
	strcpy(c->tls_key + strlen(state), "/tls/service.key");
	return true;
}

/* The names the service answers HTTPS by: its listen addresses (not the
 * wildcards), localhost, 127.0.0.1 and this host's name. */
static size_t
tls_names(const struct svc_config *c, char store[][64], const char **names, size_t max)
{
	size_t n = 0, i;

	for (i = 0; i < c->nhttps && n + 3 < max; i++)
		if (strcmp(c->https[i].host, "0.0.0.0") != 0 && strcmp(c->https[i].host, "::") != 0 &&
		    strcmp(c->https[i].host, "127.0.0.1") != 0 && c->https[i].host[0] != '\0')
			names[n++] = c->https[i].host;
	names[n++] = "localhost";
	names[n++] = "127.0.0.1";
	if (gethostname(store[0], 63) == 0 && store[0][0] != '\0' &&
	    strcmp(store[0], "localhost") != 0) {
		store[0][63] = '\0';
		names[n++] = store[0];
	}
	return n;
}

/* The CA's own TLS certificate, issued now if missing or running out. */
static int
tls_auto_issue(struct svc *svc, struct ca_session *sess)
{
	const char *names[SVC_LISTEN_MAX + 3];
	char host[1][64], dir[SVC_PATH_MAX + 8], err[512];
	struct ca_result res;
	size_t n = tls_names(&svc->cfg, host, names, SVC_LISTEN_MAX + 3);
	int r;

	memset(&res, 0, sizeof(res));
	snprintf(dir, sizeof(dir), "%s/tls", svc->state);
	if (util_mkdir_p(dir, 0700) != 0) {
		fprintf(stderr, "carecard-ca: serve: cannot make %s\n", dir);
		return CA_ERR_IO;
	}
	if ((r = ca_op_service_cert(sess, svc->cfg.tls_cert, svc->cfg.tls_key, names, n, NULL,
				    &res)) != CA_OK) {
		ca_result_complete(&res, r);
		fprintf(stderr, "carecard-ca: serve: the TLS certificate: %s\n",
			res.text[0] != '\0' ? res.text : ca_strerror(r));
		return r;
	}
	if ((r = svc_tls_load(svc->cfg.tls_cert, svc->cfg.tls_key, &svc->tls, err,
			      sizeof(err))) != CA_OK)
		fprintf(stderr, "carecard-ca: serve: %s\n", err);
	return r;
}

static int
svc_init(struct svc *svc, const struct svc_config *c, const char *state, bool autotls)
{
	char err[512];
	int r;

	memset(svc, 0, sizeof(*svc));
	svc->cfg = *c;
	svc->limits = c->limits;
	snprintf(svc->state, sizeof(svc->state), "%s", state);
	pthread_mutex_init(&svc->mu, NULL);
	svc_current_init(&svc->site);
	if ((r = svc_ocsp_init()) != CA_OK || (r = svc_store_new(&svc->store)) != CA_OK ||
	    (r = svc_ratelimit_new(c->limits.rate, c->limits.burst, &svc->rl)) != CA_OK ||
	    (r = svc_ratelimit_new(c->limits.cert_rate, c->limits.cert_burst,
				   &svc->cert_rl)) != CA_OK ||
	    (r = svc_accesslog_open(c->access_log, &svc->log)) != CA_OK)
		return r;
	if (c->nhttps > 0 && !autotls && (r = svc_tls_load(c->tls_cert, c->tls_key, &svc->tls, err,
					       sizeof(err))) != CA_OK)
		fprintf(stderr, "carecard-ca: serve: %s\n", err);
	/* The portal's pages: without them the rest still serves. */
	if (r == CA_OK && c->nhttps > 0 &&
	    svc_portal_load(c->portal, &svc->portal, err, sizeof(err)) != CA_OK)
		util_log(LOG_WARNING, "portal: %s: /portal/ is not served (serve.portal names "
			 "the directory of its pages)", err);
	return r;
}

/* SIGHUP: limits, rate, access log and TLS from the file; the policy. */
static void
reload(struct svc *svc, const struct flags *f, struct svc_sched *sched)
{
	struct svc_config c;
	struct pol_policy *pol = NULL;
	SSL_CTX *tls = NULL, *old;
	char err[512];
	unsigned i;

	if (config_build(f, &c) != CA_OK) {
		util_log(LOG_ERR, "reload: configuration unchanged");
		return;
	}
	tls_auto(&c, svc->state);
	if (c.nhttps > 0 && svc_tls_load(c.tls_cert, c.tls_key, &tls, err, sizeof(err)) != CA_OK)
		util_log(LOG_ERR, "reload: %s; keeping the TLS certificate", err);
	if (tls != NULL && svc_est_tls_setup(svc->est, tls) != CA_OK) {
		util_log(LOG_ERR, "reload: TLS client authentication; keeping the TLS certificate");
		SSL_CTX_free(tls);
		tls = NULL;
	}
	pthread_mutex_lock(&svc->mu);
	svc->limits = c.limits;
	old = tls != NULL ? svc->tls : NULL;
	if (tls != NULL)
		svc->tls = tls;
	pthread_mutex_unlock(&svc->mu);
	SSL_CTX_free(old);
	svc_ratelimit_set(svc->rl, c.limits.rate, c.limits.burst);
	svc_ratelimit_set(svc->cert_rl, c.limits.cert_rate, c.limits.cert_burst);
	svc_accesslog_reopen(svc->log, c.access_log);
	atomic_fetch_add(&svc->reload_gen, 1);
	for (i = 0; i < svc->nworkers; i++)
		svc_worker_poke(svc->workers[i]);
	if (svc_glue_policy(svc->state, &pol, err, sizeof(err)) != CA_OK)
		util_log(LOG_ERR, "reload: policy: %s; keeping the policy", err);
	else
		svc_sched_policy(sched, pol);
	util_log(LOG_INFO, "reloaded %s (addresses and workers change on restart)", c.source);
}

static unsigned
worker_count(const struct svc_config *c)
{
	long n = c->workers > 0 ? (long)c->workers : sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Bind everything, print where, start the workers. */
static int
workers_start(struct svc *svc)
{
	struct svc_listener ls[2 * SVC_LISTEN_MAX];
	unsigned nls = 0, i, n = worker_count(&svc->cfg);
	int r = CA_OK;

	memset(ls, 0, sizeof(ls));
	for (i = 0; i < svc->cfg.nhttp + svc->cfg.nhttps && r == CA_OK; i++) {
		bool tls = i >= svc->cfg.nhttp;

		r = svc_listener_open(tls ? &svc->cfg.https[i - svc->cfg.nhttp] : &svc->cfg.http[i],
				      tls, n, &ls[nls]);
		if (r == CA_OK)
			nls++;
	}
	if (r == CA_OK && (svc->workers = calloc(n, sizeof(*svc->workers))) == NULL)
		r = CA_ERR_ALLOC;
	for (i = 0; r == CA_OK && i < n; i++)
		if ((r = svc_worker_new(svc, i, ls, nls, &svc->workers[i])) == CA_OK)
			svc->nworkers++;
	for (i = 0; r == CA_OK && i < svc->nworkers; i++)
		r = svc_worker_start(svc->workers[i]);
	if (r == CA_OK) {
		for (i = 0; i < nls; i++)
			printf("listening %s\n", ls[i].shown);
		printf("workers %u\n", n);
		fflush(stdout);
		util_log(LOG_INFO, "serving %s with %u workers", svc->state, n);
	}
	for (i = 0; i < nls; i++)
		svc_listener_close(&ls[i], n);
	return r;
}

static void
workers_stop(struct svc *svc)
{
	unsigned i;

	atomic_store(&svc->stopping, true);
	for (i = 0; i < svc->nworkers; i++)
		svc_worker_stop(svc->workers[i]);
	for (i = 0; i < svc->nworkers; i++)
		svc_worker_free(svc->workers[i]);
	free(svc->workers);
	svc->workers = NULL;
	svc->nworkers = 0;
}

/* Block until SIGTERM or SIGINT, reloading on SIGHUP. */
static void
signals_wait(struct svc *svc, const struct flags *f, struct svc_sched *sched, sigset_t *set)
{
	int sig;

	for (;;) {
		if ((sig = sigwaitinfo(set, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			util_log(LOG_ERR, "sigwaitinfo: %s", strerror(errno));
			return;
		}
		if (sig != SIGHUP) {
			util_log(LOG_INFO, "signal %d: stopping after the responses in flight", sig);
			return;
		}
		reload(svc, f, sched);
	}
}

int
cli_serve(int argc, char **argv, struct cli_env *env)
{
	struct flags f;
	struct svc_config cfg;
	struct svc svc;
	struct svc_sched *sched = NULL;
	struct ca_session *sess = NULL;
	struct ca_front front;
	struct pol_policy *pol = NULL;
	sigset_t set;
	char err[512];
	bool svc_ready = false, autotls;
	int r;

	if ((r = flags_parse(argc, argv, env, &f)) != CA_OK || (r = config_build(&f, &cfg)) != CA_OK)
		return r;
	if (env->state == NULL && cfg.state[0] != '\0')
		env->state = cfg.state;
	if ((r = cli_env_finish(env)) != CA_OK)
		return r;
	/* Signals are taken by this thread alone (sigwaitinfo): block them
	 * before any other thread exists. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (getuid() == 0)
		util_log(LOG_WARNING, "running as root: run the service as the CA's own account");
	if (evthread_use_pthreads() != 0) {
		r = CA_ERR_INTERNAL;
		goto out;
	}
	svc_ready = true;	/* svc_clear copes with a partial svc_init */
	autotls = tls_auto(&cfg, env->state);
	if ((r = svc_init(&svc, &cfg, env->state, autotls)) != CA_OK)
		goto out;
	memset(&front, 0, sizeof(front));
	front.state = env->state;
	cli_test_hooks(&front.hooks);
	if ((r = svc_glue_open(&front, cfg.jobs, &sess, err, sizeof(err))) != CA_OK) {
		fprintf(stderr, "carecard-ca: serve: %s%s\n", err, cfg.jobs ? " (the jobs run as "
			"the CA's own account, the owner of the state directory; --no-jobs "
			"serves without them)" : "");
		goto out;
	}
	if ((r = svc_glue_policy(env->state, &pol, err, sizeof(err))) != CA_OK) {
		fprintf(stderr, "carecard-ca: serve: policy: %s\n", err);
		goto out;
	}
	if (autotls && (r = tls_auto_issue(&svc, sess)) != CA_OK)
		goto out;
	/* EST: its answers made once, TLS asking for the card's certificate. */
	if ((r = svc_est_new(sess->ctx, pol, &svc.est)) != CA_OK ||
	    (r = svc_est_tls_setup(svc.est, svc.tls)) != CA_OK) {
		fprintf(stderr, "carecard-ca: serve: EST: %s\n", ca_strerror(r));
		goto out;
	}
	if ((r = svc_sched_new(&svc, sess, pol, cfg.jobs, &sched)) != CA_OK)
		goto out;
	svc.sched = sched;
	sess = NULL;
	pol = NULL;
	if ((r = svc_sched_load(sched)) != CA_OK ||
	    (!f.jobs_only && (r = workers_start(&svc)) != CA_OK) ||
	    (r = svc_sched_start(sched)) != CA_OK)
		goto out;
	if (f.jobs_only)
		util_log(LOG_INFO, "running the pre-signing and CRL jobs for %s (no listener)",
			 env->state);
	signals_wait(&svc, &f, sched, &set);
out:
	if (svc_ready)
		workers_stop(&svc);
	svc_sched_free(sched);
	ca_session_close(sess);
	pol_policy_free(pol);
	if (svc_ready)
		svc_clear(&svc);
	return r;
}
