/*
 * bench-sign: C_Sign throughput of the carecard module against raw OpenSSL
 * with the same key type and size, and against SoftHSM2 holding the very key
 * raw OpenSSL uses, side by side in one run; plus C_Login and C_Initialize
 * latency of the module. Numbers are only meaningful as ratios within one
 * run (see tests/bench/README.md).
 *
 * usage: bench-sign --module SO --card-rsa LABEL --card-ec LABEL --pin PIN
 *                   --softhsm SO --hsm-label LABEL --hsm-pin PIN
 *                   --rsa-key PEM --ec-key PEM [--seconds S] [--markdown FILE]
 *                   [--only rsa|ec] [--cpu] [--kdf TEXT]
 * The SoftHSM token holds --rsa-key as CKA_ID 01 and --ec-key as CKA_ID 02;
 * each card holds its signing key as CKA_ID 02. --only measures one key type
 * (for profiling with perf/callgrind; the default measures both). --cpu adds
 * a table of CPU time (user + system, of the signing threads) per
 * signature: unlike the rates it hardly moves when other processes compete
 * for the cores, so it shows per-call overhead on a busy machine.
 *
 * Cells are measured interleaved: --seconds is cut into half-second slices
 * and every round measures one slice of every cell in turn, so a change in
 * the shared machine's state (other VMs, frequency) hits all cells alike.
 * Next to raw OpenSSL with two threads, raw OpenSSL in two independent
 * processes (nothing shared at all) shows what two cores give on this
 * machine at that moment: the ceiling for any 2-thread ÷ 1-thread ratio.
 *
 * RSA is measured as CKM_SHA256_RSA_PKCS over 64 bytes (EVP_DigestSign for
 * raw OpenSSL); ECDSA as CKM_ECDSA over a SHA-256 hash (EVP_PKEY_sign),
 * because SoftHSM2 2.6 has no CKM_ECDSA_SHA256 — and TLS stacks sign a
 * precomputed hash anyway.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "tests/lib/p11-client.h"

enum impl { IMPL_OPENSSL, IMPL_MODULE, IMPL_SOFTHSM };
static const char *const impl_name[] = { "raw OpenSSL", "carecard module", "SoftHSM2" };

struct target {
	struct pc_module *m;	/* NULL for raw OpenSSL */
	CK_SLOT_ID slot;
	const char *pin;
	unsigned char id;
	CK_MECHANISM_TYPE mech;
	EVP_PKEY *pkey;		/* raw OpenSSL */
};

struct job {
	const struct target *t;
	double seconds;
	long ops;
	int failed;
	double cpu;		/* thread CPU seconds spent in the loop */
};

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char msg[64];
static unsigned char msg_hash[32];	/* SHA-256 of msg, for the ECDSA rows */

static void *
run_openssl(void *arg)
{
	struct job *j = arg;
	unsigned char sig[1024];
	double until = pc_now() + j->seconds, c0 = thread_cpu();

	while (pc_now() < until) {
		size_t siglen = sizeof(sig);
		int ok;

		if (j->t->mech == CKM_ECDSA) {
			EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(j->t->pkey, NULL);

			ok = pctx != NULL && EVP_PKEY_sign_init(pctx) == 1 &&
			     EVP_PKEY_sign(pctx, sig, &siglen, msg_hash, sizeof(msg_hash)) == 1;
			EVP_PKEY_CTX_free(pctx);
		} else {
			EVP_MD_CTX *ctx = EVP_MD_CTX_new();

			ok = ctx != NULL &&
			     EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, j->t->pkey) == 1 &&
			     EVP_DigestSign(ctx, sig, &siglen, msg, sizeof(msg)) == 1;
			EVP_MD_CTX_free(ctx);
		}
		if (!ok) {
			j->failed = 1;
			return NULL;
		}
		j->ops++;
	}
	j->cpu = thread_cpu() - c0;
	return NULL;
}

static void *
run_p11(void *arg)
{
	struct job *j = arg;
	const struct target *t = j->t;
	CK_FUNCTION_LIST *fl = t->m->fl;
	CK_MECHANISM mech = { t->mech, NULL, 0 };
	CK_SESSION_HANDLE hs;
	CK_OBJECT_HANDLE key;
	unsigned char sig[1024], *in;
	CK_ULONG siglen, inlen;
	double until, c0;
	CK_RV rv;

	if ((rv = fl->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &hs)) != CKR_OK) {
		fprintf(stderr, "C_OpenSession: %s\n", pc_rv_name(rv));
		j->failed = 1;
		return NULL;
	}
	if ((rv = pc_find_object(t->m, hs, CKO_PRIVATE_KEY, &t->id, 1, &key)) != CKR_OK) {
		fprintf(stderr, "find key: %s\n", pc_rv_name(rv));
		j->failed = 1;
		goto out;
	}
	in = t->mech == CKM_ECDSA ? msg_hash : msg;
	inlen = t->mech == CKM_ECDSA ? sizeof(msg_hash) : sizeof(msg);
	until = pc_now() + j->seconds;
	c0 = thread_cpu();
	while (pc_now() < until) {
		siglen = sizeof(sig);
		if ((rv = fl->C_SignInit(hs, &mech, key)) != CKR_OK ||
		    (rv = fl->C_Sign(hs, in, inlen, sig, &siglen)) != CKR_OK) {
			fprintf(stderr, "sign: %s\n", pc_rv_name(rv));
			j->failed = 1;
			break;
		}
		j->ops++;
	}
	j->cpu = thread_cpu() - c0;
out:
	fl->C_CloseSession(hs);
	return NULL;
}

/* One cell's totals over all its slices. */
struct cell {
	long ops;
	double elapsed;		/* wall seconds */
	double cpu;		/* signing threads' CPU seconds */
};

static double
cell_rate(const struct cell *c)
{
	return c->elapsed > 0 ? (double)c->ops / c->elapsed : 0;
}

static double
cell_cpu_us(const struct cell *c)
{
	return c->ops > 0 ? c->cpu * 1e6 / (double)c->ops : 0;
}

/* One slice of @seconds with @threads threads, added to @c; -1 on failure. */
static int
measure(const struct target *t, int threads, double seconds, struct cell *c)
{
	pthread_t th[8];
	struct job jobs[8];
	double t0;
	int i, failed = 0;

	memset(jobs, 0, sizeof(jobs));
	t0 = pc_now();
	for (i = 0; i < threads; i++) {
		jobs[i].t = t;
		jobs[i].seconds = seconds;
		pthread_create(&th[i], NULL, t->m == NULL ? run_openssl : run_p11, &jobs[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		c->ops += jobs[i].ops;
		c->cpu += jobs[i].cpu;
		failed |= jobs[i].failed;
	}
	c->elapsed += pc_now() - t0;
	return failed ? -1 : 0;
}

/*
 * One slice of raw OpenSSL in two forked processes, one thread each:
 * nothing shared, not even the allocator or OpenSSL's locks. Only raw
 * OpenSSL runs in the children; the PKCS#11 modules stay untouched there.
 */
static int
measure_procs(const struct target *t, double seconds, struct cell *c)
{
	int fds[2][2], i, st, failed = 0;
	pid_t pid[2] = { -1, -1 };
	double t0 = pc_now();

	for (i = 0; i < 2; i++) {
		if (pipe(fds[i]) != 0)
			return -1;
		if ((pid[i] = fork()) == 0) {
			struct job j = { t, seconds, 0, 0, 0 };

			close(fds[i][0]);
			run_openssl(&j);
			if (j.failed)
				j.ops = -1;
			_exit(write(fds[i][1], &j, sizeof(j)) == (ssize_t)sizeof(j) ? 0 : 1);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < 2; i++) {
		struct job j;

		if (pid[i] < 0 || read(fds[i][0], &j, sizeof(j)) != (ssize_t)sizeof(j) || j.ops < 0)
			failed = 1;
		else {
			c->ops += j.ops;
			c->cpu += j.cpu;
		}
		close(fds[i][0]);
		if (pid[i] > 0)
			waitpid(pid[i], &st, 0);
	}
	c->elapsed += pc_now() - t0;
	return failed ? -1 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median milliseconds of @n C_Login/C_Logout pairs on @slot. */
static double
login_ms(struct pc_module *m, CK_SLOT_ID slot, const char *pin, int n)
{
	CK_SESSION_HANDLE hs;
	double v[32];
	int i;

	if (n > 32 || m->fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &hs) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		double t0 = pc_now();
		CK_RV rv = m->fl->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));

		v[i] = (pc_now() - t0) * 1000.0;
		if (rv != CKR_OK) {
			fprintf(stderr, "C_Login: %s\n", pc_rv_name(rv));
			return -1;
		}
		m->fl->C_Logout(hs);
	}
	m->fl->C_CloseSession(hs);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* Median milliseconds of @n C_Initialize + C_GetSlotList(present) + C_Finalize. */
static double
init_ms(struct pc_module *m, int n)
{
	double v[32];
	CK_ULONG count;
	int i;

	if (n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		double t0 = pc_now();

		if (pc_initialize(m) != CKR_OK)
			return -1;
		count = 0;
		m->fl->C_GetSlotList(CK_TRUE, NULL, &count);
		v[i] = (pc_now() - t0) * 1000.0;
		m->fl->C_Finalize(NULL);
	}
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static EVP_PKEY *
load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;

	if (f != NULL) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (k == NULL)
		fprintf(stderr, "cannot read private key %s\n", path);
	return k;
}

static CK_RV
open_logged_in(struct pc_module *m, const char *label, const char *pin, CK_SLOT_ID *slot,
	       CK_SESSION_HANDLE *keep)
{
	CK_RV rv;

	if ((rv = pc_find_token(m, label, slot)) != CKR_OK)
		return rv;
	/* A session kept open holds the application's login for the workers. */
	if ((rv = m->fl->C_OpenSession(*slot, CKF_SERIAL_SESSION, NULL, NULL, keep)) != CKR_OK)
		return rv;
	return m->fl->C_Login(*keep, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

struct opts {
	const char *module, *card_rsa, *card_ec, *pin, *softhsm, *hsm_label, *hsm_pin;
	const char *rsa_key, *ec_key, *markdown;
	const char *kdf;	/* the cards' passcode KDF, for the C_Login row */
	double seconds;
	int only;		/* -1: both key types; 0 RSA; 1 EC */
	int cpu;		/* also print CPU time per signature */
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "module", 1, NULL, 'm' }, { "card-rsa", 1, NULL, 'r' }, { "card-ec", 1, NULL, 'e' },
		{ "pin", 1, NULL, 'p' }, { "softhsm", 1, NULL, 's' }, { "hsm-label", 1, NULL, 'l' },
		{ "hsm-pin", 1, NULL, 'P' }, { "rsa-key", 1, NULL, 'R' }, { "ec-key", 1, NULL, 'E' },
		{ "seconds", 1, NULL, 't' }, { "markdown", 1, NULL, 'o' }, { "only", 1, NULL, 'k' },
		{ "cpu", 0, NULL, 'c' }, { "kdf", 1, NULL, 'K' }, { NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 2.0;
	o->only = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->module = optarg; break;
		case 'r': o->card_rsa = optarg; break;
		case 'e': o->card_ec = optarg; break;
		case 'p': o->pin = optarg; break;
		case 's': o->softhsm = optarg; break;
		case 'l': o->hsm_label = optarg; break;
		case 'P': o->hsm_pin = optarg; break;
		case 'R': o->rsa_key = optarg; break;
		case 'E': o->ec_key = optarg; break;
		case 't': o->seconds = atof(optarg); break;
		case 'o': o->markdown = optarg; break;
		case 'c': o->cpu = 1; break;
		case 'K': o->kdf = optarg; break;
		case 'k':
			if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ec") != 0)
				return -1;
			o->only = strcmp(optarg, "ec") == 0;
			break;
		default: return -1;
		}
	}
	if (!o->module || !o->card_rsa || !o->card_ec || !o->pin || !o->softhsm ||
	    !o->hsm_label || !o->hsm_pin || !o->rsa_key || !o->ec_key || o->seconds <= 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct pc_module mod, hsm;
	struct target t[2][3];
	CK_SESSION_HANDLE keep[4];
	CK_SLOT_ID s_rsa, s_ec, s_hsm;
	static const char *const kname[2] = { "RSA-2048 PKCS#1 v1.5 (SHA-256)",
					      "ECDSA P-256 (over a SHA-256 hash)" };
	struct cell cell[2][3][2], procs[2];
	double lms, ims;
	int round, rounds;
	FILE *md = NULL;
	int k, i, th, rc = 1;

	if (parse_opts(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: see the comment at the top of tests/bench/bench-sign.c\n");
		return 2;
	}
	memset(msg, 0x5a, sizeof(msg));
	SHA256(msg, sizeof(msg), msg_hash);
	if (pc_load(o.module, &mod) != 0 || pc_load(o.softhsm, &hsm) != 0)
		return 1;
	ims = init_ms(&mod, 21);
	if (pc_initialize(&mod) != CKR_OK || pc_initialize(&hsm) != CKR_OK) {
		fprintf(stderr, "C_Initialize failed\n");
		return 1;
	}
	if (pc_find_token(&mod, o.card_rsa, &s_rsa) != CKR_OK) {
		fprintf(stderr, "no card labelled %s\n", o.card_rsa);
		return 1;
	}
	lms = login_ms(&mod, s_rsa, o.pin, 11);
	if (open_logged_in(&mod, o.card_rsa, o.pin, &s_rsa, &keep[0]) != CKR_OK ||
	    open_logged_in(&mod, o.card_ec, o.pin, &s_ec, &keep[1]) != CKR_OK ||
	    open_logged_in(&hsm, o.hsm_label, o.hsm_pin, &s_hsm, &keep[2]) != CKR_OK) {
		fprintf(stderr, "cannot log in to the tokens\n");
		return 1;
	}
	memset(t, 0, sizeof(t));
	t[0][IMPL_OPENSSL] = (struct target){ NULL, 0, NULL, 0, CKM_SHA256_RSA_PKCS, load_key(o.rsa_key) };
	t[1][IMPL_OPENSSL] = (struct target){ NULL, 0, NULL, 0, CKM_ECDSA, load_key(o.ec_key) };
	t[0][IMPL_MODULE] = (struct target){ &mod, s_rsa, o.pin, 0x02, CKM_SHA256_RSA_PKCS, NULL };
	t[1][IMPL_MODULE] = (struct target){ &mod, s_ec, o.pin, 0x02, CKM_ECDSA, NULL };
	t[0][IMPL_SOFTHSM] = (struct target){ &hsm, s_hsm, o.hsm_pin, 0x01, CKM_SHA256_RSA_PKCS, NULL };
	t[1][IMPL_SOFTHSM] = (struct target){ &hsm, s_hsm, o.hsm_pin, 0x02, CKM_ECDSA, NULL };
	if (t[0][IMPL_OPENSSL].pkey == NULL || t[1][IMPL_OPENSSL].pkey == NULL)
		goto out;

	/* Half-second slices, every cell once per round (see the top). */
	memset(cell, 0, sizeof(cell));
	memset(procs, 0, sizeof(procs));
	rounds = (int)(o.seconds / 0.5 + 0.5);
	if (rounds < 1)
		rounds = 1;
	for (round = 0; round < rounds; round++)
		for (k = 0; k < 2; k++) {
			if (o.only >= 0 && k != o.only)
				continue;
			for (i = 0; i < 3; i++)
				for (th = 0; th < 2; th++)
					if (measure(&t[k][i], th + 1, o.seconds / rounds,
						    &cell[k][i][th]) != 0) {
						fprintf(stderr, "%s with %s failed\n", kname[k],
							impl_name[i]);
						goto out;
					}
			if (measure_procs(&t[k][IMPL_OPENSSL], o.seconds / rounds, &procs[k]) != 0) {
				fprintf(stderr, "%s in two processes failed\n", kname[k]);
				goto out;
			}
		}

	if (o.markdown != NULL && (md = fopen(o.markdown, "w")) == NULL)
		perror(o.markdown);
	for (FILE *f = stdout; f != NULL; f = (f == stdout ? md : NULL)) {
		fprintf(f, "| key | threads | raw OpenSSL /s | module /s | SoftHSM2 /s | module ÷ OpenSSL | module ÷ SoftHSM2 |\n");
		fprintf(f, "|---|---|---|---|---|---|---|\n");
		for (k = 0; k < 2; k++)
			for (th = 0; th < 2 && (o.only < 0 || k == o.only); th++)
				fprintf(f, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %.2f |\n", kname[k], th + 1,
					cell_rate(&cell[k][0][th]), cell_rate(&cell[k][1][th]),
					cell_rate(&cell[k][2][th]),
					cell_rate(&cell[k][1][th]) / cell_rate(&cell[k][0][th]),
					cell_rate(&cell[k][1][th]) / cell_rate(&cell[k][2][th]));
		if (o.cpu) {
			fprintf(f, "\n| key | threads | raw OpenSSL CPU µs/sig | module CPU µs/sig | SoftHSM2 CPU µs/sig | module ÷ OpenSSL (CPU) |\n");
			fprintf(f, "|---|---|---|---|---|---|\n");
			for (k = 0; k < 2; k++)
				for (th = 0; th < 2 && (o.only < 0 || k == o.only); th++)
					fprintf(f, "| %s | %d | %.1f | %.1f | %.1f | %.2f |\n", kname[k],
						th + 1, cell_cpu_us(&cell[k][0][th]),
						cell_cpu_us(&cell[k][1][th]), cell_cpu_us(&cell[k][2][th]),
						cell_cpu_us(&cell[k][0][th]) / cell_cpu_us(&cell[k][1][th]));
		}
		fprintf(f, "\n| measure | value |\n|---|---|\n");
		for (k = 0; k < 2; k++) {
			if (o.only >= 0 && k != o.only)
				continue;
			fprintf(f, "| module 2-thread ÷ 1-thread, %s | %.2f |\n", kname[k],
				cell_rate(&cell[k][1][1]) / cell_rate(&cell[k][1][0]));
			fprintf(f, "| raw OpenSSL 2-thread ÷ 1-thread, %s | %.2f |\n", kname[k],
				cell_rate(&cell[k][0][1]) / cell_rate(&cell[k][0][0]));
			fprintf(f, "| raw OpenSSL 2 processes ÷ 1 thread (the machine's ceiling), %s | %.2f |\n",
				kname[k], cell_rate(&procs[k]) / cell_rate(&cell[k][0][0]));
		}
		fprintf(f, "| C_Login median (%s) | %.1f ms |\n",
			o.kdf != NULL ? o.kdf : "the policy's KDF", lms);
		fprintf(f, "| C_Initialize + C_GetSlotList median | %.2f ms |\n", ims);
	}
	rc = 0;
out:
	if (md != NULL)
		fclose(md);
	EVP_PKEY_free(t[0][IMPL_OPENSSL].pkey);
	EVP_PKEY_free(t[1][IMPL_OPENSSL].pkey);
	mod.fl->C_Finalize(NULL);
	hsm.fl->C_Finalize(NULL);
	pc_unload(&mod);
	pc_unload(&hsm);
	return rc;
}
