/*
 * ca/cli-issue.c: "issue-cert" and "issue-certs".
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/cli/cli.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/issue.h"
#include "ca/ra/ops.h"
#include "ca/core/x509util.h"
#include "common/fileio.h"

static int
issue(struct cli_env *env, const struct cli_cmd *cmd, const struct cli_who *who,
      struct ca_issue_req *req, const char *csr_path, const char *out)
{
	struct ca_issued c = { NULL, NULL, 0 };
	struct ca_session *s = NULL;
	struct ca_result res;
	unsigned char *csr = NULL;
	size_t csrlen = 0;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = cli_read_input(csr_path, &csr, &csrlen)) != CA_OK)
		return r;
	req->csr = csr;
	req->csrlen = csrlen;
	if ((r = cli_session(env, cmd, true, who, &s)) != CA_OK)
		goto out;
	if ((r = ca_op_issue_cert(s, req, &c, &res)) == CA_OK &&
	    /* Recorded already: a failed write loses only this copy of the file. */
	    (r = cli_pem_out(out, "CERTIFICATE", c.der, c.derlen)) != CA_OK)
		ca_result_fail(&res, r, NULL, "certificate %s is issued and recorded, but %s "
			       "could not be written", c.serial, out);
	if (r == CA_OK)
		ca_ctx_point(s->ctx, "issue-cert", "written");
	r = cli_finish(env, cmd, s, r, &res);
out:
	ca_issued_clear(&c);
	free(csr);
	return r;
}

int
cli_issue_cert(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "profile", required_argument, NULL, 'p' },
		{ "csr", required_argument, NULL, 'c' },
		{ "holder", required_argument, NULL, 'H' },
		{ "card", required_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("issue-cert");
	struct ca_issue_req req;
	const char *csr = NULL, *out = NULL;
	struct cli_args g;
	int c, r;

	memset(&req, 0, sizeof(req));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'p': req.profile = optarg; break;
		case 'c': csr = optarg; break;
		case 'H': req.holder = optarg; break;
		case 'C': req.card = optarg; break;
		case 'o': out = optarg; break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--profile", req.profile, "--csr", csr, "--holder", req.holder,
			     "--out", out, NULL)) != CA_OK ||
	    (r = cli_output_check(cmd, "--out", out)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_OPERATOR;
	return issue(env, cmd, &g.who, &req, csr, out);
}

/*
 * "issue-certs": many requests from a list, through the group-commit path
 * (ca_cert_issue_many: one fsync per batch, signing pipelined with the
 * bookkeeping). List lines: PROFILE HOLDER CSR-FILE [CARD]; '#' starts a
 * comment. The whole list is checked (fields, files readable) before
 * anything is issued; then each request stands alone: a bad one is
 * reported with its line and the others are issued.
 */
struct list_entry {
	struct ca_issue_req req;
	unsigned char *csr;
	char *fields;		/* the line, split in place: req points into it */
	unsigned line;
};

struct req_list {
	struct list_entry *e;
	size_t n, cap;
};

static void
req_list_clear(struct req_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].csr);
		free(l->e[i].fields);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* One non-empty line into @e; a message on stderr and CA_ERR_INPUT if bad. */
static int
list_line_parse(const char *list, unsigned line, char *text, struct list_entry *e)
{
	char *f[5], *save = NULL, *tok;
	size_t nf = 0;
	int r;

	for (tok = strtok_r(text, " \t", &save); tok != NULL && nf < 5;
	     tok = strtok_r(NULL, " \t", &save))
		f[nf++] = tok;
	if (nf < 3 || nf > 4) {
		fprintf(stderr, "carecard-ca: issue-certs: %s:%u: expected PROFILE HOLDER CSR-FILE "
			"[CARD], found %zu field(s)\n", list, line, nf);
		return CA_ERR_INPUT;
	}
	if ((r = cli_read_input(f[2], &e->csr, &e->req.csrlen)) != CA_OK) {
		fprintf(stderr, "carecard-ca: issue-certs: %s:%u: cannot read %s\n", list, line, f[2]);
		return CA_ERR_INPUT;
	}
	e->req.profile = f[0];
	e->req.holder = f[1];
	e->req.csr = e->csr;
	e->req.card = nf == 4 ? f[3] : NULL;
	e->line = line;
	return CA_OK;
}

static int
list_read(const char *path, struct req_list *l)
{
	FILE *fp = cli_open_input(path);
	char *buf = NULL, *hash;
	size_t cap = 0;
	ssize_t len;
	unsigned line = 0;
	int r = CA_OK, bad = 0;

	if (fp == NULL)
		return CA_ERR_IO;
	while ((len = getline(&buf, &cap, fp)) >= 0) {
		struct list_entry e;

		line++;
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[strspn(buf, " \t")] == '\0')
			continue;
		memset(&e, 0, sizeof(e));
		if ((e.fields = strdup(buf)) == NULL) {
			r = CA_ERR_ALLOC;
			break;
		}
		if (list_line_parse(path, line, e.fields, &e) != CA_OK) {
			free(e.fields);
			bad = 1;		/* keep going: report every bad line */
			continue;
		}
		if (l->n == l->cap) {
			size_t nc = l->cap ? 2 * l->cap : 64;
			struct list_entry *ne = realloc(l->e, nc * sizeof(*ne));

			if (ne == NULL) {
				free(e.csr);
				free(e.fields);
				r = CA_ERR_ALLOC;
				break;
			}
			l->e = ne;
			l->cap = nc;
		}
		l->e[l->n++] = e;
	}
	free(buf);
	fclose(fp);
	if (r == CA_OK && bad)
		r = CA_ERR_INPUT;
	if (r == CA_OK && l->n == 0) {
		fprintf(stderr, "carecard-ca: issue-certs: %s: no requests\n", path);
		r = CA_ERR_INPUT;
	}
	return r;
}

/*
 * The certificates of one chunk of issued requests into DIR/<serial>.pem,
 * atomic each and durable together (one sync for the chunk, not two per
 * file); a line on stdout for each once it is on disk. They are recorded
 * already: a failed write loses only these copies of the files.
 */
static int
chunk_output(const char *dir, const struct list_entry *e, const struct ca_issued *c,
	     const int *each, size_t k)
{
	struct util_file_batch *b = NULL;
	char name[80], *pem = NULL;
	bool *staged = NULL;
	size_t i, n;
	int r, failed = 0;

	if ((r = -util_file_batch_new(dir, &b)) != 0 || (staged = calloc(k, sizeof(*staged))) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < k; i++) {
		if (each[i] != CA_OK)
			continue;
		staged[i] = snprintf(name, sizeof(name), "%s.pem", c[i].serial) < (int)sizeof(name) &&
			    ca_pem_encode("CERTIFICATE", c[i].der, c[i].derlen, &pem, &n) == CA_OK &&
			    util_file_batch_add(b, name, pem, n, 0644) == 0;
		free(pem);
		pem = NULL;
	}
	r = util_file_batch_commit(b) == 0 ? CA_OK : CA_ERR_IO;
	for (i = 0; i < k; i++) {
		if (each[i] != CA_OK)
			continue;
		if (r == CA_OK && staged[i]) {
			printf("%u %s %s/%s.pem\n", e[i].line, c[i].serial, dir, c[i].serial);
			continue;
		}
		fprintf(stderr, "carecard-ca: issue-certs: line %u: certificate %s is issued and "
			"recorded, but %s/%s.pem could not be written: export it from the registry\n",
			e[i].line, c[i].serial, dir, c[i].serial);
		failed = 1;
	}
	if (r == CA_OK && failed)
		r = CA_ERR_IO;
out:
	util_file_batch_free(b);
	free(staged);
	return r;
}

#define ISSUE_CHUNK 1024	/* requests per ca_cert_issue_many() call: progress in between */

/*
 * A chunk of issued requests on its way to disk: its files are written by a
 * thread of their own while the next chunk is signed, so the signers do not
 * wait for the file system (in this thread when no other can be started).
 */
struct chunk {
	const char *dir;
	const struct list_entry *e;	/* its first request's entry */
	struct ca_issued out[ISSUE_CHUNK];
	int each[ISSUE_CHUNK];
	size_t k;			/* requests in it; 0: none (not started) */
	int written;			/* chunk_output's result */
	pthread_t writer;
	bool running;
};

static void *
chunk_writer(void *arg)
{
	struct chunk *c = arg;

	c->written = chunk_output(c->dir, c->e, c->out, c->each, c->k);
	return NULL;
}

static void
chunk_write_start(struct chunk *c)
{
	c->running = pthread_create(&c->writer, NULL, chunk_writer, c) == 0;
	if (!c->running)
		chunk_writer(c);
}

/* Wait for @c's files, then report each of its requests; false if any failed. */
static bool
chunk_write_end(struct ca_session *s, struct chunk *c, const char *list, size_t *issued)
{
	bool ok;
	size_t i;

	if (c->k == 0)
		return true;
	if (c->running)
		pthread_join(c->writer, NULL);
	c->running = false;
	ok = c->written == CA_OK;
	for (i = 0; i < c->k; i++) {
		if (c->each[i] == CA_OK) {
			(*issued)++;
			ca_ctx_point(s->ctx, "issue-certs", "written");
		} else {
			fprintf(stderr, "carecard-ca: issue-certs: %s:%u: not issued: %s\n",
				list, c->e[i].line, ca_strerror(c->each[i]));
			ok = false;
		}
		ca_issued_clear(&c->out[i]);
	}
	c->k = 0;
	return ok;
}

static int
batch_issue(struct ca_session *s, struct req_list *l, size_t batch, const char *list,
	    const char *dir, struct ca_result *res)
{
	struct ca_issue_req *req = NULL;
	struct chunk *ch = NULL, *c;
	int r = CA_OK, failed = 0;
	size_t at, i, k, n = 0, issued = 0;

	req = calloc(ISSUE_CHUNK, sizeof(*req));
	ch = calloc(2, sizeof(*ch));
	if (req == NULL || ch == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	/* Chunk j is signed while chunk j - 1 is written; then j - 1 is
	 * reported and j written. One writer at a time: the lines on standard
	 * output stay in the list's order. */
	for (at = 0; at < l->n && r == CA_OK; at += k) {
		c = &ch[n++ % 2];
		k = l->n - at < ISSUE_CHUNK ? l->n - at : ISSUE_CHUNK;
		for (i = 0; i < k; i++)
			req[i] = l->e[at + i].req;
		memset(c->out, 0, k * sizeof(c->out[0]));
		r = ca_op_issue_certs(s, req, k, batch, c->out, c->each, res);
		if (!chunk_write_end(s, &ch[n % 2], list, &issued))	/* chunk j - 1 */
			failed = 1;
		if (r == CA_ERR_DENIED || r == CA_ERR_AUTH || r == CA_ERR_NOT_FOUND)
			break;		/* refused before anything was signed */
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "carecard-ca: issue-certs: %zu of %zu signed, %zu written\n",
				at + k, l->n, issued);
		c->dir = dir;
		c->e = &l->e[at];
		c->k = k;
		chunk_write_start(c);
	}
	if (!chunk_write_end(s, &ch[(n + 1) % 2], list, &issued))	/* the last one */
		failed = 1;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "carecard-ca: issue-certs: %zu of %zu done, %zu issued\n",
			at < l->n ? at : l->n, l->n, issued);
	/* A failed commit stops the run: say which requests were not tried. */
	for (; at < l->n; at++)
		fprintf(stderr, "carecard-ca: issue-certs: %s:%u: not issued: stopped after a "
			"failed commit; run the list again from here\n", list, l->e[at].line);
	if (r == CA_OK && failed)
		r = CA_ERR_INPUT;	/* every failure was reported with its line */
out:
	free(req);
	free(ch);
	return r;
}

int
cli_issue_certs(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "list", required_argument, NULL, 'L' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("issue-certs");
	struct req_list l = { NULL, 0, 0 };
	struct ca_session *s = NULL;
	struct ca_result res;
	const char *list = NULL, *dir = NULL;
	struct cli_args g;
	int c, r, e;
	long batch = 64;
	char *end;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'L': list = optarg; break;
		case 'o': dir = optarg; break;
		case 'b':
			batch = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || batch < 1 || batch > 4096)
				return cli_usage(cmd, "bad --batch '%s' (1-4096)", optarg);
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--list", list, "--out-dir", dir, NULL)) != CA_OK ||
	    (r = cli_output_check(cmd, "--out-dir", NULL)) != CA_OK)
		return r;
	if ((r = list_read(list, &l)) != CA_OK)
		goto out;
	if ((e = util_mkdir_p(dir, 0755)) != 0) {
		fprintf(stderr, "carecard-ca: issue-certs: %s: %s\n", dir, strerror(-e));
		r = CA_ERR_IO;
		goto out;
	}
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		goto out;
	r = batch_issue(s, &l, (size_t)batch, list, dir, &res);
	r = cli_finish(env, cmd, s, r, &res);
out:
	req_list_clear(&l);
	return r;
}
