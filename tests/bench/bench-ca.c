/*
 * bench-ca: the CA's issuance and CRL speed, in process, through the same
 * issuing core the CLI runs (see tests/bench/README-ca.md; run-bench-ca.sh
 * drives it next to `openssl ca`). It calls ca/core directly, below the
 * library's gate: ca_op_issue_cert(s) (ca/ra/op-pki.c) adds one
 * authorization per holder and call, and carecard-ca an operator's card
 * login per process; run-bench-ca.sh's command-line rows include both.
 *
 *   bench-ca csrs  --out DIR --count N [--key rsa|ec]
 *       N PKCS#10 requests DIR/csr-NNNNN.pem (a pool of 8 keys, distinct
 *       subjects), so that carecard-ca and `openssl ca` issue the same ones.
 *   bench-ca issue --state DIR --csrs DIR [--seconds S] [--rounds R]
 *                  [--group K] [--markdown FILE]
 *       bare: ca_signer_sign_digest() on the Authentication CA's token key
 *             (DigestInfo + C_SignInit + C_Sign, the issuing path's own call);
 *       ca_cert_issue() with one commit per certificate, synchronous=FULL
 *             and synchronous=NORMAL;
 *       ca_cert_issue_many() on 1024 requests per call, K per commit
 *       (group commit, synchronous=FULL, default 64 as issue-certs; the
 *       signers go on with the next batch while the previous one commits).
 *       (--only M runs mode M alone, 0..4 in that order, for profiling;
 *       4: bare C_Sign on two sessions, two threads — signer lanes.)
 *       The modes alternate in R rounds of S/R seconds each, so load from
 *       other processes hits them alike; rates are totals over the rounds.
 *   bench-ca crl   --state DIR --entries N --index FILE [--markdown FILE]
 *       Adds revoked certificates of the Authentication CA until it has N
 *       (one transaction, untimed), writes the same entries as an
 *       `openssl ca` index.txt to FILE, then times ca_crl_generate() plus
 *       writing the PEM file (best of 3).
 *
 * Numbers are only meaningful as ratios within one run.
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "ca/core/crl.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/core/signer.h"
#include "ca/core/x509util.h"

#define HOLDER "300000000003"
#define NOW 1800000000L
#define MAX_GROUP 256
#define PER_CALL 1024		/* requests per ca_cert_issue_many() call, as issue-certs sends */

struct opts {
	const char *cmd, *out, *state, *csrs, *key, *markdown, *index;
	long count, entries;
	double seconds;
	int rounds, group, only;	/* only: run one mode (profiling), -1 all */
};

struct csrset {
	unsigned char **der;
	size_t *len;
	size_t n;
};

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* ---- csrs ---- */

static int
csr_write(const char *dir, long i, EVP_PKEY *k)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	char path[4096], cn[64];
	FILE *f = NULL;
	int ok = 0;

	snprintf(cn, sizeof(cn), "bench request %ld", i);
	snprintf(path, sizeof(path), "%s/csr-%05ld.pem", dir, i);
	if (req == NULL || n == NULL ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_REQ_set_subject_name(req, n) != 1 || X509_REQ_set_pubkey(req, k) != 1 ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0 || (f = fopen(path, "w")) == NULL)
		goto out;
	ok = PEM_write_X509_REQ(f, req) == 1;
out:
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	X509_NAME_free(n);
	X509_REQ_free(req);
	return ok ? 0 : -1;
}

static int
cmd_csrs(const struct opts *o)
{
	EVP_PKEY *keys[8] = { NULL };
	int ec = o->key != NULL && strcmp(o->key, "ec") == 0;
	long i;
	int rc = 1;

	for (i = 0; i < 8; i++) {
		keys[i] = ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
			     : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		if (keys[i] == NULL)
			goto out;
	}
	for (i = 0; i < o->count; i++)
		if (csr_write(o->out, i, keys[i % 8]) != 0) {
			fprintf(stderr, "bench-ca: cannot write request %ld in %s\n", i, o->out);
			goto out;
		}
	rc = 0;
out:
	for (i = 0; i < 8; i++)
		EVP_PKEY_free(keys[i]);
	return rc;
}

/* ---- issue ---- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
file_read(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char tmp[65536];
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	if (n == 0 || n == sizeof(tmp) || (*buf = malloc(n)) == NULL)
		return -1;
	memcpy(*buf, tmp, n);
	*len = n;
	return 0;
}

static int
csrs_load(const char *dir, struct csrset *set)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	int rc = -1;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "csr-", 4) != 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 256) * sizeof(*names));

			if (nn == NULL)
				goto out;
			names = nn;
			cap = cap ? cap * 2 : 256;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	set->der = calloc(n, sizeof(*set->der));
	set->len = calloc(n, sizeof(*set->len));
	if (n == 0 || set->der == NULL || set->len == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (file_read(path, &set->der[i], &set->len[i]) != 0)
			goto out;
		set->n++;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static void
csrs_free(struct csrset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->der[i]);
	free(set->der);
	free(set->len);
}

enum mode { M_BARE, M_NORMAL, M_FULL, M_GROUP, M_BARE2, M_COUNT };

static const char *const mode_name[M_COUNT] = {
	"bare C_Sign, CA key in SoftHSM2 (same signer)",
	"issuance, commit per certificate, synchronous=NORMAL",
	"issuance, commit per certificate, synchronous=FULL",
	"issuance, group commit, synchronous=FULL",
	"bare C_Sign on two sessions, two threads (a signer lane each)",
};

struct runner {
	struct ca_ctx *ctx;
	struct csrset *csrs;
	size_t next;
	int group;
	long ops[M_COUNT];
	double secs[M_COUNT];
	double cpu[M_COUNT];	/* process CPU time, all threads */
};

static void
req_fill(struct runner *rn, struct ca_issue_req *q)
{
	memset(q, 0, sizeof(*q));
	q->profile = "authentication";
	q->holder = HOLDER;
	q->csr = rn->csrs->der[rn->next % rn->csrs->n];
	q->csrlen = rn->csrs->len[rn->next % rn->csrs->n];
	rn->next++;
}

static int
run_bare(struct runner *rn, double until, long *ops)
{
	struct ca_signer_key *k = ca_ctx_issuer(rn->ctx, "authentication")->key;
	unsigned char dig[32], sig[512];
	size_t siglen;

	memset(dig, 0x5a, sizeof(dig));
	while (now_s() < until) {
		siglen = sizeof(sig);
		if (ca_signer_sign_digest(k, NID_sha256, dig, sizeof(dig), sig, &siglen) != CA_OK)
			return -1;
		dig[0]++;
		(*ops)++;
	}
	return 0;
}

struct bare_arg {
	struct ca_signer_key *k;
	double until;
	long ops;
	int rc;
};

static void *
bare_thread(void *arg)
{
	struct bare_arg *a = arg;
	unsigned char dig[32], sig[512];
	size_t siglen;

	memset(dig, 0xa5, sizeof(dig));
	while (now_s() < a->until) {
		siglen = sizeof(sig);
		if (ca_signer_sign_digest(a->k, NID_sha256, dig, sizeof(dig), sig, &siglen) != CA_OK) {
			a->rc = -1;
			break;
		}
		dig[0]++;
		a->ops++;
	}
	return NULL;
}

/* The bare rate on two sessions at once: the ceiling for two signing threads. */
static int
run_bare2(struct runner *rn, double until, long *ops)
{
	struct ca_issuer *is = ca_ctx_issuer(rn->ctx, "authentication");
	struct bare_arg a[2] = { { is->key, until, 0, 0 }, { NULL, until, 0, 0 } };
	struct ca_signer *lane = NULL;
	pthread_t t;
	int rc = -1;

	if (ca_signer_lane_open(rn->ctx->signer, &lane) != CA_OK ||
	    ca_signer_key_get(lane, is->label, &a[1].k) != CA_OK ||
	    pthread_create(&t, NULL, bare_thread, &a[1]) != 0)
		goto out;
	bare_thread(&a[0]);
	pthread_join(t, NULL);
	*ops += a[0].ops + a[1].ops;
	rc = a[0].rc == 0 && a[1].rc == 0 ? 0 : -1;
out:
	ca_signer_lane_free(lane);
	return rc;
}

static int
run_single(struct runner *rn, double until, long *ops)
{
	struct ca_issue_req q;
	struct ca_issued c;

	while (now_s() < until) {
		req_fill(rn, &q);
		memset(&c, 0, sizeof(c));
		if (ca_cert_issue(rn->ctx, &q, &c) != CA_OK)
			return -1;
		ca_issued_clear(&c);
		(*ops)++;
	}
	return 0;
}

static int
run_group(struct runner *rn, double until, long *ops)
{
	static struct ca_issue_req q[PER_CALL];	/* too big for a stack */
	static struct ca_issued c[PER_CALL];
	static int res[PER_CALL];
	int i, n = PER_CALL;

	while (now_s() < until) {
		for (i = 0; i < n; i++)
			req_fill(rn, &q[i]);
		memset(c, 0, sizeof(c[0]) * (size_t)n);
		if (ca_cert_issue_many(rn->ctx, q, (size_t)n, (size_t)rn->group, c, res) != CA_OK)
			return -1;
		for (i = 0; i < n; i++) {
			if (res[i] != CA_OK || c[i].der == NULL)
				return -1;
			ca_issued_clear(&c[i]);
		}
		*ops += n;
	}
	return 0;
}

static int
run_mode(struct runner *rn, enum mode m, double secs)
{
	double t0 = now_s(), until = t0 + secs, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	long ops = 0;
	int rc;

	if (m != M_BARE && m != M_BARE2 &&
	    ca_reg_durability_set(rn->ctx->reg, m == M_NORMAL ? "normal" : "full") != CA_OK)
		return -1;
	switch (m) {
	case M_BARE: rc = run_bare(rn, until, &ops); break;
	case M_BARE2: rc = run_bare2(rn, until, &ops); break;
	case M_GROUP: rc = run_group(rn, until, &ops); break;
	default: rc = run_single(rn, until, &ops); break;
	}
	rn->secs[m] += now_s() - t0;
	rn->cpu[m] += clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	rn->ops[m] += ops;
	return rc;
}

static double
rate(const struct runner *rn, enum mode m)
{
	return rn->secs[m] > 0 ? (double)rn->ops[m] / rn->secs[m] : 0;
}

static double
cpu_ms(const struct runner *rn, enum mode m)
{
	return rn->ops[m] > 0 ? rn->cpu[m] * 1000.0 / (double)rn->ops[m] : 0;
}

/*
 * Rates are wall clock. CPU per operation counts every thread of the
 * process, so "CPU ratio" (bare CPU per signature ÷ CPU per certificate)
 * is the bookkeeping's share independent of how many cores were free.
 */
static void
issue_report(FILE *f, const struct runner *rn, const struct opts *o)
{
	double bare = rate(rn, M_BARE);
	int m;

	fprintf(f, "| measure (RSA-2048 CA key, %zu distinct CSRs) | per second | ÷ bare C_Sign"
		" | CPU ms each | CPU ratio |\n", rn->csrs->n);
	fprintf(f, "|---|---|---|---|---|\n");
	for (m = 0; m < M_COUNT; m++) {
		fprintf(f, "| %s", mode_name[m]);
		if (m == M_GROUP)
			fprintf(f, ", %d per commit", o->group);
		fprintf(f, " | %.0f | %.2f | %.3f | %.2f |\n", rate(rn, m), rate(rn, m) / bare,
			cpu_ms(rn, m), cpu_ms(rn, M_BARE) / cpu_ms(rn, m));
	}
}

static int
ctx_open_bench(const char *state, struct ca_ctx **out)
{
	struct ca_person h = { HOLDER, "Bench Holder", NULL, NULL };
	struct ca_person got = { 0 };
	int r;

	if ((r = ca_ctx_open(state, out)) != CA_OK) {
		fprintf(stderr, "bench-ca: cannot open the CA in %s: %s\n", state, ca_strerror(r));
		return -1;
	}
	(*out)->actor = "bench";
	/* run-bench-ca.sh registers the holder through an operator (identity
	 * checked), as carecard-ca requires; a standalone run adds them here,
	 * for the in-process modes only. */
	if (ca_reg_person_get((*out)->reg, HOLDER, &got) == CA_OK) {
		ca_person_clear(&got);
		return 0;
	}
	return ca_reg_person_add((*out)->reg, &h) == CA_OK ? 0 : -1;
}

static int
cmd_issue(const struct opts *o)
{
	struct csrset csrs = { NULL, NULL, 0 };
	struct runner rn;
	FILE *md = NULL;
	int i, m, rc = 1;

	memset(&rn, 0, sizeof(rn));
	if (csrs_load(o->csrs, &csrs) != 0) {
		fprintf(stderr, "bench-ca: no readable csr-*.pem in %s\n", o->csrs);
		goto out;
	}
	if (ctx_open_bench(o->state, &rn.ctx) != 0)
		goto out;
	rn.csrs = &csrs;
	rn.group = o->group;
	for (i = 0; i < o->rounds; i++)
		for (m = 0; m < M_COUNT; m++)
			if ((o->only < 0 || o->only == m) && run_mode(&rn, m, o->seconds / o->rounds) != 0) {
				fprintf(stderr, "bench-ca: %s failed\n", mode_name[m]);
				goto out;
			}
	issue_report(stdout, &rn, o);
	if (o->markdown != NULL && (md = fopen(o->markdown, "w")) != NULL) {
		issue_report(md, &rn, o);
		fclose(md);
	}
	rc = 0;
out:
	ca_ctx_free(rn.ctx);
	csrs_free(&csrs);
	return rc;
}

/* ---- crl ---- */

/* openssl ca's index.txt time format (UTCTime, YYMMDDHHMMSSZ). */
static void
utc(long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 32, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *const ossl_reason[] = {
	NULL, "keyCompromise", NULL, "affiliationChanged", "superseded",
	"cessationOfOperation",
};

/* The index file lists exactly what the registry holds. */
static int
index_write(sqlite3 *db, const char *index)
{
	sqlite3_stmt *sel = NULL;
	char rev[32], exp[32];
	FILE *f = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT serial, revocation_time, revocation_reason, not_after"
			       " FROM certificates WHERE status = 'revoked' AND issuer ="
			       " 'authentication'", -1, &sel, NULL) != SQLITE_OK ||
	    (f = fopen(index, "w")) == NULL)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int reason = sqlite3_column_int(sel, 2);
		const char *rs = reason > 0 && reason <= 5 ? ossl_reason[reason] : NULL;

		utc(sqlite3_column_int64(sel, 1), rev);
		utc(sqlite3_column_int64(sel, 3), exp);
		fprintf(f, "R\t%s\t%s%s%s\t%s\tunknown\t/CN=bench %s\n", exp, rev,
			rs != NULL ? "," : "", rs != NULL ? rs : "",
			(const char *)sqlite3_column_text(sel, 0),
			(const char *)sqlite3_column_text(sel, 0));
	}
	rc = fclose(f) == 0 ? 0 : -1;
	f = NULL;
out:
	if (f != NULL)
		fclose(f);
	sqlite3_finalize(sel);
	return rc;
}

/*
 * Add revoked certificates of the Authentication CA up to @n in total, in
 * one transaction on a connection of our own, and write every revoked one
 * to @index in `openssl ca` form. Serials: 16 bytes from a counter mixed
 * with a fixed multiplier (unique, spread like random ones).
 */
static int
crl_populate(const char *state, long n, const char *index)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *sel = NULL;
	char path[4096], serial[40];
	long have = 0, i;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/registry.db", state);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM certificates WHERE status = 'revoked'"
			       " AND issuer = 'authentication'", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_step(sel) != SQLITE_ROW)
		goto out;
	have = sqlite3_column_int64(sel, 0);
	if (sqlite3_prepare_v2(db, "INSERT INTO certificates (serial, holder, profile, issuer,"
			       " not_before, not_after, status, revocation_reason,"
			       " revocation_time, der) VALUES (?, '" HOLDER "', 'authentication',"
			       " 'authentication', ?, ?, 'revoked', ?, ?, x'00')", -1, &ins,
			       NULL) != SQLITE_OK)
		goto out;
	for (i = have; i < n; i++) {
		unsigned long long a = 0x9E3779B97F4A7C15ULL * (unsigned long long)(i + 1);

		snprintf(serial, sizeof(serial), "4%015llX%016llX", a >> 4, ~a);
		sqlite3_bind_text(ins, 1, serial, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, NOW - 86400);
		sqlite3_bind_int64(ins, 3, NOW + 3L * 365 * 86400);
		sqlite3_bind_int(ins, 4, (int)(i % 6 == 2 ? 0 : i % 6));
		sqlite3_bind_int64(ins, 5, NOW - i % 86400);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	rc = index_write(db, index);
out:
	if (rc != 0)
		fprintf(stderr, "bench-ca: populating %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_close(db);
	return rc;
}

static int
cmd_crl(const struct opts *o)
{
	struct ca_ctx *ctx = NULL;
	struct ca_crl_opts co = { "authentication", 0, 7, NOW };
	unsigned char *der = NULL;
	char out[4096];
	size_t len = 0;
	long number;
	double best = 1e9, t0;
	FILE *md = NULL;
	int i, rc = 1;

	if (crl_populate(o->state, o->entries, o->index) != 0 ||
	    ctx_open_bench(o->state, &ctx) != 0)
		goto out;
	snprintf(out, sizeof(out), "%s/crl/bench.crl.pem", o->state);
	for (i = 0; i < 3; i++) {
		t0 = now_s();
		if (ca_crl_generate(ctx, &co, &der, &len, &number) != CA_OK ||
		    ca_pem_write(out, "X509 CRL", der, len) != CA_OK) {
			fprintf(stderr, "bench-ca: CRL generation failed\n");
			goto out;
		}
		if (now_s() - t0 < best)
			best = now_s() - t0;
		OPENSSL_free(der);
		der = NULL;
	}
	printf("| CRL, %ld entries, in process (generate + sign + PEM file) | %.3f s | %zu bytes DER |\n",
	       o->entries, best, len);
	if (o->markdown != NULL && (md = fopen(o->markdown, "w")) != NULL) {
		fprintf(md, "%.3f %zu\n", best, len);
		fclose(md);
	}
	rc = 0;
out:
	OPENSSL_free(der);
	ca_ctx_free(ctx);
	return rc;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "out", 1, NULL, 'o' }, { "count", 1, NULL, 'n' }, { "key", 1, NULL, 'k' },
		{ "state", 1, NULL, 's' }, { "csrs", 1, NULL, 'c' }, { "seconds", 1, NULL, 't' },
		{ "rounds", 1, NULL, 'r' }, { "group", 1, NULL, 'g' }, { "markdown", 1, NULL, 'm' },
		{ "entries", 1, NULL, 'e' }, { "index", 1, NULL, 'i' }, { "only", 1, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 6;
	o->rounds = 3;
	o->group = 64;	/* issue-certs' default */
	o->only = -1;
	if (argc < 2)
		return -1;
	o->cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n': o->count = atol(optarg); break;
		case 'k': o->key = optarg; break;
		case 's': o->state = optarg; break;
		case 'c': o->csrs = optarg; break;
		case 't': o->seconds = atof(optarg); break;
		case 'r': o->rounds = atoi(optarg); break;
		case 'g': o->group = atoi(optarg); break;
		case 'm': o->markdown = optarg; break;
		case 'e': o->entries = atol(optarg); break;
		case 'i': o->index = optarg; break;
		case 'O': o->only = atoi(optarg); break;
		default: return -1;
		}
	}
	if (strcmp(o->cmd, "csrs") == 0)
		return o->out != NULL && o->count > 0 ? 0 : -1;
	if (strcmp(o->cmd, "issue") == 0)
		return o->state != NULL && o->csrs != NULL && o->seconds > 0 && o->rounds > 0 &&
		       o->group > 0 && o->group <= MAX_GROUP ? 0 : -1;
	if (strcmp(o->cmd, "crl") == 0)
		return o->state != NULL && o->entries > 0 && o->index != NULL ? 0 : -1;
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: see the comment at the top of tests/bench/bench-ca.c\n");
		return 2;
	}
	if (strcmp(o.cmd, "csrs") == 0)
		return cmd_csrs(&o);
	if (strcmp(o.cmd, "issue") == 0)
		return cmd_issue(&o);
	return cmd_crl(&o);
}
